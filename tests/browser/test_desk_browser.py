"""The inquiry desk and a supervisor's assist, in the browser (Japanese screens)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)

PERSON = {
    "name_kanji": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "birth_date": "1979-08-21",
    "passport_number": "TK7654321",
    "address": "東京都豊島区西池袋2-3-4",
    "phone": "03-2222-3333",
}


def _ready_application():
    """A renewal ready for pickup, its applicant in the vault."""
    from ryoken.web.applications.models import Application, ApplicationPerson
    from ryoken.web.vault import writes

    subject = writes.create_subject(actor="system", values=PERSON, purpose="test seed")
    today = timezone.localdate()
    app = Application.objects.create(
        reception_number=f"13IKB-{today - timedelta(days=20):%Y%m%d}-000777",
        kind="renewal",
        channel="paper",
        state="ready",
        applicant=subject,
        application_date=today - timedelta(days=20),
        created_at=timezone.now(),
        requested_validity=10,
        validity_years=10,
        issue_date=today - timedelta(days=5),
    )
    ApplicationPerson.objects.create(application=app, subject=subject, role="applicant")
    return app


def test_the_inquiry_desk_answers_status_only(page, make_staff, keys_dir):
    from ryoken.web.ledger.models import Entry

    app = _ready_application()
    clerk = make_staff("counter_clerk", username="desk1")
    log_in(page, clerk)
    page.goto("/")
    page.get_by_role("link", name="電話照会・状況確認").click()
    expect(page.locator("h1")).to_contain_text("電話照会・状況確認")

    # an unknown number: one plain message, nothing opened
    page.select_option("#id_kind", "phone")
    page.fill("#id_reason", "本人から受取日の問い合わせ")
    page.fill("#id_reception", "13IKB-20200101-999999")
    with page.expect_navigation():
        page.get_by_test_id("inquiry-open").click()
    expect(page.get_by_test_id("inquiry-error")).to_contain_text("該当する申請が見つかりません")

    page.select_option("#id_kind", "phone")
    page.fill("#id_reason", "本人から受取日の問い合わせ")
    page.fill("#id_reception", app.reception_number)
    with page.expect_navigation():
        page.get_by_test_id("inquiry-open").click()
    expect(page).to_have_url(re.compile(r"/desk/inquiry/gr_[^/]+/$"))
    expect(page.get_by_test_id("inquiry-kind")).to_have_text("電話照会")
    expect(page.get_by_test_id("state")).to_have_text("交付待ち")
    expect(page.get_by_test_id("ready")).to_contain_text("受け取れます")
    expect(page.get_by_test_id("name-masked")).to_have_text("サトウ ＊＊＊")
    main = page.locator("main")
    for value in (PERSON["name_kanji"], "ハナコ", PERSON["phone"], PERSON["address"], "1979"):
        expect(main).not_to_contain_text(value)
    expect(page.get_by_test_id("watermark")).to_contain_text("desk1")
    shot(page, "inquiry-desk-status")
    assert Entry.objects.filter(code="disclosure", actor="desk1").count() == 2

    with page.expect_navigation():
        page.get_by_test_id("inquiry-close").click()
    expect(page.get_by_test_id("inquiry-open")).to_be_visible()


def test_a_supervisor_assists_at_a_clerks_window(page, make_staff, keys_dir):
    from ryoken.web.accounts.models import Window
    from ryoken.web.accounts.services import ensure_windows
    from ryoken.web.counter.queue import service as queue
    from ryoken.web.ledger.models import Entry

    ensure_windows()
    app = _ready_application()
    issuer = make_staff("issuance_clerk", username="issue7")
    queue.issue_ticket("pickup", reception_number=app.reception_number)
    ticket, grant = queue.call_next(issuer, Window.objects.get(code="P01"))
    supervisor = make_staff("supervisor", username="super7")

    log_in(page, supervisor)
    page.goto("/")
    page.get_by_role("link", name="窓口の応援").click()
    tasks = page.get_by_test_id("tasks")
    expect(tasks).to_contain_text(ticket.number)
    expect(tasks).not_to_contain_text(PERSON["name_kanji"])
    page.get_by_test_id(f"reason-{ticket.number}").fill("本人確認で判断に迷うため")
    with page.expect_navigation():
        page.get_by_test_id(f"join-{ticket.number}").click()
    expect(page).to_have_url(re.compile(rf"/desk/assist/{grant.grant_id}/$"))
    expect(page.get_by_test_id("person")).to_contain_text(PERSON["name_kanji"])
    expect(page.get_by_test_id("person")).not_to_contain_text(PERSON["passport_number"])
    expect(page.get_by_test_id("watermark")).to_contain_text("super7")
    shot(page, "assist-screen")
    assert Entry.objects.filter(code="grant.assist", actor="super7").count() == 1

    with page.expect_navigation():
        page.get_by_test_id("assist-leave").click()
    expect(page.get_by_test_id("tasks")).to_contain_text(ticket.number)
    assert Entry.objects.filter(code="grant.assist_end", actor="super7").count() == 1
    response = page.goto(f"/desk/assist/{grant.grant_id}/")
    assert response is not None and response.status == 404
