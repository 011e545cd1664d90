"""The counter: windows staffed for the day, the ticket queue, and the events of each visit
(an intake, a loss report, a pickup) under its counter grant: persons written, their records
on screen, matches, the occasional reveal, copies and receipts printed, and the workflow
moving on (docs/events.md)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING

from ryoken.audit.events import DetailValue
from ryoken.domain.applications import ApplicationKind
from ryoken.sim.presence import free_hour, gaps
from ryoken.sim.rows import C, Grant, Ids, copier_log, view
from ryoken.sim.staffing import Shift, StaffMember
from ryoken.sim.state import (
    CLOSE,
    COUNTER_COPIER,
    OPEN,
    OVERTIME_END,
    Case,
    DayContext,
    Visit,
    Window,
    unique_persons,
)

if TYPE_CHECKING:
    from ryoken.sim.workday import Office

K = ApplicationKind
_REVEAL_REASONS = ("電話番号の確認", "本人の申出による連絡先確認", "記載内容の確認")

# -- windows and the queue -----------------------------------------------------------------


def staff_windows(
    office: Office,
    codes: Sequence[str],
    shifts: list[Shift],
    busy: dict[str, list[tuple[float, float]]],
) -> list[Window]:
    """Each open window gets its own clerk where present; gaps (absence, half days,
    lunch) are covered by clerks without a window of their own today."""
    primaries = {s.staff.home_window: s for s in shifts if s.staff.home_window in codes}
    floaters = [s for s in shifts if s.staff.home_window not in codes]
    for s in floaters:
        if s.kind == "full":
            s.lunch = None  # placed after the covers, in a free hour
    out = []
    for code in codes:
        segments: list[tuple[float, float, Shift]] = []
        primary = primaries.get(code)
        if primary is not None:
            for a, b in primary.spans():
                a, b = max(a + 5, OPEN), min(b, CLOSE)
                if b - a >= 15:
                    segments.append((a, b, primary))
                    busy.setdefault(primary.staff.staff_id, []).append((a, b))
        for a, b in gaps([(x, y) for x, y, _ in segments], OPEN, CLOSE):
            segments += _cover(office, a, b, floaters, busy)
        segments.sort(key=itemgetter(0))
        if segments:
            a, b, s = segments[-1]
            end = max(b, min(s.leave, OVERTIME_END))  # serves the queue out
            segments[-1] = (a, end, s)
            busy.setdefault(s.staff.staff_id, []).append((b, end))
        out.append(Window(code, segments))
    for s in floaters:
        if s.kind == "full" and s.lunch is None:
            s.lunch = free_hour(busy.get(s.staff.staff_id, []))
    return out


def _cover(
    office: Office,
    a: float,
    b: float,
    floaters: list[Shift],
    busy: dict[str, list[tuple[float, float]]],
) -> list[tuple[float, float, Shift]]:
    out: list[tuple[float, float, Shift]] = []
    todo = [(a, b)]
    while todo:
        a, b = todo.pop()
        best = None
        for s in sorted(
            floaters, key=lambda s: sum(y - x for x, y in busy.get(s.staff.staff_id, []))
        ):
            lo, hi = max(a, s.arrive + 5), min(b, s.leave - 5)
            taken = busy.get(s.staff.staff_id, [])
            if hi - lo >= 30 and not any(x < hi and lo < y for x, y in taken):
                best = (lo, hi, s)
                break
        if best is None:
            continue
        lo, hi, s = best
        busy.setdefault(s.staff.staff_id, []).append((lo, hi))
        out.append(best)
        office.confounders.covers += 1
        todo += [(x, y) for x, y in ((a, lo), (hi, b)) if y - x >= 30]
    return out


def assign(
    office: Office,
    ctx: DayContext,
    rng: random.Random,
    windows: list[Window],
    visits: list[Visit],
) -> None:
    """Tickets in order of arrival, each visit to the window that can call it first; a visit
    no window can take today comes back tomorrow."""
    counters = {"A": 0, "L": 0, "B": 0}
    for v in visits:
        prefix = {"application": "A", "loss_report": "L", "pickup": "B"}[v.purpose]
        counters[prefix] += 1
        v.ticket = f"{prefix}-{counters[prefix]:03d}"
        v.base = _handling(v) * rng.lognormvariate(0.0, 0.3)
        v.incomplete = v.purpose == "application" and rng.random() < office.work.incomplete_rate
    pickup = set(office.pickup_windows)
    for v in visits:
        turnover = 0.5 + rng.random()
        pool = [w for w in windows if (w.code in pickup) == (v.purpose == "pickup")]
        if v.pinned is not None:
            pool = [w for w in pool if w.code == v.pinned] or pool
        best: tuple[float, int, Window, Shift] | None = None
        for n, w in enumerate(pool):
            slot = _slot(w, max(v.arrival, w.free), v, ctx)
            if slot is not None and (best is None or slot[0] < best[0]):
                best = (slot[0], n, w, slot[1])
        if best is None:  # no window left today: the applicant comes back tomorrow
            if v.purpose != "pickup" or not v.canary:
                office.returns.setdefault(ctx.index + 1, []).append(v)
            continue
        start, _, w, shift = best
        v.clerk, v.window, v.start = shift.staff, w.code, start
        minutes = v.base * _factor(shift.staff, ctx)
        if v.incomplete:
            minutes *= 0.6
        v.extra = office.hooks.extra_minutes(ctx, v)
        v.end = start + minutes + v.extra
        w.free = v.end + turnover
        ctx.activity.append((shift.staff.staff_id, w.code, start, v.end))
        if v.canary:
            office.subjects[v.cases[0].app.applicant_id].canary_staff = shift.staff.staff_id
            office.subjects[v.cases[0].app.applicant_id].canary_window = w.code


def _handling(v: Visit) -> float:
    """Minutes at the window before noise and the clerk's own pace."""
    n = len(v.cases)
    if v.purpose == "pickup":
        return 4.0 + 2.5 * (n - 1)
    minutes = 10.0 + 7.0 * (n - 1) + 3.0 * sum(bool(x.app.family_member_ids) for x in v.cases)
    if v.purpose == "loss_report":
        minutes += 10.0
    return minutes + 3.0 * any(x.app.proxy for x in v.cases)


