"""The staff directory and a staff member's timeline in words (filters, paging, CSV)."""

from __future__ import annotations

import csv
import io

import pytest

from ryoken.audit.events import EventCode
from ryoken.web.ledger.models import Entry
from ryoken.web.watch import story

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worked(office, personas, make_staff):
    clerk = personas["counter_clerk"]
    peer = make_staff(
        "counter_clerk",
        username="clerk2",
        employer="株式会社ミライ窓口サービス",
        employer_kind="contractor",
    )
    served = office.application(family=2)
    office.serve(clerk, "W01", served, reveals=2)
    other = office.application(family=0)
    office.serve(peer, "W02", other, reveals=0)
    office.break_glass(clerk, other)
    return clerk, peer, served, other


def test_it_lists_staff_with_role_employer_window_and_last_activity(
    worked, officer, login_as, client
):
    clerk, peer, _, _ = worked
    login_as(officer)
    html = client.get("/watch/staff/").content.decode()
    assert f'data-testid="staff-{clerk.staff_id}"' in html
    table = html.split('data-testid="staff"')[1]
    assert "<td>窓口受付担当</td>" in table and "<td>counter_clerk</td>" not in table
    assert "株式会社ミライ窓口サービス" in html and "委託業者" in html
    html = client.get("/watch/staff/", {"q": "clerk2"}).content.decode()
    assert f'data-testid="staff-{peer.staff_id}"' in html
    assert f'data-testid="staff-{clerk.staff_id}"' not in html
    html = client.get("/watch/staff/", {"role": "auditor"}).content.decode()
    assert f'data-testid="staff-{clerk.staff_id}"' not in html


def test_it_tells_a_task_in_words_grouped_with_the_persons_served(
    worked, officer, login_as, client
):
    clerk, _, _, _ = worked
    login_as(officer)
    html = client.get(f"/watch/staff/{clerk.staff_id}/").content.decode()
    # One row per task: the ticket at W01 with the three persons of the family.
    assert "（窓口 W01）" in html and "3名" in html
    assert "画面表示 – 申請受付：氏名（漢字）" in html
    assert "画面表示 – 申請受付：氏名（漢字） ×3" in html  # three persons' names, one phrase
    assert "画面表示 – 申請受付：電話番号、理由「本人確認のため」 ×2" in html
    # Break-glass is a task of its own; no raw code or pseudonymous id is shown alone.
    assert "緊急アクセス" in html
    for code in ("disclosure", "ticket.call", "intake:reveal", "name_kanji", "ds_"):
        assert code not in html, code


def test_it_filters_by_kind_scope_and_person(worked, officer, login_as, client):
    clerk, _, _, other = worked
    login_as(officer)
    url = f"/watch/staff/{clerk.staff_id}/"
    only_logins = client.get(url, {"kind": "login"}).content.decode()
    assert "画面表示" not in only_logins
    outside = client.get(url, {"scope": "outside"}).content.decode()
    assert "（窓口 W01）" not in outside
    within = client.get(url, {"scope": "within"}).content.decode()
    assert "（窓口 W01）" in within and "業務の外" not in within.split("<table")[1]
    person = client.get(url, {"reception_number": other.reception_number}).content.decode()
    assert "緊急アクセス" in person and "（窓口 W01）" not in person
    unknown = client.get(url, {"reception_number": "NO-SUCH-1"}).content.decode()
    assert 'data-testid="unknown-person"' in unknown
    bad = client.get(url, {"start": "2026-12-31", "end": "2026-01-01"})
    assert bad.status_code == 400


def test_it_pages_the_groups(worked, officer, login_as, client, monkeypatch):
    clerk, _, _, _ = worked
    login_as(officer)
    monkeypatch.setattr(story, "PAGE_SIZE", 1)
    html = client.get(f"/watch/staff/{clerk.staff_id}/").content.decode()
    assert 'data-testid="pager"' in html and html.count('data-testid="group"') == 1
    second = client.get(f"/watch/staff/{clerk.staff_id}/", {"page": "2"}).content.decode()
    assert second.count('data-testid="group"') == 1


def test_it_exports_the_timeline_as_csv_in_words_and_ledgers_it(worked, officer, login_as, client):
    clerk, _, _, _ = worked
    login_as(officer)
    before = Entry.objects.count()
    response = client.get(f"/watch/staff/{clerk.staff_id}/timeline.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日付", "時刻", "業務"]
    kinds = {r[4] for r in rows[1:]}
    assert "画面表示" in kinds and "disclosure" not in kinds
    assert any(r[10] == "disclosure" for r in rows[1:])  # the code, as secondary detail
    codes = Entry.objects.filter(seq__gte=before).values_list("code", flat=True)
    assert EventCode.EXPORT_EVIDENCE.value in codes


def test_it_answers_in_english(worked, officer, login_as, client):
    clerk, _, _, _ = worked
    login_as(officer)
    html = client.get(f"/watch/staff/{clerk.staff_id}/", HTTP_ACCEPT_LANGUAGE="en").content
    text = html.decode()
    assert "Screen display – Application intake: Name (kanji)" in text
    assert "；" not in text and "「" not in text


def test_it_puts_a_tickets_call_and_close_into_the_task_they_opened(worked):
    from django.utils.translation import override

    from ryoken import clock

    clerk, _, _, _ = worked
    today = clock.today()
    with override("ja"):
        found = story.story(clerk.staff_id, story.Filters(start=today, end=today))
        counter = [g for g in found.groups if "W01" in g.title]
        assert len(counter) == 1 and counter[0].within_task
        assert counter[0].text.startswith("整理券の呼出し；画面表示")
        assert "整理券の終了" in counter[0].text
        assert "業務の開始" not in counter[0].text  # the task's own edges are its title
        assert all("整理券" not in g.text for g in found.groups if not g.within_task)
