"""Injected insiders (S1-S9) and the ground truth of everyone they exposed.

Each scenario is a `Hooks` for the office (workday.py) with its own random stream, so the
ordinary work around the insider is drawn exactly as without them. The insider is chosen at
random among suitable staff; the truth records who, from when to when, every person exposed
(fields, and how: screen, print, copy, paper) and every event the insider added.

- S1 in-task skim, like Ikebukuro: a share q of the clerk's own intake visits, with extra
  reveals of masked fields, copies (declared, or undeclared copier jobs that carry no
  watermark) and longer handling. S1-nofoot: notes and photos of paper, nothing in the logs
  beyond the ordinary visit; the truth still lists the exposed.
- S2 snooping: watch-listed people, neighbours and same-surname people, by search and
  break-glass.  S3 bulk harvest in one evening.  S4 family chain: at pickup, the applicant's
  family who are not on the current grant.  S5 a rise after giving notice.  S6 a colleague's
  login, while the colleague is away or at another terminal.  S7 two or three clerks
  skimming at q/3 each.  S8 a ramp from 0 to q over 60 days (baseline poisoning).
  S9 as S1, and a leaked list surfaces: mostly people the insider exposed (canaries too),
  some from elsewhere, with the variants and typos a list picked up on its way out.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import jaconv

from ryoken.audit.events import DetailValue, EventCode
from ryoken.errors import InvalidInput
from ryoken.sim.people import People
from ryoken.sim.staffing import Roster, StaffMember, stream
from ryoken.sim.workday import (
    COUNTER_COPIER,
    HOME,
    MIN_US,
    OFFICE_COPIER,
    DayContext,
    Hooks,
    Ids,
    Row,
    Visit,
    breakglass,
    utc_text,
    view,
)

C = EventCode
SCENARIOS: tuple[str, ...] = (
    "S1",
    "S1-nofoot",
    "S2",
    "S3",
    "S4",
    "S5",
    "S6",
    "S7",
    "S8",
    "S9",
)
# q for the skims; lookups per working day (S2); persons per evening (S3); share of the
# insider's pickups with a family lookup (S4); misuse sessions per week (S6).
DEFAULT_INTENSITY = {"S2": 0.5, "S3": 150.0, "S4": 0.15, "S5": 0.10, "S6": 1.0}
# What a clerk can write down from the paper in front of them.
PAPER_FIELDS = frozenset(
    {
        "name_kanji", "name_kana", "name_romaji", "sex", "birth_date", "honseki", "address",
        "postcode", "phone", "mobile", "email", "relation", "previous_passport",
    }
)  # fmt: skip
LEAKED_COLUMNS = ("name_kanji", "name_kana", "birth_date", "address", "phone")


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    """Which insider, how hard, from which business day (index) to which."""

    name: str
    intensity: float | None = None  # see DEFAULT_INTENSITY; q = 0.05 for the skims
    start_day: int | None = None  # default: drawn between a fifth and a third of the run
    end_day: int | None = None  # default: the last day
    insiders: int | None = None  # S7: 2 or 3 (drawn when None)
    undeclared_share: float = 0.5  # S1-type copies made around the system
    fooled_share: float = 0.7  # the insider's break-glass reasons a supervisor accepts
    ramp_days: int = 60  # S8
    notice_days: int = 30  # S5: calendar days from notice to the last day
    nights: int = 1  # S3
    leaked_records: int = 10  # S9
    outside_share: float = 0.3  # S9: leaked rows about people the office never saw

    def __post_init__(self) -> None:
        if self.name not in SCENARIOS:
            raise InvalidInput(
                f"unknown scenario {self.name!r}; choose one of {', '.join(SCENARIOS)}",
                message_ja="シナリオ名が正しくありません",
            )
        if self.intensity is not None and self.intensity < 0:
            raise InvalidInput("intensity must not be negative", message_ja="強度は0以上です")

    def default_intensity(self) -> float:
        if self.intensity is not None:
            return self.intensity
        return DEFAULT_INTENSITY.get(self.name, 0.05)


def make_insider(spec: ScenarioSpec, seed: int, calendar: Sequence[date]) -> Insider:
    kinds: dict[str, type[Insider]] = {
        "S2": Snooper,
        "S3": Harvester,
        "S4": FamilyChain,
        "S6": CredentialMisuse,
    }
    return kinds.get(spec.name, Skimmer)(spec, seed, calendar)


class Insider(Hooks):
    """Common ground: the period, the chosen staff, and the truth they leave behind."""

    roles: tuple[str, ...] = ("counter_clerk",)
    needs_window = True

    def __init__(self, spec: ScenarioSpec, seed: int, calendar: Sequence[date]) -> None:
        self.spec, self.seed, self.calendar = spec, seed, tuple(calendar)
        self.rng = stream(seed, "insider", spec.name)
        self.ids = Ids(self.rng)
        self.intensity = spec.default_intensity()
        last = len(calendar) - 1
        start = spec.start_day
        if start is None:
            start = self.rng.randint(
                len(calendar) // 5, max(len(calendar) // 5, len(calendar) // 3)
            )
        self.start: int = min(max(start, 0), last)
        self.end = min(last, spec.end_day if spec.end_day is not None else last)
        self.insiders: list[str] = []
        self.exposures: list[dict[str, object]] = []
        self.injected: list[Row] = []
        self.notes: dict[str, object] = {}

    def active(self, index: int) -> bool:
        return self.start <= index <= self.end

    def choose(
        self, roster: Roster, count: int = 1, *, exclude: Sequence[str] = ()
    ) -> list[StaffMember]:
        day = self.calendar[self.start]
        stay = self.calendar[min(self.end, self.start + 20)]
        pool = [
            m
            for m in roster.on(day)
            if m.role in self.roles
            and m.staff_id not in exclude
            and (not self.needs_window or m.home_window is not None)
            and (m.contract_end is None or m.contract_end >= stay)
        ]
        if len(pool) < count:
            raise InvalidInput(
                f"{self.spec.name}: the office has no {count} suitable staff on day {self.start}",
                message_ja="条件に合う職員がいません",
            )
        return self.rng.sample(pool, count)

    def prepare(self, roster: Roster, calendar: Sequence[date]) -> None:
        self.insiders = [m.staff_id for m in self.choose(roster)]

    def watched(self) -> tuple[str, ...]:
        return tuple(self.insiders)

    # -- recording ------------------------------------------------------------------------

    def add(self, ctx: DayContext, minute: float, code: str, actor: str, *rest: object) -> Row:
        row = ctx.log.add(minute, code, actor, *rest)  # type: ignore[arg-type]
        self.injected.append(row)
        return row

    def expose(
        self,
        ctx: DayContext,
        minute: float,
        staff: str,
        subject: str,
        fields: Sequence[str],
        how: Sequence[str],
        via: str,
        actor: str | None = None,
    ) -> None:
        self.exposures.append(
            {
                "subject": subject,
                "staff": staff,
                "actor": actor or staff,
                "day": ctx.day.isoformat(),
                "at": utc_text(ctx.log.origin + int(minute * MIN_US)),
                "fields": sorted(set(fields)),
                "how": sorted(set(how)),
                "via": via,
            }
        )

    def finish(self) -> list[dict[str, str]]:
        """Called after the last day; S9 returns its leaked list here."""
        return []

    def truth(self) -> dict[str, object]:
        params = asdict(self.spec)
        params["intensity"] = self.intensity
        params["start_day"], params["end_day"] = self.start, self.end
        return {
            "scenario": self.spec.name,
            "parameters": params,
            "start": self.calendar[self.start].isoformat(),
            "end": self.calendar[self.end].isoformat(),
            "insiders": self.insiders,
            **self.notes,
            "exposed_subjects": sorted({str(e["subject"]) for e in self.exposures}),
            "exposures": self.exposures,
            "injected": [
                {
                    "code": r[2],
                    "at": utc_text(r[0]),
                    "actor": r[3],
                    "subjects": list(r[4]),
                    "fields": list(r[5]),
                }
                for r in self.injected
            ],
        }

    # -- helpers --------------------------------------------------------------------------

    def _moment(self, ctx: DayContext, staff_id: str) -> tuple[float, str] | None:
        """A time and terminal where `staff_id` is logged in today: at their desk if they
        have half an hour there (not at the window with an applicant in front of them)."""
        sessions = [s for s in ctx.sessions.get(staff_id, []) if s.end - s.start > 8]
        desk = [s for s in sessions if not s.terminal.startswith("W")]
        if sum(s.end - s.start for s in desk) >= 30:
            sessions = desk
        if not sessions:
            return None
        weights = [s.end - s.start for s in sessions]
        s = self.rng.choices(sessions, weights=weights)[0]
        return s.start + 2 + (s.end - s.start - 6) * self.rng.random(), s.terminal

    def _lookup(
        self,
        ctx: DayContext,
        staff: str,
        actor: str,
        terminal: str,
        t: float,
        targets: tuple[str, ...],
        kind: str,
        reason: str,
        via: str,
        *,
        glass: bool = True,
    ) -> float:
        """A search that finds `targets`, then (usually) break-glass to read them."""
        self.add(
            ctx,
            t,
            C.SEARCH,
            actor,
            tuple(sorted(targets)),
            (),
            "search",
            None,
            terminal,
            {"kind": kind, "found": len(targets)},
        )
        for pid in targets:
            self.expose(ctx, t, staff, pid, ("name_kanji", "birth_date"), ("screen",), via, actor)
        if not glass:
            return t + 0.5
        rows = breakglass(
            ctx,
            self.ids,
            actor,
            terminal,
            t + 0.5,
            targets,
            reason,
            self.spec.fooled_share,
            minutes=1.5 + len(targets),
        )
        self.injected += rows
        for pid in targets:
            shown = view("break_glass", ctx.office.subjects[pid].held)[0]
            self.expose(ctx, t + 0.5, staff, pid, shown, ("screen",), via, actor)
        return t + 2.5 + len(targets)

    def _older_subjects(self, ctx: DayContext) -> list[str]:
        """Subjects stored before today (a lookup needs something to find)."""
        office = ctx.office
        n = len(office.subject_ids)
        while n and office.subjects[office.subject_ids[n - 1]].first_day >= ctx.index:
            n -= 1
        return office.subject_ids[:n]


class Skimmer(Insider):
    """S1, S1-nofoot, S5, S7, S8, S9: skimming the clerk's own intake visits."""

    def __init__(self, spec: ScenarioSpec, seed: int, calendar: Sequence[date]) -> None:
        super().__init__(spec, seed, calendar)
        self.footprint = spec.name != "S1-nofoot"
        self.plans: dict[Visit, float] = {}
        self.plain: dict[str, dict[str, str]] = {}  # S9: what the insider wrote down
        self.canaries_seen: list[str] = []

    def prepare(self, roster: Roster, calendar: Sequence[date]) -> None:
        name = self.spec.name
        if name == "S7":
            count = self.spec.insiders or self.rng.choice((2, 3))
            self.insiders = [m.staff_id for m in self.choose(roster, count)]
            return
        if name != "S5":
            super().prepare(roster, calendar)
            return
        pool = [m for m in self.choose_all(roster) if m.employer_kind == "contractor"]
        if not pool:
            raise InvalidInput(
                "S5: no contractor clerk to give notice", message_ja="該当する職員がいません"
            )
        member = self.rng.choice(pool)
        notice = calendar[self.start]
        last = notice + timedelta(days=self.spec.notice_days)
        roster.end_early(member.staff_id, notice, last, self.rng)
        self.end = max(i for i, d in enumerate(calendar) if d <= last)
        self.insiders = [member.staff_id]
        self.notes = {"notice_given_on": notice.isoformat(), "contract_end": last.isoformat()}

    def choose_all(self, roster: Roster) -> list[StaffMember]:
        day = self.calendar[self.start]
        return [
            m
            for m in roster.on(day)
            if m.role in self.roles and m.home_window and m.contract_end is None
        ]

    def q(self, index: int) -> float:
        if self.spec.name == "S7":
            return self.intensity / 3
        if self.spec.name == "S8":
            return self.intensity * min(1.0, (index - self.start + 1) / max(1, self.spec.ramp_days))
        return self.intensity

    def extra_minutes(self, ctx: DayContext, visit: Visit) -> float:
        clerk = visit.clerk
        if clerk is None or clerk.staff_id not in self.insiders or not self.active(ctx.index):
            return 0.0
        if visit.purpose == "pickup" or visit.incomplete:
            return 0.0
        if self.rng.random() >= self.q(ctx.index):
            return 0.0
        minutes = 2.0 + 4.0 * self.rng.random() if self.footprint else 0.0
        self.plans[visit] = minutes
        return minutes

    def during_visit(self, ctx: DayContext, visit: Visit, grant: str, t0: float, t1: float) -> None:
        if visit not in self.plans or visit.clerk is None:
            return
        del self.plans[visit]
        staff, window = visit.clerk.staff_id, visit.window
        step = (
            "intake"
            if any(c.app.kind.value != "loss_report" for c in visit.cases)
            else "loss_report"
        )
        persons = visit.persons() if step == "intake" else [c.persons[0] for c in visit.cases]
        office, rng = ctx.office, self.rng
        revealed: dict[str, list[str]] = {}
        copied = False
        if self.footprint:
            links: dict[str, DetailValue] = {
                "step": step,
                "grant_kind": "counter",
                "ticket": visit.ticket,
                "window": window,
            }
            t, dt = t0 + 0.2, max(0.1, (t1 - t0 - 0.4) / 5)
            if rng.random() < 0.8:
                masked = [
                    (p.person_id, view(step, office.subjects[p.person_id].held)[1]) for p in persons
                ]
                masked = [(pid, m) for pid, m in masked if m]
                for pid, fields in rng.sample(masked, min(2, len(masked))):
                    for name in fields[:2]:
                        t += dt / 2
                        office.shown.screen(staff, pid, (name,))
                        self.add(
                            ctx,
                            t,
                            C.DISCLOSURE,
                            staff,
                            (pid,),
                            (name,),
                            f"{step}:reveal",
                            grant,
                            window,
                            {"form": "shown", "reason": "記載内容の確認", **links},
                        )
                        revealed.setdefault(pid, []).append(name)
            if rng.random() < 0.5:
                copied, t = True, t + dt
                pages = 2 + rng.randrange(5)
                if rng.random() < self.spec.undeclared_share:
                    self.add(
                        ctx,
                        t,
                        C.EXTERNAL_COPIER,
                        staff,
                        (),
                        (),
                        "copier log",
                        None,
                        COUNTER_COPIER,
                        {
                            "copier": COUNTER_COPIER,
                            "pages": pages,
                            "kind": "copy",
                            "unmatched": True,
                        },
                    )
                else:
                    job, mark = self.ids.job(), self.ids.watermark()
                    on_it = tuple(sorted(p.person_id for p in persons))
                    office.shown.paper(staff, on_it, "application_form", "copy")
                    self.add(
                        ctx,
                        t,
                        C.COPY,
                        staff,
                        on_it,
                        (),
                        step,
                        grant,
                        window,
                        {
                            "job": job,
                            "watermark": mark,
                            "document": "application_form",
                            "pages": pages,
                            "reason": "控え",
                        },
                    )
                    self.add(
                        ctx,
                        t + 0.2,
                        C.EXTERNAL_COPIER,
                        staff,
                        (),
                        (),
                        "copier log",
                        None,
                        COUNTER_COPIER,
                        {
                            "copier": COUNTER_COPIER,
                            "pages": pages,
                            "kind": "copy",
                            "watermark": mark,
                            "job": job,
                        },
                    )
        for p in persons:
            pid = p.person_id
            held = office.subjects[pid].held
            seen = [f for f in held if f in PAPER_FIELDS or f in revealed.get(pid, ())]
            how = ["paper"] + (["screen"] if self.footprint else []) + (["copy"] if copied else [])
            self.expose(ctx, t0, staff, pid, seen, how, "skim")
            if self.spec.name == "S9" and pid not in self.plain:
                self.plain[pid] = {
                    k: p.fields.get(k, "")
                    for k in ("name_kanji", "name_kana", "birth_date", "address")
                }
                self.plain[pid]["phone"] = p.fields.get("mobile") or p.fields.get("phone", "")
                if visit.canary:
                    self.canaries_seen.append(pid)

    def finish(self) -> list[dict[str, str]]:
        if self.spec.name != "S9":
            return []
        rows, truth = leaked_list(self, self.plain, self.canaries_seen)
        self.notes["leaked"] = truth
        return rows


