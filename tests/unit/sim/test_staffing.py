from collections import Counter
from datetime import date

import pytest

from ryoken.errors import InvalidInput
from ryoken.sim.office import business_days
from ryoken.sim.staffing import (
    ROLES,
    VENDORS,
    StaffPlan,
    build_roster,
    shifts_on,
    stream,
    window_codes,
)

YEAR = tuple(business_days(date(2025, 1, 6), 245))  # spans a 1 April rotation


@pytest.fixture(scope="module")
def roster():
    return build_roster(stream(11, "staff"), StaffPlan(size=100), YEAR)


def test_it_staffs_about_a_hundred_people_in_every_role(roster):
    first_day = roster.on(YEAR[0])
    assert len(first_day) == 100
    roles = Counter(m.role for m in first_day)
    assert set(roles) == set(ROLES)
    assert roles["privacy_officer"] == 1
    assert roles["counter_clerk"] > roles["supervisor"]


def test_it_mixes_civil_servants_and_contractors_of_two_vendors(roster):
    members = roster.members()
    contractors = [m for m in members if m.employer_kind == "contractor"]
    civil = [m for m in members if m.employer_kind == "prefecture"]
    assert contractors and civil
    assert {m.vendor for m in contractors} == set(VENDORS)
    assert all(m.vendor == "" for m in civil)
    assert all(m.role != "reviewer" for m in contractors)  # examination is a public act


def test_it_scales_the_office_with_its_size():
    for size in (20, 60, 250):
        assert sum(StaffPlan(size=size).counts().values()) == size
    with pytest.raises(InvalidInput):
        StaffPlan(size=5).counts()


def test_it_gives_each_window_its_own_clerk_position():
    plan = StaffPlan(size=100)
    intake, pickup = window_codes(plan)
    assert intake == tuple(f"W{i:02d}" for i in range(1, 9))
    assert pickup == tuple(f"W{i:02d}" for i in range(9, 15))
    roster = build_roster(stream(1, "staff"), plan, YEAR[:5])
    homes = [m.home_window for m in roster.on(YEAR[0]) if m.home_window]
    assert sorted(homes) == sorted(intake + pickup)


def test_it_replaces_a_contractor_who_resigns_after_giving_notice(roster):
    leavers = [
        m
        for m in roster.members()
        if m.employer_kind == "contractor" and m.contract_end and m.contract_end < YEAR[-1]
    ]
    assert leavers
    for m in leavers:
        assert m.notice_given_on is not None
        assert 30 <= (m.contract_end - m.notice_given_on).days <= 60
        successors = [
            s for s in roster.members() if s.position == m.position and s.hired_on > m.contract_end
        ]
        assert successors, f"{m.staff_id}'s position was never filled again"


def test_it_transfers_civil_servants_on_the_first_of_april(roster):
    moved = [m for m in roster.members() if m.contract_end == date(2025, 3, 31)]
    assert moved
    assert all(m.employer_kind == "prefecture" for m in moved)
    arrivals = {m.position for m in roster.members() if m.hired_on == date(2025, 4, 1)}
    assert {m.position for m in moved} <= arrivals


def test_it_has_each_member_in_about_four_days_out_of_five(roster):
    present = Counter()
    kinds = Counter()
    for n, day in enumerate(YEAR[:60]):
        for shift in shifts_on(day, roster, stream(11, "day", n), peak=False):
            present[shift.staff.staff_id] += 1
            kinds[shift.kind] += 1
    share = sum(present.values()) / (60 * len(roster.on(YEAR[0])))
    assert 0.72 <= share <= 0.88
    assert kinds["am"] and kinds["pm"]  # some half days
    assert kinds["full"] > 10 * (kinds["am"] + kinds["pm"])


def test_it_staggers_window_lunches_and_keeps_overtime_for_the_peak(roster):
    day = YEAR[40]
    calm = shifts_on(day, roster, stream(2, "x"), peak=False)
    lunches = {s.lunch for s in calm if s.staff.home_window and s.kind == "full"}
    assert len(lunches) == 3
    assert not any(s.overtime for s in calm)
    busy = shifts_on(day, roster, stream(2, "x"), peak=True)
    late = [s for s in busy if s.overtime]
    assert late and all(s.leave > 18 * 60 for s in late)


def test_it_draws_the_same_office_from_the_same_seed():
    one = build_roster(stream(4, "staff"), StaffPlan(size=50), YEAR)
    two = build_roster(stream(4, "staff"), StaffPlan(size=50), YEAR)
    other = build_roster(stream(5, "staff"), StaffPlan(size=50), YEAR)
    assert one.members() == two.members()
    assert one.members() != other.members()


def test_it_can_make_a_member_give_notice(roster):
    clerk = next(m for m in roster.on(YEAR[0]) if m.contract_end is None)
    copy = build_roster(stream(11, "staff"), StaffPlan(size=100), YEAR)
    updated = copy.end_early(clerk.staff_id, date(2025, 5, 1), date(2025, 5, 31), stream(1, "x"))
    assert (updated.notice_given_on, updated.contract_end) == (date(2025, 5, 1), date(2025, 5, 31))
    assert clerk.staff_id not in {m.staff_id for m in copy.on(date(2025, 6, 2))}
    assert any(m.position == clerk.position for m in copy.on(date(2025, 6, 30)))
