"""Validity, age, expiry and the 6-month pickup lapse (旅券法5条, 18条1項2号; FACTS.md).

Conventions, written down once because every other rule leans on them:

* **Age** follows 年齢計算ニ関スル法律 with 民法143条: age is counted from the day of birth,
  and a year of age is complete at the end of the day *before* the birthday. The law and the
  passport offices treat that day as the day a person "turns N": someone born on 2013-04-02
  is 12 on 2025-04-01. A person born on 29 February turns a year older on 28 February in
  every year: in a leap year that is the day before the birthday, and in a common year
  民法143条2項 ends a period whose final month has no corresponding day on that month's last
  day, which is again 28 February.
* **Expiry** = issue date + N years, same month and day. An issue date of 29 February gives
  28 February when the expiry year is not a leap year (never a day past the legal term).
* **Pickup lapse**: a passport not collected within 6 months of its issue date lapses. The
  last day to collect is the issue date + 6 months, same day of month (the month's last day
  when that month is shorter); it is lapsed from the following day.
* **Surcharge**: the first application filed within 5 years of such a lapse pays extra
  (national +¥4,000; the prefectural part is fee configuration, see fees.py). "Within 5
  years" is counted from the lapse date: lapse date <= application date < lapse date + 5
  years.

Thresholds that change by law are effective-dated data (`ADULT_AGE_RULES`), not code.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ryoken.errors import InvalidInput, RuleViolation

VALIDITY_YEARS: tuple[int, ...] = (5, 10)
SHORT_VALIDITY_YEARS = 5
LONG_VALIDITY_YEARS = 10
PICKUP_MONTHS = 6  # 旅券法18条1項2号
SURCHARGE_WINDOW_YEARS = 5


@dataclass(frozen=True, slots=True)
class AdultAgeRule:
    """From `effective_from`, applicants younger than `min_age_for_ten_years` get 5 years."""

    effective_from: date
    min_age_for_ten_years: int
    source: str


# Effective-dated: the rule in force on an application date is the latest one that started on
# or before it. The 2022 entry is FACTS.md; the earlier one is the pre-amendment text of
# 旅券法5条 (二十歳未満), kept so historical applications (the 2020–2023 incident period) can
# be evaluated. A new law adds a row here, it does not change code.
ADULT_AGE_RULES: tuple[AdultAgeRule, ...] = (
    AdultAgeRule(date(1900, 1, 1), 20, "旅券法5条 before the 2022 amendment (二十歳未満)"),
    AdultAgeRule(date(2022, 4, 1), 18, "旅券法5条 as amended, from 2022-04-01 (十八歳未満)"),
)


# --- calendar arithmetic -----------------------------------------------------------------


def _clamped(year: int, month: int, day: int) -> date:
    """`date(year, month, day)`, or the month's last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def add_years(d: date, years: int) -> date:
    """Same month and day `years` later; 29 February becomes 28 February in common years."""
    return _clamped(d.year + years, d.month, d.day)


def add_months(d: date, months: int) -> date:
    """Same day of month `months` later, or that month's last day when it is shorter."""
    index = d.year * 12 + (d.month - 1) + months
    return _clamped(index // 12, index % 12 + 1, d.day)


# --- age ---------------------------------------------------------------------------------


def turns_age_on(birth: date, age: int) -> date:
    """The day on which a person born on `birth` turns `age` (年齢計算ニ関スル法律).

    That is the day before the `age`-th birthday; for a 29 February birth it is 28 February,
    in leap and common years alike (see the module docstring).
    """
    if age < 0:
        raise InvalidInput(f"an age cannot be negative: {age}", message_ja="年齢が負の値です。")
    if age == 0:
        return birth
    year = birth.year + age
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)  # 民法143条2項: no corresponding day → the month's last day
    return date(year, birth.month, birth.day) - timedelta(days=1)


