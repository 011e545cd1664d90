"""The privacy officer's screens: queue, case, timeline, exposure chart, canaries, fairness."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from ryoken.web.watch import service
from ryoken.web.watch.models import Case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worked_office(office, personas, make_staff):
    """Two clerks at work, one of whom looked up a canary; detection has run."""
    clerk = personas["counter_clerk"]
    peer = make_staff(
        "counter_clerk",
        username="clerk2",
        employer="株式会社ミライ窓口サービス",
        employer_kind="contractor",
    )
    office.serve(clerk, "W01", office.application(family=1), reveals=3)
    office.serve(peer, "W02", office.application(family=1), reveals=1)
    canary = office.canary(window="W02", staff_id=peer.staff_id)
    office.break_glass(clerk, canary)
    service.run_detection(timezone.now())
    return clerk, peer, canary


def test_it_shows_the_ranked_queue_with_staff_ids_only(worked_office, officer, login_as, client):
    clerk, _, _ = worked_office
    login_as(officer)
    html = client.get("/watch/").content.decode()
    case = Case.objects.get()
    assert f'data-testid="case-{case.pk}"' in html
    assert clerk.staff_id in html and "カナリア" in html and "未着手" in html
    assert "試験" not in html  # the synthetic persons' names never reach the screen
    assert clerk.display_name not in html


def test_it_shows_a_case_with_its_ledger_evidence(worked_office, officer, login_as, client):
    _, _, canary = worked_office
    login_as(officer)
    case = Case.objects.get()
    html = client.get(f"/watch/case/{case.pk}/").content.decode()
    assert "breakglass.open" in html and "disclosure" in html
    assert canary.applicant in html  # pseudonymous id, as the ledger holds it
    assert "試験" not in html and "050-0000" not in html
    assert 'data-testid="triage"' in html
    for seq in case.seqs:
        assert f'data-testid="seq-{seq}"' in html


def test_it_hides_the_triage_form_from_the_auditor(worked_office, personas, login_as, client):
    login_as(personas["auditor"])
    case = Case.objects.get()
    html = client.get(f"/watch/case/{case.pk}/").content.decode()
    assert "breakglass.open" in html and 'data-testid="triage"' not in html


def test_it_says_a_missing_case_is_missing(officer, login_as, client):
    login_as(officer)
    assert client.get("/watch/case/424242/").status_code == 404


def test_it_shows_a_staff_members_day_by_day(worked_office, officer, login_as, client):
    clerk, _, _ = worked_office
    login_as(officer)
    html = client.get(f"/watch/staff/{clerk.staff_id}/").content.decode()
    assert "整理券の呼出し" in html and "緊急閲覧の開始" in html  # in words
    assert "ticket.call" not in html and "breakglass.open" not in html  # not as codes
    assert "<svg" in html  # the day chart
    assert client.get("/watch/staff/nobody-here/").status_code == 404


def test_it_draws_exposure_per_applicant_against_peers(worked_office, officer, login_as, client):
    clerk, _, _ = worked_office
    login_as(officer)
    html = client.get(f"/watch/staff/{clerk.staff_id}/exposure/").content.decode()
    chart = re.search(r'<div class="card" data-testid="exposure-chart">(.*?)</div>', html, re.S)
    assert chart is not None
    svg = chart.group(1)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "同じ役割の同僚の中央値" in svg and clerk.staff_id in svg
    # 3 reveals for 2 persons served against the peer's 1 for 2: 1.50 against 0.50.
    assert "表示（理由付き）" in html
    row = re.search(r"<tr><td>表示（理由付き）</td><td>([\d.]+)</td><td>([\d.]+)</td></tr>", html)
    assert row is not None and (row.group(1), row.group(2)) == ("1.500", "0.500")


def test_it_draws_the_chart_in_english(worked_office, officer, login_as, client):
    clerk, _, _ = worked_office
    login_as(officer)
    html = client.get(
        f"/watch/staff/{clerk.staff_id}/exposure/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Median of colleagues in the same role" in html


def test_it_lists_canaries_with_the_touches_that_made_a_case(
    worked_office, officer, login_as, client
):
    clerk, peer, canary = worked_office
    login_as(officer)
    html = client.get("/watch/canaries/").content.decode()
    case = Case.objects.get()
    block = html.split(f'data-testid="canary-{canary.applicant}"')[1]
    assert "W02" in block and peer.staff_id in block
    assert f'href="/watch/case/{case.pk}/"' in block and clerk.staff_id in block


def test_it_records_where_a_canary_is_planted(office, officer, login_as, client):
    canary = office.application(canary=True)
    login_as(officer)
    response = client.post(
        "/watch/canaries/place/", {"subject": canary.reception_number, "window": "W03"}
    )
    assert response.status_code == 302
    html = client.get("/watch/canaries/").content.decode()
    assert "窓口 W03" in html.split(f'data-testid="canary-{canary.applicant}"')[1]

    ordinary = office.application()
    refused = client.post(
        "/watch/canaries/place/", {"subject": ordinary.applicant, "window": "W01"}
    )
    assert refused.status_code == 400
    assert "カナリア（おとり）として登録されていません" in refused.content.decode()


def test_it_shows_alert_rates_by_staff_group(worked_office, officer, login_as, client):
    login_as(officer)
    html = client.get("/watch/fairness/").content.decode()
    assert "国籍" in html  # the statement that nationality is never used
    assert "雇用形態" in html and "委託業者" in html and "勤続年数" in html
    assert "株式会社ミライ窓口サービス" in html
    assert "役割×雇用形態" in html and "窓口受付担当 / 委託業者の職員" in html
    assert html.count("<svg") == 5


def test_it_runs_detection_on_request(office, personas, officer, login_as, client):
    # a reviewer's break-glass raises no case by itself (a counter clerk's would, at once)
    office.break_glass(personas["reviewer"], office.canary())
    assert not Case.objects.exists()
    login_as(officer)
    response = client.post("/watch/run/")
    assert response.status_code == 302
    assert Case.objects.filter(staff_id=personas["reviewer"].staff_id).exists()
    html = client.get("/watch/").content.decode()
    assert "新しい事案 1件" in html


def test_it_shows_the_queue_in_english(worked_office, officer, login_as, client):
    login_as(officer)
    html = client.get("/watch/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Cases (privacy office)" in html and "canary person touched" in html
    page = html.replace('<button name="language" value="ja">日本語</button>', "")
    assert re.findall(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff]+", page) == []


def test_it_shows_the_timeline_of_an_account_that_is_not_staff(
    ledger_db, officer, login_as, client
):
    from ryoken.audit.events import Event, EventCode
    from ryoken.web.ledger import store

    store.record(
        Event(
            code=EventCode.EXTERNAL_COPIER,
            at=timezone.now(),
            actor="mfp-user-7",
            details={"copier": "MFP-2F", "pages": 40, "unmatched": True},
        )
    )
    login_as(officer)
    html = client.get("/watch/staff/mfp-user-7/").content.decode()
    assert "複合機の記録" in html and "職員として登録されていないアカウントです。" in html


def test_it_ranks_unsettled_cases_by_score_whatever_their_status(
    worked_office, office, personas, officer, login_as, client
):
    clerk, peer, _ = worked_office
    family = office.application(family=2)
    supervisor = personas["supervisor"]
    office.break_glass(peer, family, judged_by=supervisor, justified=False, cosigner=supervisor)
    service.run_detection(timezone.now())
    canary_case = Case.objects.get(staff_id=clerk.staff_id)
    login_as(officer)
    client.post(f"/watch/case/{canary_case.pk}/triage/", {"to": "investigating"})

    html = client.get("/watch/").content.decode()

    ranks = re.findall(r'data-testid="case-(\d+)">\s*<td>(\d+)</td>', html)
    assert len(ranks) == 2
    assert ranks[0] == (str(canary_case.pk), "1")


def test_it_prints_no_peer_median_when_no_peer_was_compared(
    worked_office, officer, login_as, client, monkeypatch
):
    from ryoken.web.watch import screens

    clerk, _, _ = worked_office
    real = screens.exposure_of

    def alone(staff):
        found = real(staff)
        found.peer_count = 0
        return found

    monkeypatch.setattr(screens, "exposure_of", alone)
    login_as(officer)
    html = client.get(f"/watch/staff/{clerk.staff_id}/exposure/").content.decode()
    assert 'data-testid="no-peers"' in html
    assert not re.search(r"<tr><td>表示（理由付き）</td><td>[\d.]+</td><td>[\d.]+</td></tr>", html)
