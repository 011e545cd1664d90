"""The back office: desk work placed in each member's free time. Online applications stored
overnight and accepted by clerks; reviews and senior reviews; supervisors judging yesterday's
break-glass and sampling yesterday's intake (QA); the daily production order and passports
coming back; the ordinary break-glass of a phone call; copier jobs and IT's evenings."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from ryoken.audit.events import DetailValue
from ryoken.sim.hooks import breakglass
from ryoken.sim.presence import desk_time
from ryoken.sim.rows import C, Grant, Ids, copier_log, transition
from ryoken.sim.staffing import Shift
from ryoken.sim.state import (
    COUNTER_COPIER,
    OFFICE_COPIER,
    Case,
    DayContext,
    Session,
    unique_persons,
)

if TYPE_CHECKING:
    from ryoken.sim.workday import Office


class Desk:
    """A member's free time for back-office tasks, taken in order."""

    __slots__ = ("cursor", "free", "i", "shift")

    def __init__(self, shift: Shift, free: list[tuple[float, float]]) -> None:
        self.shift, self.free, self.i = shift, free, 0
        self.cursor = free[0][0] if free else 0.0

    def peek(self, minutes: float, not_before: float = 0.0) -> float | None:
        """When `take` would start, without taking."""
        for a, b in self.free[self.i :]:
            s = max(a, self.cursor, not_before)
            if s + minutes <= b:
                return s
        return None

    def take(self, minutes: float, not_before: float = 0.0) -> tuple[float, float] | None:
        while self.i < len(self.free):
            a, b = self.free[self.i]
            s = max(a, self.cursor, not_before)
            if s + minutes <= b:
                self.cursor = s + minutes + 0.5
                return s, s + minutes
            self.i += 1
        return None


def back_office(
    office: Office,
    ctx: DayContext,
    rng: random.Random,
    ids: Ids,
    online: list[Case],
    busy: dict[str, list[tuple[float, float]]],
) -> None:
    """The day's desk work, after the counter has placed its visits."""
    for x in office.withdraw.pop(ctx.index, []):  # canaries leave quietly
        transition(ctx.log, 420 + rng.random() * 20, "system", x.app, "accepted", "withdrawn")
    _store_online(office, ctx, rng, online)
    office.accept_queue += online
    _returned_from_production(office, ctx, rng)
    desks = {sid: Desk(s, desk_time(s, busy.get(sid, []))) for sid, s in ctx.shifts.items()}
    by_role: dict[str, list[Desk]] = {}
    for sid, d in desks.items():
        by_role.setdefault(ctx.shifts[sid].staff.role, []).append(d)
    # Supervisors judge yesterday's break-glass in the morning and sample yesterday's
    # intake during the day; tasks are spread over the day, as people do other work too.
    sups = by_role.get("supervisor", [])
    _judge_breakglass(office, ctx, rng, sups)
    _sample_for_qa(office, ctx, rng, ids, sups)
    # Online acceptance by clerks off the window; reviews (in the peak months some run
    # into the evening, with the overtime); senior reviews by supervisors.
    _accept_online(office, ctx, rng, ids, by_role.get("counter_clerk", []))
    _review(office, ctx, rng, ids, by_role)
    _production(office, ctx, rng, ids, by_role.get("issuance_clerk", []) or sups)
    office.production_queue += office.approved_today
    office.approved_today = []
    _breakglass(office, ctx, rng, ids, desks)
    _copies_and_maintenance(office, ctx, rng)


def _store_online(office: Office, ctx: DayContext, rng: random.Random, online: list[Case]) -> None:
    """Online applications submitted overnight: their persons stored before the office opens."""
    created: dict[str, DetailValue] = {"created": True}
    for x in online:
        t = rng.random() * 480
        for p in x.persons:
            if p.person_id not in office.written:
                office.written.add(p.person_id)
                held = office.subjects[p.person_id].held
                subject = (p.person_id,)
                ctx.log.add(
                    t, C.SUBJECT_WRITE, "system", subject, held, "online", None, None, dict(created)
                )


