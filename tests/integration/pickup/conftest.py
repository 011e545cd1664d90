"""Fixtures for the pickup, loss-report and print/copy screens."""

from __future__ import annotations

import pytest


@pytest.fixture
def issuer(personas):
    return personas["issuance_clerk"]


@pytest.fixture
def ready_app(ledger_db, personas):
    """A renewal ready for pickup: the applicant and one family member in the vault."""
    from .helpers import make_application, make_person

    holder = make_person()
    sister = make_person({"name_kanji": "山田 花子", "name_kana": "ヤマダ ハナコ"})
    return make_application(holder, family=(sister,))


@pytest.fixture
def at_pickup(ready_app, issuer):
    """(ticket, grant) with the ready application's ticket called to P01 by the issuer."""
    from .helpers import call_pickup

    return call_pickup(ready_app, issuer)


@pytest.fixture
def app_url(ready_app, at_pickup):
    _, grant = at_pickup
    return f"/pickup/serve/{grant.grant_id}/{ready_app.pk}/"


@pytest.fixture
def matched(ready_app, at_pickup):
    """Identity confirmed by match, as the clerk would at the window."""
    from datetime import date

    from ryoken.web.counter.pickup import service as pickup

    from .helpers import HOLDER

    _, grant = at_pickup
    presented = pickup.Presented(
        date.fromisoformat(HOLDER["birth_date"]), HOLDER["passport_number"]
    )
    assert all(
        pickup.check_identity(grant=grant, application=ready_app, presented=presented).values()
    )
    return grant