class Snooper(Insider):
    """S2: looking up watch-listed people, neighbours and namesakes, outside any task."""

    roles = ("counter_clerk", "issuance_clerk", "reviewer")
    needs_window = False

    def end_of_day(self, ctx: DayContext) -> None:
        staff = self.insiders[0]
        if not self.active(ctx.index) or staff not in ctx.shifts:
            return
        rate = self.intensity
        count = int(rate) + (self.rng.random() < rate - int(rate))
        if not count:
            return
        member = ctx.shifts[staff].staff
        office = ctx.office

        def older(ids: list[str]) -> list[str]:
            return [s for s in ids if office.subjects[s].first_day < ctx.index]

        pools = {
            "watchlist": older(office.watchlist),
            "neighbour": older(office.by_area.get(member.area, [])),
            "surname": older(office.by_surname.get(member.surname[0], [])),
        }
        kinds = {"watchlist": "name_kanji", "neighbour": "address", "surname": "name_kanji"}
        for _ in range(count):
            options = [k for k, v in pools.items() if v]
            moment = self._moment(ctx, staff)
            if not options or moment is None:
                return
            why = options[self.rng.randrange(len(options))]
            target = self.rng.choice(pools[why])
            t, terminal = moment
            self._lookup(
                ctx,
                staff,
                staff,
                terminal,
                t,
                (target,),
                kinds[why],
                "本人からの問い合わせ対応",
                "snoop:" + why,
                glass=self.rng.random() < 0.7,
            )


