"""What the office keeps between events: applications, sessions, one day's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ryoken.office2.emit import DayBuffer


@dataclass(slots=True)
class Application:
    app_id: str
    reception: str
    applicant: int  # person number
    named: tuple[int, ...]  # family named on the 戸籍 / legal representative
    kind: str  # new, renewal, change, online
    accepted_day: int
    ready_day: int = -1
    status: str = "accepted"


@dataclass(slots=True)
class Session:
    terminal: str
    t0: int
    t1: int


@dataclass(slots=True)
class Served:
    """One piece of ordinary work by one account, as an insider hook sees it."""

    kind: str  # intake, pickup, loss_report, review
    actor: str
    grant: str
    terminal: str
    persons: tuple[int, ...]  # the persons whose records were worked on
    t_open: int
    t_close: int
    shown_at: int  # when the full record was first shown (ordinary work)
    ticket: str
    applications: tuple[str, ...]


@dataclass(slots=True)
class DayContext:
    index: int
    day: date
    buf: DayBuffer
    present: set[str] = field(default_factory=set)
    sessions: dict[str, list[Session]] = field(default_factory=dict)
    badges: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    served: list[Served] = field(default_factory=list)

    by_terminal: dict[str, list[tuple[str, Session]]] = field(default_factory=dict)

    def add_session(self, sid: str, terminal: str, t0: int, t1: int) -> None:
        session = Session(terminal, t0, t1)
        self.sessions.setdefault(sid, []).append(session)
        self.by_terminal.setdefault(terminal, []).append((sid, session))

    def hold(self, sid: str, terminal: str, until: int) -> None:
        """`sid` stays logged in at `terminal` until `until` to finish a task: their session
        there is extended, and a colleague due to take that terminal over waits."""
        own = [s for s in self.sessions.get(sid, ()) if s.terminal == terminal and s.t0 <= until]
        if not own:
            return
        mine = max(own, key=lambda s: s.t0)
        if mine.t1 >= until:
            return
        mine.t1 = until + 30 * 1_000_000
        for other, s in self.by_terminal.get(terminal, ()):
            if other != sid and mine.t0 < s.t0 < mine.t1:
                s.t0 = min(mine.t1 + 30 * 1_000_000, max(s.t1 - 1_000_000, s.t0))

    def terminal_at(self, sid: str, t: int) -> str | None:
        for s in self.sessions.get(sid, ()):
            if s.t0 <= t <= s.t1:
                return s.terminal
        return None
