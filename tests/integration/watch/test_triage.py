"""Triage: open → investigating → dismissed (with a reason) or confirmed, every step ledgered;
a dismissed case stays closed until new evidence raises an alert on its own."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ryoken.web.watch import service
from ryoken.web.watch.models import Case

from .conftest import last_event, ledger_codes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def canary_case(office, personas):
    clerk = personas["counter_clerk"]
    office.break_glass(clerk, office.canary(window="W02"))
    service.run_detection(timezone.now())
    return Case.objects.get(staff_id=clerk.staff_id)


def _post(client, case, to: str, reason: str = ""):
    return client.post(f"/watch/case/{case.pk}/triage/", {"to": to, "reason": reason})


def test_it_ledgers_each_transition(canary_case, officer, login_as, client):
    login_as(officer)
    mark = last_event("alert.triage")  # raised by the watcher
    assert mark.details["case"] == canary_case.pk

    response = _post(client, canary_case, "investigating")
    assert response.status_code == 302
    taken = last_event("case.transition")
    assert taken.actor == officer.staff_id
    assert (taken.details["from"], taken.details["to"]) == ("open", "investigating")
    assert taken.details["case"] == canary_case.pk

    _post(client, canary_case, "confirmed", "窓口外の照会で、業務上の理由がない")
    canary_case.refresh_from_db()
    assert canary_case.status == Case.Status.CONFIRMED
    assert canary_case.incident_ref.startswith("INC-")
    confirmed = last_event("case.transition")
    assert confirmed.details["to"] == "confirmed"
    assert confirmed.details["incident"] == canary_case.incident_ref
    page = client.get(f"/watch/case/{canary_case.pk}/").content.decode()
    assert canary_case.incident_ref in page and "事故と確定" in page


def test_it_needs_a_reason_to_dismiss(canary_case, officer, login_as, client):
    login_as(officer)
    _post(client, canary_case, "investigating")
    before = ledger_codes()

    response = _post(client, canary_case, "dismissed", "  問題なし ")

    assert response.status_code == 400
    assert "10文字以上" in response.content.decode()
    canary_case.refresh_from_db()
    assert canary_case.status == Case.Status.INVESTIGATING
    assert ledger_codes() == before  # nothing ledgered

    reason = "配置記録の誤りで、実際には職員本人の担当窓口だった"
    assert _post(client, canary_case, "dismissed", reason).status_code == 302
    canary_case.refresh_from_db()
    assert canary_case.status == Case.Status.DISMISSED
    assert canary_case.decision_reason == reason and canary_case.decided_by == officer.staff_id
    dismissed = last_event("case.transition")
    assert dismissed.details["to"] == "dismissed"
    assert dismissed.details["reason_chars"] == len(reason)


def test_it_refuses_a_transition_the_triage_does_not_allow(canary_case, officer, login_as, client):
    login_as(officer)

    response = _post(client, canary_case, "confirmed", "調査を経ずに確定しようとする")

    assert response.status_code == 400
    assert "この事案はその状態に変更できません。" in response.content.decode()
    canary_case.refresh_from_db()
    assert canary_case.status == Case.Status.OPEN


def test_it_keeps_a_dismissed_case_closed_without_new_evidence(
    canary_case, office, officer, personas
):
    from ryoken.web.watch.triage import transition_case

    clerk = personas["counter_clerk"]
    transition_case(canary_case.pk, "investigating", acting_staff=officer)
    transition_case(
        canary_case.pk, "dismissed", acting_staff=officer, reason="試験用の照会で問題ありません"
    )

    again = service.run_detection(timezone.now())
    canary_case.refresh_from_db()
    assert canary_case.status == Case.Status.DISMISSED
    assert again.reopened == [] and again.created == []

    office.serve(clerk, "W01", office.application())  # ordinary work is no new evidence
    service.run_detection(timezone.now())
    canary_case.refresh_from_db()
    assert canary_case.status == Case.Status.DISMISSED

    # A second canary touched, by break-glass: a counter clerk's break-glass reopens the
    # case at once (watch.alerts), and the next run adds the canary evidence to it.
    office.break_glass(clerk, office.canary(window="W03"))
    canary_case.refresh_from_db()
    assert canary_case.status == Case.Status.OPEN
    service.run_detection(timezone.now())
    canary_case.refresh_from_db()
    assert canary_case.status == Case.Status.OPEN and "canary" in canary_case.detector_list
    system = last_event("case.transition")
    assert system.actor == "system" and system.details["from"] == "dismissed"