class Harvester(Insider):
    """S3: an evening of searches and break-glass, and a printed list."""

    roles = ("counter_clerk", "issuance_clerk", "reviewer")
    needs_window = False

    def __init__(self, spec: ScenarioSpec, seed: int, calendar: Sequence[date]) -> None:
        super().__init__(spec, seed, calendar)
        self.nights_done = 0

    def end_of_day(self, ctx: DayContext) -> None:
        staff = self.insiders[0]
        shift = ctx.shifts.get(staff)
        if not self.active(ctx.index) or shift is None or self.nights_done >= self.spec.nights:
            return
        older = self._older_subjects(ctx)
        count = min(len(older), max(1, round(self.intensity)))
        if not older:
            return
        self.nights_done += 1
        rng, terminal = self.rng, shift.staff.desk
        arrive = max(shift.leave + 40, 1245 + 30 * rng.random())  # back after 20:45
        targets = rng.sample(older, count)
        t = arrive + 5
        login_at = t
        for n in range(0, count, 10):
            chunk = tuple(targets[n : n + 10])
            t = (
                self._lookup(
                    ctx,
                    staff,
                    staff,
                    terminal,
                    t,
                    chunk,
                    rng.choice(("name_kana", "birth_date", "address")),
                    "照会対応",
                    "harvest",
                )
                + 0.3
            )
        job, mark = self.ids.job(), self.ids.watermark()
        pages = math.ceil(count / 20)
        on_it = tuple(sorted(targets))
        ctx.office.shown.paper(staff, on_it, "search_results", "print")
        self.add(
            ctx,
            t,
            C.PRINT,
            staff,
            on_it,
            (),
            "search",
            None,
            terminal,
            {
                "job": job,
                "watermark": mark,
                "document": "search_results",
                "pages": pages,
                "reason": "照会結果",
            },
        )
        self.add(
            ctx,
            t + 0.5,
            C.EXTERNAL_COPIER,
            staff,
            (),
            (),
            "copier log",
            None,
            OFFICE_COPIER,
            {
                "copier": OFFICE_COPIER,
                "pages": pages,
                "kind": "print",
                "watermark": mark,
                "job": job,
            },
        )
        for pid in targets:
            self.expose(
                ctx,
                t,
                staff,
                pid,
                view("break_glass", ctx.office.subjects[pid].held)[0],
                ("print",),
                "harvest",
            )
        ctx.extra_sessions.append((staff, terminal, login_at - 1, t + 2))
        ctx.extra_presence.append((staff, arrive, t + 6))