def _judge_breakglass(
    office: Office, ctx: DayContext, rng: random.Random, sups: list[Desk]
) -> None:
    """Supervisors judge the break-glass still pending; what they cannot reach waits."""
    pending, office.breakglass_pending = office.breakglass_pending, []
    reviews = [(2.0 + 2 * rng.random(), 540 + 90 * rng.random()) for _ in pending]
    placed = _schedule(sups, reviews)
    for n, d, a, _ in placed:
        grant, subjects, p_ok = pending[n]
        ok = rng.random() < p_ok
        note = "業務上必要" if ok else "業務上の必要性を確認できない"
        judged: dict[str, DetailValue] = {"grant": grant, "justified": ok, "note": note}
        who, purpose = d.shift.staff, "break_glass_review"
        ctx.log.add(
            a, C.BREAKGLASS_REVIEW, who.staff_id, subjects, (), purpose, None, who.desk, judged
        )
    done = {n for n, *_ in placed}
    office.breakglass_pending += [p for n, p in enumerate(pending) if n not in done]


def _sample_for_qa(
    office: Office, ctx: DayContext, rng: random.Random, ids: Ids, sups: list[Desk]
) -> None:
    """Supervisors review a sample of yesterday's intake."""
    pool, office.qa_yesterday, office.qa_today = office.qa_yesterday, office.qa_today, []
    sample = rng.sample(pool, min(len(pool), office.work.qa_per_supervisor * len(sups)))
    for n, d, a, b in _schedule(sups, [(4 + 4 * rng.random(), _daytime(rng)) for _ in sample]):
        qa = f"QA-{ctx.day:%Y%m%d}-{n + 1:03d}"
        _task(office, ctx, ids, d, a, b, sample[n], "qa_review", "qa", qa)
    office.confounders.qa_samples += len(sample)


def _accept_online(
    office: Office, ctx: DayContext, rng: random.Random, ids: Ids, clerks: list[Desk]
) -> None:
    """Clerks off the window check online applications; the rest wait for tomorrow."""
    accept, office.accept_queue = office.accept_queue, []
    placed = _schedule(clerks, [(5 + 5 * rng.random(), _daytime(rng)) for _ in accept])
    for n, d, a, b in placed:
        ref = f"AC-{accept[n].app.application_id}"
        _task(office, ctx, ids, d, a, b, accept[n], "intake", "review", ref)
    done = {n for n, *_ in placed}
    office.accept_queue = [x for n, x in enumerate(accept) if n not in done]


def _review(
    office: Office, ctx: DayContext, rng: random.Random, ids: Ids, by_role: dict[str, list[Desk]]
) -> None:
    """Reviews due today by reviewers, senior reviews by supervisors; the rest wait a day."""
    index = ctx.index
    due = [r for r in office.review_queue if r[0] <= index]
    office.review_queue = [r for r in office.review_queue if r[0] > index]
    for step, role in (("review", "reviewer"), ("senior_review", "supervisor")):
        todo = [x for _, st, x in due if st == step]
        base = 8.0 if step == "review" else 20.0
        tasks = [
            (
                base * rng.lognormvariate(0.3, 0.3),
                1050 + 120 * rng.random() if ctx.peak and rng.random() < 0.12 else _daytime(rng),
            )
            for _ in todo
        ]
        placed = _schedule(by_role.get(role, []), tasks)
        for n, d, a, b in placed:
            ref = f"RV-{todo[n].app.application_id}"
            _task(office, ctx, ids, d, a, b, todo[n], step, "review", ref)
        done = {n for n, *_ in placed}
        office.review_queue += [(index + 1, step, x) for n, x in enumerate(todo) if n not in done]


