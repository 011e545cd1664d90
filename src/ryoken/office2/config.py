"""The office configurations: one for tuning ("T") and held-out ones ("H1"-"H3").

Each number is a property of the office, set from how passport offices work (staff mix,
seasonal demand, how often people phone), never from what a detector looks at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Office2Config:
    name: str
    office: str  # the office code written to staff.csv
    staff: int  # head count at the start (67-140)
    start: date  # the first calendar day; office days follow
    # Share of contractors (委託) among counter clerks, issuance clerks and reviewers.
    contractor_counter: float
    contractor_issuance: float
    contractor_review: float
    vendors: tuple[str, ...]
    applications_per_staff: float  # counter + online applications per office day, per head
    online_share: float  # applications filed online (no intake visit)
    busy_strength: float  # 0 = flat year; 1 = the usual Jan/Mar/Jul-Aug peaks
    habit_sigma: float  # log-normal spread of clerks' reveal/copy habits (0.3 ~ twofold)
    inquiries_per_100_applications: float
    new_hires: int  # staff hired during the period
    leavers_with_notice: int  # contracts ending during the period with a notice date
    leavers_without_notice: int  # ... and without one
    terminal_share: float  # back-office staff per shared terminal (1.0 = none shared)
    badge_missing_day: float  # chance a staff-day has no door events at all
    badge_missing_one: float  # chance one of the day's two reads is missing
    absence_rate: float  # chance a staff member is away on a given day
    namesake_mean: float  # mean namesakes (besides the person sought) in a result list
    mistaken_open: float  # chance a namesake in a list is opened by mistake
    escalation_rate: float  # counter tickets escalated to a supervisor (assist)
    late_opening_weekday: int | None  # weekday the counter stays open to 19:00 (None: never)


CONFIGS: dict[str, Office2Config] = {
    "T": Office2Config(
        name="T",
        office="kita",
        staff=100,
        start=date(2026, 4, 6),
        contractor_counter=0.7,
        contractor_issuance=0.5,
        contractor_review=0.15,
        vendors=("Sakura Staffing", "Nihon Business Service"),
        applications_per_staff=3.2,
        online_share=0.15,
        busy_strength=1.0,
        habit_sigma=0.3,
        inquiries_per_100_applications=12.0,
        new_hires=4,
        leavers_with_notice=2,
        leavers_without_notice=2,
        terminal_share=1.3,
        badge_missing_day=0.03,
        badge_missing_one=0.04,
        absence_rate=0.05,
        namesake_mean=0.6,
        mistaken_open=0.04,
        escalation_rate=0.03,
        late_opening_weekday=None,
    ),
    # A small office, almost all prefecture staff, winter to spring (January and March
    # peaks), few online applications, many phone calls, terminals shared two to one.
    "H1": Office2Config(
        name="H1",
        office="minami",
        staff=67,
        start=date(2026, 12, 1),
        contractor_counter=0.25,
        contractor_issuance=0.2,
        contractor_review=0.0,
        vendors=("Chuo Office Support",),
        applications_per_staff=2.8,
        online_share=0.05,
        busy_strength=1.3,
        habit_sigma=0.38,
        inquiries_per_100_applications=22.0,
        new_hires=2,
        leavers_with_notice=1,
        leavers_without_notice=2,
        terminal_share=2.0,
        badge_missing_day=0.08,
        badge_missing_one=0.06,
        absence_rate=0.06,
        namesake_mean=0.9,
        mistaken_open=0.06,
        escalation_rate=0.04,
        late_opening_weekday=3,
    ),
    # A large city office run mostly by three vendors, summer peak, a third of applications
    # online, reliable badges, many new hires.
    "H2": Office2Config(
        name="H2",
        office="chuo",
        staff=140,
        start=date(2026, 6, 1),
        contractor_counter=0.9,
        contractor_issuance=0.8,
        contractor_review=0.35,
        vendors=("Sakura Staffing", "Kanto Clerical", "Pasona-like Services"),
        applications_per_staff=3.6,
        online_share=0.35,
        busy_strength=0.8,
        habit_sigma=0.25,
        inquiries_per_100_applications=8.0,
        new_hires=9,
        leavers_with_notice=3,
        leavers_without_notice=4,
        terminal_share=1.1,
        badge_missing_day=0.01,
        badge_missing_one=0.02,
        absence_rate=0.045,
        namesake_mean=0.5,
        mistaken_open=0.03,
        escalation_rate=0.025,
        late_opening_weekday=None,
    ),
    # A mid-size office in autumn and winter (flat season, then January), wide habit spread,
    # unreliable badge readers, half contractors.
    "H3": Office2Config(
        name="H3",
        office="higashi",
        staff=95,
        start=date(2026, 9, 1),
        contractor_counter=0.5,
        contractor_issuance=0.4,
        contractor_review=0.1,
        vendors=("Tohoku Data Services", "Sakura Staffing"),
        applications_per_staff=3.0,
        online_share=0.22,
        busy_strength=0.5,
        habit_sigma=0.45,
        inquiries_per_100_applications=15.0,
        new_hires=5,
        leavers_with_notice=1,
        leavers_without_notice=3,
        terminal_share=1.6,
        badge_missing_day=0.12,
        badge_missing_one=0.08,
        absence_rate=0.055,
        namesake_mean=0.75,
        mistaken_open=0.05,
        escalation_rate=0.035,
        late_opening_weekday=2,
    ),
}

# Demand by month relative to the year's mean (spring break and summer holidays drive
# applications; autumn is quiet). busy_strength scales the deviation from 1.
MONTH_DEMAND = {
    1: 1.2, 2: 1.1, 3: 1.45, 4: 1.0, 5: 0.9, 6: 0.95,
    7: 1.2, 8: 1.35, 9: 0.85, 10: 0.85, 11: 0.8, 12: 0.95,
}  # fmt: skip
