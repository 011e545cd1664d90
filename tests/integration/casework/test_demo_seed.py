"""The back office's demo seed: a reviewer with a queue and the senior qualification."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ryoken.web.casework import review
from ryoken.web.casework.demo_seed import seed_backoffice
from ryoken.web.casework.models import Review

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_gives_the_demo_reviewer_a_queue_once(make_staff, make_application):
    reviewer = make_staff("reviewer", username="review1")
    make_staff("supervisor", username="super1")
    for criminal in (True, False, False, False):
        make_application(criminal=criminal, family=False)
    seed_backoffice()
    assert review.holds_senior_qualification(reviewer, timezone.localdate())
    assert Review.objects.filter(reviewer=reviewer, kind__in=review.REVIEW_KINDS).count() == 2
    seed_backoffice()
    assert Review.objects.filter(reviewer=reviewer, kind__in=review.REVIEW_KINDS).count() == 2