class FamilyChain(Insider):
    """S4: at pickup, reading the applicant's family who are not on the current grant."""

    roles = ("issuance_clerk",)

    def __init__(self, spec: ScenarioSpec, seed: int, calendar: Sequence[date]) -> None:
        super().__init__(spec, seed, calendar)
        self.plans: dict[Visit, tuple[str, ...]] = {}

    def extra_minutes(self, ctx: DayContext, visit: Visit) -> float:
        clerk = visit.clerk
        if clerk is None or clerk.staff_id not in self.insiders or visit.purpose != "pickup":
            return 0.0
        if not self.active(ctx.index) or self.rng.random() >= self.intensity:
            return 0.0
        office = ctx.office
        covered = set(visit.applicants())
        kin = sorted(
            {
                pid
                for a in covered
                for pid in office.by_family.get(office.subjects[a].family, [])
                if pid not in covered
            }
        )
        if not kin:
            return 0.0
        self.plans[visit] = tuple(self.rng.sample(kin, min(3, len(kin))))
        return 2.0 + 2.0 * self.rng.random()

    def during_visit(self, ctx: DayContext, visit: Visit, grant: str, t0: float, t1: float) -> None:
        targets = self.plans.pop(visit, ())
        if targets and visit.clerk is not None:
            staff = visit.clerk.staff_id
            self._lookup(
                ctx,
                staff,
                staff,
                visit.window,
                t0 + 0.2,
                targets,
                "name_kana",
                "家族の申請状況確認",
                "family_chain",
            )


