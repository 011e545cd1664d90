"""The office's staff: positions, who holds them over time, and who is in on a given day.

Positions, not people, are the stable thing: window W03's clerk resigns, the window is
covered for a few weeks, then a new hire takes it, so the office keeps its shape while staff
ids change. Civil servants (employer_kind "prefecture") arrive and leave by the April
rotation; contractors of two vendors resign during the year after giving notice.

Everything is drawn from injected `random.Random` instances and dates passed in; nothing
reads a clock. Staff have a surname and a home municipality drawn from the same lists as
applicants, so shared surnames and neighbours occur as often as they would by chance.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from faker.providers.address.ja_JP import Provider as _JaAddress

from ryoken.errors import InvalidInput
from ryoken.sim.people import SURNAME_WEIGHTS, SURNAMES, NameTriple

ROLES: tuple[str, ...] = (
    "counter_clerk",  # intake windows (受付・受理) and, off the window, online acceptance
    "issuance_clerk",  # pickup windows (交付) and the daily production order
    "reviewer",  # 審査
    "supervisor",  # QA samples, break-glass reviews, senior reviews
    "privacy_officer",
    "administrator",  # IT and general affairs
    "auditor",
)
OFFICE = "TKY-IKB"
VENDORS: tuple[str, str] = ("Alpha Office Services", "Beta Staffing")
# Municipalities as the synthetic addresses spell them (Faker's list), longest first so that
# a prefix match finds 横浜市港北区 before 横浜市.
CITIES: tuple[str, ...] = tuple(sorted(set(_JaAddress.cities), key=lambda c: (-len(c), c)))

_MIX_PER_100 = {
    "counter_clerk": 24,
    "issuance_clerk": 14,
    "reviewer": 24,
    "supervisor": 9,
    "privacy_officer": 1,
    "administrator": 26,
    "auditor": 2,
}
_MINIMUM = {"counter_clerk": 2, "issuance_clerk": 2, "reviewer": 1, "supervisor": 1}
_CONTRACTOR_SHARE = {"counter_clerk": 0.7, "issuance_clerk": 0.7, "administrator": 0.4}
# Fewer days off in the peak months (and an August summer break on top, see `_summer`).
_ABSENCE_FACTOR = {1: 0.7, 3: 0.6, 8: 0.8}


def derive(seed: int, *parts: object) -> int:
    """A 64-bit seed for one independent stream (`derive(seed, "day", 3)`).

    Separate streams keep parts of the simulation from disturbing each other: an insider's
    choices never shift the random draws of the ordinary work around them.
    """
    text = "/".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def stream(seed: int, *parts: object) -> random.Random:
    return random.Random(derive(seed, *parts))  # noqa: S311 - reproducible fake data


@dataclass(frozen=True, slots=True)
class StaffPlan:
    """The office's shape. Role counts scale with `size` (24% counter clerks, ...)."""

    size: int = 100
    intake_windows: int = 8
    pickup_windows: int = 6
    absence: float = 0.17  # share of ordinary business days a member is off
    half_day: float = 0.06
    contractor_turnover: float = 0.25  # resignations per contractor per year
    april_rotation: float = 0.2  # share of civil servants transferred each 1 April
    trainee_days: int = 90  # calendar days after hiring a member counts as a trainee

    def counts(self) -> dict[str, int]:
        if self.size < 8:
            raise InvalidInput(
                f"an office needs at least 8 staff, not {self.size}",
                message_ja="職員数は8人以上にしてください",
            )
        out = {
            role: max(_MINIMUM.get(role, 0), round(n * self.size / 100))
            for role, n in _MIX_PER_100.items()
        }
        out["privacy_officer"] = 1
        out["administrator"] = 0
        out["administrator"] = max(0, self.size - sum(out.values()))
        return out


@dataclass(frozen=True, slots=True)
class StaffMember:
    staff_id: str
    role: str
    employer_kind: str  # prefecture or contractor
    vendor: str  # empty for prefecture staff
    hired_on: date
    contract_end: date | None  # last working day, when known
    notice_given_on: date | None
    surname: NameTriple
    area: str  # home municipality
    desk: str  # the desk PC's terminal id
    home_window: str | None  # the window this position staffs, if any
    position: int
    office: str = OFFICE

    def active_on(self, day: date) -> bool:
        return self.hired_on <= day and (self.contract_end is None or day <= self.contract_end)

    def trainee_on(self, day: date, days: int = 90) -> bool:
        return (day - self.hired_on).days < days


