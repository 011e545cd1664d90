"""Pickup cannot be gamed: match / no match is no oracle, one open ticket per reception
number, and an issued record never reopens at the counter."""

from __future__ import annotations

import pytest

from ryoken.errors import RuleViolation
from ryoken.web.accounts.models import Window
from ryoken.web.applications.models import Application
from ryoken.web.counter.queue import service as queue
from ryoken.web.watch.models import Case

from .helpers import HOLDER, ledger_events

pytestmark = pytest.mark.django_db(transaction=True)


def _match(client, url, **overrides):
    data = {"birth_date": HOLDER["birth_date"], "passport_number": HOLDER["passport_number"]}
    data.update(overrides)
    return client.post(url + "match/", data, follow=True)


def test_it_stops_after_three_no_matches_ledgers_it_and_alerts(
    login_as, issuer, app_url, at_pickup
):
    client = login_as(issuer)
    for day in ("1985-04-03", "1985-04-04", "1985-04-05"):  # guessing the birth date
        assert "不一致" in _match(client, app_url, birth_date=day).content.decode()
    refused = _match(client, app_url)  # even the right one: a supervisor takes over now
    assert "監督者に交代してください" in refused.content.decode()
    _, grant = at_pickup
    assert len(ledger_events("match", grant=grant.grant_id)) == 6  # 3 tries, 2 fields each
    denied = ledger_events("access.denied", grant=grant.grant_id)
    assert [e.details["what"] for e in denied] == ["match"]
    case = Case.objects.get(staff_id=issuer.staff_id)
    assert case.detector_list == ["match_misses"] and len(case.seqs) == 3


def test_it_limits_no_matches_per_person_over_the_day(
    login_as, issuer, app_url, at_pickup, monkeypatch
):
    monkeypatch.setenv("RYOKEN_MATCH_NO_MATCH_PER_DAY", "2")
    client = login_as(issuer)
    _match(client, app_url, birth_date="1985-04-03")
    _match(client, app_url, birth_date="1985-04-04")
    refused = _match(client, app_url)
    assert "監督者に交代してください" in refused.content.decode()
    assert ledger_events("access.denied")[0].details["why"] == "per_day"


def test_it_issues_one_open_pickup_ticket_per_reception_number(ready_app):
    queue.issue_ticket("pickup", reception_number=ready_app.reception_number)
    with pytest.raises(RuleViolation, match="already waiting"):
        queue.issue_ticket("pickup", reception_number=ready_app.reception_number)


def test_an_issued_record_never_reopens_at_the_counter(
    login_as, issuer, app_url, ready_app, at_pickup, personas
):
    client = login_as(issuer)
    _match(client, app_url)
    done = client.post(app_url + "issue/", {"fee_paid": "on"}, follow=True)
    assert done.status_code == 200
    assert Application.objects.get(pk=ready_app.pk).state == "issued"
    assert client.get(app_url).status_code == 200  # this visit's receipt screen
    ticket, _ = at_pickup
    queue.close_ticket(ticket, staff=issuer)

    # A ticket taken before issuance (here: forced in beside the kiosk's rule) is called later.
    late = queue.Ticket.objects.create(
        number="B-099", purpose="pickup", issued_at=ticket.issued_at, office=ticket.office
    )
    late.applications.add(ready_app)
    called = queue.call_next(issuer, Window.objects.get(code="P01"))
    assert called is not None
    _, second = called
    page = client.get(f"/pickup/serve/{second.grant_id}/{ready_app.pk}/")
    assert page.status_code == 404
    assert HOLDER["name_kanji"] not in page.content.decode()
