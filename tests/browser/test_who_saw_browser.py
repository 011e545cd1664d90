"""Who saw my data in a real Chromium, in Japanese and in English (docs/who-saw.md).

The privacy officer names one of counter1's applicants by reception number, then by name
and birth date (in the era form a person writes on a form), reads the rows, prints the
answer (read back from the PDF), and is told "not found" — not "no records" — for a
reception number nobody holds.
"""

from __future__ import annotations

import pypdfium2
import pytest
from playwright.sync_api import Page, expect

from ryoken.web.applications.models import Application

from .conftest import log_in, shot
from .office_at_work import Office, seed

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "ryoken-demo-2026"


@pytest.fixture
def office(ledger_db) -> Office:
    return seed()


@pytest.fixture
def officer_page(chromium, live_server, office: Office):
    context = chromium.new_context(locale="ja-JP", base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, office["privacy1"], DEMO_PASSWORD)
    yield page
    context.close()


def look_up(page: Page, **values: str) -> None:
    page.goto("/incident/who-saw/")
    for name, value in values.items():
        page.fill(f"#id_{name}", value)
    with page.expect_navigation():
        page.get_by_test_id("who-saw-form").get_by_role("button").click()


def era(iso: str) -> str:
    year, month, day = (int(p) for p in iso.split("-"))
    if (year, month, day) >= (2019, 5, 1):
        return f"令和{year - 2018}年{month}月{day}日"
    if (year, month, day) >= (1989, 1, 8):
        return f"平成{year - 1988}年{month}月{day}日"
    return f"昭和{year - 1925}年{month}月{day}日"


def test_the_officer_answers_who_saw_a_persons_data(officer_page: Page, office: Office):
    page = officer_page
    app = next(
        a
        for a in Application.objects.filter(applicant__in=office.served["counter1"]).order_by("pk")
        if office.plain[a.applicant].get("birth_date")
    )
    subject = app.applicant

    look_up(page, reception_number=app.reception_number)
    accesses = page.get_by_test_id("accesses")
    row = accesses.locator("tr").filter(has_text="窓口受付担当").first
    expect(row).to_contain_text("申請受付")  # the purpose in words
    expect(row).to_contain_text("ご来庁時")
    expect(row).to_contain_text("池袋分室")  # the office in words, not TKY-IKB
    expect(accesses).not_to_contain_text("counter1")  # roles, never names
    expect(accesses).not_to_contain_text("TKY-IKB")
    shot(page, "who-saw-01-ja")

    with page.expect_download() as info:
        page.get_by_test_id("answer-pdf").click()
    pdf = pypdfium2.PdfDocument(info.value.path().read_bytes())
    text = "".join(p.get_textpage().get_text_range() for p in pdf)
    assert "あなたの個人情報の閲覧記録" in text and "窓口受付担当" in text

    plain = office.plain[subject]
    look_up(page, name_kanji=plain["name_kanji"], birth_date=era(plain["birth_date"]))
    expect(page.get_by_test_id("accesses")).to_contain_text("窓口受付担当")

    look_up(page, reception_number="13IKB-NOBODY-000000")
    expect(page.get_by_test_id("not-found")).to_contain_text("該当する方が見つかりません")
    expect(page.locator("body")).not_to_contain_text("記録はありません")

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    look_up(page, reception_number=app.reception_number)
    row = page.get_by_test_id("accesses").locator("tr").filter(has_text="Counter").first
    expect(row).to_contain_text("During your visit")
    expect(row).to_contain_text("Ikebukuro")
    shot(page, "who-saw-02-en")
    look_up(page, reception_number="13IKB-NOBODY-000000")
    expect(page.get_by_test_id("not-found")).to_contain_text("Nobody matches")
