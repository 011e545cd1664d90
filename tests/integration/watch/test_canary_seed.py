"""The demo's canaries look like everyone else: an ordinary reception number from the same
sequence, a family and an emergency contact; only the privacy officer's registry knows."""

from __future__ import annotations

import re

import pytest

from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.applications.numbers import reception_numbers
from ryoken.web.watch.demo_seed import seed_watch
from ryoken.web.watch.models import CanaryPlacement

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_plants_canaries_that_look_like_real_applications(ledger_db, personas):
    seed_watch(actor=personas["privacy_officer"].staff_id)
    placements = list(CanaryPlacement.objects.order_by("window"))
    assert [p.window for p in placements] == ["W01", "W02", "W03"]
    numbers = []
    for placement in placements:
        app = Application.objects.get(applicant=placement.subject_id)
        numbers.append(app.reception_number)
        assert re.fullmatch(r"13IKB-\d{8}-\d{6}", app.reception_number)
        assert "CANARY" not in app.reception_number.upper()
        roles = set(
            ApplicationPerson.objects.filter(application=app).values_list("role", flat=True)
        )
        assert roles == {"applicant", "family_member", "emergency_contact"}
    # The next application of the same day takes the next number of the same sequence.
    first = Application.objects.get(reception_number=numbers[0])
    following = str(reception_numbers("TKY-IKB").allocate(first.application_date))
    assert following.endswith(f"{int(numbers[-1][-6:]) + 1:06d}")


def test_the_seeded_contact_details_are_ordinary(ledger_db):
    from ryoken.web.watch import demo_seed

    for _kanji, _kana, phone, email in demo_seed._CANARIES.values():
        assert not phone.startswith("050") and ".w0" not in email


def test_the_registry_is_the_privacy_officers_alone(ledger_db, client, personas, login_as):
    for role, staff in personas.items():
        login_as(staff)
        status = client.get("/watch/canaries/").status_code
        assert (status == 200) is (role == "privacy_officer"), role
