from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ryoken.domain.validity import (
    add_months,
    add_years,
    age_on,
    expiry_date,
    is_valid_on,
    lapse_date,
    lapse_surcharge_applies,
    pickup_deadline,
    pickup_lapsed,
    turns_age_on,
    validity_years,
)
from ryoken.errors import InvalidInput, RuleViolation

births = st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 12, 31))


def reference_age(birth: date, on: date) -> int:
    """Independent reference: the everyday age on the *next* day, where a 29 February
    birthday falls on 1 March in common years (so the law's age moves on 28 February)."""
    nxt = on + timedelta(days=1)
    birthday_this_year = (birth.month, birth.day)
    if birthday_this_year == (2, 29) and not (
        nxt.year % 4 == 0 and (nxt.year % 100 != 0 or nxt.year % 400 == 0)
    ):
        birthday_this_year = (3, 1)
    return nxt.year - birth.year - ((nxt.month, nxt.day) < birthday_this_year)


# --- age (年齢計算ニ関スル法律) ---------------------------------------------------------------


def test_it_makes_a_person_twelve_on_the_day_before_the_twelfth_birthday():
    born = date(2013, 4, 2)
    assert age_on(born, date(2025, 3, 31)) == 11
    assert age_on(born, date(2025, 4, 1)) == 12
    assert age_on(born, date(2025, 4, 2)) == 12


def test_it_ages_a_leap_day_baby_on_28_february_in_common_years():
    born = date(2000, 2, 29)
    assert age_on(born, date(2001, 2, 27)) == 0
    assert age_on(born, date(2001, 2, 28)) == 1
    assert age_on(born, date(2001, 3, 1)) == 1


def test_it_ages_a_leap_day_baby_on_28_february_in_leap_years_too():
    born = date(2000, 2, 29)
    assert age_on(born, date(2004, 2, 27)) == 3
    assert age_on(born, date(2004, 2, 28)) == 4
    assert age_on(born, date(2004, 2, 29)) == 4
    assert turns_age_on(born, 12) == date(2012, 2, 28)
    assert turns_age_on(born, 13) == date(2013, 2, 28)


def test_it_ages_a_new_year_baby_on_new_years_eve():
    born = date(2000, 1, 1)
    assert age_on(born, date(2000, 12, 30)) == 0
    assert age_on(born, date(2000, 12, 31)) == 1
    assert age_on(born, date(2017, 12, 31)) == 18


def test_it_refuses_an_age_before_birth():
    with pytest.raises(InvalidInput, match="before the birth date"):
        age_on(date(2020, 5, 1), date(2020, 4, 30))


@given(births, st.integers(min_value=0, max_value=40_000))
def test_it_agrees_with_the_next_day_reference_age(birth, days):
    on = birth + timedelta(days=days)
    assert age_on(birth, on) == reference_age(birth, on)


@given(births, st.integers(min_value=1, max_value=100))
def test_it_turns_n_exactly_on_the_day_it_says(birth, n):
    day = turns_age_on(birth, n)
    assert age_on(birth, day) == n
    assert age_on(birth, day - timedelta(days=1)) == n - 1


# --- validity ------------------------------------------------------------------------------


def test_it_gives_an_adult_ten_years_unless_five_are_asked_for():
    adult = date(1990, 6, 15)
    on = date(2025, 4, 1)
    assert validity_years(birth_date=adult, application_date=on) == 10
    assert validity_years(birth_date=adult, application_date=on, requested_years=10) == 10
    assert validity_years(birth_date=adult, application_date=on, requested_years=5) == 5


def test_it_gives_five_years_to_a_seventeen_year_old_and_refuses_ten():
    born = date(2008, 4, 2)  # turns 18 on 2026-04-01
    on = date(2026, 3, 31)
    assert validity_years(birth_date=born, application_date=on) == 5
    with pytest.raises(RuleViolation, match="under 18"):
        validity_years(birth_date=born, application_date=on, requested_years=10)


def test_it_allows_ten_years_from_the_day_before_the_eighteenth_birthday():
    born = date(2008, 4, 2)
    assert validity_years(birth_date=born, application_date=date(2026, 4, 1)) == 10


