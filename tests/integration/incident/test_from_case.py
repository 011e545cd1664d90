"""Opening an incident from the privacy office's confirmed case, placing the hold after a
step-up, and the incident page's wording."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def confirmed_case(office):
    """The clerk looks up a canary by break-glass; detection makes a case; the privacy
    officer confirms it."""
    from django.utils import timezone

    from ryoken.web.applications.models import Application, ApplicationPerson
    from ryoken.web.casework import breakglass
    from ryoken.web.vault import gateway, writes
    from ryoken.web.watch import service, triage
    from ryoken.web.watch.models import CanaryPlacement, Case

    canary = writes.create_subject(
        actor="system", values={"name_kanji": "囮 一郎"}, purpose="canary", canary=True
    )
    app = Application.objects.create(
        reception_number="13IKB-CANARY-T1",
        kind="new",
        channel="paper",
        state="withdrawn",
        applicant=canary,
        application_date=timezone.localdate(),
        created_at=timezone.now(),
        canary=True,
    )
    ApplicationPerson.objects.create(application=app, subject=canary, role="applicant")
    CanaryPlacement.objects.create(
        subject_id=canary, window="W02", planted_at=timezone.now(), planted_by="privacyoffi"
    )
    grant = breakglass.open_breakglass(
        staff=office.clerk,
        reason="電話での問い合わせに回答するため申請内容を確認します",
        target=breakglass.Target(reception_number=app.reception_number),
        purpose="status_inquiry",
    )
    gateway.disclose(
        actor=office.clerk.staff_id,
        subject_id=canary,
        fields=("name_kanji",),
        purpose="break_glass",
        grant=grant.grant_id,
    )
    breakglass.close_breakglass(grant)
    service.run_detection(timezone.now())
    case = Case.objects.get(staff_id=office.clerk.staff_id)
    triage.transition_case(case.pk, "investigating", acting_staff=office.officer)
    return triage.transition_case(case.pk, "confirmed", acting_staff=office.officer)


def _create(client, case_id: int, staff_id: str):
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    return client.post(
        reverse("incident:create"),
        {"title": "窓口からの持ち出し", "staff": staff_id, "start": today, "end": today,
         "learned_on": today, "unlawful_purpose": "on", "case": case_id},
    )  # fmt: skip


def test_it_starts_the_incident_form_from_a_confirmed_case(
    office, confirmed_case, client, login_as
):
    from ryoken.web.incident.models import Incident

    login_as(office.officer)
    case_page = client.get(reverse("watch:case", args=[confirmed_case.pk])).content.decode()
    link = f'href="/incident/?case={confirmed_case.pk}"'
    assert link in case_page

    page = client.get(reverse("incident:list"), {"case": confirmed_case.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert f"個人情報保護の事案 {confirmed_case.pk} から登録します" in html
    assert page.context["form"].initial["staff"] == office.clerk.staff_id
    assert page.context["form"].initial["case"] == confirmed_case.pk

    response = _create(client, confirmed_case.pk, office.clerk.staff_id)
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.case_id == confirmed_case.pk
    # The case's link now leads to that incident, which links back.
    again = client.get(reverse("incident:list"), {"case": confirmed_case.pk})
    assert again.status_code == 302
    assert again["Location"] == reverse("incident:detail", args=[incident.pk])
    detail = client.get(again["Location"]).content.decode()
    assert f'href="/watch/case/{confirmed_case.pk}/"' in detail


def test_it_refuses_a_second_incident_for_a_case_and_an_unconfirmed_case(
    office, confirmed_case, client, login_as
):
    from ryoken.web.incident.models import Incident
    from ryoken.web.watch.models import Case

    login_as(office.officer)
    assert _create(client, confirmed_case.pk, office.clerk.staff_id).status_code == 302
    second = _create(client, confirmed_case.pk, office.clerk.staff_id)
    assert second.status_code == 400
    assert "既に漏えい等事案 #" in second.content.decode()
    assert Incident.objects.count() == 1

    Case.objects.filter(pk=confirmed_case.pk).update(status="investigating")
    Incident.objects.all().delete()
    refused = _create(client, confirmed_case.pk, office.clerk.staff_id)
    assert refused.status_code == 400
    assert "事故と確定していません" in refused.content.decode()
    assert not Incident.objects.exists()
    page = client.get(reverse("incident:list"), {"case": confirmed_case.pk}).content.decode()
    assert "事故と確定していません" in page and "から登録します" not in page
    page = client.get(reverse("incident:list"), {"case": "abc"}).content.decode()
    assert "事案番号が正しくありません。" in page


def test_it_asks_for_the_hold_again_after_the_step_up(office, client, login_as):
    """Back from the step-up page the browser GETs the hold's URL: no 405, no hold placed
    by a URL, but the confirmation that asks for the button."""
    incident = office.incident()
    login_as(office.officer)
    session = client.session
    session["ryoken_step_up_at"] = 0
    session.save()
    url = reverse("incident:hold", args=[incident.pk])
    assert reverse("reauth") in client.post(url)["Location"]
    session = client.session
    session["ryoken_step_up_at"] = 10**12  # the step-up done
    session.save()
    back = client.get(url)
    assert back.status_code == 200
    html = back.content.decode()
    assert "証拠保全の確認" in html and 'data-testid="confirm-yes"' in html
    office.clerk.refresh_from_db()
    assert not office.clerk.frozen and not incident.holds.exists()

    placed = client.post(url, {"confirmed": "1"}, follow=True).content.decode()
    assert placed.count("証拠保全を実施しました") == 1  # once, not twice
    office.clerk.refresh_from_db()
    assert office.clerk.frozen


def test_it_labels_the_scope_in_japanese_and_in_english(office, client, login_as):
    incident = office.incident()
    login_as(office.officer)
    url = reverse("incident:detail", args=[incident.pk])
    html = client.get(url).content.decode()
    for label in ("基本情報（氏名・生年月日・旅券番号等）", "氏名（漢字）", "申請者", "画面表示"):
        assert f"<td>{label}</td>" in html, label
    assert "<td>name_kanji</td>" not in html and "<td>screen</td>" not in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>Applicant</td>" in english and "<td>Screen display</td>" in english
    assert "<td>applicant</td>" not in english and "<td>screen</td>" not in english


def test_it_names_the_fields_a_person_was_shown_in_their_language(office, client, login_as):
    login_as(office.officer)
    from ryoken.web.applications.models import Application

    shown = office.shown[office.clerk.staff_id]
    app = Application.objects.filter(applicant__in=shown).order_by("pk").first()
    query = {"reception_number": app.reception_number}
    url = reverse("incident:who_saw")
    html = client.get(url, query).content.decode()
    assert "<td>氏名（漢字）、生年月日、住所</td>" in html
    english = client.get(url, query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>Name (kanji), Date of birth, Address</td>" in english
