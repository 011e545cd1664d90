"""Synthetic passport numbers and the passports applicants held before."""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

from ryoken.domain.applications import ApplicationKind
from ryoken.sim.people import age_on, years_before

K = ApplicationKind
# Japanese numbers are two letters and seven digits (FACTS.md); recent series start with T or M.
_FIRST_LETTERS = "TM"


class PassportNumbers:
    """Hands out passport numbers, each at most once in an office."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def new(self) -> str:
        rng = self._rng
        while True:
            number = (
                f"{rng.choice(_FIRST_LETTERS)}{rng.choice(string.ascii_uppercase)}"
                f"{rng.randint(0, 9_999_999):07d}"
            )
            if number not in self._used:
                self._used.add(number)
                return number


def previous_passport(
    rng: random.Random, kind: ApplicationKind, birth: date, day: date
) -> tuple[ApplicationKind, date | None]:
    """When the applicant's previous passport was issued, if they had one.

    A renewal needs a passport with less than a year left; a record change or a loss report
    needs one still valid. A child too young to have held such a passport applies for a new
    one instead, so the kind that comes back may be NEW. An adult's new application sometimes
    follows a passport that expired long ago.
    """
    if kind is K.NEW:
        if age_on(birth, day) >= 18 and rng.random() < 0.35:
            years = 10 if rng.random() < 0.75 else 5
            issued = years_before(day, years) - timedelta(days=rng.randint(30, 3650))
            if age_on(birth, issued) >= 1:
                return K.NEW, issued
        return K.NEW, None

    def issued_for(years: int) -> date:
        if kind is K.RENEWAL:  # expires within the coming year
            return years_before(day, years) + timedelta(days=rng.randint(1, 364))
        return day - timedelta(days=rng.randint(60, years * 365 - 30))

    years = 10 if rng.random() < 0.75 else 5
    issued = issued_for(years)
    if years == 10 and age_on(birth, issued) < _adult_age_on(issued):
        issued = issued_for(5)  # minors are issued five-year passports only
    if issued - birth >= timedelta(days=30):
        return kind, issued
    if kind is K.LOSS_REPORT:  # only adults report a loss here, so this is a safety net
        return kind, birth + timedelta(days=30)
    return K.NEW, None  # too young to have held that passport


def _adult_age_on(issued: date) -> int:
    """Majority for the 10-year passport: 20, and 18 from 2022-04-01."""
    return 18 if issued >= date(2022, 4, 1) else 20
