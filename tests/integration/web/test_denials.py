"""Denied access leaves a trace: 403/404 on personal-data URLs are ledgered, shown on the
staff timeline, and repeated ones raise a case."""

from __future__ import annotations

import pytest

from ryoken.audit.events import decode_entry
from ryoken.web.ledger.models import Entry
from ryoken.web.watch.models import Case

pytestmark = pytest.mark.django_db(transaction=True)


def _denials(actor: str):
    rows = Entry.objects.filter(code="access.denied", actor=actor).order_by("seq")
    return [decode_entry(bytes(r.data))[1] for r in rows]


def test_it_ledgers_probes_of_other_applications_urls(ledger_db, client, personas, login_as):
    clerk = personas["counter_clerk"]
    login_as(clerk)
    assert client.get("/counter/intake/gr_0000000000/12345/review/").status_code == 404
    assert client.get("/casework/breakglass/reviews/").status_code == 403  # not their role
    events = _denials(clerk.staff_id)
    assert [(e.details["status"], e.details["what"]) for e in events] == [
        (404, "url"),
        (403, "url"),
    ]
    assert "12345" not in bytes(Entry.objects.filter(code="access.denied").first().data).decode()
    assert not Case.objects.exists()


def test_it_alerts_on_repeated_denials_and_shows_them_on_the_timeline(
    ledger_db, client, personas, login_as
):
    clerk = personas["counter_clerk"]
    login_as(clerk)
    for n in range(5):
        client.get(f"/counter/intake/gr_0000000000/{n}/review/")
    case = Case.objects.get(staff_id=clerk.staff_id)
    assert case.detector_list == ["access_denied"] and len(case.seqs) == 5

    login_as(personas["privacy_officer"])
    timeline = client.get(f"/watch/staff/{clerk.staff_id}/").content.decode()
    # The timeline groups the five refusals into one row, in words.
    assert "拒否された閲覧要求" in timeline and "×5" in timeline


def test_it_ledgers_nothing_for_the_anonymous_or_outside_personal_areas(
    ledger_db, client, personas, login_as
):
    client.get("/counter/intake/gr_0000000000/1/review/")  # anonymous: sent to log in
    login_as(personas["counter_clerk"])
    client.get("/no-such-page/")
    assert not Entry.objects.filter(code="access.denied").exists()
