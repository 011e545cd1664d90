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

    def add_session(self, sid: str, terminal: str, t0: int, t1: int) -> None:
        self.sessions.setdefault(sid, []).append(Session(terminal, t0, t1))

    def terminal_at(self, sid: str, t: int) -> str | None:
        for s in self.sessions.get(sid, ()):
            if s.t0 <= t <= s.t1:
                return s.terminal
        return None