class CredentialMisuse(Insider):
    """S6: the insider works under a colleague's id, on a shared PC."""

    roles = ("counter_clerk", "issuance_clerk", "reviewer")
    needs_window = False

    def prepare(self, roster: Roster, calendar: Sequence[date]) -> None:
        insider, owner = self.choose(roster, 2)
        self.insiders = [insider.staff_id]
        self.owner = owner.staff_id
        self.sessions: list[dict[str, str]] = []
        self.notes = {"credential_owner": owner.staff_id, "sessions": self.sessions}

    def watched(self) -> tuple[str, ...]:
        return (*self.insiders, self.owner)  # the insider works under the owner's id

    def end_of_day(self, ctx: DayContext) -> None:
        staff = self.insiders[0]
        if not self.active(ctx.index) or staff not in ctx.shifts:
            return
        if self.rng.random() >= self.intensity / 5:
            return
        moment = self._moment(ctx, staff)
        older = self._older_subjects(ctx)
        if moment is None or not older:
            return
        t, _ = moment
        terminal = f"PC-SHARED{1 + self.rng.randrange(3)}"
        mode = "owner_absent" if self.owner not in ctx.shifts else "two_terminals"
        start = t
        t += 1
        for _ in range(2 + self.rng.randrange(4)):
            target = (self.rng.choice(older),)
            t = self._lookup(
                ctx,
                staff,
                self.owner,
                terminal,
                t,
                target,
                "name_kanji",
                "問い合わせ対応",
                "credential",
            )
        ctx.extra_sessions.append((self.owner, terminal, start, t + 1))
        self.sessions.append({"day": ctx.day.isoformat(), "terminal": terminal, "mode": mode})