@dataclass(slots=True)
class Shift:
    """One member's day. Times are minutes after midnight, office time (JST)."""

    staff: StaffMember
    kind: str  # full, am, pm
    arrive: float
    leave: float
    lunch: tuple[float, float] | None
    lunch_out: bool  # leaves the building for lunch: badges out and back in
    overtime: bool = False

    def spans(self) -> list[tuple[float, float]]:
        """The working intervals: the shift minus lunch."""
        if self.lunch is None:
            return [(self.arrive, self.leave)]
        a, b = self.lunch
        return [(self.arrive, a), (b, self.leave)]


@dataclass(slots=True)
class Roster:
    """Every position's occupants over time, and each member's summer leave."""

    plan: StaffPlan
    occupants: list[list[StaffMember]]
    leave: dict[str, frozenset[date]] = field(default_factory=dict)
    _next: int = 0

    def on(self, day: date) -> list[StaffMember]:
        """Members holding a position on `day`, in position order."""
        out = []
        for chain in self.occupants:
            for member in chain:
                if member.active_on(day):
                    out.append(member)
                    break
        return out

    def members(self) -> list[StaffMember]:
        return sorted((m for chain in self.occupants for m in chain), key=lambda m: m.staff_id)

    def member(self, staff_id: str) -> StaffMember:
        for chain in self.occupants:
            for m in chain:
                if m.staff_id == staff_id:
                    return m
        raise KeyError(staff_id)

    def end_early(
        self, staff_id: str, notice_on: date, end_on: date, rng: random.Random
    ) -> StaffMember:
        """Make `staff_id` give notice on `notice_on` and leave after `end_on`; a new hire
        takes the position two to four weeks later. Returns the updated member."""
        for chain in self.occupants:
            for i, m in enumerate(chain):
                if m.staff_id != staff_id:
                    continue
                updated = replace(m, contract_end=end_on, notice_given_on=notice_on)
                del chain[i + 1 :]  # later occupants came after a departure that changed
                chain[i] = updated
                chain.append(
                    self._hire(
                        rng, m.role, m.position, m.home_window, end_on + timedelta(21), end_on
                    )
                )
                return updated
        raise KeyError(staff_id)

    def _hire(
        self,
        rng: random.Random,
        role: str,
        position: int,
        window: str | None,
        on: date | None,
        start: date,
    ) -> StaffMember:
        """A new member; `on=None` draws the hiring date of someone already there at
        `start` (civil servants arrive on 1 April, contractors any day)."""
        self._next += 1
        contractor = rng.random() < _CONTRACTOR_SHARE.get(role, 0.0)
        if on is None:
            on = _first_hire(rng, contractor, start)
        member = StaffMember(
            staff_id=f"st{self._next:04d}",
            role=role,
            employer_kind="contractor" if contractor else "prefecture",
            vendor=rng.choice(VENDORS) if contractor else "",
            hired_on=on,
            contract_end=None,
            notice_given_on=None,
            surname=rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0],
            area=rng.choice(CITIES),
            desk=f"PC{self._next:04d}",
            home_window=window,
            position=position,
        )
        return member


