"""The clerk's queue screen: choose a window, call the next applicant, close the ticket."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from ryoken.web.access.models import Grant
from ryoken.web.applications.numbers import DbSequenceStore
from ryoken.web.counter.models import Ticket
from ryoken.web.ledger.models import Entry

from .helpers import call_applicant, enter_application

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE_URLS = [
    ("get", "/counter/"),
    ("post", "/counter/window/"),
    ("post", "/counter/call/"),
    ("post", "/counter/work/gr_missing/close/"),
]


def test_it_opens_a_grant_bound_to_the_clerk_window_and_ticket(
    client, personas, ledger_db, login_as
):
    clerk = personas["counter_clerk"]
    login_as(clerk)
    grant = call_applicant(client, "W02")
    ticket = Ticket.objects.get()
    assert (grant.staff, grant.window.code, grant.ticket) == (clerk, "W02", ticket)
    assert (grant.kind, grant.step, grant.closed_at) == ("counter", "intake", None)
    assert (ticket.status, ticket.staff, ticket.window.code) == ("called", clerk, "W02")
    opened = Entry.objects.get(code="grant.open", grant=grant.grant_id)
    assert opened.actor == clerk.staff_id
    page = client.get("/counter/").content.decode()
    assert "整理券 <strong>A-001</strong>" in page


def test_it_counts_the_waiting_and_shows_no_personal_data(client, personas, ledger_db, login_as):
    login_as(personas["counter_clerk"])
    for _ in range(3):
        client.post("/counter/kiosk/", {"purpose": "application"})
    grant = call_applicant(client)  # a fourth ticket, called
    enter_application(client, grant)
    page = client.get("/counter/").content.decode()
    assert 'data-testid="waiting">3<' in page
    for personal in ("山田", "ヤマダ", "1985-06-15", "03-1234-5678", "東池袋"):
        assert personal not in page


def test_it_serves_one_applicant_at_a_time(client, personas, ledger_db, login_as):
    login_as(personas["counter_clerk"])
    call_applicant(client)
    client.post("/counter/kiosk/", {"purpose": "application"})
    response = client.post("/counter/call/", follow=True)
    assert "対応を終了してから次を呼び出してください" in response.content.decode()
    assert Grant.objects.filter(closed_at__isnull=True).count() == 1
    assert Ticket.objects.filter(status="waiting").count() == 1


def test_it_keeps_a_colleague_off_a_window_in_use(
    client, personas, make_staff, ledger_db, login_as
):
    login_as(personas["counter_clerk"])
    call_applicant(client, "W01")
    colleague = make_staff("counter_clerk", username="hanako")
    login_as(colleague)
    client.post("/counter/kiosk/", {"purpose": "application"})
    client.post("/counter/window/", {"window": "W01"})
    response = client.post("/counter/call/", follow=True)
    assert "他の職員が対応中です" in response.content.decode()
    assert not Grant.objects.filter(staff=colleague).exists()


def test_it_says_when_nobody_is_waiting(client, personas, ledger_db, login_as):
    login_as(personas["counter_clerk"])
    client.post("/counter/window/", {"window": "W01"})
    response = client.post("/counter/call/", follow=True)
    assert "お待ちの方はいません" in response.content.decode()
    assert not Grant.objects.exists()


def test_it_asks_for_a_window_before_calling(client, personas, ledger_db, login_as):
    login_as(personas["counter_clerk"])
    client.post("/counter/kiosk/", {"purpose": "application"})
    response = client.post("/counter/call/", follow=True)
    assert "先に担当窓口を選んでください" in response.content.decode()
    assert not Grant.objects.exists()


@pytest.mark.parametrize(("outcome", "status"), [("done", "closed"), ("no_show", "no_show")])
def test_it_closes_the_ticket_and_ends_access(
    client, personas, ledger_db, login_as, outcome, status
):
    login_as(personas["counter_clerk"])
    grant = call_applicant(client)
    if outcome == "done":  # asked first; only the confirmed post closes
        asked = client.post(f"/counter/work/{grant.grant_id}/close/", {"outcome": outcome})
        assert asked.status_code == 200 and 'data-testid="confirm-yes"' in asked.content.decode()
        grant.refresh_from_db()
        assert grant.closed_at is None
    response = client.post(
        f"/counter/work/{grant.grant_id}/close/", {"outcome": outcome, "confirmed": "1"}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.closed_at is not None
    assert Ticket.objects.get().status == status
    assert Entry.objects.filter(code="grant.close", grant=grant.grant_id).exists()
    assert client.get(f"/counter/work/{grant.grant_id}/").status_code == 404


def test_it_lets_an_issuance_clerk_see_but_not_call_intake(client, personas, ledger_db, login_as):
    login_as(personas["issuance_clerk"])
    client.post("/counter/kiosk/", {"purpose": "application"})
    assert client.get("/counter/").status_code == 200
    client.post("/counter/window/", {"window": "W01"})
    response = client.post("/counter/call/", follow=True)
    assert "申請受付窓口で対応する権限がありません" in response.content.decode()
    assert not Grant.objects.exists()


def test_it_does_not_close_another_clerks_ticket(client, personas, make_staff, ledger_db, login_as):
    login_as(personas["counter_clerk"])
    grant = call_applicant(client)
    login_as(make_staff("counter_clerk", username="hanako"))
    response = client.post(
        f"/counter/work/{grant.grant_id}/close/", {"outcome": "done", "confirmed": "1"}
    )
    assert response.status_code == 404
    grant.refresh_from_db()
    assert grant.closed_at is None


@pytest.mark.parametrize("role", ["reviewer", "privacy_officer", "auditor", "administrator"])
def test_it_denies_the_wrong_roles(client, personas, ledger_db, login_as, role):
    login_as(personas[role])
    for method, url in QUEUE_URLS:
        response = getattr(client, method)(url)
        assert response.status_code == 403, (role, url)
        assert "権限がありません" in response.content.decode()


def test_it_denies_a_stranger_and_the_anonymous(client, stranger, ledger_db, login_as):
    for method, url in QUEUE_URLS:
        anonymous = getattr(client, method)(url)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    login_as(stranger)
    for method, url in QUEUE_URLS:
        assert getattr(client, method)(url).status_code == 403


# --- the database-backed counters ------------------------------------------------------------


def test_it_counts_each_key_on_its_own(ledger_db):
    store = DbSequenceStore()
    assert [store.next_value("a"), store.next_value("a"), store.next_value("b")] == [1, 2, 1]
    assert store.next_value("a", at_least=10) == 10
    assert store.next_value("a") == 11


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers: no race to test"
)
def test_it_never_gives_two_callers_the_same_number(ledger_db):
    from django.db import connections

    store = DbSequenceStore()
    got: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            for _ in range(20):
                value = store.next_value("race")
                with lock:
                    got.append(value)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 121))
