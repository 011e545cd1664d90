"""Office days: Monday to Friday, without Japanese public holidays or 12/29-1/3.

The holiday rules are those of the 国民の祝日に関する法律 as they stand since 2020:
fixed days, the "happy Monday" days, the equinoxes (the usual approximation, exact for
1980-2099), a substitute holiday (振替休日) after a holiday on Sunday, and a day between two
holidays (国民の休日).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

_FIXED = ((1, 1), (2, 11), (2, 23), (4, 29), (5, 3), (5, 4), (5, 5), (8, 11), (11, 3), (11, 23))
_HAPPY_MONDAYS = ((1, 2), (7, 3), (9, 3), (10, 2))  # (month, nth Monday)


def _nth_monday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    offset = (7 - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (nth - 1))


def _equinoxes(year: int) -> tuple[date, date]:
    y = year - 1980
    spring = int(20.8431 + 0.242194 * y - y // 4)
    autumn = int(23.2488 + 0.242194 * y - y // 4)
    return date(year, 3, spring), date(year, 9, autumn)


@cache
def public_holidays(year: int) -> frozenset[date]:
    """Japan's public holidays in `year` (including substitute and in-between days)."""
    days = {date(year, m, d) for m, d in _FIXED}
    days |= {_nth_monday(year, m, n) for m, n in _HAPPY_MONDAYS}
    days |= set(_equinoxes(year))
    for day in sorted(days):
        if day.weekday() == 6:  # Sunday: the next non-holiday is off
            sub = day + timedelta(days=1)
            while sub in days:
                sub += timedelta(days=1)
            days.add(sub)
    for day in sorted(days):
        between = day + timedelta(days=1)
        if between not in days and between + timedelta(days=1) in days and between.weekday() != 6:
            days.add(between)
    return frozenset(days)


def is_office_day(day: date) -> bool:
    if day.weekday() >= 5 or day in public_holidays(day.year):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def office_days(start: date, count: int) -> list[date]:
    """The first `count` office days from `start` (inclusive)."""
    out: list[date] = []
    day = start
    while len(out) < count:
        if is_office_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out