def age_on(birth: date, on: date) -> int:
    """Age of a person born on `birth`, on the day `on`, under 年齢計算ニ関スル法律."""
    if on < birth:
        raise InvalidInput(
            f"the date {on.isoformat()} is before the birth date {birth.isoformat()}",
            message_ja=f"{on.isoformat()} は生年月日 {birth.isoformat()} より前の日付です。",
        )
    # A 1 January birth turns a year older on 31 December, so the age can be one more than
    # the difference of the years; it is never more than one less. Step down at most twice.
    age = on.year - birth.year + 1
    while age > 0 and turns_age_on(birth, age) > on:
        age -= 1
    return age


# --- validity ----------------------------------------------------------------------------


def adult_age_rule(on: date) -> AdultAgeRule:
    """The rule deciding who may have a 10-year passport on an application date."""
    in_force = [r for r in ADULT_AGE_RULES if r.effective_from <= on]
    if not in_force:
        raise RuleViolation(f"no validity rule is in force on {on.isoformat()}")
    return max(in_force, key=lambda r: r.effective_from)


def may_have_ten_years(birth: date, application_date: date) -> bool:
    """Whether the applicant is old enough for a 10-year passport on the application date."""
    rule = adult_age_rule(application_date)
    return age_on(birth, application_date) >= rule.min_age_for_ten_years


def validity_years(
    *, birth_date: date, application_date: date, requested_years: int | None = None
) -> int:
    """Validity of a new 5/10-year passport: 10 years, or 5 if asked for or if too young.

    `requested_years=None` means the applicant did not choose: 10 where allowed. Asking for
    10 years when under age on the application date is refused, not silently reduced, so the
    counter can tell the applicant.
    """
    if requested_years is not None and requested_years not in VALIDITY_YEARS:
        raise InvalidInput(
            f"a passport is valid for 5 or 10 years, not {requested_years}",
            message_ja=f"有効期間は5年または10年です（{requested_years}年は選べません）。",
        )
    adult = may_have_ten_years(birth_date, application_date)
    if requested_years == LONG_VALIDITY_YEARS and not adult:
        limit = adult_age_rule(application_date).min_age_for_ten_years
        raise RuleViolation(
            f"an applicant under {limit} on the application date can only have a 5-year passport",
            message_ja=f"申請日に{limit}歳未満の方は5年旅券のみ申請できます。",
        )
    if requested_years == SHORT_VALIDITY_YEARS or not adult:
        return SHORT_VALIDITY_YEARS
    return LONG_VALIDITY_YEARS


def expiry_date(issue_date: date, years: int) -> date:
    """Expiry of a passport issued on `issue_date` for `years` (see the module docstring)."""
    if years not in VALIDITY_YEARS:
        raise InvalidInput(f"a passport is valid for 5 or 10 years, not {years}")
    return add_years(issue_date, years)


def is_valid_on(expiry: date, on: date) -> bool:
    """A passport is valid up to and including its expiry date."""
    return on <= expiry


# --- pickup lapse and surcharge ------------------------------------------------------------


def pickup_deadline(issue_date: date) -> date:
    """The last day on which a passport issued on `issue_date` can still be collected."""
    return add_months(issue_date, PICKUP_MONTHS)


def lapse_date(issue_date: date) -> date:
    """The first day on which an uncollected passport is lapsed (旅券法18条1項2号)."""
    return pickup_deadline(issue_date) + timedelta(days=1)


def pickup_lapsed(issue_date: date, on: date) -> bool:
    """Whether an uncollected passport issued on `issue_date` has lapsed by `on`."""
    return on >= lapse_date(issue_date)


def lapse_surcharge_applies(
    application_date: date,
    *,
    lapse_dates: Iterable[date],
    earlier_application_dates: Iterable[date] = (),
) -> bool:
    """Whether this is the first application within 5 years of a pickup lapse.

    `lapse_dates` are the days the person's uncollected passports lapsed;
    `earlier_application_dates` the person's other passport applications. Only the latest
    lapse on or before the application date matters: an application filed between that lapse
    and this one was the "first" and paid the surcharge already.
    """
    past = [d for d in lapse_dates if d <= application_date]
    if not past:
        return False
    latest = max(past)
    if application_date >= add_years(latest, SURCHARGE_WINDOW_YEARS):
        return False
    return not any(latest <= d < application_date for d in earlier_application_dates)
