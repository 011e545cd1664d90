"""The simulator's events as rows, and the builders of the events it writes again and again.

Events are kept as plain tuples (`Row`) until the day is sorted and written: a year is
millions of them. `DayLog.add` appends one, at minutes after midnight office time (JST).
The builders spell each recurring event once (docs/events.md): `Grant` the events under a
grant (opened and closed, a person's record on screen as shown and masked fields, a search,
a workflow transition), `transition` a move by the system, `copier_log` a copier's own log
line. The counter (counter.py), the back office (backoffice.py) and break-glass (hooks.py)
write through them.
"""

from __future__ import annotations

import functools
import random
from datetime import UTC, date, datetime, timedelta, timezone
from operator import itemgetter

from ryoken.audit.events import DetailValue, EventCode
from ryoken.privacy.policy import Exposure, policy_for
from ryoken.sim.office import SimApplication
from ryoken.sim.shown import ShownLog

JST = timezone(timedelta(hours=9))
MIN_US = 60_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

C = EventCode
# time (µs since the epoch), order of insertion, code, actor, subjects, fields, purpose,
# grant, terminal, details
Row = tuple[
    int,
    int,
    str,
    str,
    tuple[str, ...],
    tuple[str, ...],
    str,
    str | None,
    str | None,
    dict[str, DetailValue],
]

_MINUTES: dict[int, str] = {}


def utc_text(us: int) -> str:
    """µs since the epoch as `format_time` spells it (YYYY-MM-DDTHH:MM:SS.ffffffZ), fast:
    the date, hour and minute are cached per minute."""
    minute, rem = divmod(us, MIN_US)
    prefix = _MINUTES.get(minute)
    if prefix is None:
        if len(_MINUTES) > 100_000:
            _MINUTES.clear()
        days, m = divmod(minute, 1440)
        text = (date(1970, 1, 1) + timedelta(days=days)).isoformat()
        prefix = _MINUTES[minute] = f"{text}T{m // 60:02d}:{m % 60:02d}:"
    seconds, micro = divmod(rem, 1_000_000)
    return f"{prefix}{seconds:02d}.{micro:06d}Z"


