"""Break-glass: a long reason and a fresh step-up, a few minutes of access, then a
supervisor's verdict."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ryoken.web.casework.models import BreakGlassReview
from ryoken.web.counter.models import Grant
from ryoken.web.ledger.models import Entry

from .conftest import APPLICANT, FAMILY, ledger_codes

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "緊急連絡先から本人の所在確認の依頼があり、警察の要請に基づき連絡先を確認するため"


def _open(client, **target):
    return client.post("/casework/breakglass/", {"reason": REASON, **target})


def test_it_refuses_a_short_reason_before_looking_anyone_up(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["counter_clerk"])
    response = client.post(
        "/casework/breakglass/", {"reason": "急ぎ確認", "reception_number": app.reception_number}
    )
    assert response.status_code == 400
    assert "理由を20文字以上で具体的に入力してください" in response.content.decode()
    assert not Grant.objects.filter(kind="break_glass").exists()
    assert ledger_codes(code="search") == []


def test_it_needs_a_fresh_step_up(client, personas, login_as, make_application):
    app = make_application()
    login_as(personas["counter_clerk"])
    session = client.session
    session["ryoken_step_up_at"] = 0
    session.save()
    response = _open(client, reception_number=app.reception_number)
    assert response.status_code == 302 and "/reauth/" in response["Location"]
    assert not Grant.objects.filter(kind="break_glass").exists()


def test_it_opens_a_time_limited_grant_and_shows_the_persons(
    client, personas, login_as, make_application, monkeypatch
):
    monkeypatch.setenv("RYOKEN_BREAKGLASS_MINUTES", "7")
    app = make_application()
    clerk = personas["counter_clerk"]
    login_as(clerk)
    response = _open(client, reception_number=app.reception_number)
    assert response.status_code == 302
    grant = Grant.objects.get(kind="break_glass")
    assert grant.staff == clerk and grant.step == "break_glass" and grant.reason == REASON
    assert timedelta(minutes=6) < grant.expires_at - grant.opened_at <= timedelta(minutes=7)
    entry = Entry.objects.get(code="breakglass.open")
    assert entry.grant == grant.grant_id and REASON in bytes(entry.data).decode()

    page = client.get(response["Location"]).content.decode()
    assert APPLICANT["name_kanji"] in page and FAMILY["name_kanji"] in page
    assert APPLICANT["phone"] in page  # break-glass shows contact data ...
    assert "row-criminal_answers" not in page and "row-koseki_image" not in page  # ... not these
    assert 'data-testid="watermark"' in page

    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(response["Location"]).status_code == 404  # time is up


def test_it_finds_a_person_by_name_and_birth_date_and_records_the_search(
    client, personas, login_as, make_application
):
    app = make_application()
    make_application(applicant={"birth_date": "1991-01-01"})  # same name, another person
    login_as(personas["reviewer"])
    response = _open(client, name_kanji=APPLICANT["name_kanji"], birth_date="平成2年4月1日")
    assert response.status_code == 302
    grant = Grant.objects.get(kind="break_glass")
    assert list(grant.subjects.values_list("subject", flat=True)) == [app.applicant]
    search = Entry.objects.get(code="search")
    assert search.subjects == app.applicant


def test_it_says_when_nobody_matches(client, personas, login_as, make_application):
    make_application()
    login_as(personas["reviewer"])
    response = _open(client, passport_number="ZZ0000001")
    assert response.status_code == 400
    assert "該当する方が見つかりません" in response.content.decode()
    assert ledger_codes(code="search") == ["search"]


def test_it_queues_every_use_for_a_supervisor_who_marks_it(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["issuance_clerk"])
    used = _open(client, reception_number=app.reception_number)
    client.get(used["Location"])
    grant = Grant.objects.get(kind="break_glass")

    login_as(personas["supervisor"])
    queue = client.get("/casework/breakglass/reviews/").content.decode()
    assert grant.grant_id in queue and APPLICANT["name_kanji"] not in queue
    detail = client.get(f"/casework/breakglass/reviews/{grant.grant_id}/").content.decode()
    assert REASON in detail and "disclosure" in detail and APPLICANT["phone"] not in detail

    url = f"/casework/breakglass/reviews/{grant.grant_id}/"
    refused = client.post(url, {"verdict": "not_justified", "note": ""})
    assert refused.status_code == 400 and "理由を入力してください" in refused.content.decode()
    done = client.post(url, {"verdict": "not_justified", "note": "業務上の必要性が確認できない。"})
    assert done.status_code == 302
    verdict = BreakGlassReview.objects.get(grant=grant)
    assert not verdict.justified and verdict.reviewed_by == personas["supervisor"]
    entry = Entry.objects.get(code="breakglass.review")
    assert entry.grant == grant.grant_id and '"justified":false' in bytes(entry.data).decode()
    assert grant.grant_id not in client.get("/casework/breakglass/reviews/").content.decode()


def test_it_keeps_a_supervisor_from_reviewing_their_own_break_glass(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["supervisor"])
    _open(client, reception_number=app.reception_number)
    grant = Grant.objects.get(kind="break_glass")
    assert grant.grant_id not in client.get("/casework/breakglass/reviews/").content.decode()
    response = client.post(
        f"/casework/breakglass/reviews/{grant.grant_id}/", {"verdict": "justified"}
    )
    assert response.status_code == 404
    assert not BreakGlassReview.objects.exists()


def test_it_shows_a_grant_only_to_the_one_who_opened_it(
    client, personas, login_as, make_application
):
    app = make_application()
    login_as(personas["counter_clerk"])
    used = _open(client, reception_number=app.reception_number)
    login_as(personas["issuance_clerk"])
    assert client.get(used["Location"]).status_code == 404


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/casework/breakglass/", {"counter_clerk", "issuance_clerk", "reviewer", "supervisor"}),
        ("/casework/breakglass/reviews/", {"supervisor"}),
    ],
)
def test_it_denies_strangers_and_other_roles(
    client, personas, stranger, login_as, keys_dir, url, allowed
):
    login_as(stranger)
    assert client.get(url).status_code == 403
    for role, staff in personas.items():
        login_as(staff)
        assert (client.get(url).status_code == 403) is (role not in allowed), role
