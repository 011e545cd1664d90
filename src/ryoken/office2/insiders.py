"""Insiders: one staff member's own actions, added to an otherwise ordinary office.

An insider watches the office's work through the hook (`on_served` after each piece of
work, `on_day` once the day's sessions and door reads are known) and adds events drawn from
its own `random.Random`, marked as the insider's. The office's stream is never touched, so
deleting the insider's lines gives back the clean office exactly (the insider's twin).

Kinds (docs/office2.md):
- bulk: one day, many persons looked up outside any task (searches, break-glass);
- snoop: a few celebrities, neighbours and namesakes, some through an open ticket;
- family_chain: the relatives (other households) of applicants they just served;
- borrowed_login: a colleague's account while the colleague is out or at another terminal;
- pre_departure_skim: in the weeks before their contract ends, extra reveals and copies for
  15% of the persons they serve;
- skim_footprint: the same for q = 5% of the persons served, from an early day on;
- skim_no_footprint: 5% of the persons served copied by eye or phone: no events at all;
- new_hire_skim: skim_footprint by a clerk hired during the period.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ryoken.office2.emit import MINUTE, US, Ids, clock_text, hm
from ryoken.office2.state import DayContext, Served, Session
from ryoken.office2.work import LIST_FIELDS

if TYPE_CHECKING:
    from ryoken.office2.office import Office

INSIDER_KINDS: tuple[str, ...] = (
    "bulk",
    "snoop",
    "family_chain",
    "borrowed_login",
    "pre_departure_skim",
    "skim_footprint",
    "skim_no_footprint",
    "new_hire_skim",
)
SKIM_FIELDS = ("honseki", "address", "phone", "mobile", "passport_number", "email", "birth_date")
READ_FIELDS = ("name_kanji", "address", "phone", "birth_date", "honseki", "face_photo")
SKIM_DOCUMENTS = ("application_form", "identity_document")
OUTSIDE_REASONS = ("inquiry", "verification", "applicant_request", "")


@dataclass
class Insider:
    kind: str
    person: str
    accounts: list[str]
    rng: random.Random
    ids: Ids
    start: int = 0  # first office day (index) the insider acts
    stop: int = 10**9  # last office day (index)
    q: float = 0.0
    plan: list[int] = field(default_factory=list)  # office days of planned acts
    colleague: str | None = None
    targets: list[int] = field(default_factory=list)  # snoop: the persons they look up
    exposed: dict[int, tuple[int, int]] = field(default_factory=dict)
    served_today: list[Served] = field(default_factory=list)
    day_index: int = -1
    tag: int = 1  # which insider of the run wrote an event (several may act in one run)

    # -- recording ------------------------------------------------------------------------
    def expose(self, ctx: DayContext, person: int, t: int) -> None:
        at = (ctx.index, t)
        if person not in self.exposed or at < self.exposed[person]:
            self.exposed[person] = at

    def emit(
        self,
        ctx: DayContext,
        t: int,
        code: str,
        actor: str,
        subjects: tuple[str, ...] = (),
        fields: tuple[str, ...] = (),
        purpose: str = "",
        grant: str | None = None,
        terminal: str | None = None,
        details: dict[str, str | int | bool | None] | None = None,
    ) -> None:
        ctx.buf.emit(
            t, code, actor, subjects, fields, purpose, grant, terminal, details, insider=self.tag
        )

    def gap(self, lo: float, hi: float) -> int:
        return int(self.rng.uniform(lo, hi) * US)

    # -- hooks ----------------------------------------------------------------------------
    def on_served(self, o: Office, ctx: DayContext, s: Served) -> None:
        if ctx.index != self.day_index:
            self.day_index = ctx.index
            self.served_today = []
        if s.actor != self.person:
            return
        self.served_today.append(s)
        if not self.start <= ctx.index <= self.stop:
            return
        if self.kind in ("skim_footprint", "new_hire_skim", "pre_departure_skim"):
            for p in s.persons:
                if self.rng.random() < self.q:
                    self._skim(o, ctx, s, p)
        elif self.kind == "skim_no_footprint":
            for p in s.persons:
                if self.rng.random() < self.q:
                    self.expose(ctx, p, s.shown_at)  # read off the screen: no event

    def on_day(self, o: Office, ctx: DayContext) -> None:
        if ctx.index != self.day_index:
            self.served_today = []
        if ctx.index not in self.plan:
            return
        if self.kind == "bulk":
            self._bulk(o, ctx)
        elif self.kind == "snoop":
            self._snoop(o, ctx)
        elif self.kind == "family_chain":
            self._family_chain(o, ctx)
        elif self.kind == "borrowed_login":
            self._borrowed(o, ctx)

    # -- acts -----------------------------------------------------------------------------
    def _skim(self, o: Office, ctx: DayContext, s: Served, p: int) -> None:
        """Extra reveals and a copy for one person, inside the ticket or review."""
        sid = o.people.pop.sid[p]
        lo, hi = s.shown_at + US, s.t_close - 2 * US
        if hi <= lo:
            return
        times = sorted(int(self.rng.uniform(lo, hi)) for _ in range(self.rng.randint(2, 4)))
        step = "review" if s.kind == "review" else s.kind
        kind = "review" if s.kind == "review" else "counter"
        base: dict[str, str | int | bool | None] = {
            "step": step,
            "grant_kind": kind,
            "application": s.applications[0],
        }
        if s.ticket:
            base.update(ticket=s.ticket, window=s.terminal)
        for t, f in zip(times, self.rng.sample(SKIM_FIELDS, len(times)), strict=False):
            self.emit(
                ctx,
                t,
                "disclosure",
                s.actor,
                (sid,),
                (f,),
                step,
                s.grant,
                s.terminal,
                {
                    **base,
                    "form": "shown",
                    "reason": self.rng.choice(
                        ("verify_identity", "form_check", "applicant_request")
                    ),
                },
            )
        self.expose(ctx, p, times[0])
        if self.rng.random() < 0.6:
            t = min(hi, times[-1] + self.gap(5, 30))
            job = self.ids.next("jb", 16)
            mark = f"wm-{job[3:13]}"
            doc = self.rng.choice(SKIM_DOCUMENTS)
            self.emit(
                ctx,
                t,
                "copy",
                s.actor,
                (sid,),
                (),
                step,
                s.grant,
                s.terminal,
                {
                    "job": job,
                    "watermark": mark,
                    "document": doc,
                    "pages": 1,
                    "reason": self.rng.choice(("record", "identity_check", "")),
                },
            )
            self.emit(
                ctx,
                t + self.gap(8, 40),
                "external.copier",
                s.actor,
                (),
                (),
                "",
                None,
                "MFP-1",
                {"copier": "MFP-1", "pages": 1, "kind": "copy", "watermark": mark, "job": job},
            )

    def _times_in_sessions(
        self, sessions: list[Session], n: int, margin: int = MINUTE
    ) -> list[int]:
        """n random times while logged in, at least `margin` before a session ends."""
        spans = [
            (x.t0 + MINUTE, x.t1 - margin) for x in sessions if x.t1 - x.t0 > margin + 2 * MINUTE
        ]
        if not spans:
            return []
        total = sum(b - a for a, b in spans)
        out = []
        for _ in range(n):
            x = self.rng.uniform(0, total)
            for a, b in spans:
                if x <= b - a:
                    out.append(int(a + x))
                    break
                x -= b - a
        return sorted(out)

    def _read(
        self,
        o: Office,
        ctx: DayContext,
        t: int,
        actor: str,
        terminal: str,
        target: int,
        mode: str,
        task: Served | None = None,
    ) -> int:
        """Look a person up and open the record: through an open task (added to it), by
        break-glass, or a search alone (the list is already an exposure)."""
        pop = o.people.pop
        sid = pop.sid[target]
        found = [target]
        bucket = pop.by_surname.get(pop.surname[target], [])
        if len(bucket) > 3 and self.rng.random() < 0.4:
            other = bucket[self.rng.randrange(len(bucket))]
            if other != target:
                found.append(other)
        grant = task.grant if (mode == "task" and task is not None) else None
        purpose = task.kind if (grant and task is not None) else ""
        task_kind = "review" if purpose == "review" else "counter"
        self.emit(
            ctx,
            t,
            "search",
            actor,
            tuple(pop.sid[p] for p in found),
            LIST_FIELDS,
            purpose,
            grant,
            terminal,
            {"kind": "name", "found": len(found), "reason": self.rng.choice(OUTSIDE_REASONS)},
        )
        for p in found:
            self.expose(ctx, p, t)
        t += self.gap(5, 40)
        fields = tuple(self.rng.sample(READ_FIELDS, self.rng.randint(2, 5)))
        if mode == "task" and grant is not None:
            self.emit(
                ctx,
                t,
                "grant.open",
                actor,
                (sid,),
                (),
                purpose,
                grant,
                terminal,
                {"added": True, "via": "search", "kind": task_kind},
            )
            t += self.gap(2, 8)
            self.emit(
                ctx,
                t,
                "disclosure",
                actor,
                (sid,),
                fields,
                purpose,
                grant,
                terminal,
                {
                    "form": "shown",
                    "step": purpose,
                    "grant_kind": task_kind,
                    "reason": "verify_identity",
                },
            )
        elif mode == "breakglass":
            bg = self.ids.next("gr")
            why = self.rng.choice(("inquiry", "verification", "urgent_travel"))
            self.emit(
                ctx,
                t,
                "breakglass.open",
                actor,
                (sid,),
                (),
                "break_glass",
                bg,
                terminal,
                {"kind": "break_glass", "reason": why},
            )
            t += self.gap(5, 30)
            self.emit(
                ctx,
                t,
                "disclosure",
                actor,
                (sid,),
                fields,
                "break_glass",
                bg,
                terminal,
                {
                    "form": "shown",
                    "step": "break_glass",
                    "grant_kind": "break_glass",
                    "reason": why,
                },
            )
            t += self.gap(20, 120)
            self.emit(
                ctx,
                t,
                "grant.close",
                actor,
                (),
                (),
                "break_glass",
                bg,
                terminal,
                {"kind": "break_glass", "why": "closed"},
            )
        else:
            return t
        self.expose(ctx, target, t)
        return t + self.gap(20, 90)

    def _bulk(self, o: Office, ctx: DayContext) -> None:
        if self.person not in ctx.present:
            self.plan.append(ctx.index + 1)
            return
        sessions = ctx.sessions.get(self.person, [])
        n = self.rng.randint(60, 140)
        pop = o.people.pop
        targets = self.rng.sample(range(len(pop.sid)), n)
        bursts = self._times_in_sessions(sessions, max(1, n // 8), margin=25 * MINUTE)
        per = -(-n // max(1, len(bursts)))
        for k, t in enumerate(bursts):
            term = ctx.terminal_at(self.person, t) or sessions[0].terminal
            for target in targets[k * per : (k + 1) * per]:
                mode = "search" if self.rng.random() < 0.5 else "breakglass"
                t = self._read(o, ctx, t, self.person, term, target, mode)

    def _snoop(self, o: Office, ctx: DayContext) -> None:
        if self.person not in ctx.present or not self.targets:
            self.plan.append(ctx.index + 1)
            return
        target = self.targets.pop(0)
        tasks = [s for s in self.served_today if s.t_close - s.shown_at > 2 * MINUTE]
        if tasks and self.rng.random() < 0.5:
            task = self.rng.choice(tasks)
            t = int(self.rng.uniform(task.shown_at + US, task.t_close - 90 * US))
            self._read(o, ctx, t, self.person, task.terminal, target, "task", task)
            return
        times = self._times_in_sessions(ctx.sessions.get(self.person, []), 1)
        if not times:
            self.targets.insert(0, target)
            self.plan.append(ctx.index + 1)
            return
        t = times[0]
        term = ctx.terminal_at(self.person, t) or "BO-1"
        self._read(o, ctx, t, self.person, term, target, "breakglass")

    def _family_chain(self, o: Office, ctx: DayContext) -> None:
        pop = o.people.pop
        for s in self.served_today:
            if s.kind != "intake":
                continue
            a = s.persons[0]
            # relatives elsewhere: other households on a 戸籍 shared with the applicant's
            home = pop.household[a]
            tokens = {t for p in pop.households[home] for t in pop.family[p].split(";")}
            relatives = [
                p
                for hh in pop.clans[pop.clan[a]]
                if hh != home
                for p in pop.households[hh]
                if tokens.intersection(pop.family[p].split(";"))
            ]
            if len(relatives) < 2:
                continue
            chosen = self.rng.sample(relatives, min(len(relatives), self.rng.randint(2, 5)))
            later = [
                x
                for x in self._times_in_sessions(
                    ctx.sessions.get(self.person, []), 4, margin=20 * MINUTE
                )
                if x > s.t_close + 2 * MINUTE
            ]
            if not later:
                continue
            t = later[0]
            term = ctx.terminal_at(self.person, t) or s.terminal
            tasks = [x for x in self.served_today if x.shown_at < t < x.t_close - 3 * MINUTE]
            for p in chosen:
                if tasks and t < tasks[0].t_close - 2 * MINUTE:  # while the ticket is open
                    t = self._read(o, ctx, t, self.person, tasks[0].terminal, p, "task", tasks[0])
                else:
                    t = self._read(o, ctx, t, self.person, term, p, "breakglass")
            return
        self.plan.append(ctx.index + 1)  # nobody with relatives today: try tomorrow

    def _borrowed(self, o: Office, ctx: DayContext) -> None:
        """Log in as the colleague at a back-office terminal, while the colleague is away
        (absent, or gone per the door log) or working at another terminal."""
        me, them = self.person, self.colleague
        assert them is not None  # noqa: S101 - set when the insider is chosen
        if me not in ctx.present:
            self.plan.append(ctx.index + 1)
            return
        mine = ctx.sessions.get(me, [])
        times = self._times_in_sessions(mine, 1)
        if not times:
            self.plan.append(ctx.index + 1)
            return
        t = times[0]
        if them in ctx.present:
            out = ctx.badges.get(them, (None, None))[1]
            theirs = ctx.sessions.get(them, [])
            last = max((x.t1 for x in theirs), default=hm(17, 15))
            if out is not None and mine and mine[-1].t1 > last + 20 * MINUTE:
                t = int(self.rng.uniform(last + 10 * MINUTE, mine[-1].t1 - 5 * MINUTE))
        busy = {x.terminal for x in ctx.sessions.get(them, []) if x.t0 <= t <= x.t1}
        term = self.rng.choice([b for b in o.bo_terminals if b not in busy] or o.bo_terminals)
        self.emit(ctx, t, "auth.login", them, (), (), "", None, term)
        t += self.gap(20, 60)
        pop = o.people.pop
        for target in self.rng.sample(range(len(pop.sid)), self.rng.randint(6, 15)):
            mode = "breakglass" if self.rng.random() < 0.6 else "search"
            t = self._read(o, ctx, t, them, term, target, mode)
        self.emit(ctx, t + self.gap(10, 60), "auth.logout", them, (), (), "", None, term)

    # -- truth ----------------------------------------------------------------------------
    def truth(self, o: Office, lines: list[int]) -> dict[str, object]:
        pop = o.people.pop
        items = sorted(self.exposed.items(), key=lambda kv: (kv[1], kv[0]))
        exposed = [[pop.sid[p], clock_text(o.period[d], t)] for p, (d, t) in items]
        return {
            "kind": self.kind,
            "person": self.person,
            "accounts": list(self.accounts),
            "first_exposure": exposed[0][1] if exposed else None,
            "exposed": exposed,
            "event_lines": lines,
        }


def choose_insider(kind: str, o: Office, exclude: frozenset[str] = frozenset()) -> Insider:
    """Pick the insider (and their plan) with the insider's own random stream; nobody in
    `exclude` (another insider of the same run) is chosen, as the insider or as the
    colleague whose login is borrowed."""
    if kind not in INSIDER_KINDS:
        raise ValueError(f"unknown insider kind {kind!r}; choose from {', '.join(INSIDER_KINDS)}")
    rng = random.Random(f"office2-insider:{o.cfg.name}:{o.seed}:{kind}")  # noqa: S311
    ids = Ids(f"{o.salt}:insider:{kind}")
    days = len(o.period)
    staff = [s for s in o.staff if s.sid not in exclude]
    start, end = o.period[0], o.period[-1]
    steady = [
        s
        for s in staff
        if s.role == "counter_clerk"
        and s.hired_on < start
        and (s.contract_end is None or s.contract_end > end)
        and s.home_window
    ]
    if kind == "new_hire_skim":
        pool = [s for s in staff if s.hired_on >= start and s.role == "counter_clerk"]
        pool = pool or [s for s in staff if s.hired_on >= start]
        me = rng.choice(pool)
        hired = o.office_day_index(me.hired_on)
        return Insider(kind, me.sid, [me.sid], rng, ids, start=hired + rng.randint(2, 8), q=0.05)
    if kind == "pre_departure_skim":
        pool = [
            s
            for s in staff
            if s.contract_end is not None
            and s.contract_end <= end
            and s.role in ("counter_clerk", "issuance_clerk")
        ]
        pool = pool or [s for s in staff if s.contract_end is not None and s.contract_end <= end]
        serving = [s for s in pool if s.home_window]  # one with a window of their own
        me = rng.choice(serving or pool)
        last = o.office_day_index(me.contract_end)  # type: ignore[arg-type]
        return Insider(
            kind,
            me.sid,
            [me.sid],
            rng,
            ids,
            start=max(0, last - rng.randint(14, 20)),
            stop=last,
            q=0.15,
        )
    reviewers = [
        s
        for s in staff
        if s.role == "reviewer"
        and s.hired_on < start
        and (s.contract_end is None or s.contract_end > end)
    ]
    if kind in ("bulk", "borrowed_login") and reviewers and rng.random() < 0.4:
        steady = reviewers  # a back-office reviewer rather than a counter clerk
    me = rng.choice(steady)
    if kind in ("skim_footprint", "skim_no_footprint"):
        latest = min(30, days // 3)
        return Insider(
            kind, me.sid, [me.sid], rng, ids, start=rng.randint(min(3, latest), latest), q=0.05
        )
    first = rng.randint(min(10, days // 4), max(min(10, days // 4), days // 2))
    if kind == "bulk":
        return Insider(kind, me.sid, [me.sid], rng, ids, plan=[first])
    if kind == "family_chain":
        plan = sorted({first + rng.randint(0, max(1, days - first - 1)) for _ in range(3)})
        return Insider(kind, me.sid, [me.sid], rng, ids, plan=plan)
    if kind == "snoop":
        pop = o.people.pop
        celebrities = [p for p in range(len(pop.sid)) if pop.watch[p]]
        neighbours = [p for p in range(len(pop.sid)) if pop.area[p] == me.area]
        namesakes = pop.by_surname.get(me.surname, [])
        targets = rng.sample(celebrities, 2) + rng.sample(neighbours, min(2, len(neighbours)))
        targets += rng.sample(namesakes, min(rng.randint(1, 2), len(namesakes)))
        rng.shuffle(targets)
        plan = sorted({first + rng.randint(0, max(1, days - first - 1)) for _ in targets})
        ins = Insider(kind, me.sid, [me.sid], rng, ids, plan=plan)
        ins.targets = targets[: len(plan)] if len(plan) < len(targets) else targets
        return ins
    # borrowed_login: a colleague of the same role
    mates = [s for s in steady if s.sid != me.sid]
    them = rng.choice(mates)
    plan = sorted({first + rng.randint(0, max(1, days - first - 1)) for _ in range(2)})
    return Insider(kind, me.sid, [them.sid], rng, ids, plan=plan, colleague=them.sid)


class Cohort:
    """Several insiders in one office run, each with their own person, random stream and
    tag (the office's own events are the same as with none: "a run with insiders is the
    clean run plus their events, line for line")."""

    def __init__(self, kinds: list[str], o: Office) -> None:
        self.members: list[Insider] = []
        taken: set[str] = set()
        for tag, kind in enumerate(kinds, 1):
            member = choose_insider(kind, o, frozenset(taken))
            member.tag = tag
            taken.update(member.accounts)
            taken.add(member.person)
            self.members.append(member)

    def on_served(self, o: Office, ctx: DayContext, s: Served) -> None:
        for m in self.members:
            m.on_served(o, ctx, s)

    def on_day(self, o: Office, ctx: DayContext) -> None:
        for m in self.members:
            m.on_day(o, ctx)