@functools.cache
def view(step: str, held: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """(shown, masked, match-only) fields of `held` at `step`, in catalogue order."""
    row = policy_for(step)
    return tuple(
        tuple(f for f in held if row[f] is e)
        for e in (Exposure.SHOWN, Exposure.MASKED, Exposure.MATCH_ONLY)
    )


class DayLog:
    """The day's events as rows; `add` takes minutes after midnight, office time."""

    __slots__ = ("origin", "rows")

    def __init__(self, day: date) -> None:
        midnight = datetime(day.year, day.month, day.day, tzinfo=JST)
        self.origin = (midnight - _EPOCH) // timedelta(microseconds=1)
        self.rows: list[Row] = []

    def add(
        self,
        minute: float,
        code: str,
        actor: str,
        subjects: tuple[str, ...] = (),
        fields: tuple[str, ...] = (),
        purpose: str = "",
        grant: str | None = None,
        terminal: str | None = None,
        details: dict[str, DetailValue] | None = None,
    ) -> Row:
        row: Row = (
            self.origin + int(minute * MIN_US),
            len(self.rows),
            code,
            actor,
            subjects,
            fields,
            purpose,
            grant,
            terminal,
            details if details is not None else {},
        )
        self.rows.append(row)
        return row

    def sorted_rows(self) -> list[Row]:
        return sorted(self.rows, key=itemgetter(0, 1))


class Ids:
    """Grant, job and watermark ids from one rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def grant(self) -> str:
        return f"gr_{self.rng.getrandbits(80):020x}"

    def job(self) -> str:
        return f"pj_{self.rng.getrandbits(64):016x}"

    def watermark(self) -> str:
        return f"WM{self.rng.getrandbits(48):012X}"


# -- the recurring events ---------------------------------------------------------------


class Grant:
    """A grant being worked under: its events share the actor, the purpose (the step), the
    grant id and the terminal, and its disclosures carry `links` (step, grant kind, and what
    the grant is for) in their details."""

    __slots__ = ("actor", "grant", "links", "log", "step", "terminal")

    def __init__(
        self,
        log: DayLog,
        actor: str,
        step: str,
        grant: str,
        terminal: str,
        links: dict[str, DetailValue],
    ) -> None:
        self.log, self.actor, self.step, self.grant = log, actor, step, grant
        self.terminal, self.links = terminal, links

    def add(
        self,
        t: float,
        code: str,
        subjects: tuple[str, ...],
        fields: tuple[str, ...],
        details: dict[str, DetailValue],
        *,
        purpose: str | None = None,
    ) -> Row:
        """Any event under the grant (its purpose is the step unless said otherwise)."""
        return self.log.add(
            t,
            code,
            self.actor,
            subjects,
            fields,
            self.step if purpose is None else purpose,
            self.grant,
            self.terminal,
            details,
        )

    def open(
        self,
        t: float,
        subjects: tuple[str, ...],
        kind: str,
        *,
        code: str = C.GRANT_OPEN,
        **details: DetailValue,
    ) -> Row:
        """The grant opened for `subjects` (or a break-glass, with `code`): its details are
        its kind, then `details`."""
        return self.add(t, code, subjects, (), {"kind": kind, **details})

    def close(self, t: float, kind: str, why: str = "closed") -> Row:
        return self.add(t, C.GRANT_CLOSE, (), (), {"kind": kind, "why": why})

    def screen(
        self,
        seen: ShownLog,
        t: float,
        pid: str,
        held: tuple[str, ...],
        *,
        gap: float = 0.05,
        always_shown: bool = False,
    ) -> list[Row]:
        """One person's record on screen: a disclosure of the fields the step shows in full
        (also when there are none, with `always_shown`), then a disclosure of those it shows
        masked, `gap` minutes later. `seen` notes both for the truth."""
        shown, masked, _ = view(self.step, held)
        seen.screen(self.actor, pid, shown + masked)
        rows = []
        if shown or always_shown:
            rows.append(self.add(t, C.DISCLOSURE, (pid,), shown, {"form": "shown", **self.links}))
        if masked:
            details: dict[str, DetailValue] = {"form": "masked", **self.links}
            rows.append(self.add(t + gap, C.DISCLOSURE, (pid,), masked, details))
        return rows

    def transition(self, t: float, app: SimApplication, src: str, dst: str) -> Row:
        return transition(self.log, t, self.actor, app, src, dst, self.grant, self.terminal)

    def search(self, t: float, found: tuple[str, ...], kind: str, count: int) -> Row:
        """A search by `kind` that found `found` (`count` of them)."""
        return self.add(t, C.SEARCH, found, (), {"kind": kind, "found": count})


def transition(
    log: DayLog,
    t: float,
    actor: str,
    app: SimApplication,
    src: str,
    dst: str,
    grant: str | None = None,
    terminal: str | None = None,
) -> Row:
    """The application moves from `src` to `dst` in its workflow (under a grant, or by the
    system)."""
    details: dict[str, DetailValue] = {"application": app.application_id, "from": src, "to": dst}
    return log.add(
        t, C.WORKFLOW_TRANSITION, actor, (app.applicant_id,), (), "workflow", grant, terminal,
        details,
    )  # fmt: skip


def copier_log(
    log: DayLog,
    t: float,
    actor: str,
    copier: str,
    pages: int,
    kind: str,
    **details: DetailValue,
) -> Row:
    """The copier's own log of a job (not ryoken's event of it)."""
    return log.add(
        t, C.EXTERNAL_COPIER, actor, (), (), "copier log", None, copier,
        {"copier": copier, "pages": pages, "kind": kind, **details},
    )  # fmt: skip
