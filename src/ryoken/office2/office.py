"""The office, day by day: who is in, the counter, the back office, the doors.

One `random.Random` drives the office. An insider (`ryoken.office2.insiders`) watches the
ordinary work through a hook and adds events from its own stream, so a run with an insider
is the clean run plus the insider's events, line for line.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from ryoken.office2 import work
from ryoken.office2.calendar import office_days
from ryoken.office2.config import MONTH_DEMAND, Office2Config
from ryoken.office2.emit import MINUTE, US, DayBuffer, Ids, hm
from ryoken.office2.people import PeopleFactory, Staff, make_staff
from ryoken.office2.state import Application, DayContext, Served, Session

STATUS_REASONS = ("status_inquiry", "pickup_date", "documents_needed", "lost_receipt")


class Hook(Protocol):
    def on_served(self, o: Office, ctx: DayContext, served: Served) -> None: ...

    def on_day(self, o: Office, ctx: DayContext) -> None: ...


class NoInsider:
    def on_served(self, o: Office, ctx: DayContext, served: Served) -> None:
        return None

    def on_day(self, o: Office, ctx: DayContext) -> None:
        return None


class Office:
    def __init__(self, cfg: Office2Config, seed: int, days: int, hook: Hook | None = None):
        self.cfg = cfg
        self.seed = seed
        self.salt = f"office2:{cfg.name}:{seed}"
        self.rng = random.Random(self.salt)  # noqa: S311 - a seeded simulation, not secrets
        self.hook: Hook = hook or NoInsider()
        self.period: list[date] = office_days(cfg.start, days)
        self.people = PeopleFactory(self.rng, self.salt)
        self.staff: list[Staff] = make_staff(cfg, self.rng, self.people, self.period)
        self.staff_by_id = {s.sid: s for s in self.staff}
        self.ids = Ids(self.salt + ":office")
        self.grant_kinds: dict[str, str] = {}
        self.base_demand = cfg.applications_per_staff * cfg.staff
        self._build_population(days)
        self._build_places()
        self.review_queue: deque[Application] = deque()
        self.reviewed: dict[int, list[Application]] = {}
        self.approved: dict[int, list[Application]] = {}
        self.pickups: dict[int, list[Application]] = {}
        self.recent: deque[Application] = deque(maxlen=4000)
        self._receptions = 0
        self.floaters: dict[str, list[str]] = {}
        self.busy = False
        self._backlog()

    # -- set-up ---------------------------------------------------------------------------
    def _build_population(self, days: int) -> None:
        rng, people = self.rng, self.people
        clans = int(self.base_demand * days * 0.3) + 1500
        for _ in range(clans):
            people.clan()
        pop = people.pop
        order = list(range(len(pop.households)))
        rng.shuffle(order)
        # Staff whose own family applies: a clan of their surname and neighbourhood, one of
        # whose households comes to the counter during the period.
        family_staff = rng.sample(self.staff, max(2, round(0.03 * len(self.staff))))
        for s in family_staff:
            hhs = people.clan(surname=s.surname, area=s.area)
            hh = rng.choice(hhs)
            pop.staff_family[hh] = s.sid
            order.insert(rng.randrange(0, len(order) // 3), hh)
        self.household_queue: deque[int] = deque(order)
        for p in rng.sample(range(len(pop.sid)), 15):  # well-known people
            pop.watch[p] = 1

    def _build_places(self) -> None:
        rng = self.rng
        start = self.period[0]
        counter = [s for s in self.staff if s.role == "counter_clerk" and s.hired_on <= start]
        issuance = [s for s in self.staff if s.role == "issuance_clerk" and s.hired_on <= start]
        rng.shuffle(counter)
        rng.shuffle(issuance)
        self.app_windows = [f"W{k + 1:02d}" for k in range(max(4, round(0.6 * len(counter))))]
        self.pickup_windows = [f"P{k + 1:02d}" for k in range(max(2, round(0.6 * len(issuance))))]
        for s, w in zip(counter, self.app_windows, strict=False):
            s.home_window = w
        for s, w in zip(issuance, self.pickup_windows, strict=False):
            s.home_window = w
        pool = (
            sum(1 for s in self.staff if s.role == "reviewer")
            + len(issuance)
            - len(self.pickup_windows)
            + 4
        )
        self.bo_terminals = [
            f"BO-{k + 1}" for k in range(math.ceil(pool / self.cfg.terminal_share))
        ]
        sups = [
            s for s in self.staff if s.role not in ("counter_clerk", "issuance_clerk", "reviewer")
        ]
        self.own_terminal = {s.sid: f"SV-{k + 1}" for k, s in enumerate(sups)}

    def _new_application(
        self, applicant: int, named: tuple[int, ...], kind: str, day_index: int
    ) -> Application:
        self._receptions += 1
        app = Application(
            self.ids.next("ap", 16),
            f"R{self.seed % 100:02d}-{self._receptions:06d}",
            applicant,
            named,
            kind,
            day_index,
        )
        self.recent.append(app)
        return app

    def _backlog(self) -> None:
        """Applications accepted before the period: yesterday's review queue, and passports
        waiting for pickup in the first weeks."""
        for _ in range(int(self.base_demand * 0.8)):
            self.review_queue.append(self._take_group(-1)[0])
        for d in range(15):
            for _ in range(int(self.base_demand * 0.85 * (15 - d) / 15 * 0.9)):
                app = self._take_group(-10)[0]
                app.status = "produced"
                self.pickups.setdefault(d, []).append(app)

    def _take_group(self, day_index: int) -> list[Application]:
        """The next household to apply: one to four of its members."""
        pop, rng = self.people.pop, self.rng
        hh = self.household_queue.popleft()
        members = pop.households[hh]
        size = 1 if rng.random() < 0.62 else min(len(members), rng.choice((2, 2, 3, 4)))
        chosen = rng.sample(members, size)
        others = [p for p in members if p not in chosen]
        apps = []
        for p in chosen:
            x = rng.random()
            kind = "renewal" if x < 0.55 else ("new" if x < 0.95 else "change")
            named = tuple(others[:2]) if kind == "new" else ()
            apps.append(self._new_application(p, named, kind, day_index))
        return apps

    # -- helpers --------------------------------------------------------------------------
    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        limit, k, prod = math.exp(-lam), 0, self.rng.random()
        while prod > limit:
            k += 1
            prod *= self.rng.random()
        return k

    def present_supervisors(self, ctx: DayContext) -> list[str]:
        return [s.sid for s in self.staff if s.role == "supervisor" and s.sid in ctx.present]

    def office_day_index(self, day: date) -> int:
        for k, d in enumerate(self.period):
            if d >= day:
                return k
        return len(self.period)

    # -- the day --------------------------------------------------------------------------
    def run_day(self, index: int) -> DayContext:
        day = self.period[index]
        ctx = DayContext(index, day, DayBuffer())
        rng, cfg = self.rng, self.cfg
        for s in self.staff:
            if s.active(day) and (s.hired_on == day or rng.random() >= cfg.absence_rate):
                ctx.present.add(s.sid)
        factor = 1 + cfg.busy_strength * (MONTH_DEMAND[day.month] - 1)
        factor *= (1.15, 1.0, 0.95, 0.95, 1.0)[day.weekday()]
        self.busy = factor > 1.12
        n_apps = max(10, round(self.base_demand * factor * rng.gauss(1.0, 0.08)))
        online = sum(1 for _ in range(n_apps) if rng.random() < cfg.online_share)
        self._counter(ctx, n_apps - online, round(n_apps * 0.03))
        for _ in range(online):
            self._online(ctx)
        desk = self._backoffice(ctx)
        self._inquiries(ctx, desk, n_apps)
        self._breakglass(ctx)
        self._month_end(ctx)
        self._doors(ctx)
        self.hook.on_day(self, ctx)
        return ctx

    def _arrival(self) -> int:
        cfg, rng = self.cfg, self.rng
        if cfg.late_opening_weekday is not None and rng.random() < 0.08:
            return int(rng.uniform(hm(16, 30), hm(18, 45)))
        return int(rng.triangular(hm(8, 45), hm(16, 30), hm(10, 0)))

    def _counter(self, ctx: DayContext, n_counter_apps: int, n_loss: int) -> None:
        rng, pop = self.rng, self.people.pop
        day = ctx.day
        late = self.cfg.late_opening_weekday == day.weekday()
        tickets: list[tuple[int, str, object]] = []
        taken = 0
        while taken < n_counter_apps and self.household_queue:
            apps = self._take_group(ctx.index)
            taken += len(apps)
            tickets.append(
                (self._arrival() if late else min(self._arrival(), hm(16, 30)), "A", apps)
            )
        for _ in range(n_loss):
            p = rng.randrange(len(pop.sid))
            tickets.append((self._arrival(), "L", (p, self.ids.next("ap", 16))))
        pickups = self.pickups.pop(ctx.index, [])
        pickup_tickets = [(self._arrival(), "K", a) for a in pickups]
        tickets.sort(key=lambda x: x[0])
        pickup_tickets.sort(key=lambda x: x[0])
        self._serve(ctx, tickets, self.app_windows, "counter_clerk")
        self._serve(ctx, pickup_tickets, self.pickup_windows, "issuance_clerk")

    def _staff_windows(self, ctx: DayContext, windows: list[str], role: str) -> dict[str, str]:
        """Who sits at each window today: the home clerk, else a colleague covering."""
        present = [s for s in self.staff if s.role == role and s.sid in ctx.present]
        by_window = {s.home_window: s.sid for s in present if s.home_window}
        floaters = [s.sid for s in present if not s.home_window]
        self.rng.shuffle(floaters)
        out = {}
        for w in windows:
            if w in by_window:
                out[w] = by_window[w]
            elif floaters:
                out[w] = floaters.pop()
        self.floaters[role] = floaters
        return out

    def _serve(
        self,
        ctx: DayContext,
        tickets: Sequence[tuple[int, str, object]],
        windows: list[str],
        role: str,
    ) -> None:
        rng = self.rng
        seat = self._staff_windows(ctx, windows, role)
        if not seat:
            return
        heap = [(hm(8, 40) + int(rng.uniform(0, 5) * MINUTE), w) for w in seat]
        heapq.heapify(heap)
        lunch = {w: hm(11, 30) + rng.choice((0, 30, 60)) * MINUTE for w in seat}
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        numbers: dict[str, int] = {}
        pop = self.people.pop
        for arrival, kind, payload in tickets:
            numbers[kind] = numbers.get(kind, 0) + 1
            ticket = f"{kind}-{numbers[kind]:03d}"
            ctx.buf.emit(
                arrival,
                "ticket.issue",
                "kiosk",
                (),
                (),
                "",
                None,
                "KIOSK-1",
                {
                    "ticket": ticket,
                    "purpose": {"A": "application", "L": "loss_report", "K": "pickup"}[kind],
                },
            )
            free, w = heapq.heappop(heap)
            if kind == "A":
                apps: list[Application] = payload  # type: ignore[assignment]
                relative = pop.staff_family.get(pop.household[apps[0].applicant])
                if relative is not None and seat[w] == relative and heap:
                    # a clerk never serves their own family: the next window takes it
                    other = heapq.heappop(heap)
                    heapq.heappush(heap, (free, w))
                    free, w = other
            start = max(free, arrival + int(rng.uniform(20, 90) * US))
            if lunch[w] <= start < lunch[w] + 50 * MINUTE:
                start = lunch[w] + 50 * MINUTE
            clerk = seat[w]
            first.setdefault(w, start)
            if kind == "A":
                end = work.intake(
                    self,
                    ctx,
                    start,
                    clerk,
                    w,
                    ticket,
                    apps,
                    rng.random() < self.cfg.escalation_rate,
                )
                self.review_queue.extend(apps)
            elif kind == "L":
                person, app_id = payload  # type: ignore[misc]
                end = work.loss_report(self, ctx, start, clerk, w, ticket, person, app_id)
            else:
                end = work.pickup(self, ctx, start, clerk, w, ticket, payload)  # type: ignore[arg-type]
            last[w] = end
            heapq.heappush(heap, (end + int(rng.uniform(20, 120) * US), w))
        for w, clerk in seat.items():
            t0 = hm(8, 40)
            t1 = max(last.get(w, 0) + 3 * MINUTE, hm(17, 15))
            ctx.add_session(clerk, w, t0, t1)

    def _online(self, ctx: DayContext) -> None:
        pop = self.people.pop
        app = self._take_group(ctx.index)[0] if self.household_queue else None
        if app is None:
            return
        app.kind = "online"
        t = int(self.rng.uniform(hm(0, 5), hm(23, 55)))
        sid = pop.sid[app.applicant]
        ctx.buf.emit(
            t,
            "application.import",
            "system",
            (sid,),
            (),
            "online",
            None,
            None,
            {"application": app.app_id, "channel": "online"},
        )
        ctx.buf.emit(
            t + US,
            "workflow.transition",
            "system",
            (sid,),
            (),
            "online",
            None,
            None,
            {"application": app.app_id, "from": "received", "to": "accepted"},
        )
        self.review_queue.append(app)

    def _bo_sessions(self, ctx: DayContext, workers: list[str], end: dict[str, int]) -> None:
        """Back-office terminals by half-day; when staff outnumber terminals, two take turns
        at one terminal, each logging in for their share of the half-day."""
        rng = self.rng
        for t0, t1 in ((hm(8, 45), hm(12, 0)), (hm(13, 0), hm(17, 15))):
            order = list(workers)
            rng.shuffle(order)
            n = len(self.bo_terminals)
            groups: dict[str, list[str]] = {}
            for k, sid in enumerate(order):
                groups.setdefault(self.bo_terminals[k % n], []).append(sid)
            for term, sids in groups.items():
                step = (t1 - t0) // len(sids)
                for j, sid in enumerate(sids):
                    a, b = t0 + j * step, t0 + (j + 1) * step
                    if j == len(sids) - 1 and t1 == hm(17, 15):
                        b = max(b, end.get(sid, b))
                    ctx.add_session(sid, term, a, b - 30 * US if j < len(sids) - 1 else b)

    def _backoffice(self, ctx: DayContext) -> list[str]:
        rng = self.rng
        present = ctx.present
        reviewers = [s.sid for s in self.staff if s.role == "reviewer" and s.sid in present]
        production = list(self.floaters.get("issuance_clerk", []))
        floaters = list(self.floaters.get("counter_clerk", []))
        desk = floaters  # the phone desk, status checks and paperwork
        end: dict[str, int] = {}
        if self.busy or len(self.review_queue) > 1.4 * self.base_demand:
            for sid in reviewers:  # overtime when the queue is long
                if rng.random() < 0.45:
                    end[sid] = min(hm(19, 45), hm(17, 15) + int(rng.uniform(20, 150) * MINUTE))
        self._bo_sessions(ctx, reviewers + production + desk, end)
        # Reviews: FIFO from the queue, whoever is free next takes the oldest.
        heap: list[tuple[int, int, str]] = []
        for sid in reviewers:
            ss = ctx.sessions.get(sid, [])
            if ss:
                heap.append((ss[0].t0 + int(rng.uniform(2, 10) * MINUTE), 0, sid))
        heapq.heapify(heap)
        done_today: list[Application] = []
        while heap and self.review_queue:
            t, k, sid = heapq.heappop(heap)
            ss = ctx.sessions[sid]
            while k < len(ss) and t > ss[k].t1 - 8 * MINUTE:
                k += 1
                if k < len(ss):
                    t = max(t, ss[k].t0 + int(rng.uniform(1, 4) * MINUTE))
            if k >= len(ss):
                continue
            app = self.review_queue.popleft()
            end_t = work.review(self, ctx, t, sid, ss[k].terminal, app)
            if app.status == "approved":
                done_today.append(app)
            elif app.status == "returned":  # corrected by the applicant, queued again later
                app.status = "accepted"
                self.review_queue.append(app)
            heapq.heappush(heap, (end_t + int(rng.uniform(20, 150) * US), k, sid))
        self.reviewed[ctx.index] = done_today
        self._qa(ctx)
        self._production(ctx, production)
        return desk

    def _qa(self, ctx: DayContext) -> None:
        rng, pop, buf = self.rng, self.people.pop, ctx.buf
        sups = self.present_supervisors(ctx)
        if not sups:
            return
        for app in self.reviewed.get(ctx.index - 1, []):
            if rng.random() >= 0.05:
                continue
            sup = rng.choice(sups)
            term = self.own_terminal[sup]
            t = int(rng.uniform(hm(9, 30), hm(16, 30)))
            grant = self.ids.next("gr")
            self.grant_kinds[grant] = "qa"
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
            t += work.gap(self, 10, 40)
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
            t += work.gap(self, 60, 300)
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
                    self,
                    buf,
                    t + work.gap(self, 10, 30),
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
                t + work.gap(self, 5, 30),
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

    def _production(self, ctx: DayContext, workers: list[str]) -> None:
        rng, pop, buf = self.rng, self.people.pop, ctx.buf
        batch_apps = self.reviewed.get(ctx.index - 1, [])
        if not batch_apps:
            return
        if not workers:
            workers = [
                s.sid for s in self.staff if s.role == "issuance_clerk" and s.sid in ctx.present
            ][:1]
        if not workers:
            self.reviewed[ctx.index] = batch_apps + self.reviewed.get(ctx.index, [])
            return
        for b in range(0, len(batch_apps), 40):
            batch = batch_apps[b : b + 40]
            sid_w = workers[(b // 40) % len(workers)]
            t = int(rng.uniform(hm(9, 0), hm(11, 0)))
            term = ctx.terminal_at(sid_w, t) or self.bo_terminals[0]
            grant = self.ids.next("gr")
            self.grant_kinds[grant] = "production"
            batch_id = self.ids.next("pb", 12)
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
                t += work.gap(self, 25, 70)
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
                self.pickups.setdefault(ready, []).append(a)
            buf.emit(
                t + work.gap(self, 10, 60),
                "grant.close",
                sid_w,
                (),
                (),
                "production",
                grant,
                term,
                {"kind": "production", "why": "closed"},
            )

    def _inquiries(self, ctx: DayContext, desk: list[str], n_apps: int) -> None:
        rng, pop, buf = self.rng, self.people.pop, ctx.buf
        n = round(n_apps * self.cfg.inquiries_per_100_applications / 100 * rng.gauss(1, 0.15))
        staff = desk or self.present_supervisors(ctx)
        if not staff or not self.recent:
            return
        for _ in range(max(0, n)):
            t = int(rng.triangular(hm(9, 0), hm(17, 0), hm(10, 30)))
            x = rng.random()
            kind = "phone" if x < 0.6 else ("status" if x < 0.85 else "counter_status")
            sid = rng.choice(staff)
            term = (
                "INFO-1"
                if kind == "counter_status"
                else (
                    ctx.terminal_at(sid, t) or self.own_terminal.get(sid) or self.bo_terminals[-1]
                )
            )
            if term.startswith("SV"):
                ctx.add_session(sid, term, hm(8, 40), hm(17, 30))
            elif term == "INFO-1":
                ctx.add_session(sid, term, t - MINUTE, t + 20 * MINUTE)
            app = self.recent[rng.randrange(len(self.recent))]
            person = pop.sid[app.applicant]
            grant = self.ids.next("gr")
            self.grant_kinds[grant] = "inquiry"
            details: dict[str, str | int | bool | None] = {
                "kind": "inquiry",
                "inquiry": kind,
                "reason": work.reason(self, rng.choice(STATUS_REASONS)),
            }
            if rng.random() < 0.6:
                details["reception"] = app.reception
                buf.emit(t, "grant.open", sid, (person,), (), "inquiry", grant, term, details)
                t += work.gap(self, 20, 90)
            else:
                details["callback"] = "cb_" + f"{rng.getrandbits(64):016x}"
                buf.emit(t, "grant.open", sid, (), (), "inquiry", grant, term, details)
                t, _ = work.search(
                    self,
                    buf,
                    t + work.gap(self, 20, 60),
                    sid,
                    "name",
                    "inquiry",
                    app.applicant,
                    grant,
                    term,
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
                t += work.gap(self, 2, 8)
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
            buf.emit(
                t + work.gap(self, 60, 480),
                "grant.close",
                sid,
                (),
                (),
                "inquiry",
                grant,
                term,
                {"kind": "inquiry", "why": "closed"},
            )

    def _breakglass(self, ctx: DayContext) -> None:
        rng, pop, buf = self.rng, self.people.pop, ctx.buf
        sups = self.present_supervisors(ctx)
        for _ in range(self.poisson(0.25)):
            if len(sups) < 2 or not self.recent:
                return
            sup, judge = rng.sample(sups, 2)
            term = self.own_terminal[sup]
            app = self.recent[rng.randrange(len(self.recent))]
            sid = pop.sid[app.applicant]
            grant = self.ids.next("gr")
            self.grant_kinds[grant] = "break_glass"
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
                t += work.gap(self, 20, 120)
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
                t + work.gap(self, 60, 300),
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
                self.own_terminal[judge],
                {"grant": grant, "justified": True, "note": ""},
            )

    def _month_end(self, ctx: DayContext) -> None:
        idx = ctx.index
        last = idx + 1 >= len(self.period) or self.period[idx + 1].month != ctx.day.month
        if not last:
            return
        for sup in self.present_supervisors(ctx):
            if self.rng.random() < 0.5:
                continue
            term = self.own_terminal[sup]
            t = int(self.rng.uniform(hm(17, 30), hm(19, 30)))
            work.job_print(
                self,
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
                pages=self.rng.randint(4, 20),
            )
            ctx.add_session(sup, term, hm(8, 40), t + 10 * MINUTE)

    def _doors(self, ctx: DayContext) -> None:
        """Logins per session, and the door reads (sometimes missing)."""
        rng, cfg, buf = self.rng, self.cfg, ctx.buf
        for s in self.staff:
            if s.sid not in ctx.present:
                continue
            sessions = ctx.sessions.get(s.sid)
            if not sessions:
                term = self.own_terminal.get(s.sid) or self.bo_terminals[-1]
                ctx.add_session(s.sid, term, hm(8, 40), hm(17, 15))
                sessions = ctx.sessions[s.sid]
            merged = _merge(sessions)
            ctx.sessions[s.sid] = merged
            for ses in merged:
                if rng.random() < 0.01:
                    buf.emit(
                        ses.t0 - 20 * US,
                        "auth.login_failed",
                        s.sid,
                        (),
                        (),
                        "",
                        None,
                        ses.terminal,
                        {"factor": rng.choice(("password", "otp"))},
                    )
                buf.emit(ses.t0 - 5 * US, "auth.login", s.sid, (), (), "", None, ses.terminal)
                buf.emit(ses.t1 + 5 * US, "auth.logout", s.sid, (), (), "", None, ses.terminal)
            t_in = merged[0].t0 - int(rng.uniform(3, 25) * MINUTE)
            t_out = max(x.t1 for x in merged) + int(rng.uniform(2, 12) * MINUTE)
            if rng.random() < cfg.badge_missing_day:
                ctx.badges[s.sid] = (None, None)
                continue
            miss = rng.random() < cfg.badge_missing_one
            which = rng.random() < 0.5
            got_in = None if miss and which else t_in
            got_out = None if miss and not which else t_out
            if got_in is not None:
                buf.emit(
                    got_in,
                    "external.badge",
                    s.sid,
                    (),
                    (),
                    "",
                    None,
                    "DOOR-1",
                    {"door": "staff_entrance", "direction": "in"},
                )
            if got_out is not None:
                buf.emit(
                    got_out,
                    "external.badge",
                    s.sid,
                    (),
                    (),
                    "",
                    None,
                    "DOOR-1",
                    {"door": "staff_entrance", "direction": "out"},
                )
            ctx.badges[s.sid] = (got_in, got_out)


def _merge(sessions: list[Session]) -> list[Session]:
    """One login per terminal stretch. Sessions at one terminal that overlap or touch are
    one; a short spell at another terminal (the information counter) interrupts a longer one,
    which resumes after it."""
    heap = [(s.t0, k, s.terminal, s.t1) for k, s in enumerate(sessions)]
    heapq.heapify(heap)
    n = len(heap)
    out: list[Session] = []
    while heap:
        t0, _, term, t1 = heapq.heappop(heap)
        if t1 <= t0:
            continue
        if out and out[-1].terminal == term and t0 <= out[-1].t1 + MINUTE:
            out[-1].t1 = max(out[-1].t1, t1)
        elif out and t0 < out[-1].t1:
            prev = out[-1]
            if prev.t1 > t1 + MINUTE:
                n += 1
                heapq.heappush(heap, (t1 + 30 * US, n, prev.terminal, prev.t1))
            prev.t1 = max(prev.t0 + US, t0 - 30 * US)
            out.append(Session(term, t0, t1))
        else:
            out.append(Session(term, t0, t1))
    return out
