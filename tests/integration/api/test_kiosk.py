"""The kiosk issues queue tickets and shows the queue; only with an active kiosk token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ryoken.web.api.auth import revoke_client
from ryoken.web.applications.models import Application
from ryoken.web.counter.models import Ticket
from ryoken.web.ledger.models import Entry

from .conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)


def _post(client, token, body, **extra):
    headers = bearer(token) if token else {}
    return client.post(
        "/api/kiosk/tickets", body, content_type="application/json", **headers, **extra
    )


def _application(state: str, number: str) -> Application:
    now = timezone.now()
    return Application.objects.create(
        reception_number=number,
        kind="new",
        channel="paper",
        state=state,
        applicant="ds_test_applicant",
        application_date=now.date() - timedelta(days=14),
        created_at=now - timedelta(days=14),
    )


def test_it_issues_numbered_tickets_and_counts_who_waits_ahead(client, ledger_db, api_token):
    token = api_token("kiosk")
    first = _post(client, token, {"purpose": "application"})
    second = _post(client, token, {"purpose": "application"})
    assert first.status_code == 200, first.content
    assert first.json()["number"] == "A-001" and first.json()["waiting_ahead"] == 0
    assert second.json()["number"] == "A-002" and second.json()["waiting_ahead"] == 1
    assert second.json()["purpose_ja"] == "申請"
    assert Ticket.objects.filter(status="waiting").count() == 2
    assert Entry.objects.filter(code="ticket.issue").count() == 2


def test_it_shows_waiting_counts_per_purpose(client, ledger_db, api_token):
    token = api_token("kiosk")
    for purpose in ("application", "application", "loss_report"):
        _post(client, token, {"purpose": purpose})
    response = client.get("/api/kiosk/queue", **bearer(token))
    assert response.status_code == 200
    waiting = {line["purpose"]: line["waiting"] for line in response.json()["lines"]}
    assert waiting == {"application": 2, "pickup": 0, "loss_report": 1}


def test_it_refuses_without_a_token(client, ledger_db):
    response = _post(client, None, {"purpose": "application"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "認証できません" in response.json()["message"]
    assert not Ticket.objects.exists()


def test_it_refuses_a_copier_token(client, ledger_db, api_token):
    response = _post(client, api_token("copier"), {"purpose": "application"})
    assert response.status_code == 401
    assert not Ticket.objects.exists()


def test_it_refuses_a_revoked_token(client, ledger_db, api_token):
    token = api_token("kiosk", name="lobby-1")
    assert _post(client, token, {"purpose": "application"}).status_code == 200
    revoke_client("lobby-1")
    assert _post(client, token, {"purpose": "application"}).status_code == 401
    assert Ticket.objects.count() == 1


def test_it_refuses_a_made_up_token(client, ledger_db, api_token):
    api_token("kiosk")
    assert _post(client, "ryk_" + "A" * 43, {"purpose": "application"}).status_code == 401


def test_it_ignores_a_logged_in_staff_session(client, ledger_db, personas, login_as):
    login_as(personas["supervisor"])
    assert _post(client, None, {"purpose": "application"}).status_code == 401


def test_it_needs_no_csrf_token_with_a_bearer_token(ledger_db, api_token):
    strict = Client(enforce_csrf_checks=True)
    response = _post(strict, api_token("kiosk"), {"purpose": "loss_report"})
    assert response.status_code == 200
    assert response.json()["number"] == "C-001"


def test_it_issues_a_pickup_ticket_for_a_ready_application(client, ledger_db, api_token):
    application = _application("ready", "13IKB-20261203-000123")
    response = _post(
        client,
        api_token("kiosk"),
        {"purpose": "pickup", "reception_number": "13IKB-20261203-000123"},
    )
    assert response.status_code == 200
    assert response.json()["number"] == "B-001"
    ticket = Ticket.objects.get(number="B-001")
    assert list(ticket.applications.all()) == [application]
    assert "13IKB-20261203-000123" not in response.content.decode()  # nothing personal echoed


def test_it_asks_for_the_reception_number_of_a_pickup(client, ledger_db, api_token):
    response = _post(client, api_token("kiosk"), {"purpose": "pickup"})
    assert response.status_code == 400
    assert response.json()["message"] == "受理票の受理番号を入力してください。"
    assert "reception number" in response.json()["detail"]


def test_it_answers_alike_for_unknown_and_not_ready_numbers(client, ledger_db, api_token):
    token = api_token("kiosk")
    _application("in_review", "13IKB-20261203-000200")
    not_ready = _post(
        client, token, {"purpose": "pickup", "reception_number": "13IKB-20261203-000200"}
    )
    unknown = _post(
        client, token, {"purpose": "pickup", "reception_number": "13IKB-20261203-999999"}
    )
    assert not_ready.status_code == unknown.status_code == 404
    assert not_ready.json() == unknown.json()
    assert "準備ができていません" in unknown.json()["message"]
    assert not Ticket.objects.exists()


def test_it_rejects_an_unknown_purpose_in_japanese(client, ledger_db, api_token):
    response = _post(client, api_token("kiosk"), {"purpose": "passport_please"})
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "入力内容に誤りがあります。"
    assert body["errors"][0]["field"] == "purpose"
    assert not Ticket.objects.exists()


def test_it_issues_for_the_kiosks_own_office(client, ledger_db, api_token):
    token = api_token("kiosk", office="TKY-YRK")
    _post(client, token, {"purpose": "application"})
    assert Ticket.objects.get().office == "TKY-YRK"
    lines = client.get("/api/kiosk/queue", **bearer(api_token("kiosk"))).json()["lines"]
    assert all(line["waiting"] == 0 for line in lines)  # the other office's kiosk sees none
