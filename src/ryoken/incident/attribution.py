"""Attribution: who is the likely source of a leaked list?

The guilt model of Papadimitriou & Garcia-Molina, "Data Leakage Detection" (IEEE TKDE 23(1),
2011), section 4: every agent i (a staff member, a counter window, a print job) received a
set R_i of data subjects; the leaked set S holds the subjects the list's rows resolve to
(`ryoken.incident.leaks`); V_t is the set of agents that received t; p is the probability
that the target obtained t on its own (records from elsewhere, public data). With the
paper's assumption 2 — each agent in V_t equally likely to have leaked t — and objects
independent,

    Pr{G_i | S} = 1 − ∏_{t ∈ S ∩ R_i} (1 − (1 − p) / |V_t|)

This is the default ranking (`Weighting.UNIFORM`), and every suspect carries the number
exactly (`Suspect.uniform_probability`) whatever the ranking.

Choices around the model, and why:

- Broad agents. Under assumption 2 an agent who received nearly everyone (a reviewer) is
  blamed for every leaked object it received. Where the real source and such an agent
  received the same leaked objects they tie, and ties break on specificity,
  |S ∩ R_i| / |R_i| (the share of what the agent saw that leaked). Where rows from
  elsewhere happen to be more of the broad agent's subjects, it outranks the source.
  `Weighting.SPECIFICITY` relaxes assumption 2 as the paper allows: the chance that agent j
  leaked t proportional to w_j = 1/|R_j| (a leaker copies uniformly from what it received),
  i.e. w_i / Σ_{j ∈ V_t} w_j in place of 1/|V_t|. Measured, neither dominates: on a synthetic
  office with one reviewer who sees everyone and outsiders who are other clerks' subjects,
  uniform names the reviewer 40 times in 40, specificity the clerk 40 in 40
  (tests/unit/incident/test_attribution.py); on 55 runs of the simulator's S9 (10 leaked
  rows, 30% from elsewhere), uniform names the insider first 55 times, specificity 52 (it
  over-credits a reviewer who received fewer records in all and 4 of the 7 leaked). The
  paper's model stays the default; specificity is there for offices with an all-seeing role.
- p. Pass it, or let it be estimated as the share of the list's rows that name nobody in
  the office — no match, or only a weak one (clamped to [0.01, 0.9]): if 3 rows in 10 came
  from elsewhere, a prior of 0.3 that any one row did is the plain reading. A heuristic,
  and named as one in the result (`p_estimated`).
- Who "received" t depends on what the row shows: an agent who never saw the subject's phone
  cannot have written it down. With `field_aware` (default), V_t holds the agents that saw,
  for that subject, a field behind every column the row has (masked or match-only views
  count: at the counter the paper is in the clerk's hands); if nobody did, everyone who saw
  the subject at all.
- Canaries. A canary subject exists only on its planted path (a window, a staff member), so
  a leaked row that resolves to one names that path: decisive evidence, ranked first with
  confidence 1.0 regardless of the model. A canary planted at a window only names, among
  staff, whoever received it at that window. A canary that someone off its path also
  received (a canary touch) is no longer a single path: it decides nothing, counts in the
  model like any subject, and is listed in `canaries_off_path` with who touched it.

Each kind of agent (staff, window, print job) is ranked separately: a window is not an
alternative to the clerk who sat at it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import polars as pl

from ryoken.errors import InvalidInput
from ryoken.incident.exposures import EXPOSURE_SCHEMA, NON_STAFF_ACTORS
from ryoken.incident.leaks import FIELDS_OF_KIND, Candidate, RowMatch, RowStatus

P_MIN, P_MAX = 0.01, 0.9


class AgentKind(StrEnum):
    STAFF = "staff"
    WINDOW = "window"
    PRINT_JOB = "print_job"


_COLUMN = {AgentKind.STAFF: "actor", AgentKind.WINDOW: "terminal", AgentKind.PRINT_JOB: "job"}


class Weighting(StrEnum):
    UNIFORM = "uniform"  # the paper's assumption 2: each agent in V_t equally likely
    SPECIFICITY = "specificity"  # blame shared by 1/|R_j| (see the module docstring)


@dataclass(frozen=True, slots=True)
class Canary:
    """A planted subject, shown only along one path."""

    subject: str
    staff: str | None = None
    window: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One leaked object an agent received: which rows, which subject, shared with whom."""

    rows: tuple[int, ...]
    subject: str
    keys: tuple[str, ...]  # the columns that matched
    recipients: int  # |V_t|
    first_at: datetime | None  # the agent's first exposure to the subject (None: canary only)
    first_ref: int | None
    canary: bool = False