def _task(
    office: Office,
    ctx: DayContext,
    ids: Ids,
    d: Desk,
    a: float,
    b: float,
    x: Case,
    step: str,
    kind: str,
    ref: str,
) -> None:
    """One assigned task at a desk: acceptance check, review, senior review, QA sample."""
    rng, actor, desk = ids.rng, d.shift.staff.staff_id, d.shift.staff.desk
    links: dict[str, DetailValue] = {"step": step, "grant_kind": kind, "review": ref}
    g = Grant(ctx.log, actor, step, ids.grant(), desk, links)
    pids = tuple(p.person_id for p in unique_persons(x.persons))
    g.open(a, tuple(sorted(pids)), kind, review=ref)
    ctx.activity.append((actor, desk, a, b))
    t, dt = a + 0.2, (b - a) * 0.8 / (2 * len(pids) + 3)
    app = x.app
    moves = {
        "intake": (("draft", "accepted"),),
        "review": (("accepted", "in_review"), ("in_review", "approved")),
        "senior_review": (("accepted", "in_review"), ("in_review", "approved")),
    }.get(step, ())
    for src, dst in moves[:1]:
        g.transition(t, app, src, dst)
    for pid in pids:
        t += dt
        g.screen(office.shown, t, pid, office.subjects[pid].held)
    if step == "review" and rng.random() < office.work.review_search_rate:
        g.search(t + dt / 2, (app.applicant_id,), "passport_number", 1)
    rejected = step != "intake" and kind == "review" and rng.random() < 0.003
    for src, dst in moves[1:]:
        g.transition(b - 0.2, app, src, "rejected" if rejected else dst)
    g.close(b, kind)
    if step == "intake":
        x.intake_clerk, x.accepted = actor, ctx.index
        office.in_flight.append(x)
        office.review_queue.append((ctx.index + 1, "review", x))
    elif rejected:
        office.in_flight.remove(x)
    elif kind == "review":
        office.approved_today.append(x)


def _production(
    office: Office, ctx: DayContext, rng: random.Random, ids: Ids, desks: list[Desk]
) -> None:
    """The daily order to the National Printing Bureau: one grant, every approved case."""
    batch, office.production_queue = office.production_queue, []
    if not batch:
        return
    jobs = _schedule(desks, [(15 + 0.2 * len(batch), 600 + 60 * rng.random())])
    if not jobs:
        office.production_queue = batch
        return
    _, d, a, b = jobs[0]
    actor, desk, step = d.shift.staff.staff_id, d.shift.staff.desk, "production"
    links: dict[str, DetailValue] = {"step": step, "grant_kind": step}
    g, ref = Grant(ctx.log, actor, step, ids.grant(), desk, links), f"PB-{ctx.day:%Y%m%d}"
    g.open(a, tuple(sorted(x.app.applicant_id for x in batch)), step, batch=ref)
    ctx.activity.append((actor, desk, a, b))
    dt = (b - a) * 0.9 / (len(batch) + 1)
    for n, x in enumerate(batch):
        t, pid = a + (n + 0.5) * dt, x.app.applicant_id
        g.screen(office.shown, t, pid, office.subjects[pid].held, gap=0.01, always_shown=True)
        g.transition(t + 0.02, x.app, "approved", "ordered")
        office.in_production.setdefault(ctx.index + rng.randint(9, 14), []).append(x)
    g.close(b, step)


def _returned_from_production(office: Office, ctx: DayContext, rng: random.Random) -> None:
    """Passports back from the Bureau: ready for pickup; applicants come within weeks."""
    groups: dict[str, list[Case]] = {}
    for x in office.in_production.pop(ctx.index, []):
        t = 480 + 30 * rng.random()
        for src, dst in (("ordered", "produced"), ("produced", "ready")):
            transition(ctx.log, t, "system", x.app, src, dst)
            t += 0.01
        groups.setdefault(x.app.visit_id, []).append(x)
    for group in groups.values():
        u = rng.random()
        wait = (
            rng.randint(0, 5) if u < 0.6 else rng.randint(6, 15) if u < 0.9 else rng.randint(16, 60)
        )
        if u < 0.98:  # the rest lapse uncollected, past any horizon we simulate
            office.pickups.setdefault(ctx.index + 1 + wait, []).append(group)
    # Ready cases leave the pool that ordinary break-glass draws from.
    ready = {id(x) for g in groups.values() for x in g}
    if ready:
        office.in_flight = [x for x in office.in_flight if id(x) not in ready]


