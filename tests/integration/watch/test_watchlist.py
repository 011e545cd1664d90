"""The watchlist: the privacy officer adds persons by id or reception number, and removes them;
detection weighs reading them outside a task heavily."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ryoken.web.watch import service
from ryoken.web.watch.models import Case, Watchlist

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_adds_and_removes_a_person(office, officer, login_as, client):
    app = office.application()
    login_as(officer)
    response = client.post(
        "/watch/watchlist/", {"subject": app.reception_number, "reason": "報道で注目されている方"}
    )
    assert response.status_code == 302
    entry = Watchlist.objects.get()
    assert entry.subject_id == app.applicant and entry.added_by == officer.staff_id
    assert app.applicant in client.get("/watch/watchlist/").content.decode()

    client.post(f"/watch/watchlist/{entry.pk}/remove/")
    assert not Watchlist.objects.exists()


def test_it_refuses_an_unknown_person_and_a_missing_reason(office, officer, login_as, client):
    login_as(officer)
    unknown = client.post("/watch/watchlist/", {"subject": "13IKB-NOPE", "reason": "理由がある"})
    assert unknown.status_code == 400
    assert "該当する対象者ID・受理番号がありません" in unknown.content.decode()
    app = office.application()
    no_reason = client.post("/watch/watchlist/", {"subject": app.applicant, "reason": ""})
    assert no_reason.status_code == 400
    assert not Watchlist.objects.exists()


def _lookup(clerk, subject: str) -> None:
    """A name search outside any task that found one person (as a loss-report search or a
    tool outside the counter would record it)."""
    from ryoken.audit.events import Event, EventCode
    from ryoken.web.ledger import store

    store.record(
        Event(
            code=EventCode.SEARCH,
            at=timezone.now(),
            actor=clerk.staff_id,
            subjects=(subject,),
            fields=("name_kanji",),
            purpose="lookup",
            details={"found": 1},
        )
    )


def test_it_weighs_reading_a_listed_person_outside_a_task(office, personas, officer):
    from ryoken.web.watch.triage import add_to_watchlist

    clerk = personas["counter_clerk"]
    vip, other = office.application(), office.application()
    add_to_watchlist(vip.applicant, reason="著名人のため", acting_staff=officer)
    _lookup(clerk, other.applicant)  # one ordinary person outside a task: a case (line 3)
    service.run_detection(timezone.now())
    assert "watchlist" not in Case.objects.get().detector_list

    _lookup(clerk, vip.applicant)  # a listed one is not
    service.run_detection(timezone.now())
    case = Case.objects.get()
    assert case.staff_id == clerk.staff_id and "watchlist" in case.detector_list
