import pytest

from ryoken.domain.fields import FIELDS, FieldClass
from ryoken.privacy.masking import MASKERS
from ryoken.privacy.policy import POLICY, Exposure, Step, exposure, fields_with, policy_for

S, M, X, H = Exposure.SHOWN, Exposure.MASKED, Exposure.MATCH_ONLY, Exposure.HIDDEN
CATALOGUE = {f.name for f in FIELDS}


@pytest.mark.parametrize("step", list(Step))
def test_it_decides_every_catalogue_field_at_every_step(step):
    assert set(policy_for(step)) == CATALOGUE


@pytest.mark.parametrize("step", list(Step))
def test_it_hides_every_field_the_table_does_not_list(step):
    listed = set(POLICY.get(step, {}))
    for name in CATALOGUE - listed:
        assert exposure(step, name) is H, name


def test_it_hides_a_field_outside_the_catalogue():
    for step in Step:
        assert exposure(step, "blood_type") is H


def test_it_refuses_an_unknown_step():
    with pytest.raises(ValueError):
        policy_for("coffee_break")


def test_it_accepts_a_step_by_its_name():
    assert exposure("pickup", "face_photo") is S


def test_it_shows_criminal_answers_to_senior_review_only():
    assert [s for s in Step if exposure(s, "criminal_answers") is not H] == [Step.SENIOR_REVIEW]
    assert exposure(Step.SENIOR_REVIEW, "criminal_answers") is S


def test_it_shows_the_koseki_image_to_intake_and_review_only():
    assert {s for s in Step if exposure(s, "koseki_image") is not H} == {Step.INTAKE, Step.REVIEW}


def test_it_sends_production_what_is_printed_and_nothing_to_reach_the_person():
    shown = set(fields_with(Step.PRODUCTION, S, M, X))

    assert {"name_romaji", "sex", "birth_date", "face_photo", "signature_image"} <= shown
    assert not shown & {"name_kanji", "name_kana", "address", "phone", "mobile", "email"}
    assert exposure(Step.PRODUCTION, "honseki") is M  # the prefecture alone is printed


def test_it_confirms_identity_at_pickup_by_match_and_photo():
    assert exposure(Step.PICKUP, "passport_number") is X
    assert exposure(Step.PICKUP, "birth_date") is X
    assert exposure(Step.PICKUP, "face_photo") is S
    assert exposure(Step.PICKUP, "address") is M
    assert exposure(Step.PICKUP, "phone") is H


def test_it_never_opens_sensitive_data_or_documents_by_break_glass():
    for f in FIELDS:
        if f.field_class in (FieldClass.SENSITIVE, FieldClass.DOCUMENT_IMAGE):
            assert exposure(Step.BREAK_GLASS, f.name) is H, f.name


def test_it_shows_qa_review_no_value_in_full():
    assert fields_with(Step.QA_REVIEW, S, X) == ()


def test_it_only_masks_fields_that_have_a_masked_form():
    # Otherwise a MASKED field would show a bare ＊＊＊, useless to the clerk.
    for step in Step:
        for name in fields_with(step, M):
            assert name in MASKERS, (step, name)


def test_it_only_matches_fields_that_can_be_typed_in():
    typed = {"birth_date", "passport_number", "previous_passport", "name_kanji", "name_kana"}
    for step in Step:
        assert set(fields_with(step, X)) <= typed, step


def test_it_keeps_the_counter_clerk_from_what_only_examiners_judge():
    assert exposure(Step.INTAKE, "criminal_answers") is H
    assert exposure(Step.INTAKE, "other_nationality") is H
    assert exposure(Step.INTAKE, "phone") is M
    assert exposure(Step.INTAKE, "passport_number") is X


def test_an_inquiry_sees_the_reading_and_birth_date_masked_and_nothing_else():
    from ryoken.privacy.policy import RECORD_FIELDS

    assert set(fields_with(Step.INQUIRY, Exposure.MASKED)) == {"name_kana", "birth_date"}
    assert fields_with(Step.INQUIRY, Exposure.SHOWN, Exposure.MATCH_ONLY) == ()
    assert {step: set(names) for step, names in RECORD_FIELDS.items()} == {
        Step.INQUIRY: {"application_status"}
    }
