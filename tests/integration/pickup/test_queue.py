"""The pickup and loss windows' queue: call the next ticket, and close it."""

from __future__ import annotations

import pytest

from ryoken.web.access.models import Grant
from ryoken.web.counter.models import Ticket

from .helpers import make_application, make_person

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_calls_the_next_pickup_ticket_to_the_window(ledger_db, personas, login_as):
    from ryoken.web.counter.queue import service as queue

    issuer = personas["issuance_clerk"]
    app = make_application(make_person())
    ticket = queue.issue_ticket("pickup", reception_number=app.reception_number)
    client = login_as(issuer)
    assert 'data-testid="waiting-pickup">1<' in client.get("/pickup/").content.decode()
    response = client.post("/pickup/", {"window": "P01"})
    grant = Grant.objects.get(ticket=ticket)
    assert response.status_code == 302
    assert response["Location"] == f"/pickup/serve/{grant.grant_id}/"
    assert grant.staff == issuer and grant.window.code == "P01" and grant.step == "pickup"
    assert set(grant.subjects.values_list("subject", flat=True)) == {app.applicant}


def test_it_keeps_counter_clerks_off_the_pickup_windows(ledger_db, personas, login_as):
    from ryoken.web.counter.queue import service as queue

    app = make_application(make_person())
    queue.issue_ticket("pickup", reception_number=app.reception_number)
    response = login_as(personas["counter_clerk"]).post("/pickup/", {"window": "P01"}, follow=True)
    assert "交付窓口は交付担当の職員のみ利用できます" in response.content.decode()
    assert not Grant.objects.exists()


def test_it_lets_a_counter_clerk_take_a_loss_report(ledger_db, personas, login_as):
    from ryoken.web.counter.queue import service as queue

    ticket = queue.issue_ticket("loss_report")
    response = login_as(personas["counter_clerk"]).post("/pickup/", {"window": "L01"})
    grant = Grant.objects.get(ticket=ticket)
    assert response["Location"] == f"/pickup/loss/{grant.grant_id}/"
    assert grant.step == "loss_report"


def test_it_says_when_nobody_is_waiting(ledger_db, personas, login_as):
    response = login_as(personas["issuance_clerk"]).post("/pickup/", {"window": "P02"}, follow=True)
    assert "お待ちの方はいません" in response.content.decode()


def test_it_closes_the_ticket_and_ends_the_grant(ledger_db, personas, login_as):
    from .helpers import call_pickup

    issuer = personas["issuance_clerk"]
    ticket, grant = call_pickup(make_application(make_person()), issuer)
    response = login_as(issuer).post(f"/pickup/close/{grant.grant_id}/")
    assert response.status_code == 302
    ticket.refresh_from_db()
    grant.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and grant.closed_at is not None


def test_it_will_not_close_a_colleagues_ticket(ledger_db, personas, make_staff, login_as):
    from .helpers import call_pickup

    ticket, grant = call_pickup(make_application(make_person()), personas["issuance_clerk"])
    other = make_staff("issuance_clerk", username="other")
    assert login_as(other).post(f"/pickup/close/{grant.grant_id}/").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED


def test_it_seeds_loss_report_tickets_for_the_demo(ledger_db, personas, login_as):
    from ryoken.web.counter.loss import service as loss

    loss.seed_demo_tickets(2)
    html = login_as(personas["counter_clerk"]).get("/pickup/").content.decode()
    assert 'data-testid="waiting-loss">2<' in html