# -- S9: the leaked list --------------------------------------------------------------------

_KANJI_VARIANTS = {
    "高": "髙", "崎": "﨑", "辺": "邊", "斎": "齋", "沢": "澤", "浜": "濱", "広": "廣",
    "桜": "櫻", "国": "國", "真": "眞", "島": "嶋", "富": "冨", "吉": "𠮷", "竜": "龍",
    "徳": "德", "恵": "惠", "関": "關", "実": "實",
}  # fmt: skip
_CORRUPTIONS = [
    "kanji_variant",
    "kana_hiragana",
    "kana_halfwidth",
    "no_space",
    "date_form",
    "address_form",
    "fullwidth_digits",
]
_CORRUPTIONS_ORDER = [*_CORRUPTIONS, "typo"]
_KANA_TYPOS = {
    "シ": "ツ",
    "ツ": "シ",
    "ソ": "ン",
    "ン": "ソ",
    "ウ": "ワ",
    "ハ": "バ",
    "カ": "ガ",
    "ト": "ド",
}
_ERAS = ((date(2019, 5, 1), "令和"), (date(1989, 1, 8), "平成"), (date(1926, 12, 25), "昭和"))
_CHOME = re.compile(r"(\d+)丁目(\d+)番(\d+)号")


def leaked_list(
    insider: Insider, exposed: dict[str, dict[str, str]], canaries: Sequence[str]
) -> tuple[list[dict[str, str]], list[dict[str, object]]]:
    """The rows as they surface outside, and the truth about each row."""
    spec = insider.spec
    rng = stream(insider.seed, "leak", spec.name)
    total = spec.leaked_records
    inside_n = min(len(exposed), total - round(total * spec.outside_share))
    chosen = list(canaries[:1])
    rest = [pid for pid in exposed if pid not in chosen]
    chosen += rng.sample(rest, max(0, min(len(rest), inside_n - len(chosen))))
    people = People(rng, romanize=None, home_prefecture=HOME)
    records: list[tuple[str | None, dict[str, str]]] = [(pid, exposed[pid]) for pid in chosen]
    while len(records) < total:
        koseki = people.household(insider.calendar[-1], "single")
        v = people.drafts[koseki.members[0].person_id].values
        row = {k: v.get(k, "") for k in ("name_kanji", "name_kana", "birth_date", "address")}
        row["phone"] = v.get("mobile") or v.get("phone", "")
        records.append((None, row))
    rng.shuffle(records)
    rows: list[dict[str, str]] = []
    truth: list[dict[str, object]] = []
    for n, (pid, true_row) in enumerate(records):
        leaked, applied = corrupt(rng, true_row)
        rows.append(leaked)
        truth.append(
            {
                "row": n + 1,
                "subject": pid,
                "source": "exposed" if pid else "outside",
                "canary": pid in canaries,
                "true": true_row,
                "corruptions": applied,
            }
        )
    return rows, truth


