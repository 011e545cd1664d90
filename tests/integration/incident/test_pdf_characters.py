"""Every PDF shows every character the screens accept: JIS X 0213 kanji and kanji beyond
the Basic Multilingual Plane (𠮷 U+20BB7, 𩸽 U+29E3D), and 髙, 﨑 — read back with pdfium."""

from __future__ import annotations

import pypdfium2
import pytest
from django.urls import reverse

from ryoken.web.applications.models import Application, ApplicationPerson

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ("髙﨑 𠮷男", "𩸽田 花子")


def pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in pdf)


@pytest.fixture
def rare(office):
    """A family with rare kanji in their names, served by the suspect clerk."""
    from django.utils import timezone

    from ryoken.web.vault import writes

    subjects = [
        writes.create_subject(
            actor="system",
            values={
                "name_kanji": name,
                "birth_date": f"198{n}-02-03",
                "postcode": "170-0013",
                "address": "東京都豊島区東池袋1丁目1番1号",
            },
            purpose="test",
        )
        for n, name in enumerate(NAMES)
    ]
    app = Application.objects.create(
        reception_number="13IKB-T-777777",
        kind="new",
        channel="paper",
        state="in_review",
        applicant=subjects[0],
        application_date=timezone.localdate(),
        created_at=timezone.now(),
    )
    ApplicationPerson.objects.create(application=app, subject=subjects[0], role="applicant")
    ApplicationPerson.objects.create(
        application=app, subject=subjects[1], role="family_member", relation="子"
    )
    office.serve(office.clerk, app)
    return app


def test_the_notices_report_and_who_saw_answer_keep_rare_kanji(
    office, rare, client, login_as, pdf_ink
):
    from ryoken.web.incident import notification, reports

    incident = office.incident()
    reports.update_facts(
        incident, {"summary": "髙﨑 𠮷男 様ほか 𩸽田 様の件"}, officer=office.officer
    )
    _, notices = notification.notices_of(incident, officer=office.officer)
    text = pdf_text(notices)
    for name in NAMES:
        assert name in text, name
        assert all(n > 0 for c, n in pdf_ink(notices, name).items() if c != " "), name
    report = reports.report_of(incident, officer=office.officer).pdf
    assert "髙﨑 𠮷男 様ほか 𩸽田 様の件" in pdf_text(report)
    assert all(n > 0 for c, n in pdf_ink(report, "髙﨑 𠮷男").items() if c != " ")

    login_as(office.officer)
    answer = client.get(
        reverse("incident:who_saw_pdf"), {"name_kanji": NAMES[0], "birth_date": "1980-02-03"}
    )
    assert answer["Content-Type"] == "application/pdf"
    assert NAMES[0] in pdf_text(answer.content)
    assert all(n > 0 for c, n in pdf_ink(answer.content, NAMES[0]).items() if c != " ")
