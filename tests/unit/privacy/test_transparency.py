"""What a person is told about an access, by what it was for (docs/who-saw.md)."""

from __future__ import annotations

from datetime import date

from ryoken.privacy.transparency import NamedAs, Told, decide

DAY = date(2026, 12, 7)


def test_it_tells_a_person_about_their_own_procedures_and_oversight() -> None:
    assert decide("intake", NamedAs.APPLICANT, on=DAY) is Told.TOLD
    assert decide("intake:reveal", NamedAs.APPLICANT, on=DAY) is Told.TOLD
    assert decide("break_glass", NamedAs.NONE, on=DAY) is Told.TOLD
    assert decide("incident response", NamedAs.NONE, on=DAY) is Told.TOLD


def test_it_withholds_a_relatives_application() -> None:
    assert decide("intake", NamedAs.OTHER, on=DAY) is Told.RELATIVE
    assert decide("review", NamedAs.OTHER, on=DAY) is Told.RELATIVE


def test_it_withholds_a_police_inquiry_until_the_date_the_law_allows() -> None:
    assert decide("police_inquiry", NamedAs.NONE, on=DAY) is Told.LAW
    assert decide("police_inquiry:ref", NamedAs.APPLICANT, on=DAY) is Told.LAW
    later = date(2027, 1, 1)
    assert decide("court_order", NamedAs.NONE, on=DAY, disclose_after=later) is Told.LAW
    assert decide("court_order", NamedAs.NONE, on=later, disclose_after=later) is Told.TOLD
