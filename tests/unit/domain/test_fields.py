from ryoken.domain.fields import FIELDS, FIELDS_BY_ROLE, FieldClass, SubjectRole, class_of, field


def test_it_gives_every_field_a_class_and_both_labels():
    for f in FIELDS:
        assert isinstance(f.field_class, FieldClass)
        assert f.label_ja and f.label_en


def test_it_classes_criminal_answers_as_sensitive():
    assert class_of("criminal_answers") is FieldClass.SENSITIVE
    assert class_of("face_photo") is FieldClass.BIOMETRIC
    assert class_of("koseki_image") is FieldClass.DOCUMENT_IMAGE


def test_it_knows_the_fields_of_every_role():
    for role in SubjectRole:
        for name in FIELDS_BY_ROLE[role]:
            assert field(name).name == name


def test_it_refuses_an_unknown_field():
    import pytest

    with pytest.raises(ValueError, match="unknown"):
        field("nationality_guess")
