"""One fee quote for intake and pickup, lapse surcharge included."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ryoken.web.applications.fees import fee_quote
from ryoken.web.applications.models import Application

pytestmark = pytest.mark.django_db(transaction=True)

BORN = date(1985, 6, 15)


def test_it_quotes_the_surcharge_after_an_uncollected_lapse(make_application):
    earlier, current = make_application(state="lapsed"), make_application(state="draft")
    Application.objects.filter(pk=earlier.pk).update(
        applicant=current.applicant,
        application_date=current.application_date - timedelta(days=400),
        lapsed_on=current.application_date - timedelta(days=30),
    )
    with_lapse = fee_quote(current, BORN)
    Application.objects.filter(pk=earlier.pk).update(lapsed_on=None)
    without = fee_quote(current, BORN)
    assert with_lapse.total > without.total
    assert any("失効" in line.label_ja for line in with_lapse.lines)
    assert not any("失効" in line.label_ja for line in without.lines)