def _factor(staff: StaffMember, ctx: DayContext) -> float:
    trainee = staff.trainee_on(ctx.day, ctx.office.roster.plan.trainee_days)
    return (ctx.office.work.trainee_slowdown if trainee else 1.0) * (0.92 if ctx.peak else 1.0)


def _slot(w: Window, t: float, v: Visit, ctx: DayContext) -> tuple[float, Shift] | None:
    """The earliest start at window `w` from `t`: inside a segment, not overrunning it by
    more than a few minutes (the clerk's lunch, or the colleague taking over)."""
    for n, (a, b, s) in enumerate(w.segments):
        if b <= t or s.staff.staff_id == v.avoid:
            continue
        start = max(t, a)
        if start >= b:
            continue
        last = n == len(w.segments) - 1
        if not last and start + v.base * _factor(s.staff, ctx) > b + 5:
            continue
        return start, s
    return None


# -- the events of a visit -----------------------------------------------------------------


def serve(
    office: Office,
    ctx: DayContext,
    rng: random.Random,
    ids: Ids,
    v: Visit,
    clerk: StaffMember,
) -> None:
    """The visit at its window: the ticket called and closed, one counter grant per part
    (a loss report with an application in the same visit is two)."""
    _count_confounders(office, ctx, v, clerk)
    log, c, w = ctx.log, clerk.staff_id, v.window
    queue: dict[str, DetailValue] = {"ticket": v.ticket, "purpose": v.purpose}
    # A first visit's persons are not in the system until the clerk enters the form.
    known = tuple(p for p in v.applicants() if p in office.written)
    log.add(v.arrival, C.TICKET_ISSUE, "kiosk", (), (), "queue", None, None, dict(queue))
    log.add(v.start, C.TICKET_CALL, c, known, (), "queue", None, w, dict(queue))
    if v.purpose == "pickup":
        parts = [("pickup", v.cases)]
    elif v.purpose == "loss_report":
        loss = [x for x in v.cases if x.app.kind is K.LOSS_REPORT]
        rest = [x for x in v.cases if x.app.kind is not K.LOSS_REPORT]
        parts = [("loss_report", loss)] + ([("intake", rest)] if rest else [])
    else:
        parts = [("intake", v.cases)]
    base_end = v.end - v.extra
    span = (base_end - v.start) / len(parts)
    for n, (step, cases) in enumerate(parts):
        a = v.start + n * span
        last = n == len(parts) - 1
        g = _part(office, ctx, ids, v, clerk, step, cases, a, a + span)
        if last:
            office.hooks.during_visit(ctx, v, g.grant, base_end, v.end)
            log.add(v.end, C.TICKET_CLOSE, c, (), (), "queue", None, w, dict(queue))
            why = "ticket closed"
        else:
            why = "closed"
        g.close(v.end if last else a + span, "counter", why)
    if v.incomplete:
        office.returns.setdefault(ctx.index + rng.randint(1, 8), []).append(v)


