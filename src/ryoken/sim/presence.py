"""Presence: who is logged in where, and when (at the window while staffing it, at the desk
otherwise), and the events that show it: door badges in and out (lunch too), logins and
logouts, now and then a failed login first (docs/events.md)."""

from __future__ import annotations

import random

from ryoken.audit.events import DetailValue
from ryoken.sim.rows import C, DayLog
from ryoken.sim.staffing import Shift
from ryoken.sim.state import DOOR, DayContext, Session, Window


def plan_sessions(
    ctx: DayContext, windows: list[Window], busy: dict[str, list[tuple[float, float]]]
) -> None:
    """Logged-in periods: at the window while staffing it, at the desk otherwise."""
    for w in windows:
        for a, b, s in w.segments:
            ctx.sessions.setdefault(s.staff.staff_id, []).append(Session(w.code, a - 0.5, b))
    for sid, s in ctx.shifts.items():
        for a, b in desk_time(s, busy.get(sid, [])):
            ctx.sessions.setdefault(sid, []).append(Session(s.staff.desk, a, b))
        ctx.sessions.get(sid, []).sort(key=lambda x: x.start)


def emit_presence(ctx: DayContext, rng: random.Random, fail: float) -> None:
    """The day's badges and logins, once the work is done: a task that ran over stretches
    its session; `fail` is the chance a login is first mistyped."""
    log = ctx.log
    for actor, terminal, a, b in ctx.activity:  # an overrun stretches its session
        rows = [x for x in ctx.sessions.get(actor, []) if x.terminal == terminal]
        if rows:
            near = min(rows, key=lambda x: max(x.start - b, a - x.end, 0.0))
            near.start, near.end = min(near.start, a - 0.5), max(near.end, b + 0.5)
    for sid, s in ctx.shifts.items():
        sessions = _untangle(ctx.sessions.get(sid, []))
        first = sessions[0].start if sessions else s.arrive
        last = max((x.end for x in sessions), default=s.leave)
        arrive = min(s.arrive, first - 2 - rng.random())
        leave = max(s.leave, last + 2 + rng.random())
        badge(log, sid, arrive, "in")
        if s.lunch is not None and s.lunch_out:
            lo, hi = s.lunch
            before = max((x.end for x in sessions if x.start < lo), default=lo)
            after = min((x.start for x in sessions if x.start >= lo), default=hi)
            out_t, in_t = max(lo, before) + 0.5, min(hi, after) - 1.0
            if in_t - out_t > 10:
                badge(log, sid, out_t, "out")
                badge(log, sid, in_t, "in")
        for x in sessions:
            login(log, rng, sid, x.terminal, x.start, x.end, fail)
        badge(log, sid, leave, "out")
    for sid, a, b in ctx.extra_presence:
        badge(log, sid, a, "in")
        badge(log, sid, b, "out")
    for actor, terminal, a, b in ctx.extra_sessions:
        login(log, rng, actor, terminal, a, b, 0.0)


def badge(log: DayLog, staff_id: str, t: float, direction: str) -> None:
    details: dict[str, DetailValue] = {"door": DOOR, "direction": direction}
    log.add(t, C.EXTERNAL_BADGE, staff_id, (), (), "door badge", None, DOOR, details)


def login(
    log: DayLog, rng: random.Random, actor: str, terminal: str, a: float, b: float, fail: float
) -> None:
    if fail and rng.random() < fail:
        failed: dict[str, DetailValue] = {"factor": "totp"}
        log.add(
            a - 0.4, C.AUTH_LOGIN_FAILED, actor, (), (), "authentication", None, terminal, failed
        )
    log.add(a, C.AUTH_LOGIN, actor, (), (), "authentication", None, terminal, {})
    log.add(b, C.AUTH_LOGOUT, actor, (), (), "authentication", None, terminal, {})


def _untangle(sessions: list[Session]) -> list[Session]:
    """Sessions in time order with no overlap: one person is at one terminal at a time."""
    out: list[Session] = []
    for x in sorted(sessions, key=lambda x: x.start):
        if out and x.start < out[-1].end + 0.2:
            x.start = out[-1].end + 0.2
        if x.end - x.start >= 1.0:
            out.append(x)
    return out


def desk_time(s: Shift, busy: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The shift minus lunch and window duty (with a margin for a visit that runs over)."""
    padded = [(a - 1.5, b + 8.0) for a, b in busy]
    out = []
    for a, b in s.spans():
        out += [(x, y) for x, y in gaps(padded, a + 4, b - 3) if y - x >= 10]
    return out


def gaps(taken: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    """The parts of [lo, hi) that no interval of `taken` covers."""
    out, t = [], lo
    for a, b in sorted(taken):
        if a > t:
            out.append((t, min(a, hi)))
        t = max(t, b)
        if t >= hi:
            break
    if t < hi:
        out.append((t, hi))
    return [(a, b) for a, b in out if b > a]


def free_hour(busy: list[tuple[float, float]]) -> tuple[float, float] | None:
    """The first hour from 11:30 to 15:45 that `busy` leaves free (a floater's lunch)."""
    for start in range(690, 900, 15):  # 11:30 .. 14:45
        a, b = float(start), float(start + 60)
        if not any(x < b and a < y for x, y in busy):
            return a, b
    return None
