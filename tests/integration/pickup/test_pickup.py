"""Pickup (交付): the screen, identity by match / no match, issuance and its refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.fees import fee_for
from ryoken.errors import AccessDenied
from ryoken.web.applications.models import Application
from ryoken.web.vault import gateway

from .helpers import HOLDER, PNG, call_pickup, ledger_events, make_application, make_person

pytestmark = pytest.mark.django_db(transaction=True)

# The stored values a pickup clerk must never read, in the forms a page might print them.
NEVER_SHOWN = ("1985-04-02", "1985年", "昭和60", "19850402", "TK1234567", "1234567", "TR7654321")


def _assert_no_stored_values(html: str) -> None:
    for value in NEVER_SHOWN:
        assert value not in html, value


def _match(client, url, **overrides):
    data = {"birth_date": HOLDER["birth_date"], "passport_number": HOLDER["passport_number"]}
    data.update(overrides)
    return client.post(url + "match/", data, follow=True)


def test_it_shows_the_name_and_photo_but_not_the_match_only_values(
    login_as, issuer, app_url, at_pickup
):
    response = login_as(issuer).get(app_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "山田 太郎" in html
    assert "照合のみ" in html
    assert 'data-testid="watermark"' in html and issuer.staff_id in html
    assert "山田 花子" not in html  # a family member on the ticket is not on this screen
    _assert_no_stored_values(html)
    _, grant = at_pickup
    shown = ledger_events("disclosure", grant=grant.grant_id)
    assert [e.fields for e in shown] == [("name_kanji",)]


def test_it_answers_no_match_then_match_and_records_both(login_as, issuer, app_url, at_pickup):
    client = login_as(issuer)
    wrong = _match(client, app_url, birth_date="1985-04-03")
    assert "不一致" in wrong.content.decode()
    right = _match(client, app_url)
    html = right.content.decode()
    assert "照合結果　生年月日：一致、交付する旅券の旅券番号：一致" in html
    _assert_no_stored_values(wrong.content.decode())
    _assert_no_stored_values(html)
    _, grant = at_pickup
    answers = [
        (e.fields[0], e.details["result"]) for e in ledger_events("match", grant=grant.grant_id)
    ]
    assert answers == [
        ("birth_date", "no_match"),
        ("passport_number", "match"),
        ("birth_date", "match"),
        ("passport_number", "match"),
    ]


def test_it_accepts_the_birth_date_in_a_japanese_era(login_as, issuer, app_url):
    response = _match(login_as(issuer), app_url, birth_date="昭和60年4月2日")
    assert "生年月日：一致" in response.content.decode()


def test_it_rejects_a_malformed_birth_date_without_asking_the_vault(
    login_as, issuer, app_url, at_pickup
):
    response = _match(login_as(issuer), app_url, birth_date="きのう")
    assert "日付の形式が正しくありません" in response.content.decode()
    _, grant = at_pickup
    assert ledger_events("match", grant=grant.grant_id) == []


def test_it_refuses_issuance_without_a_match(login_as, issuer, app_url, ready_app):
    response = login_as(issuer).post(app_url + "issue/", {"fee_paid": "on"}, follow=True)
    assert "本人確認ができていません" in response.content.decode()
    assert Application.objects.get(pk=ready_app.pk).state == "ready"


def test_it_refuses_issuance_after_a_no_match(login_as, issuer, app_url, ready_app):
    client = login_as(issuer)
    _match(client, app_url, passport_number="TK7777777")
    response = client.post(app_url + "issue/", {"fee_paid": "on"}, follow=True)
    assert "本人確認ができていません" in response.content.decode()
    assert Application.objects.get(pk=ready_app.pk).state == "ready"


def test_it_refuses_issuance_of_a_lapsed_passport(ledger_db, personas, login_as):
    issuer = personas["issuance_clerk"]
    today = timezone.localdate()
    app = make_application(make_person(), issue_date=today - timedelta(days=200))
    _, grant = call_pickup(app, issuer)
    client = login_as(issuer)
    url = f"/pickup/serve/{grant.grant_id}/{app.pk}/"
    assert "失効しています" in client.get(url).content.decode()
    _match(client, url)
    response = client.post(url + "issue/", {"fee_paid": "on"}, follow=True)
    assert "受取期限" in response.content.decode()
    assert Application.objects.get(pk=app.pk).state == "ready"


def test_it_refuses_issuance_before_the_fee_is_paid(login_as, issuer, app_url, ready_app):
    client = login_as(issuer)
    _match(client, app_url)
    response = client.post(app_url + "issue/", {}, follow=True)
    assert "手数料の受領を確認してください" in response.content.decode()
    assert Application.objects.get(pk=ready_app.pk).state == "ready"


def test_it_issues_after_a_match_and_payment(login_as, issuer, app_url, ready_app, at_pickup):
    client = login_as(issuer)
    matched_page = _match(client, app_url).content.decode()
    quote = fee_for(
        kind=ApplicationKind(ready_app.kind),
        channel=Channel(ready_app.channel),
        birth_date=date.fromisoformat(HOLDER["birth_date"]),
        application_date=ready_app.application_date,
        requested_years=ready_app.requested_validity,
    )
    assert f"{quote.total:,}円" in matched_page
    response = client.post(app_url + "issue/", {"fee_paid": "on"}, follow=True)
    assert "旅券を交付しました" in response.content.decode()
    issued = Application.objects.get(pk=ready_app.pk)
    assert issued.state == "issued"
    assert issued.issued_by == issuer.staff_id and issued.issued_at is not None
    assert (issued.fee_national, issued.fee_prefectural) == (quote.national, quote.prefectural)
    assert issued.fee_paid and not issued.old_passport_returned
    _, grant = at_pickup
    (transition,) = ledger_events("workflow.transition", grant=grant.grant_id)
    assert (transition.details["from"], transition.details["to"]) == ("ready", "issued")


def test_it_records_the_old_passport_only_after_it_matched(login_as, issuer, app_url, ready_app):
    client = login_as(issuer)
    _match(client, app_url)
    refused = client.post(
        app_url + "issue/", {"fee_paid": "on", "old_passport_returned": "on"}, follow=True
    )
    assert "旧旅券の番号を照合し" in refused.content.decode()
    number, issued_on = HOLDER["previous_passport"].split()
    _match(client, app_url, old_passport_number=number, old_passport_issued=issued_on)
    client.post(app_url + "issue/", {"fee_paid": "on", "old_passport_returned": "on"})
    issued = Application.objects.get(pk=ready_app.pk)
    assert issued.state == "issued" and issued.old_passport_returned


def test_it_streams_the_photo_as_a_ledgered_disclosure(login_as, issuer, ready_app, at_pickup):
    _, grant = at_pickup
    response = login_as(issuer).get(f"/pickup/photo/{grant.grant_id}/{ready_app.applicant}/")
    assert response.status_code == 200
    assert response.content == PNG and response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "no-store"
    (event,) = ledger_events("disclosure", grant=grant.grant_id)
    assert event.fields == ("face_photo",) and event.subjects == (ready_app.applicant,)


def test_it_ends_disclosure_when_the_ticket_closes(login_as, issuer, app_url, ready_app, at_pickup):
    client = login_as(issuer)
    _, grant = at_pickup
    assert client.get(app_url).status_code == 200
    client.post(f"/pickup/close/{grant.grant_id}/")
    assert client.get(app_url).status_code == 404
    assert client.get(f"/pickup/photo/{grant.grant_id}/{ready_app.applicant}/").status_code == 404
    assert _match(client, app_url).status_code == 404
    with pytest.raises(AccessDenied):
        gateway.disclose(
            actor=issuer.staff_id,
            subject_id=ready_app.applicant,
            fields=["name_kanji"],
            purpose="pickup",
            grant=grant.grant_id,
        )


def test_it_hides_a_colleagues_pickup(make_staff, login_as, app_url, ready_app, at_pickup):
    colleague = make_staff("issuance_clerk", username="colleague")
    client = login_as(colleague)
    _, grant = at_pickup
    assert client.get(app_url).status_code == 404
    assert client.get(f"/pickup/serve/{grant.grant_id}/").status_code == 404
    assert client.get(f"/pickup/photo/{grant.grant_id}/{ready_app.applicant}/").status_code == 404
    assert client.post(app_url + "issue/", {"fee_paid": "on"}).status_code == 404


def test_it_lists_a_familys_applications_on_one_ticket(ledger_db, personas, login_as):
    from ryoken.web.accounts.models import Window
    from ryoken.web.counter.queue import service as queue

    issuer = personas["issuance_clerk"]
    first = make_application(make_person())
    second = make_application(
        make_person({"name_kanji": "山田 次郎", "name_kana": "ヤマダ ジロウ"})
    )
    ticket = queue.issue_ticket("pickup", reception_number=first.reception_number)
    ticket.applications.add(second)
    _, grant = queue.call_next(issuer, Window.objects.get(code="P02"))
    html = login_as(issuer).get(f"/pickup/serve/{grant.grant_id}/").content.decode()
    assert first.reception_number in html and second.reception_number in html
    assert "山田" not in html  # choosing the application comes before any name


def test_it_stops_matching_once_the_passport_is_issued(
    login_as, issuer, app_url, ready_app, at_pickup
):
    client = login_as(issuer)
    _match(client, app_url)
    client.post(app_url + "issue/", {"fee_paid": "on"})
    response = _match(client, app_url)
    assert "照合できません" in response.content.decode()
    _, grant = at_pickup
    assert len(ledger_events("match", grant=grant.grant_id)) == 2