def _count_confounders(office: Office, ctx: DayContext, v: Visit, clerk: StaffMember) -> None:
    """Trainees at the window, and clerks sharing a surname or a town with an applicant."""
    if clerk.trainee_on(ctx.day, office.roster.plan.trainee_days):
        office.confounders.trainee_visits += 1
    names = {office.subjects[p].surname for p in v.applicants()}
    towns = {office.subjects[p].area for p in v.applicants()}
    office.confounders.shared_surname_visits += clerk.surname[0] in names
    office.confounders.neighbour_visits += clerk.area in towns


def _part(
    office: Office,
    ctx: DayContext,
    ids: Ids,
    v: Visit,
    clerk: StaffMember,
    step: str,
    cases: list[Case],
    a: float,
    b: float,
) -> Grant:
    """One counter grant from `a` to `b`, left open for the caller to close."""
    rng, work = ids.rng, office.work
    links: dict[str, DetailValue] = {
        "step": step,
        "grant_kind": "counter",
        "ticket": v.ticket,
        "window": v.window,
    }
    g = Grant(ctx.log, clerk.staff_id, step, ids.grant(), v.window, links)
    persons = (
        [x.persons[0] for x in cases]
        if step in ("pickup", "loss_report")
        else unique_persons(p for x in cases for p in x.persons)
    )
    pids = [p.person_id for p in persons]
    new = [p for p in persons if p.person_id not in office.written]
    old = tuple(sorted(set(pids) - {p.person_id for p in new}))
    g.open(a, old, "counter", ticket=v.ticket)
    t, dt = a + 0.2, (b - a) * 0.8 / (len(persons) * 3 + 2 * len(cases) + 2)
    for p in new:
        t += dt
        held = office.subjects[p.person_id].held
        g.add(t, C.SUBJECT_WRITE, (p.person_id,), held, {"created": True})
        office.written.add(p.person_id)
    if new:
        added = tuple(sorted(p.person_id for p in new))
        g.open(t, added, "counter", ticket=v.ticket, added=True)
    for pid in pids:
        t += dt
        g.screen(office.shown, t, pid, office.subjects[pid].held)
    for x in cases:
        t += dt
        _matches(office, g, rng, x, t)
    if step == "pickup" and rng.random() < work.pickup_search_rate:
        found = v.applicants()
        g.search(t, found, "name_kanji", len(found))
    trainee = clerk.trainee_on(ctx.day, office.roster.plan.trainee_days)
    rate = work.reveal_rate * (work.trainee_reveal_factor if trainee else 1.0)
    if step != "pickup" and rng.random() < rate:
        _reveal(office, g, rng, pids, t + dt / 2)
    if v.incomplete:
        return g
    copy = (
        step == "loss_report"
        or any(x.app.proxy for x in cases)
        or rng.random() < work.declared_copy_rate
    )
    if copy and step != "pickup":
        t += dt
        doc, reason = (
            ("police_report", "届出書類の写し")
            if step == "loss_report"
            else ("id_document", "本人確認書類の写し")
        )
        subjects = tuple(sorted(x.app.applicant_id for x in cases))
        _paper(office, g, ids, C.COPY, subjects, t, doc, reason, trainee)
    document = {
        "intake": "receipt",
        "loss_report": "loss_receipt",
        "pickup": "issuance_receipt",
    }[step]
    for x in cases if step != "pickup" else cases[:1]:
        t += dt
        subjects = (x.app.applicant_id,) if step != "pickup" else v.applicants()
        _paper(office, g, ids, C.PRINT, subjects, t, document, "受付控え", trainee)
    src, dst = {
        "intake": ("draft", "accepted"),
        "loss_report": ("loss_report_filed", "loss_report_accepted"),
        "pickup": ("ready", "issued"),
    }[step]
    for x in cases:
        t += dt / 2
        g.transition(t, x.app, src, dst)
        _advance(office, ctx, x, step, clerk.staff_id)
    return g


