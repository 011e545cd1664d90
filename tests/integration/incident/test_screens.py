"""The privacy office's incident screens: who may see them, and what they show."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from ryoken.web.incident.views import purpose_label

pytestmark = pytest.mark.django_db(transaction=True)


def _urls(incident_id: int, hold_id: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("incident:list")),
        ("post", reverse("incident:create")),
        ("get", reverse("incident:detail", args=[incident_id])),
        ("post", reverse("incident:hold", args=[incident_id])),
        ("get", reverse("incident:bundle", args=[hold_id])),
        ("get", reverse("incident:export", args=[incident_id, "csv"])),
        ("get", reverse("incident:report", args=[incident_id])),
        ("get", reverse("incident:report_json", args=[incident_id])),
        ("get", reverse("incident:notices", args=[incident_id])),
        ("get", reverse("incident:attribute")),
        ("get", reverse("incident:who_saw")),
        ("get", reverse("incident:who_saw_pdf")),
        ("get", reverse("incident:who_saw_proofs")),
    ]


def test_it_denies_a_stranger_every_screen(office, client, stranger, login_as):
    incident = office.incident()
    login_as(stranger)
    for method, url in _urls(incident.pk, 1):
        assert getattr(client, method)(url).status_code == 403, url


def test_it_denies_a_clerk_every_screen_and_an_auditor_every_action(
    office, client, personas, login_as
):
    incident = office.incident()
    login_as(office.colleague)
    for method, url in _urls(incident.pk, 1):
        assert getattr(client, method)(url).status_code == 403, url
    login_as(personas["auditor"])
    readable = {reverse("incident:list"), reverse("incident:detail", args=[incident.pk])}
    for method, url in _urls(incident.pk, 1):
        expected = 200 if url in readable else 403
        assert getattr(client, method)(url).status_code == expected, url


def test_it_opens_an_incident_and_shows_its_scope(office, client, login_as):
    from django.utils import timezone

    login_as(office.officer)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("incident:create"),
        {"title": "警察からの連絡", "staff": office.clerk.staff_id, "start": today,
         "end": today, "learned_on": today, "unlawful_purpose": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    shown = len(office.shown[office.clerk.staff_id])
    assert f"対象者 {shown} 名" in page
    assert "個人情報保護委員会への報告と本人への通知が必要です。" in page


def test_it_refuses_a_malformed_incident_with_a_message_and_writes_nothing(
    office, client, login_as
):
    from ryoken.web.incident.models import Incident

    login_as(office.officer)
    response = client.post(
        reverse("incident:create"),
        {"title": "x", "staff": "nobody", "start": "2025-01-02", "end": "2025-01-01",
         "learned_on": "2025-01-03"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "登録されていません" in response.content.decode()
    assert not Incident.objects.exists()


def test_it_needs_a_fresh_step_up_to_hold(office, client, login_as):
    incident = office.incident()
    login_as(office.officer)
    session = client.session
    session["ryoken_step_up_at"] = 0
    session.save()
    response = client.post(reverse("incident:hold", args=[incident.pk]))
    assert response.status_code == 302 and reverse("reauth") in response["Location"]
    office.clerk.refresh_from_db()
    assert not office.clerk.frozen


def test_it_holds_and_serves_the_bundle_and_the_documents(office, client, login_as):
    incident = office.incident()
    login_as(office.officer)
    asked = client.post(reverse("incident:hold", args=[incident.pk])).content.decode()
    assert "証拠保全の確認" in asked and office.clerk.staff_id in asked
    office.clerk.refresh_from_db()
    assert not office.clerk.frozen  # asked, not done
    page = client.post(
        reverse("incident:hold", args=[incident.pk]), {"confirmed": "1"}, follow=True
    )
    assert "証拠保全を実施しました" in page.content.decode()
    office.clerk.refresh_from_db()
    assert office.clerk.frozen
    hold = incident.holds.get()
    bundle = client.get(reverse("incident:bundle", args=[hold.pk]))
    assert bundle.content[:2] == b"PK"
    csv = client.get(reverse("incident:export", args=[incident.pk, "csv"]))
    text = csv.content.decode("utf-8-sig")
    assert all(s in text for s in office.shown[office.clerk.staff_id])
    pdf = client.get(reverse("incident:notices", args=[incident.pk])).content
    assert len(PdfReader(io.BytesIO(pdf)).pages) == len(office.shown[office.clerk.staff_id])


def test_it_names_the_clerk_first_from_an_uploaded_leak(office, client, login_as):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    mine = sorted(office.shown[office.clerk.staff_id])[:5]
    rows = ["氏名,生年月日"] + [
        f"{office.values[s]['name_kanji']},{office.values[s]['birth_date']}" for s in mine
    ]
    rows += ["他所 太郎,1971-03-04", "外部 花子,1985-07-08"]
    login_as(office.officer)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("incident:attribute"),
        {"leaked": SimpleUploadedFile("leak.csv", "\n".join(rows).encode()),
         "start": today, "end": today},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["suspects"][0].agent == office.clerk.staff_id
    assert 'data-testid="windows"' in response.content.decode()  # windows ranked too


def test_it_shows_a_person_the_role_that_saw_their_data(office, client, login_as):
    login_as(office.officer)
    from ryoken.web.applications.models import Application

    shown = office.shown[office.clerk.staff_id]
    app = Application.objects.filter(applicant__in=shown).order_by("pk").first()
    query = {"reception_number": app.reception_number}
    page = client.get(reverse("incident:who_saw"), query).content.decode()
    assert "窓口受付担当" in page
    assert office.clerk.staff_id not in page
    assert "申請受付" in page  # the purpose in words, not the ledger's code
    assert "<td>intake" not in page


def test_it_puts_a_purpose_code_into_words_and_keeps_an_unknown_one() -> None:
    translation.activate("ja")
    assert purpose_label("intake:reveal") == "申請受付（理由を付けた表示）"
    assert purpose_label("incident response") == "漏えい等への対応"
    assert purpose_label("print:koseki") == "印刷（戸籍謄本）"
    assert purpose_label("print:unknown-doc") == "印刷（unknown-doc）"
    assert purpose_label("vendor-x") == "vendor-x"
    translation.activate("en")
    assert purpose_label("pickup:identify") == "Pickup (identity check)"
    translation.activate("ja")
