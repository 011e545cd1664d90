"""The kiosk in the waiting hall: numbered tickets, validated input, a rate limit."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.utils import timezone

from ryoken.web.applications.models import Application
from ryoken.web.counter.models import Ticket
from ryoken.web.ledger.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)


def _take(client, purpose: str, **extra: str):
    return client.post("/counter/kiosk/", {"purpose": purpose, **extra}, follow=True)


def _number(response) -> str | None:
    found = re.search(r'data-testid="ticket-number"[^>]*>([^<]+)<', response.content.decode())
    return found.group(1) if found else None


def test_it_shows_the_kiosk_without_a_login(client, ledger_db):
    response = client.get("/counter/kiosk/")
    assert response.status_code == 200
    assert "整理券の発券" in response.content.decode()


def test_it_issues_numbered_tickets(client, ledger_db):
    first = _take(client, "application")
    second = _take(client, "application")
    loss = _take(client, "loss_report")
    assert _number(first) == "A-001"
    assert _number(second) == "A-002"
    assert "前に1人お待ちです" in second.content.decode()
    assert _number(loss) == "C-001"
    assert list(Ticket.objects.order_by("pk").values_list("number", flat=True)) == [
        "A-001",
        "A-002",
        "C-001",
    ]
    assert Entry.objects.filter(code="ticket.issue").count() == 3


def test_it_numbers_after_tickets_issued_elsewhere_today(client, ledger_db):
    for i in range(1, 4):  # as the demo seeds its queue
        Ticket.objects.create(number=f"A-{i:03d}", purpose="application", issued_at=timezone.now())
    response = _take(client, "application")
    assert _number(response) == "A-004"
    assert _number(_take(client, "application")) == "A-005"


def test_it_shows_a_ticket_once(client, ledger_db):
    _take(client, "application")
    again = client.get("/counter/kiosk/slip/")
    assert again.status_code == 302 and again["Location"].endswith("/counter/kiosk/")


def test_it_asks_for_the_reception_number_for_a_pickup(client, ledger_db):
    response = _take(client, "pickup")
    assert response.status_code == 400
    assert "受理番号を入力してください" in response.content.decode()
    assert not Ticket.objects.exists()


def test_it_refuses_a_pickup_that_is_not_ready(client, ledger_db):
    response = _take(client, "pickup", reception_number="13IKB-20260101-000001")
    assert response.status_code == 400
    assert "交付の準備ができていません" in response.content.decode()
    assert not Ticket.objects.exists()


def test_it_refuses_a_malformed_reception_number(client, ledger_db):
    response = _take(client, "pickup", reception_number="<script>")
    assert response.status_code == 400
    assert "受理票に印字された英数字" in response.content.decode()
    assert not Ticket.objects.exists()


def test_it_issues_a_pickup_ticket_for_a_ready_passport(client, ledger_db):
    app = Application.objects.create(
        reception_number="13IKB-20260101-000007",
        kind="new",
        channel="paper",
        state="ready",
        applicant="ds_x",
        application_date=timezone.localdate(),
        created_at=timezone.now(),
    )
    response = _take(client, "pickup", reception_number="１３ｉｋｂ-20260101-000007")
    assert _number(response) == "B-001"
    assert list(Ticket.objects.get().applications.all()) == [app]


def test_it_refuses_an_unknown_purpose(client, ledger_db):
    response = _take(client, "visa")
    assert response.status_code == 400
    assert "ご用件を選んでください" in response.content.decode()
    assert not Ticket.objects.exists()


def test_it_limits_how_fast_one_terminal_takes_tickets(client, ledger_db, settings):
    settings.RYOKEN_KIOSK_TICKETS_PER_MINUTE = 2
    _take(client, "application")
    _take(client, "application")
    third = _take(client, "application")
    assert third.status_code == 429
    assert "しばらくしてから" in third.content.decode()
    assert Ticket.objects.count() == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers: no race to test"
)
def test_it_never_prints_the_same_number_at_two_kiosks(ledger_db):
    from django.db import connections

    from ryoken.web.counter.queue.service import issue_ticket

    def work() -> None:
        try:
            for _ in range(5):
                issue_ticket("application")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == [f"A-{i:03d}" for i in range(1, 31)]
