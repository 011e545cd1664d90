import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ryoken.domain.applications import Application, ApplicationKind, Channel
from ryoken.domain.documents import (
    IDENTITY_EXAMPLES,
    IdentityDocument,
    IdentityList,
    Item,
    Visit,
    checklist,
    checklist_for,
    identity_documents_sufficient,
    koseki_is_current,
    loss_report_evidence_sufficient,
    photo_meets_spec,
    visits_required,
)
from ryoken.domain.people import Person, new_subject_id
from ryoken.errors import RuleViolation

ON = date(2025, 4, 1)
A1 = IdentityDocument("マイナンバーカード", IdentityList.A)
A2 = IdentityDocument("運転免許証", IdentityList.A)
B1 = IdentityDocument("健康保険証", IdentityList.B)
B2 = IdentityDocument("年金手帳", IdentityList.B)


def items(kind, channel, visit=None, on=ON):
    return [
        c.item
        for c in checklist(kind, channel, application_date=on)
        if visit is None or c.visit is visit
    ]


# --- checklists ------------------------------------------------------------------------------


def test_it_asks_a_new_paper_applicant_for_koseki_photo_and_identity():
    at_counter = items(ApplicationKind.NEW, Channel.PAPER, Visit.APPLICATION)
    assert {Item.APPLICATION_FORM, Item.KOSEKI, Item.PHOTO, Item.IDENTITY} <= set(at_counter)
    assert visits_required(ApplicationKind.NEW, Channel.PAPER) == 2


def test_it_needs_no_koseki_for_a_renewal_without_changes():
    assert Item.KOSEKI not in items(ApplicationKind.RENEWAL, Channel.PAPER)
    assert Item.KOSEKI in items(ApplicationKind.RECORD_CHANGE, Channel.PAPER)
    assert Item.KOSEKI in items(ApplicationKind.RECORD_CHANGE_SAME_EXPIRY, Channel.PAPER)


def test_it_needs_no_koseki_and_one_visit_online():
    for kind in (ApplicationKind.NEW, ApplicationKind.RECORD_CHANGE, ApplicationKind.RENEWAL):
        assert Item.KOSEKI not in items(kind, Channel.ONLINE)
        assert items(kind, Channel.ONLINE, Visit.APPLICATION) == []
        assert visits_required(kind, Channel.ONLINE) == 1


def test_it_never_asks_for_a_juminhyo():
    for kind in ApplicationKind:
        for channel in Channel:
            if kind is ApplicationKind.LOSS_REPORT and channel is Channel.ONLINE:
                continue
            for c in checklist(kind, channel, application_date=ON):
                assert "住民票" not in c.label_ja


def test_it_returns_the_old_passport_at_pickup_since_2023_03_27():
    renewal = checklist(ApplicationKind.RENEWAL, Channel.PAPER, application_date=date(2023, 3, 27))
    at_pickup = [c for c in renewal if c.item is Item.CURRENT_PASSPORT and c.visit is Visit.PICKUP]
    assert len(at_pickup) == 1
    assert "返却" in at_pickup[0].note_ja


def test_it_returned_the_old_passport_at_application_before_2023_03_27():
    renewal = checklist(ApplicationKind.RENEWAL, Channel.PAPER, application_date=date(2023, 3, 26))
    passports = [c for c in renewal if c.item is Item.CURRENT_PASSPORT]
    assert [c.visit for c in passports] == [Visit.APPLICATION]
    assert "returned at application" in passports[0].note_en


def test_it_asks_a_loss_report_for_police_number_or_risai_and_a_photo():
    report = items(ApplicationKind.LOSS_REPORT, Channel.PAPER)
    assert Item.LOSS_EVIDENCE in report and Item.PHOTO in report
    assert visits_required(ApplicationKind.LOSS_REPORT, Channel.PAPER) == 1
    with pytest.raises(RuleViolation):
        checklist(ApplicationKind.LOSS_REPORT, Channel.ONLINE, application_date=ON)


def test_it_requires_every_applicant_in_person_at_pickup_even_a_newborn():
    baby = Person(new_subject_id(random.Random(3).randbytes), "山田陽", birth_date=date(2025, 3, 1))
    app = Application(ApplicationKind.NEW, Channel.PAPER, baby, ON)
    pickup = [c for c in checklist_for(app) if c.visit is Visit.PICKUP]
    assert Item.APPLICANT_IN_PERSON in [c.item for c in pickup]
    assert Item.LEGAL_REPRESENTATIVE_SIGNATURE in [c.item for c in checklist_for(app)]


def test_it_labels_every_item_in_japanese_and_english():
    for c in checklist(ApplicationKind.NEW, Channel.PAPER, application_date=ON):
        assert c.label_ja and c.label_en


# --- identity --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("docs", "ok"),
    [([A1], True), ([A1, A2], True), ([A1, B1], True), ([B1, B2], False), ([B1], False)],
)
def test_it_accepts_a_or_a_plus_a_or_a_plus_b_but_not_b_plus_b(docs, ok):
    assert identity_documents_sufficient(docs).ok is ok


def test_it_explains_why_identity_is_not_enough():
    ok, reason = identity_documents_sufficient([B1, B2])
    assert not ok and "B+B" in reason
    assert "A欄" in identity_documents_sufficient([B1]).reason_ja
    ok, reason = identity_documents_sufficient([])
    assert not ok and "no identity document" in reason


@given(st.lists(st.sampled_from(IDENTITY_EXAMPLES), max_size=4))
def test_it_accepts_identity_exactly_when_a_list_a_document_is_shown(docs):
    has_a = any(d.list is IdentityList.A for d in docs)
    assert identity_documents_sufficient(docs).ok is has_a


# --- freshness, photo, loss evidence -------------------------------------------------------------


def test_it_accepts_a_koseki_issued_within_six_months():
    issued = date(2025, 1, 10)
    assert koseki_is_current(issued, date(2025, 7, 10)).ok
    stale = koseki_is_current(issued, date(2025, 7, 11))
    assert not stale.ok and "6 months" in stale.reason


def test_it_checks_the_photo_size_face_and_age():
    good = {"height_mm": 45, "width_mm": 35, "taken_on": date(2025, 1, 1), "application_date": ON}
    assert photo_meets_spec(face_mm=34, **good).ok
    assert photo_meets_spec(face_mm=32, **good).ok
    assert photo_meets_spec(face_mm=36, **good).ok
    assert not photo_meets_spec(face_mm=36.5, **good).ok
    assert not photo_meets_spec(face_mm=31.9, **good).ok
    wrong_size = photo_meets_spec(**{**good, "width_mm": 30}, face_mm=34)
    assert not wrong_size.ok and "45×35" in wrong_size.reason
    old = photo_meets_spec(**{**good, "taken_on": date(2024, 9, 30)}, face_mm=34)
    assert not old.ok and "6 months" in old.reason


def test_it_needs_police_number_or_risai_certificate_and_a_photo_for_a_loss_report():
    assert loss_report_evidence_sufficient(
        police_report_number="R7-12345", disaster_certificate=False, photo=True
    ).ok
    assert loss_report_evidence_sufficient(
        police_report_number=None, disaster_certificate=True, photo=True
    ).ok
    missing = loss_report_evidence_sufficient(
        police_report_number=" ", disaster_certificate=False, photo=False
    )
    assert not missing.ok
    assert "police report number" in missing.reason and "photo" in missing.reason
