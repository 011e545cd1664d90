"""Loss reports (紛失届): find the holder by kana and birth date, file with evidence."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ryoken.domain.applications import LossReportState
from ryoken.errors import IllegalTransition
from ryoken.web.applications.models import Application
from ryoken.web.applications.services import do_transition
from ryoken.web.vault import gateway

from .helpers import HOLDER, JPEG, PNG, call_loss, ledger_events, make_application, make_person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def holder(ledger_db, personas):
    """A passport holder, and a namesake born on another day who must not be found."""
    subject = make_person()
    make_application(subject, state="issued")
    namesake = make_person({**HOLDER, "name_kanji": "山田 太朗", "birth_date": "1990-01-01"})
    make_application(namesake, state="issued")
    return subject


@pytest.fixture
def clerk(personas):
    return personas["counter_clerk"]


@pytest.fixture
def at_loss(holder, clerk):
    return call_loss(clerk)


def _url(grant, tail=""):
    return f"/pickup/loss/{grant.grant_id}/{tail}"


def _search(client, grant, **overrides):
    data = {"name_kana": "やまだ たろう", "birth_date": "昭和60年4月2日"}
    data.update(overrides)
    return client.post(_url(grant, "search/"), data, follow=True)


def _chosen(client, grant):
    _search(client, grant)
    return client.post(_url(grant, "choose/"), {"candidate": 0}, follow=True)


def _file(client, grant, **overrides):
    data = {
        "police_report_number": "池袋署 第1234号",
        "photo": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
    }
    data.update(overrides)
    return client.post(_url(grant, "file/"), data, follow=True)


def test_it_finds_the_holder_by_kana_and_birth_date_showing_only_a_count(
    login_as, clerk, holder, at_loss
):
    _, grant = at_loss
    response = _search(login_as(clerk), grant)
    html = response.content.decode()
    assert 'data-testid="count">1<' in html
    assert "山田" not in html and "ヤマダ" not in html  # no names before the clerk chooses
    assert 'data-testid="watermark"' in html
    (search,) = ledger_events("search", grant=grant.grant_id)
    assert search.details == {
        "kind": "holder_lookup",
        "kinds": "name_kana+birth_date",
        "found": 1,
        "reason": "",
    }
    assert search.fields == ()  # the list shows no personal field of the persons found
    assert search.subjects == (holder,)
    assert not grant.subjects.exists()


def test_it_finds_nobody_for_a_wrong_birth_date(login_as, clerk, at_loss):
    _, grant = at_loss
    html = _search(login_as(clerk), grant, birth_date="1985-04-03").content.decode()
    assert 'data-testid="count">0<' in html and "見つかりませんでした" in html


def test_it_adds_only_the_chosen_person_to_the_grant(login_as, clerk, holder, at_loss):
    _, grant = at_loss
    client = login_as(clerk)
    html = _chosen(client, grant).content.decode()
    assert list(grant.subjects.values_list("subject", flat=True)) == [holder]
    added = [e for e in ledger_events("grant.open", grant=grant.grant_id) if e.details.get("added")]
    assert [(e.subjects, e.details["via"]) for e in added] == [((holder,), "search")]
    assert "山田 太郎" in html and "照合のみ" in html
    assert HOLDER["birth_date"] not in html and HOLDER["passport_number"] not in html
    photo = client.get(f"/pickup/photo/{grant.grant_id}/{holder}/")
    assert photo.status_code == 200 and photo.content == PNG


def test_it_requires_a_police_report_number_or_a_disaster_certificate(login_as, clerk, at_loss):
    _, grant = at_loss
    client = login_as(clerk)
    _chosen(client, grant)
    response = _file(client, grant, police_report_number="")
    assert response.status_code == 400
    assert "警察署の受理番号または罹災証明書が必要です" in response.content.decode()
    assert not Application.objects.filter(kind="loss_report").exists()


def test_it_requires_a_photo_that_is_png_or_jpeg(login_as, clerk, at_loss):
    _, grant = at_loss
    client = login_as(clerk)
    _chosen(client, grant)
    missing = client.post(_url(grant, "file/"), {"police_report_number": "第1号"})
    assert "顔写真が必要です" in missing.content.decode()
    fake = SimpleUploadedFile("photo.png", b"GIF89a" + bytes(40), content_type="image/png")
    wrong = _file(client, grant, photo=fake)
    assert "PNGまたはJPEG形式" in wrong.content.decode()
    assert not Application.objects.filter(kind="loss_report").exists()


def test_it_files_the_report_and_the_passport_lapses(login_as, clerk, holder, at_loss):
    ticket, grant = at_loss
    client = login_as(clerk)
    _chosen(client, grant)
    response = _file(
        client,
        grant,
        disaster_certificate="on",
        photo=SimpleUploadedFile("p.jpg", JPEG, content_type="image/jpeg"),
        lost_passport_number=HOLDER["passport_number"],
    )
    html = response.content.decode()
    report = Application.objects.get(kind="loss_report")
    assert report.state == LossReportState.ACCEPTED
    assert report.applicant == holder and report.lapsed_on == timezone.localdate()
    assert report.accepted_by == clerk.staff_id and report.reception_number
    assert list(ticket.applications.all()) == [report]
    assert "紛失届を受理しました" in html and report.reception_number in html
    assert "旅券番号：記録と一致" in html
    assert 'href="/counter/"' in html  # a new application on the same visit
    (transition,) = ledger_events("workflow.transition", grant=grant.grant_id)
    assert transition.details["to"] == "loss_report_accepted"
    (match,) = ledger_events("match", grant=grant.grant_id)
    assert match.fields == ("passport_number",) and match.details["result"] == "match"
    photo = gateway.disclose(
        actor=clerk.staff_id,
        subject_id=holder,
        fields=["face_photo"],
        purpose="test",
        grant=grant.grant_id,
    )
    assert photo["face_photo"] == JPEG
    with pytest.raises(IllegalTransition):  # a loss report cannot be withdrawn
        do_transition(report, "withdrawn", acting_staff=clerk)


def test_it_files_only_one_report_per_visit(login_as, clerk, at_loss):
    _, grant = at_loss
    client = login_as(clerk)
    _chosen(client, grant)
    _file(client, grant)
    again = _file(client, grant)
    assert "紛失届を受理しました" in again.content.decode()
    assert Application.objects.filter(kind="loss_report").count() == 1


def test_it_refuses_a_choice_that_was_not_offered(login_as, clerk, at_loss):
    _, grant = at_loss
    client = login_as(clerk)
    _search(client, grant)
    assert client.post(_url(grant, "choose/"), {"candidate": 3}).status_code == 404
    assert not grant.subjects.exists()


def test_it_hides_a_colleagues_loss_report(make_staff, login_as, at_loss):
    _, grant = at_loss
    client = login_as(make_staff("counter_clerk", username="colleague"))
    assert client.get(_url(grant)).status_code == 404
    assert _search(client, grant).status_code == 404
    assert ledger_events("search") == []


def test_the_privacy_office_finds_every_exposure_of_a_whole_loss_report_explained(
    login_as, clerk, holder, at_loss
):
    """The holder search runs before the holder is on the grant; detection must still see
    the search as the task itself, not as a read outside any task."""
    from ryoken.detect.config import DetectConfig
    from ryoken.detect.explain import explain, prepare
    from ryoken.web.ledger.frames import read_frame

    _, grant = at_loss
    client = login_as(clerk)
    _chosen(client, grant)
    assert _file(client, grant).status_code == 200
    # No clock-skew allowance: the clerk chooses within seconds here, and the allowance would
    # otherwise cover the search by the choice that follows it.
    config = DetectConfig(clock_skew_seconds=0)
    frame = prepare(read_frame(), config)
    result = explain(frame, config)
    codes = set(result.access["code"].to_list())
    assert {"search", "disclosure"} <= codes
    assert result.by_status() == {"explained": result.total}
    # Schema v2: a search made under the searcher's own open task is a result list that task
    # explains, so the search stays explained even without the loss report's own rule.
    without = explain(frame, config.with_(task_searches=()))
    assert without.by_status() == {"explained": without.total}


def test_it_stops_the_holder_lookup_after_three_misses_ledgers_it_and_alerts(
    login_as, clerk, at_loss
):
    from ryoken.web.watch.models import Case

    _, grant = at_loss
    client = login_as(clerk)
    for day in ("1985-04-03", "1985-04-04", "1985-04-05"):  # guessing the birth date
        assert "見つかりませんでした" in _search(client, grant, birth_date=day).content.decode()
    refused = _search(client, grant)  # even the right one: a supervisor takes over now
    assert "監督者に交代してください" in refused.content.decode()
    assert 'data-testid="count">1<' not in refused.content.decode()
    assert len(ledger_events("search", grant=grant.grant_id)) == 3
    denied = ledger_events("access.denied", grant=grant.grant_id)
    assert [(e.details["what"], e.details["why"]) for e in denied] == [("match", "per_task")]
    case = Case.objects.get(staff_id=clerk.staff_id)
    assert case.detector_list == ["match_misses"] and len(case.seqs) == 3


def test_the_lost_passport_number_counts_toward_the_days_no_matches(
    login_as, clerk, holder, at_loss, monkeypatch
):
    _, grant = at_loss
    client = login_as(clerk)
    _search(client, grant, birth_date="1985-04-03")  # one lookup that found nobody today
    _chosen(client, grant)
    monkeypatch.setenv("RYOKEN_MATCH_NO_MATCH_PER_DAY", "1")
    html = _file(client, grant, lost_passport_number="TZ0000000").content.decode()
    assert "監督者に交代してください" in html
    assert not Application.objects.filter(kind="loss_report").exists()
    assert ledger_events("match") == []  # the vault was not asked
    denied = ledger_events("access.denied", grant=grant.grant_id)
    assert [(e.subjects, e.details["why"]) for e in denied] == [((holder,), "per_day")]