def window_codes(plan: StaffPlan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(intake windows, pickup windows): W01.. for intake, then pickup, at most one window
    per clerk position."""
    counts = plan.counts()
    n_in = min(plan.intake_windows, counts["counter_clerk"])
    n_out = min(plan.pickup_windows, counts["issuance_clerk"])
    codes = [f"W{i:02d}" for i in range(1, n_in + n_out + 1)]
    return tuple(codes[:n_in]), tuple(codes[n_in:])


def build_roster(rng: random.Random, plan: StaffPlan, calendar: Sequence[date]) -> Roster:
    """Positions filled at `calendar[0]`, with departures and new hires until the last day."""
    if not calendar:
        raise InvalidInput("the calendar is empty", message_ja="営業日がありません")
    start, end = calendar[0], calendar[-1]
    roster = Roster(plan, [])
    intake, pickup = window_codes(plan)
    windows = {"counter_clerk": list(intake), "issuance_clerk": list(pickup)}
    position = 0
    for role, count in plan.counts().items():
        for _ in range(count):
            home = windows[role].pop(0) if windows.get(role) else None
            first = roster._hire(rng, role, position, home, None, start)
            roster.occupants.append(_career(rng, roster, plan, first, start, end))
            position += 1
    for member in (m for chain in roster.occupants for m in chain):
        roster.leave[member.staff_id] = _summer(rng, member, calendar)
    return roster


def _first_hire(rng: random.Random, contractor: bool, start: date) -> date:
    if rng.random() < 0.06:  # hired in the last three months: trainees at the start
        return start - timedelta(days=rng.randint(0, 89))
    if contractor:
        return start - timedelta(days=rng.randint(90, 6 * 365))
    april = date(start.year - rng.choices((1, 2, 3, 4, 5), weights=(5, 4, 3, 2, 1))[0], 4, 1)
    return april if april <= start else date(april.year - 1, 4, 1)


def _career(
    rng: random.Random, roster: Roster, plan: StaffPlan, first: StaffMember, start: date, end: date
) -> list[StaffMember]:
    """The chain of occupants of one position from `start` to `end`."""
    chain: list[StaffMember] = []
    member = first
    while True:
        left = _departure(rng, plan, member, start, end)
        if left is None:
            chain.append(member)
            return chain
        notice, last = left
        chain.append(replace(member, contract_end=last, notice_given_on=notice))
        gap = 1 if member.employer_kind == "prefecture" else rng.randint(7, 30)
        member = roster._hire(
            rng, member.role, member.position, member.home_window, last + timedelta(gap), start
        )
        if member.hired_on > end:
            chain.append(member)  # hired after the period: listed, never on duty
            return chain


def _departure(
    rng: random.Random, plan: StaffPlan, member: StaffMember, start: date, end: date
) -> tuple[date, date] | None:
    """(notice given, last day) if the member leaves before `end`."""
    since = max(start, member.hired_on)
    if member.employer_kind == "contractor":
        if plan.contractor_turnover <= 0:
            return None
        last = since + timedelta(days=int(rng.expovariate(plan.contractor_turnover / 365)) + 30)
        if last > end:
            return None
        return last - timedelta(days=rng.randint(30, 60)), last
    year = since.year if since < date(since.year, 4, 1) else since.year + 1
    while date(year, 3, 31) <= end:
        # Transfers are announced (内示) in mid-March and take effect on 1 April.
        if rng.random() < plan.april_rotation and date(year, 3, 31) >= since:
            return date(year, 3, rng.randint(10, 17)), date(year, 3, 31)
        year += 1
    return None


def _summer(rng: random.Random, member: StaffMember, calendar: Sequence[date]) -> frozenset[date]:
    """A summer break of 3-5 business days between late July and early September."""
    days: set[date] = set()
    for year in sorted({d.year for d in calendar}):
        season = [d for d in calendar if d.year == year and (7, 20) <= (d.month, d.day) <= (9, 10)]
        if not season:
            continue
        length = rng.randint(3, 5)
        first = rng.randrange(max(1, len(season) - length + 1))
        days.update(season[first : first + length])
    return frozenset(days)


def shifts_on(day: date, roster: Roster, rng: random.Random, *, peak: bool) -> list[Shift]:
    """Who works on `day` and when: about four days in five, some half days, overtime in
    the peak months. Window clerks take staggered lunches so windows can stay open."""
    plan = roster.plan
    absence = plan.absence * _ABSENCE_FACTOR.get(day.month, 1.0)
    out = []
    for member in roster.on(day):
        away = rng.random() < absence
        half = rng.random()
        arrive_jitter, leave_jitter, lunch_u, ot_u = (rng.random() for _ in range(4))
        if away or day in roster.leave.get(member.staff_id, frozenset()):
            continue
        kind = "full" if half >= plan.half_day else ("am" if half < plan.half_day / 2 else "pm")
        arrive = 490 + 40 * arrive_jitter  # 08:10-08:50
        leave = 1040 + 40 * leave_jitter  # 17:20-18:00
        lunch: tuple[float, float] | None = (720.0, 780.0)
        overtime = False
        if kind == "am":
            leave, lunch = 755 + 15 * leave_jitter, None  # 12:35-12:50
        elif kind == "pm":
            arrive, lunch = 755 + 20 * arrive_jitter, None  # 12:35-12:55
        elif member.home_window is not None:
            slot = (int(member.home_window[1:]) - 1) % 3  # 11:30, 12:30 or 13:30
            lunch = (690.0 + 60 * slot, 750.0 + 60 * slot)
        if (
            peak
            and kind != "am"
            and member.role in ("counter_clerk", "issuance_clerk", "reviewer")
            and ot_u < 0.3
        ):
            overtime, leave = True, 1110 + 120 * leave_jitter  # 18:30-20:30
        out.append(Shift(member, kind, arrive, leave, lunch, lunch_u < 0.45, overtime))
    return out