@dataclass(frozen=True, slots=True)
class Suspect:
    kind: AgentKind
    agent: str
    probability: float  # Pr{G_i | S} under the chosen weighting, or 1.0 on a canary hit
    uniform_probability: float  # the paper's formula as written (no canary override)
    leaked_received: int  # |S ∩ R_i|
    received: int  # |R_i|: every subject the agent was exposed to
    canary_hits: tuple[str, ...]
    evidence: tuple[Evidence, ...]  # ordered by first row

    @property
    def decisive(self) -> bool:
        return bool(self.canary_hits)

    @property
    def specificity(self) -> float:
        return self.leaked_received / self.received if self.received else 0.0


@dataclass(frozen=True)
class Attribution:
    p: float
    p_estimated: bool
    weighting: Weighting
    rows: tuple[RowMatch, ...]
    leaked_subjects: tuple[str, ...]  # S: the subjects resolved rows name, sorted
    staff: tuple[Suspect, ...]
    windows: tuple[Suspect, ...]
    print_jobs: tuple[Suspect, ...]
    # leaked canaries also received off their planted path: (subject, off-path staff)
    canaries_off_path: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def unmatched_rows(self) -> tuple[int, ...]:
        return tuple(m.row.row for m in self.rows if m.status is RowStatus.UNMATCHED)

    @property
    def unresolved_rows(self) -> tuple[int, ...]:
        """Rows with only weak or ambiguous candidates: shown, not counted in S."""
        unsure = (RowStatus.WEAK, RowStatus.AMBIGUOUS)
        return tuple(m.row.row for m in self.rows if m.status in unsure)

    def ranking(self, kind: AgentKind) -> tuple[Suspect, ...]:
        return {
            AgentKind.STAFF: self.staff,
            AgentKind.WINDOW: self.windows,
            AgentKind.PRINT_JOB: self.print_jobs,
        }[kind]


