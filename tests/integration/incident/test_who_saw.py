"""Who saw my data, as the privacy officer answers it at the desk (docs/who-saw.md)."""

from __future__ import annotations

import json
from datetime import timedelta

import pypdfium2
import pytest
from django.urls import reverse

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.audit.merkle import verify_inclusion
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.incident.views_whosaw import WITHHELD_SENTENCE
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import writes

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/incident/who-saw/"


def pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in pdf)


def served_app(office) -> Application:
    """An application of the clerk's with a family member on it."""
    subjects = office.shown[office.clerk.staff_id]
    return next(
        a
        for a in Application.objects.filter(applicant__in=subjects).order_by("pk")
        if a.persons.count() > 1
    )


def test_it_finds_the_person_by_reception_number_and_tells_the_visit_in_words(
    office, client, login_as
):
    login_as(office.officer)
    app = served_app(office)
    page = client.get(URL, {"reception_number": app.reception_number}).content.decode()
    assert 'data-testid="accesses"' in page
    assert "窓口受付担当" in page
    assert "申請受付" in page
    assert "東京都旅券課 池袋分室" in page  # the office in words, not TKY-IKB
    assert "ご来庁時" in page
    assert office.clerk.staff_id not in page  # roles, never names
    assert "<td>intake" not in page and "TKY-IKB" not in page
    # One row per visit: the clerk's three fields at the counter are one row, not three.
    assert page.count("<td>窓口受付担当</td>") == 1


def test_it_finds_by_name_and_birth_date_also_in_the_era_form(office, client, login_as):
    login_as(office.officer)
    app = served_app(office)
    values = office.values[app.applicant]
    year, month, day = (int(p) for p in values["birth_date"].split("-"))
    era = f"昭和{year - 1925}" if year < 1989 else f"平成{year - 1988}"
    for born in (values["birth_date"], f"{era}年{month}月{day}日"):
        page = client.get(
            URL, {"name_kanji": values["name_kanji"], "birth_date": born}
        ).content.decode()
        assert "窓口受付担当" in page, born


def test_it_says_the_person_was_not_found_not_that_there_are_no_records(office, client, login_as):
    login_as(office.officer)
    for query in (
        {"reception_number": "13IKB-T-999999"},
        {"name_kanji": "存在 しない", "birth_date": "1980-01-01"},
        {"passport_number": "TZ9999999"},
    ):
        page = client.get(URL, query).content.decode()
        assert 'data-testid="not-found"' in page, query
        assert "見つかりません" in page
        assert "記録はありません" not in page


def test_it_says_no_records_only_for_a_person_it_knows(office, client, login_as):
    login_as(office.officer)
    writes.create_subject(
        actor="system",
        values={
            "name_kanji": "髙橋 𠮷男",
            "birth_date": "1980-02-03",
            "passport_number": "TK1234567",
        },
        purpose="test",
    )
    page = client.get(URL, {"passport_number": "tk1234567"}).content.decode()
    assert 'data-testid="no-accesses"' in page
    assert "見つかりません" not in page


def test_it_asks_for_a_way_to_name_the_person(office, client, login_as):
    login_as(office.officer)
    response = client.get(URL, {"name_kanji": "試験 1郎"})  # a name without a birth date
    assert response.status_code == 400
    assert "いずれかを入力してください" in response.content.decode()


def test_it_ledgers_the_search(office, client, login_as):
    login_as(office.officer)
    app = served_app(office)
    values = office.values[app.applicant]
    before = Entry.objects.count()
    client.get(URL, {"name_kanji": values["name_kanji"], "birth_date": values["birth_date"]})
    codes = list(Entry.objects.filter(seq__gte=before).values_list("code", flat=True))
    assert EventCode.SEARCH.value in codes


def test_it_withholds_a_relatives_application_from_the_family_member(office, client, login_as):
    login_as(office.officer)
    app = served_app(office)
    member = ApplicationPerson.objects.filter(application=app, role="family_member").first()
    assert member is not None
    values = office.values[member.subject]
    query = {"name_kanji": values["name_kanji"], "birth_date": values["birth_date"]}
    page = client.get(URL, query).content.decode()
    # The clerk read the child's data while serving the parent: the child is not told
    # (that would tell them the parent applied), and the officer sees that it is withheld.
    assert "窓口受付担当" not in page
    assert 'data-testid="withheld"' in page
    text = pdf_text(client.get(reverse("incident:who_saw_pdf"), query).content)
    assert "窓口受付担当" not in text
    # The fixed sentence is printed on every answer, withheld or not.
    assert WITHHELD_SENTENCE[:20] in text.replace("\r\n", "").replace("\n", "")


def test_it_withholds_a_police_inquiry_until_the_date_the_law_allows(office, client, login_as):
    login_as(office.officer)
    app = served_app(office)
    values = office.values[app.applicant]
    query = {"name_kanji": values["name_kanji"], "birth_date": values["birth_date"]}
    now = clock.now()
    for after in ((clock.today() + timedelta(days=30)), (clock.today() - timedelta(days=1))):
        ledger.record(
            Event(
                code=EventCode.DISCLOSURE,
                at=now,
                actor=office.officer.staff_id,
                subjects=(app.applicant,),
                fields=("address",),
                purpose="police_inquiry",
                details={"disclose_after": after.isoformat()},
            )
        )
    page = client.get(URL, query).content.decode()
    # The one whose date has passed is told; the other stays out.
    assert page.count("捜査機関からの照会") == 1


def test_it_prints_an_answer_with_proofs_to_a_signed_checkpoint(office, client, login_as):
    login_as(office.officer)
    app = served_app(office)
    query = {"reception_number": app.reception_number}
    response = client.get(reverse("incident:who_saw_pdf"), query)
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "窓口受付担当" in text and "申請受付" in text
    assert app.reception_number in text
    assert office.clerk.staff_id not in text

    proofs = json.loads(client.get(reverse("incident:who_saw_proofs"), query).content)
    assert proofs["entries"]
    for entry in proofs["entries"]:
        assert "leaf_data_hex" not in entry  # the entry's bytes name the staff member
        assert verify_inclusion(
            bytes.fromhex(entry["leaf_hash_hex"]),
            entry["leaf_index"],
            entry["tree_size"],
            [bytes.fromhex(h) for h in entry["inclusion_path_hex"]],
            bytes.fromhex(entry["checkpoint"]["root_hex"]),
        )


def test_it_answers_in_english_without_japanese_punctuation(office, client, login_as):
    login_as(office.officer)
    client.cookies["django_language"] = "en"
    app = served_app(office)
    page = client.get(URL, {"reception_number": app.reception_number}).content.decode()
    assert "Counter" in page
    text = pdf_text(
        client.get(
            reverse("incident:who_saw_pdf"), {"reception_number": app.reception_number}
        ).content
    )
    assert "　" not in text and "、" not in text
