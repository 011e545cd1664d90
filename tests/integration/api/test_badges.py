"""Door badge events become ledger events, exactly once, with a badge token only."""

from __future__ import annotations

import json

import pytest

from ryoken.audit.events import decode_entry
from ryoken.web.ledger.models import Entry

from .conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)


def _event(n: int, **changes) -> dict:
    event = {
        "event_uid": f"door-{n}",
        "staff": "counter1",
        "door": "2F-STAFF-ENTRANCE",
        "direction": "in" if n % 2 else "out",
        "at": f"2026-05-12T08:{n:02d}:00+09:00",
    }
    event.update(changes)
    return event


def _send(client, token, events):
    return client.post(
        "/api/badges/events", json.dumps(events), content_type="application/json", **bearer(token)
    )


def _badge_events():
    rows = Entry.objects.filter(code="external.badge").order_by("seq")
    return [decode_entry(bytes(row.data))[1] for row in rows]


def test_it_records_door_events(client, ledger_db, api_token, make_staff):
    make_staff("counter_clerk", username="counter1")
    response = _send(client, api_token("badge", name="doors"), [_event(1), _event(2)])
    assert response.status_code == 200, response.content
    assert response.json()["recorded"] == 2
    entered, left = _badge_events()
    assert entered.actor == "counter1" and entered.details["direction"] == "in"
    assert left.details["direction"] == "out"
    assert entered.details["door"] == "2F-STAFF-ENTRANCE" and entered.details["client"] == "doors"
    assert entered.details["staff_known"] is True


def test_it_does_not_record_a_resent_event_twice(client, ledger_db, api_token):
    token = api_token("badge")
    _send(client, token, [_event(1)])
    again = _send(client, token, [_event(1), _event(2)])
    assert again.json() == {"received": 2, "recorded": 1, "already_recorded": 1}
    assert len(_badge_events()) == 2


def test_it_rejects_a_batch_with_a_bad_direction(client, ledger_db, api_token):
    response = _send(client, api_token("badge"), [_event(1), _event(2, direction="sideways")])
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "direction")]
    assert not _badge_events()


def test_it_refuses_a_copier_token(client, ledger_db, api_token):
    assert _send(client, api_token("copier"), [_event(1)]).status_code == 401
    assert not _badge_events()