def corrupt(rng: random.Random, row: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Variants a list picks up when typed or scanned: old kanji forms, hiragana or
    half-width readings, full-width digits, another address or date form, a typo."""
    out = dict(row)
    wanted = rng.sample(_CORRUPTIONS, 1 + rng.randrange(2)) + (
        ["typo"] if rng.random() < 0.4 else []
    )
    wanted.sort(key=_CORRUPTIONS_ORDER.index)  # a date is re-written before its digits widen
    applied = []
    for kind in wanted:
        before = dict(out)
        _apply(rng, kind, out)
        if out != before:
            applied.append(kind)
    if not applied:
        _apply(rng, "no_space", out)
        applied.append("no_space")
    return out, applied


def _apply(rng: random.Random, kind: str, out: dict[str, str]) -> None:
    name, kana = out["name_kanji"], out["name_kana"]
    if kind == "kanji_variant":
        for i, ch in enumerate(name):
            if ch in _KANJI_VARIANTS:
                out["name_kanji"] = name[:i] + _KANJI_VARIANTS[ch] + name[i + 1 :]
                return
    elif kind == "kana_hiragana":
        out["name_kana"] = jaconv.kata2hira(kana)
    elif kind == "kana_halfwidth":
        out["name_kana"] = jaconv.z2h(kana, kana=True, ascii=False, digit=False)
    elif kind == "no_space":
        out["name_kanji"] = name.replace(" ", "" if rng.random() < 0.5 else "\u3000")
    elif kind == "fullwidth_digits":
        key = "phone" if out["phone"] and rng.random() < 0.5 else "birth_date"
        out[key] = jaconv.h2z(out[key], kana=False, ascii=False, digit=True)
    elif kind == "address_form":
        if _CHOME.search(out["address"]):
            out["address"] = _CHOME.sub(r"\1-\2-\3", out["address"])
        else:
            out["address"] = out["address"].removeprefix(HOME)
    elif kind == "date_form" and out["birth_date"]:
        out["birth_date"] = _date_form(rng, out["birth_date"])
    elif kind == "typo":
        spots = [i for i, ch in enumerate(kana) if ch in _KANA_TYPOS]
        if spots:
            i = rng.choice(spots)
            out["name_kana"] = kana[:i] + _KANA_TYPOS[kana[i]] + kana[i + 1 :]
        elif out["phone"]:
            digits = [i for i, ch in enumerate(out["phone"]) if ch.isdigit()][3:]
            i = rng.choice(digits)
            out["phone"] = (
                out["phone"][:i] + str((int(out["phone"][i]) + 1) % 10) + out["phone"][i + 1 :]
            )


def _date_form(rng: random.Random, iso: str) -> str:
    try:  # a date already in full-width digits is read as the person would
        d = date.fromisoformat(unicodedata.normalize("NFKC", iso))
    except ValueError:
        return iso
    if rng.random() < 0.5:
        return f"{d.year}/{d.month}/{d.day}"
    for since, era in _ERAS:
        if d >= since:
            year = d.year - since.year + 1
            return f"{era}{'元' if year == 1 else year}年{d.month}月{d.day}日"
    return f"{d.year}年{d.month}月{d.day}日"
