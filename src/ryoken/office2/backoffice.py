"""The back office: shared terminals, the FIFO review queue, QA, production checks, the
inquiry desk, break-glass and the month-end reports (methods of `Office`)."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from ryoken.office2 import work
from ryoken.office2.emit import MINUTE, US, hm
from ryoken.office2.state import Application, DayContext

if TYPE_CHECKING:
    from ryoken.office2.office import Office

STATUS_REASONS = ("status_inquiry", "pickup_date", "documents_needed", "lost_receipt")


def bo_sessions(o: Office, ctx: DayContext, workers: list[str], end: dict[str, int]) -> None:
    """Back-office terminals by half-day; when staff outnumber terminals, two take turns
    at one terminal, each logging in for their share of the half-day."""
    rng = o.rng
    for t0, t1 in ((hm(8, 45), hm(12, 0)), (hm(13, 0), hm(17, 15))):
        order = list(workers)
        rng.shuffle(order)
        n = len(o.bo_terminals)
        groups: dict[str, list[str]] = {}
        for k, sid in enumerate(order):
            groups.setdefault(o.bo_terminals[k % n], []).append(sid)
        for term, sids in groups.items():
            step = (t1 - t0) // len(sids)
            for j, sid in enumerate(sids):
                a, b = t0 + j * step, t0 + (j + 1) * step
                if j == len(sids) - 1 and t1 == hm(17, 15):
                    b = max(b, end.get(sid, b))
                ctx.add_session(sid, term, a, b - 30 * US if j < len(sids) - 1 else b)


def backoffice(o: Office, ctx: DayContext) -> list[str]:
    rng, pop = o.rng, o.people.pop
    present = ctx.present
    reviewers = [s.sid for s in o.staff if s.role == "reviewer" and s.sid in present]
    checkers = list(o.floaters.get("issuance_clerk", []))
    floaters = list(o.floaters.get("counter_clerk", []))
    desk = floaters  # the phone desk, status checks and paperwork
    end: dict[str, int] = {}
    if o.busy or len(o.review_queue) > 1.4 * o.base_demand:
        for sid in reviewers:  # overtime when the queue is long
            if rng.random() < 0.45:
                end[sid] = min(hm(19, 45), hm(17, 15) + int(rng.uniform(20, 150) * MINUTE))
    bo_sessions(o, ctx, reviewers + checkers + desk, end)
    # Reviews: FIFO from the queue, whoever is free next takes the oldest.
    heap: list[tuple[int, int, str]] = []
    for sid in reviewers:
        ss = ctx.sessions.get(sid, [])
        if ss:
            heap.append((ss[0].t0 + int(rng.uniform(2, 10) * MINUTE), 0, sid))
    heapq.heapify(heap)
    done_today: list[Application] = []
    while heap and o.review_queue:
        t, k, sid = heapq.heappop(heap)
        ss = ctx.sessions[sid]
        while k < len(ss) and t > ss[k].t1 - 8 * MINUTE:
            k += 1
            if k < len(ss):
                t = max(t, ss[k].t0 + int(rng.uniform(1, 4) * MINUTE))
        if k >= len(ss):
            continue
        app = o.review_queue.popleft()
        if pop.staff_family.get(pop.household[app.applicant]) == sid and o.review_queue:
            # a reviewer passes on their own family's application
            app, mine = o.review_queue.popleft(), app
            o.review_queue.appendleft(mine)
        end_t = work.review(o, ctx, t, sid, ss[k].terminal, app)
        ctx.hold(sid, ss[k].terminal, end_t)
        if app.status == "approved":
            done_today.append(app)
        elif app.status == "returned":  # corrected by the applicant, queued again later
            app.status = "accepted"
            o.review_queue.append(app)
        heapq.heappush(heap, (end_t + int(rng.uniform(20, 150) * US), k, sid))
    o.reviewed[ctx.index] = done_today
    qa(o, ctx)
    production(o, ctx, checkers)
    return desk


def qa(o: Office, ctx: DayContext) -> None:
    rng, pop, buf = o.rng, o.people.pop, ctx.buf
    sups = o.present_supervisors(ctx)
    if not sups:
        return
    for app in o.reviewed.get(ctx.index - 1, []):
        if rng.random() >= 0.05:
            continue
        sup = rng.choice(sups)
        term = o.own_terminal[sup]
        t = int(rng.uniform(hm(9, 30), hm(16, 30)))
        grant = o.ids.next("gr")
        o.grant_kinds[grant] = "qa"
        sid = pop.sid[app.applicant]
        buf.emit(
            t,
            "grant.open",
            sup,
            (sid,),
            (),
            "qa",
            grant,
            term,
            {"kind": "qa", "application": app.app_id},
        )
        t += work.gap(o, 10, 40)
        buf.emit(
            t,
            "disclosure",
            sup,
            (sid,),
            work.REVIEW_FIELDS,
            "qa",
            grant,
            term,
            {"form": "shown", "step": "qa", "grant_kind": "qa", "application": app.app_id},
        )
        t += work.gap(o, 60, 300)
        buf.emit(
            t,
            "review.qa_check",
            sup,
            (sid,),
            (),
            "qa",
            grant,
            term,
            {"application": app.app_id, "note": "ok" if rng.random() < 0.9 else "fix"},
        )
        if rng.random() < 0.3:
            t = work.job_print(
                o,
                buf,
                t + work.gap(o, 10, 30),
                sup,
                "print",
                (sid,),
                "qa_sheet",
                term,
                grant,
                "MFP-3",
                "qa",
                "qa",
            )
        buf.emit(
            t + work.gap(o, 5, 30),
            "grant.close",
            sup,
            (),
            (),
            "qa",
            grant,
            term,
            {"kind": "qa", "why": "closed"},
        )
        ctx.add_session(sup, term, hm(8, 40), hm(17, 30))


def production(o: Office, ctx: DayContext, workers: list[str]) -> None:
    rng, pop, buf = o.rng, o.people.pop, ctx.buf
    batch_apps = o.reviewed.get(ctx.index - 1, [])
    if not batch_apps:
        return
    if not workers:
        workers = [s.sid for s in o.staff if s.role == "issuance_clerk" and s.sid in ctx.present][
            :1
        ]
    if not workers:
        o.reviewed[ctx.index] = batch_apps + o.reviewed.get(ctx.index, [])
        return
    free_at: dict[str, int] = {}
    for b in range(0, len(batch_apps), 40):
        batch = batch_apps[b : b + 40]
        sid_w = workers[(b // 40) % len(workers)]
        t = max(int(rng.uniform(hm(9, 0), hm(11, 0))), free_at.get(sid_w, 0))
        term = f"PR-{(b // 40) % len(workers) + 1}"  # a check station (scanner, loupe)
        t_open = t
        grant = o.ids.next("gr")
        o.grant_kinds[grant] = "production"
        batch_id = o.ids.next("pb", 12)
        subjects = tuple(pop.sid[a.applicant] for a in batch)
        buf.emit(
            t - 20 * MINUTE,
            "production.import",
            "system",
            subjects,
            (),
            "production",
            None,
            None,
            {"batch": batch_id, "count": len(batch)},
        )
        buf.emit(
            t,
            "grant.open",
            sid_w,
            subjects,
            (),
            "production",
            grant,
            term,
            {"kind": "production", "batch": batch_id},
        )
        for a in batch:
            t += work.gap(o, 25, 70)
            buf.emit(
                t,
                "disclosure",
                sid_w,
                (pop.sid[a.applicant],),
                work.PRODUCTION_FIELDS,
                "production",
                grant,
                term,
                {
                    "form": "shown",
                    "step": "production",
                    "grant_kind": "production",
                    "application": a.app_id,
                },
            )
            a.status = "produced"
            ready = ctx.index + 3 + min(40, int(rng.expovariate(1 / 6)))
            o.pickups.setdefault(ready, []).append(a)
        t += work.gap(o, 10, 60)
        buf.emit(
            t,
            "grant.close",
            sid_w,
            (),
            (),
            "production",
            grant,
            term,
            {"kind": "production", "why": "closed"},
        )
        ctx.add_session(sid_w, term, t_open - MINUTE, t + MINUTE)
        free_at[sid_w] = t + 3 * MINUTE


def inquiries(o: Office, ctx: DayContext, desk: list[str], n_apps: int) -> None:
    rng, pop, buf = o.rng, o.people.pop, ctx.buf
    n = round(n_apps * o.cfg.inquiries_per_100_applications / 100 * rng.gauss(1, 0.15))
    sups = o.present_supervisors(ctx)
    staff = desk or sups
    if not staff or not o.recent:
        return
    for _ in range(max(0, n)):
        t = int(rng.triangular(hm(9, 0), hm(17, 0), hm(10, 30)))
        x = rng.random()
        kind = "phone" if x < 0.6 else ("status" if x < 0.85 else "counter_status")
        # whoever on the desk is logged in then takes it (a supervisor if nobody is)
        free = [s for s in staff if ctx.terminal_at(s, t) is not None] or sups
        if not free:
            continue
        sid = rng.choice(free)
        term = (
            "INFO-1"
            if kind == "counter_status"
            else (ctx.terminal_at(sid, t) or o.own_terminal[sid])
        )
        if term.startswith("SV"):
            ctx.add_session(sid, term, hm(8, 40), hm(17, 30))
        elif term == "INFO-1":
            ctx.add_session(sid, term, t - MINUTE, t + 20 * MINUTE)
        app = o.recent[rng.randrange(len(o.recent))]
        person = pop.sid[app.applicant]
        grant = o.ids.next("gr")
        o.grant_kinds[grant] = "inquiry"
        details: dict[str, str | int | bool | None] = {
            "kind": "inquiry",
            "inquiry": kind,
            "reason": work.reason(o, rng.choice(STATUS_REASONS)),
        }
        if rng.random() < 0.6:
            details["reception"] = app.reception
            buf.emit(t, "grant.open", sid, (person,), (), "inquiry", grant, term, details)
            t += work.gap(o, 20, 90)
        else:
            details["callback"] = "cb_" + f"{rng.getrandbits(64):016x}"
            buf.emit(t, "grant.open", sid, (), (), "inquiry", grant, term, details)
            t, _ = work.search(
                o,
                buf,
                t + work.gap(o, 20, 60),
                sid,
                "name",
                "inquiry",
                app.applicant,
                grant,
                term,
                fields=("name_kana",),  # an inquiry's list shows the reading only
                purpose="inquiry",
            )
            buf.emit(
                t,
                "grant.open",
                sid,
                (person,),
                (),
                "inquiry",
                grant,
                term,
                {"added": True, "via": "search", "kind": "inquiry"},
            )
            t += work.gap(o, 2, 8)
        buf.emit(
            t,
            "disclosure",
            sid,
            (person,),
            work.STATUS_FIELDS,
            "inquiry",
            grant,
            term,
            {
                "form": "shown",
                "step": "inquiry",
                "grant_kind": "inquiry",
                "application": app.app_id,
            },
        )
        t += work.gap(o, 60, 480)
        buf.emit(
            t,
            "grant.close",
            sid,
            (),
            (),
            "inquiry",
            grant,
            term,
            {"kind": "inquiry", "why": "closed"},
        )
        ctx.hold(sid, term, t)


def breakglass(o: Office, ctx: DayContext) -> None:
    rng, pop, buf = o.rng, o.people.pop, ctx.buf
    sups = o.present_supervisors(ctx)
    for _ in range(o.poisson(0.25)):
        if len(sups) < 2 or not o.recent:
            return
        sup, judge = rng.sample(sups, 2)
        term = o.own_terminal[sup]
        app = o.recent[rng.randrange(len(o.recent))]
        sid = pop.sid[app.applicant]
        grant = o.ids.next("gr")
        o.grant_kinds[grant] = "break_glass"
        t = int(rng.uniform(hm(9, 30), hm(16, 30)))
        why = rng.choice(work.BREAKGLASS_REASONS)
        buf.emit(
            t,
            "breakglass.open",
            sup,
            (sid,),
            (),
            "break_glass",
            grant,
            term,
            {"kind": "break_glass", "reason": why},
        )
        for _ in range(rng.randint(1, 3)):
            t += work.gap(o, 20, 120)
            buf.emit(
                t,
                "disclosure",
                sup,
                (sid,),
                (rng.choice(work.REVEALABLE),),
                "break_glass",
                grant,
                term,
                {
                    "form": "shown",
                    "step": "break_glass",
                    "grant_kind": "break_glass",
                    "reason": why,
                },
            )
        buf.emit(
            t + work.gap(o, 60, 300),
            "grant.close",
            sup,
            (),
            (),
            "break_glass",
            grant,
            term,
            {"kind": "break_glass", "why": "closed"},
        )
        buf.emit(
            int(rng.uniform(max(t, hm(16, 0)), hm(17, 20))),
            "breakglass.review",
            judge,
            (sid,),
            (),
            "",
            None,
            o.own_terminal[judge],
            {"grant": grant, "justified": True, "note": ""},
        )


def month_end(o: Office, ctx: DayContext) -> None:
    idx = ctx.index
    last = idx + 1 >= len(o.period) or o.period[idx + 1].month != ctx.day.month
    if not last:
        return
    for sup in o.present_supervisors(ctx):
        if o.rng.random() < 0.5:
            continue
        term = o.own_terminal[sup]
        t = int(o.rng.uniform(hm(17, 30), hm(19, 30)))
        work.job_print(
            o,
            ctx.buf,
            t,
            sup,
            "print",
            (),
            "monthly_report",
            term,
            None,
            "MFP-3",
            "monthly_report",
            "report",
            pages=o.rng.randint(4, 20),
        )
        ctx.add_session(sup, term, hm(8, 40), t + 10 * MINUTE)
