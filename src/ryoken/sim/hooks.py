"""Where an injected insider (scenarios.py) joins the day: `Hooks`, which the ordinary office
leaves empty, and break-glass, which the ordinary office and the insiders both use."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ryoken.audit.events import DetailValue
from ryoken.sim.rows import C, Grant, Ids, Row
from ryoken.sim.staffing import Roster
from ryoken.sim.state import DayContext, Visit


class Hooks:
    """What an injected insider may add to a day; the ordinary office does nothing here."""

    def prepare(self, roster: Roster, calendar: Sequence[date]) -> None:
        """Change the roster before the first day (e.g. a resignation)."""

    def extra_minutes(self, ctx: DayContext, visit: Visit) -> float:
        """Called when a visit is assigned to its clerk: minutes added to its handling."""
        return 0.0

    def during_visit(self, ctx: DayContext, visit: Visit, grant: str, t0: float, t1: float) -> None:
        """Events inside the visit's last grant, between t0 and t1 (the extra minutes)."""

    def end_of_day(self, ctx: DayContext) -> None:
        """Events outside the counter: searches, break-glass, night sessions."""

    def watched(self) -> tuple[str, ...]:
        """Staff ids whose every exposure the truth records (`ShownLog`), after `prepare`."""
        return ()


def breakglass(
    ctx: DayContext,
    ids: Ids,
    actor: str,
    terminal: str,
    t: float,
    subjects: tuple[str, ...],
    reason: str,
    justified: float,
    minutes: float = 3.0,
) -> list[Row]:
    """Open a break-glass grant with a typed reason, view each person, close it; queue the
    supervisor's review for the next business day. Returns the rows written."""
    office, step = ctx.office, "break_glass"
    links: dict[str, DetailValue] = {"step": step, "grant_kind": step}
    g = Grant(ctx.log, actor, step, ids.grant(), terminal, links)
    rows = [g.open(t, tuple(sorted(subjects)), step, code=C.BREAKGLASS_OPEN, reason=reason)]
    dt = minutes / (len(subjects) + 1)
    for n, pid in enumerate(subjects):
        held = office.subjects[pid].held
        rows += g.screen(office.shown, t + (n + 0.5) * dt, pid, held, gap=0.01)
    rows.append(g.close(t + minutes, step))
    office.breakglass_pending.append((g.grant, tuple(sorted(subjects)), justified))
    return rows