def _reveal(office: Office, g: Grant, rng: random.Random, pids: list[str], t: float) -> None:
    """The clerk reveals one masked field of one person, with a reason (if any is masked)."""
    options = [(pid, view(g.step, office.subjects[pid].held)[1]) for pid in pids]
    options = [(pid, m) for pid, m in options if m]
    if not options:
        return
    pid, masked = options[rng.randrange(len(options))]
    revealed = masked[rng.randrange(len(masked))]
    office.shown.screen(g.actor, pid, (revealed,))
    details: dict[str, DetailValue] = {
        "form": "shown",
        "reason": rng.choice(_REVEAL_REASONS),
        **g.links,
    }
    g.add(t, C.DISCLOSURE, (pid,), (revealed,), details, purpose=f"{g.step}:reveal")


def _matches(office: Office, g: Grant, rng: random.Random, x: Case, t: float) -> None:
    """The clerk checks the values the step matches without showing them (a typo: again)."""
    pid = x.app.applicant_id
    match_only = view(g.step, office.subjects[pid].held)[2]
    wanted = {
        "intake": ("previous_passport",) if x.app.kind is not K.NEW else (),
        "loss_report": ("birth_date",),
        "pickup": ("birth_date", "passport_number", "previous_passport"),
    }[g.step]
    for name in wanted:
        if name not in match_only:
            continue
        office.shown.screen(g.actor, pid, (name,))
        if rng.random() < 0.02:  # mistyped: the clerk types it again
            g.add(t, C.MATCH, (pid,), (name,), {"result": "no_match", **g.links})
            t += 0.3
        g.add(t, C.MATCH, (pid,), (name,), {"result": "match", **g.links})
        t += 0.1


def _paper(
    office: Office,
    g: Grant,
    ids: Ids,
    code: str,
    subjects: tuple[str, ...],
    t: float,
    document: str,
    reason: str,
    trainee: bool,
) -> None:
    """A print or copy through ryoken, and the copier's own log of it (a jam: again)."""
    jam = ids.rng.random() < office.work.jam_rate * (2.0 if trainee else 1.0)
    pages = 1 if document != "id_document" else 2
    office.shown.paper(g.actor, subjects, document, code)
    for attempt in range(2 if jam else 1):
        job, mark = ids.job(), ids.watermark()
        why = reason if attempt == 0 else "紙詰まりのため再印刷"
        details: dict[str, DetailValue] = {
            "job": job,
            "watermark": mark,
            "document": document,
            "pages": pages,
            "reason": why,
        }
        g.add(t, code, subjects, (), details)
        copier_log(g.log, t + 0.2, g.actor, COUNTER_COPIER, pages, code, watermark=mark, job=job)
        t += 0.6
    office.confounders.reprints += jam


def _advance(office: Office, ctx: DayContext, x: Case, step: str, clerk: str) -> None:
    """The case's next stop after the counter."""
    if step == "intake":
        x.intake_clerk, x.accepted = clerk, ctx.index
        if x.canary:
            office.withdraw.setdefault(ctx.index + 1, []).append(x)
            return
        office.qa_today.append(x)
        office.in_flight.append(x)
        # Reviews start the next business day; 刑罰等関係 "yes" waits for a senior review.
        senior = x.app.criminal_record_yes
        due = ctx.index + (20 + int(x.app.application_id[-2:]) % 21 if senior else 1)
        office.review_queue.append((due, "senior_review" if senior else "review", x))
