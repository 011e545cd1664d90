"""Printing only through ryoken: the browser's own print of a screen with personal data
prints none of it (Chromium prints the page to PDF; the PDF's text is read back)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PERSON = {
    "name_kanji": "印刷 試験子",
    "name_kana": "インサツ シケンコ",
    "phone": "03-3981-4321",
    "mobile": "090-8765-4321",
    "email": "shikenko@example.jp",
    "birth_date": "1988-02-03",
    "address": "東京都豊島区東池袋一丁目1番1号",
}


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    return "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def _application(reviewer):
    from django.utils import timezone

    from ryoken.web.applications.models import Application, ApplicationPerson
    from ryoken.web.casework import breakglass
    from ryoken.web.vault import writes

    subject = writes.create_subject(actor="test", values=PERSON, purpose="test")
    day = timezone.localdate()
    app = Application.objects.create(
        reception_number=f"13IKB-{day:%Y%m%d}-000123",
        kind="new",
        channel="paper",
        state="in_review",
        applicant=subject,
        application_date=day,
        created_at=timezone.now(),
        accepted_at=timezone.make_aware(datetime.combine(day, time(10, 0))),
        accepted_by="counter9",
        requested_validity=10,
        validity_years=10,
        romaji_confirmed=True,
    )
    ApplicationPerson.objects.create(application=app, subject=subject, role="applicant")
    return breakglass.open_breakglass(
        staff=reviewer,
        reason="申請者へ書類不備の件で至急連絡する必要があるため連絡先を確認します",
        target=breakglass.Target(reception_number=app.reception_number),
        purpose="urgent_contact",
        now=timezone.now() - timedelta(seconds=1),
    )


def test_browser_printing_shows_no_personal_data(page, make_staff, keys_dir):
    reviewer = make_staff("reviewer", username="reviewer7")
    grant = _application(reviewer)
    log_in(page, reviewer)
    page.goto(f"/casework/breakglass/{grant.grant_id}/")
    expect(page.get_by_test_id("row-phone")).to_contain_text(PERSON["phone"])  # on screen

    page.emulate_media(media="print")
    expect(page.get_by_test_id("print-notice")).to_be_visible()
    printed = _pdf_text(page.pdf(format="A4"))
    assert "この画面は印刷できません" in printed
    for value in (PERSON["name_kanji"], PERSON["phone"], PERSON["email"], reviewer.staff_id):
        assert value not in printed, value