def _breakglass(
    office: Office, ctx: DayContext, rng: random.Random, ids: Ids, desks: dict[str, Desk]
) -> None:
    """A phone call about an application in flight: outside any task, with a reason."""
    rate = office.work.breakglass_per_day
    count = int(rate) + (rng.random() < rate - int(rate))
    staff = [d for d in desks.values() if d.shift.staff.role in ("reviewer", "counter_clerk")]
    for _ in range(count):
        if not staff or not office.in_flight:
            return
        d = staff[rng.randrange(len(staff))]
        x = office.in_flight[rng.randrange(len(office.in_flight))]
        when = d.take(4 + 4 * rng.random())
        if when is None or x.accepted >= ctx.index:
            continue
        who = d.shift.staff
        reason = "申請者からの電話照会（書類の確認）"
        justified = office.work.breakglass_justified
        breakglass(
            ctx, ids, who.staff_id, who.desk, when[0], (x.app.applicant_id,), reason, justified
        )
        ctx.activity.append((who.staff_id, who.desk, *when))
        office.confounders.breakglass_legit += 1


def _copies_and_maintenance(office: Office, ctx: DayContext, rng: random.Random) -> None:
    """Copier jobs without a ryoken watermark (meeting papers, blank forms), and an
    evening of IT maintenance now and then: ordinary, and unexplained by design."""
    work, log = office.work, ctx.log
    staff = [
        s
        for s in ctx.shifts.values()
        if s.staff.role in ("administrator", "supervisor", "privacy_officer")
    ]
    clerks = [s for s in ctx.shifts.values() if s.staff.role in ("counter_clerk", "issuance_clerk")]
    n = int(work.office_copies_per_day) + (rng.random() < work.office_copies_per_day % 1)
    jobs = [(staff, OFFICE_COPIER)] * n if staff else []
    jobs += [([s], COUNTER_COPIER) for s in clerks if rng.random() < work.clerk_stray_copy_rate]
    for pool, copier in jobs:
        s = pool[rng.randrange(len(pool))]
        spans = s.spans()
        a, b = spans[rng.randrange(len(spans))]
        if b - a < 10:
            continue
        t = a + 5 + (b - a - 10) * rng.random()
        pages = rng.randint(1, 30)
        copier_log(log, t, s.staff.staff_id, copier, pages, "copy", unmatched=True)
        office.confounders.office_copies += 1
    admins = [s for s in ctx.shifts.values() if s.staff.role == "administrator" and s.kind != "am"]
    if admins and rng.random() < work.night_maintenance_rate:
        s = admins[rng.randrange(len(admins))]
        a = 1170 + 60 * rng.random()  # 19:30-20:30
        s.overtime, s.leave = True, a + 60 + 30 * rng.random()
        ctx.sessions.setdefault(s.staff.staff_id, []).append(Session("SRV-CONSOLE", a, s.leave - 5))
        office.confounders.night_maintenance += 1


def _schedule(
    desks: list[Desk], tasks: list[tuple[float, float]]
) -> list[tuple[int, Desk, float, float]]:
    """Place tasks (minutes, not before) in order of their earliest start, each at the desk
    that can start it first. Returns (task index, desk, start, end); a task no desk can
    take today is left out (the caller carries it over)."""
    out: list[tuple[int, Desk, float, float]] = []
    if not desks:
        return out
    for n in sorted(range(len(tasks)), key=lambda i: tasks[i][1]):
        minutes, not_before = tasks[n]
        best: tuple[float, Desk] | None = None
        for d in desks:
            start = d.peek(minutes, not_before)
            if start is not None and (best is None or start < best[0]):
                best = (start, d)
                if start <= not_before:
                    break
        if best is not None:
            a, b = best[1].take(minutes, not_before) or (best[0], best[0] + minutes)
            out.append((n, best[1], a, b))
    return out


def _daytime(rng: random.Random) -> float:
    """When a back-office task comes up: any time from 09:00 to 16:30."""
    return 540 + 450 * rng.random()