def test_it_applied_the_under_twenty_rule_before_2022_04_01():
    nineteen = date(2003, 1, 10)
    assert validity_years(birth_date=nineteen, application_date=date(2022, 3, 31)) == 5
    assert validity_years(birth_date=nineteen, application_date=date(2022, 4, 1)) == 10


def test_it_refuses_a_validity_other_than_five_or_ten():
    with pytest.raises(InvalidInput, match="5 or 10"):
        validity_years(
            birth_date=date(1990, 1, 1), application_date=date(2025, 4, 1), requested_years=7
        )


@given(
    st.dates(min_value=date(2022, 4, 1), max_value=date(2040, 12, 31)),
    st.integers(min_value=0, max_value=18 * 366),
    st.sampled_from([None, 5]),
)
def test_it_gives_five_years_to_everyone_under_eighteen(application_date, days_old, requested):
    birth = application_date - timedelta(days=days_old)
    if age_on(birth, application_date) < 18:
        years = validity_years(
            birth_date=birth, application_date=application_date, requested_years=requested
        )
        assert years == 5


# --- expiry ---------------------------------------------------------------------------------


def test_it_expires_on_the_same_day_n_years_later():
    assert expiry_date(date(2025, 5, 10), 10) == date(2035, 5, 10)
    assert expiry_date(date(2025, 5, 10), 5) == date(2030, 5, 10)


def test_it_moves_a_leap_day_issue_to_28_february():
    assert expiry_date(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert expiry_date(date(2024, 2, 29), 10) == date(2034, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_it_keeps_a_passport_valid_on_its_expiry_day():
    assert is_valid_on(date(2030, 5, 10), date(2030, 5, 10))
    assert not is_valid_on(date(2030, 5, 10), date(2030, 5, 11))


def test_it_clamps_months_to_the_shorter_month():
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2025, 10, 15), 3) == date(2026, 1, 15)


# --- pickup lapse and surcharge --------------------------------------------------------------


def test_it_lapses_an_uncollected_passport_the_day_after_six_months():
    issued = date(2025, 4, 10)
    assert pickup_deadline(issued) == date(2025, 10, 10)
    assert not pickup_lapsed(issued, date(2025, 10, 10))
    assert pickup_lapsed(issued, date(2025, 10, 11))
    assert lapse_date(issued) == date(2025, 10, 11)


def test_it_ends_the_pickup_period_on_the_last_day_of_a_short_month():
    assert pickup_deadline(date(2025, 8, 31)) == date(2026, 2, 28)
    assert lapse_date(date(2025, 8, 31)) == date(2026, 3, 1)


def test_it_charges_the_surcharge_on_the_first_application_within_five_years():
    lapsed = date(2025, 10, 11)
    assert lapse_surcharge_applies(date(2026, 1, 5), lapse_dates=[lapsed])
    assert lapse_surcharge_applies(date(2030, 10, 10), lapse_dates=[lapsed])
    assert not lapse_surcharge_applies(date(2030, 10, 11), lapse_dates=[lapsed])


def test_it_charges_the_surcharge_only_once_per_lapse():
    lapsed = date(2025, 10, 11)
    first = date(2026, 1, 5)
    assert not lapse_surcharge_applies(
        date(2027, 2, 1), lapse_dates=[lapsed], earlier_application_dates=[first]
    )


def test_it_charges_again_after_a_second_lapse():
    first_lapse, second_lapse = date(2025, 10, 11), date(2027, 1, 20)
    paid = date(2026, 1, 5)
    assert lapse_surcharge_applies(
        date(2027, 3, 1),
        lapse_dates=[first_lapse, second_lapse],
        earlier_application_dates=[paid],
    )


def test_it_charges_nothing_without_a_past_lapse():
    assert not lapse_surcharge_applies(date(2026, 1, 5), lapse_dates=[])
    assert not lapse_surcharge_applies(date(2026, 1, 5), lapse_dates=[date(2026, 2, 1)])
