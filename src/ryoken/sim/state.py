"""The simulated office's state: the work's rates, the applications in flight, the visits,
what the office holds about each subject, and the context of one business day.

Shared by the day loop (workday.py), the counter (counter.py), the back office
(backoffice.py), presence (presence.py) and the insiders (hooks.py, scenarios.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ryoken.sim.office import SimApplication
from ryoken.sim.people import SimPerson
from ryoken.sim.rows import DayLog, Row
from ryoken.sim.staffing import Shift, StaffMember

if TYPE_CHECKING:
    from ryoken.sim.workday import Office

OPEN, LAST_TICKET, CLOSE = 540.0, 990.0, 1020.0  # windows 09:00-17:00, tickets until 16:30
OVERTIME_END = 1080.0  # a window serves the waiting queue out until 18:00 at the latest
COUNTER_COPIER, OFFICE_COPIER, DOOR = "MFP-1F", "MFP-2F", "D-STAFF"


@dataclass(frozen=True, slots=True)
class WorkParams:
    """Rates of the ordinary work and its confounders (per visit unless said otherwise)."""

    reveal_rate: float = 0.04
    trainee_reveal_factor: float = 3.0
    trainee_slowdown: float = 1.4
    jam_rate: float = 0.015
    declared_copy_rate: float = 0.05
    incomplete_rate: float = 0.03  # a missing document: the visit comes back another day
    pickup_search_rate: float = 0.03  # no receipt: the clerk searches by name
    review_search_rate: float = 0.1
    qa_per_supervisor: int = 2
    breakglass_per_day: float = 0.4
    breakglass_justified: float = 0.96
    watchlist_share: float = 0.003
    staff_family_per_day: float = 0.3
    office_copies_per_day: float = 2.0
    clerk_stray_copy_rate: float = 0.01  # per clerk-day: a blank form copied, no watermark
    night_maintenance_rate: float = 0.1  # per day: IT works in the evening
    login_failure_rate: float = 0.02


@dataclass(slots=True, eq=False)
class Case:
    """An application in flight, with the persons it names (plaintext, synthetic)."""

    app: SimApplication
    persons: tuple[SimPerson, ...]
    canary: bool = False
    intake_clerk: str = ""
    accepted: int = -1  # the day index it was accepted


@dataclass(slots=True, eq=False)
class Visit:
    purpose: str  # application, loss_report, pickup
    cases: list[Case]
    arrival: float
    canary: bool = False
    pinned: str | None = None  # a canary's window
    avoid: str | None = None  # a staff member whose own family this is
    returning: bool = False
    ticket: str = ""
    window: str = ""
    clerk: StaffMember | None = None
    start: float = 0.0
    end: float = 0.0
    base: float = 0.0
    extra: float = 0.0
    incomplete: bool = False

    def persons(self) -> list[SimPerson]:
        return unique_persons(p for case in self.cases for p in case.persons)

    def applicants(self) -> tuple[str, ...]:
        return tuple(sorted({c.app.applicant_id for c in self.cases}))


def unique_persons(persons: Iterable[SimPerson]) -> list[SimPerson]:
    """Each person once, in the order first met."""
    seen: dict[str, SimPerson] = {}
    for p in persons:
        seen.setdefault(p.person_id, p)
    return list(seen.values())


@dataclass(slots=True)
class Subject:
    """What the office's indexes say about a data subject (plaintext keys; output.py turns
    them into tokens)."""

    held: tuple[str, ...]
    family: str
    surname: str
    area: str
    first_day: int
    watch: bool = False
    canary_window: str = ""
    canary_staff: str = ""


@dataclass(slots=True)
class Session:
    """A logged-in period at one terminal."""

    terminal: str
    start: float
    end: float


@dataclass(slots=True)
class Window:
    code: str
    segments: list[tuple[float, float, Shift]]
    free: float = OPEN


@dataclass(slots=True)
class DayContext:
    index: int
    day: date
    log: DayLog
    office: Office
    shifts: dict[str, Shift]
    peak: bool
    sessions: dict[str, list[Session]] = field(default_factory=dict)
    extra_presence: list[tuple[str, float, float]] = field(default_factory=list)
    extra_sessions: list[tuple[str, str, float, float]] = field(default_factory=list)
    activity: list[tuple[str, str, float, float]] = field(default_factory=list)

    def terminal_at(self, staff_id: str, minute: float) -> str | None:
        """Where `staff_id` is logged in at `minute`, if anywhere."""
        for s in self.sessions.get(staff_id, ()):
            if s.start <= minute <= s.end:
                return s.terminal
        return None


@dataclass(slots=True)
class DayResult:
    index: int
    day: date
    rows: list[Row]
    new_subjects: list[str]
    persons: list[SimPerson]  # plaintext of the new subjects (synthetic)
    applications: list[SimApplication] = field(default_factory=list)  # made today


@dataclass(slots=True)
class Confounders:
    """Counts (and a few lists) of the legitimate confounders, for truth.json."""

    peak_days: int = 0
    overtime_shifts: int = 0
    covers: int = 0
    trainee_visits: int = 0
    reprints: int = 0
    qa_samples: int = 0
    returning_visits: int = 0
    breakglass_legit: int = 0
    office_copies: int = 0
    night_maintenance: int = 0
    staff_family: list[dict[str, object]] = field(default_factory=list)
    shared_surname_visits: int = 0
    neighbour_visits: int = 0

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}