class ExposureTable:
    """Which agent received which subject, with which fields, over the whole period.

    Built from `ryoken.incident.exposures.exposures(source)` over every staff member (the
    frame in `EXPOSURE_SCHEMA`); non-staff actors (`system`, `kiosk`) are not agents.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        missing = {"subject", "field", "actor", "terminal", "job"} - set(frame.columns)
        if missing:
            raise InvalidInput(f"the exposure table lacks the columns {sorted(missing)}")
        if "first_at" not in frame.columns:
            frame = frame.with_columns(
                pl.lit(None, dtype=EXPOSURE_SCHEMA["first_at"]).alias("first_at")
            )
        if "first_ref" not in frame.columns:
            frame = frame.with_columns(pl.lit(-1, dtype=pl.Int64).alias("first_ref"))
        self._paths = frame.filter(
            pl.col("actor").is_not_null() & ~pl.col("actor").is_in(list(NON_STAFF_ACTORS))
        ).select("subject", "actor", "terminal")
        self._by_kind: dict[AgentKind, pl.DataFrame] = {}
        self._sizes: dict[AgentKind, dict[str, int]] = {}
        for kind, column in _COLUMN.items():
            rows = frame.filter(pl.col(column).is_not_null())
            if kind is AgentKind.STAFF:
                rows = rows.filter(~pl.col(column).is_in(list(NON_STAFF_ACTORS)))
            rows = (
                rows.select(
                    pl.col(column).alias("agent"), "subject", "field", "first_at", "first_ref"
                )
                .group_by(["agent", "subject", "field"])
                .agg(pl.col("first_at").min(), pl.col("first_ref").min())
            )
            self._by_kind[kind] = rows
            sizes = rows.group_by("agent").agg(pl.col("subject").n_unique().alias("n"))
            self._sizes[kind] = dict(
                zip(sizes["agent"].to_list(), sizes["n"].to_list(), strict=True)
            )

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]]) -> ExposureTable:
        """From plain rows with subject, field and actor (terminal, job optional)."""
        frame = pl.DataFrame(
            {
                "subject": [r["subject"] for r in rows],
                "field": [r["field"] for r in rows],
                "actor": [r.get("actor") for r in rows],
                "terminal": [r.get("terminal") for r in rows],
                "job": [r.get("job") for r in rows],
            },
            schema={n: pl.String for n in ("subject", "field", "actor", "terminal", "job")},
        )
        return cls(frame)

    def staff_paths(self, subject: str) -> dict[str, frozenset[str | None]]:
        """staff member → the windows (None: no window) at which they received `subject`."""
        rows = self._paths.filter(pl.col("subject") == subject)
        out: dict[str, set[str | None]] = {}
        for actor, terminal in rows.select("actor", "terminal").iter_rows():
            out.setdefault(actor, set()).add(terminal)
        return {a: frozenset(t) for a, t in out.items()}

    def received(self, kind: AgentKind, agent: str) -> int:
        return self._sizes[kind].get(agent, 0)

    def recipients(
        self, kind: AgentKind, subjects: Collection[str]
    ) -> dict[str, dict[str, _Received]]:
        """subject → agent → what it saw of the subject, for `subjects` only."""
        rows = (
            self._by_kind[kind]
            .filter(pl.col("subject").is_in(list(subjects)))
            .group_by(["subject", "agent"])
            .agg(pl.col("field"), pl.col("first_at").min(), pl.col("first_ref").min())
        )
        out: dict[str, dict[str, _Received]] = {}
        for subject, agent, names, first_at, first_ref in rows.iter_rows():
            out.setdefault(subject, {})[agent] = _Received(frozenset(names), first_at, first_ref)
        return out


@dataclass(frozen=True, slots=True)
class _Received:
    fields: frozenset[str]
    first_at: datetime | None
    first_ref: int | None


@dataclass
class _Object:
    subject: str
    rows: list[int]
    kinds: set[str]
    keys: tuple[str, ...]


def _objects(matches: Sequence[RowMatch]) -> dict[str, _Object]:
    objects: dict[str, _Object] = {}
    for m in matches:
        if m.status is not RowStatus.RESOLVED or m.subject is None:
            continue
        keys: tuple[str, ...] = next((c.keys for c in m.candidates if c.subject == m.subject), ())
        obj = objects.setdefault(m.subject, _Object(m.subject, [], set(), keys))
        obj.rows.append(m.row.row)
        obj.kinds.update(m.row.kinds)
    return objects


def estimate_p(matches: Sequence[RowMatch]) -> float:
    """The share of rows that name nobody in the office — unmatched, or matched only weakly
    (a common name, a shared birth date) — clamped to [P_MIN, P_MAX]."""
    if not matches:
        raise InvalidInput("the leaked list has no rows", message_ja="リストに行がありません。")
    elsewhere = (RowStatus.UNMATCHED, RowStatus.WEAK)
    unmatched = sum(1 for m in matches if m.status in elsewhere)
    return min(P_MAX, max(P_MIN, unmatched / len(matches)))


def _saw_row(seen: frozenset[str], kinds: Collection[str]) -> bool:
    return all(any(f in seen for f in FIELDS_OF_KIND.get(k, (k,))) for k in kinds)


def _rank(
    kind: AgentKind,
    objects: Mapping[str, _Object],
    table: ExposureTable,
    p: float,
    weighting: Weighting,
    field_aware: bool,
    canary_agents: Mapping[str, list[str]],
) -> tuple[Suspect, ...]:
    recipients = table.recipients(kind, list(objects))
    factors: dict[str, float] = {}
    uniform: dict[str, float] = {}
    evidence: dict[str, list[Evidence]] = {}
    for subject in sorted(objects):
        obj = objects[subject]
        got = recipients.get(subject, {})
        v_t = [a for a, r in got.items() if _saw_row(r.fields, obj.kinds)] if field_aware else []
        if not v_t:
            v_t = list(got)
        if not v_t:
            continue
        if weighting is Weighting.UNIFORM:
            weights = {a: 1.0 for a in v_t}
        else:
            weights = {a: 1.0 / max(1, table.received(kind, a)) for a in v_t}
        total = sum(weights.values())
        for agent in v_t:
            share = weights[agent] / total
            factors[agent] = factors.get(agent, 1.0) * (1.0 - (1.0 - p) * share)
            uniform[agent] = uniform.get(agent, 1.0) * (1.0 - (1.0 - p) / len(v_t))
            seen = got[agent]
            evidence.setdefault(agent, []).append(
                Evidence(
                    tuple(obj.rows), subject, obj.keys, len(v_t), seen.first_at, seen.first_ref
                )
            )
    for agent, planted in canary_agents.items():
        factors.setdefault(agent, 1.0)
        listed = {e.subject for e in evidence.get(agent, [])}
        for subject in planted:
            if subject not in listed:
                obj = objects[subject]
                evidence.setdefault(agent, []).append(
                    Evidence(tuple(obj.rows), subject, obj.keys, 1, None, None, True)
                )
    suspects = []
    for agent, factor in factors.items():
        canary_hits = tuple(sorted(canary_agents.get(agent, ())))
        items = evidence.get(agent, [])
        suspects.append(
            Suspect(
                kind=kind,
                agent=agent,
                probability=1.0 if canary_hits else 1.0 - factor,
                uniform_probability=1.0 - uniform.get(agent, 1.0),
                leaked_received=len({e.subject for e in items}),
                received=table.received(kind, agent),
                canary_hits=canary_hits,
                evidence=tuple(
                    sorted(
                        (replace(e, canary=e.subject in canary_hits) for e in items),
                        key=lambda e: (e.rows, e.subject),
                    )
                ),
            )
        )
    suspects.sort(
        key=lambda s: (not s.decisive, -len(s.canary_hits), -s.probability, -s.specificity, s.agent)
    )
    return tuple(suspects)


def attribute(
    matches: Sequence[RowMatch],
    table: ExposureTable,
    *,
    p: float | None = None,
    canaries: Collection[Canary] = (),
    weighting: Weighting = Weighting.UNIFORM,
    field_aware: bool = True,
) -> Attribution:
    """Rank staff, windows and print jobs as the source of the leaked rows `matches`."""
    if p is None:
        used_p, estimated = estimate_p(matches), True
    else:
        if not 0.0 <= p < 1.0:
            raise InvalidInput(f"p must be at least 0 and below 1, not {p}")
        used_p, estimated = p, False
    objects = _objects(matches)
    planted = {c.subject: c for c in canaries}
    hits: dict[AgentKind, dict[str, list[str]]] = {
        AgentKind.STAFF: {},
        AgentKind.WINDOW: {},
        AgentKind.PRINT_JOB: {},
    }
    off_path: list[tuple[str, tuple[str, ...]]] = []
    for subject in sorted(objects):
        canary = planted.get(subject)
        if canary is None:
            continue
        on_path, strays = _canary_path(canary, table.staff_paths(subject))
        if strays:  # touched off its path: no longer one path, so it decides nothing
            off_path.append((subject, strays))
            continue
        for staff in on_path:
            hits[AgentKind.STAFF].setdefault(staff, []).append(subject)
        if canary.window:
            hits[AgentKind.WINDOW].setdefault(canary.window, []).append(subject)
    ranked = {
        kind: _rank(kind, objects, table, used_p, weighting, field_aware, hits[kind])
        for kind in AgentKind
    }
    return Attribution(
        p=used_p,
        p_estimated=estimated,
        weighting=weighting,
        rows=tuple(matches),
        leaked_subjects=tuple(sorted(objects)),
        staff=ranked[AgentKind.STAFF],
        windows=ranked[AgentKind.WINDOW],
        print_jobs=ranked[AgentKind.PRINT_JOB],
        canaries_off_path=tuple(off_path),
    )


def _canary_path(
    canary: Canary, paths: Mapping[str, frozenset[str | None]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(staff on the canary's planted path, staff who received it off that path).

    Planted with a staff member: that member is the path. Planted at a window only: the
    staff who received it at that window are. Anyone else who received it is off it."""
    on: tuple[str, ...]
    if canary.staff:
        on = (canary.staff,)
        strays = tuple(sorted(a for a in paths if a != canary.staff))
    elif canary.window:
        on = tuple(sorted(a for a, windows in paths.items() if canary.window in windows))
        strays = tuple(sorted(a for a in paths if a not in on))
    else:
        on, strays = (), ()
    return on, strays


__all__ = [
    "AgentKind",
    "Attribution",
    "Canary",
    "Candidate",
    "Evidence",
    "ExposureTable",
    "Suspect",
    "Weighting",
    "attribute",
    "estimate_p",
]
