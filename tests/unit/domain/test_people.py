import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ryoken.domain.fields import SubjectRole
from ryoken.domain.people import (
    SUBJECT_ID_RE,
    NamedPerson,
    Person,
    derived_subject_id,
    new_subject_id,
    parse_subject_id,
    persons_of,
    subject_ids_of,
)
from ryoken.errors import InvalidInput

KEY = bytes(range(32))


class Named:
    """A minimal application: persons_of needs only the people it names."""

    def __init__(self, applicant, others=()):
        self.applicant = applicant
        self.others = tuple(others)


def person(name, seed):
    return Person(new_subject_id(random.Random(seed).randbytes), name)


def test_it_makes_ids_with_the_ds_prefix_and_26_characters():
    sid = new_subject_id(random.Random(1).randbytes)
    assert sid.startswith("ds_")
    assert len(sid) == 29
    assert parse_subject_id(sid) == sid


@given(st.binary(min_size=16, max_size=16))
def test_it_encodes_any_random_bytes_as_a_valid_id(raw):
    sid = new_subject_id(lambda n: raw)
    assert SUBJECT_ID_RE.fullmatch(sid)


def test_it_gives_distinct_ids_for_distinct_random_bytes():
    rng = random.Random(7)
    ids = {new_subject_id(rng.randbytes) for _ in range(5_000)}
    assert len(ids) == 5_000


def test_it_derives_the_same_id_for_the_same_key_and_row_only():
    a = derived_subject_id(KEY, "import-2024/row-17")
    assert a == derived_subject_id(KEY, "import-2024/row-17")
    assert a != derived_subject_id(KEY, "import-2024/row-18")
    assert a != derived_subject_id(bytes(32), "import-2024/row-17")


def test_it_reveals_nothing_of_the_natural_key_in_a_derived_id():
    natural = "YAMADA1990"
    sid = derived_subject_id(KEY, natural)
    assert "YAMADA" not in sid and "1990" not in sid
    assert SUBJECT_ID_RE.fullmatch(sid)


def test_it_refuses_a_short_derivation_key():
    with pytest.raises(ValueError, match="32 bytes"):
        derived_subject_id(b"short", "x")


@pytest.mark.parametrize("text", ["", "ds_", "ds_" + "I" * 26, "xx_" + "0" * 26, "ds_" + "8" * 26])
def test_it_refuses_malformed_ids(text):
    with pytest.raises(InvalidInput):
        parse_subject_id(text)


def test_it_lists_everyone_an_application_names():
    applicant = Person(person("山田太郎", 1).subject_id, "山田太郎", birth_date=date(2010, 5, 1))
    father = person("山田一郎", 2)
    sister = person("山田花子", 3)
    mother = person("山田洋子", 4)
    uncle = person("佐藤次郎", 5)
    app = Named(
        applicant,
        [
            NamedPerson(father, SubjectRole.FAMILY_MEMBER, "父"),
            NamedPerson(mother, SubjectRole.FAMILY_MEMBER, "母"),
            NamedPerson(sister, SubjectRole.FAMILY_MEMBER, "妹"),
            NamedPerson(mother, SubjectRole.LEGAL_REPRESENTATIVE, "母"),
            NamedPerson(uncle, SubjectRole.EMERGENCY_CONTACT, "叔父"),
        ],
    )
    subjects = persons_of(app)
    assert [s.person.name_kanji for s in subjects] == [
        "山田太郎",
        "山田一郎",
        "山田洋子",
        "山田花子",
        "佐藤次郎",
    ]
    by_name = {s.person.name_kanji: s for s in subjects}
    assert by_name["山田太郎"].roles == {SubjectRole.APPLICANT}
    assert by_name["山田洋子"].roles == {
        SubjectRole.FAMILY_MEMBER,
        SubjectRole.LEGAL_REPRESENTATIVE,
    }
    assert by_name["佐藤次郎"].roles == {SubjectRole.EMERGENCY_CONTACT}
    assert len(subject_ids_of(app)) == 5


def test_it_refuses_naming_someone_else_as_the_applicant():
    with pytest.raises(InvalidInput, match="applicant"):
        NamedPerson(person("山田一郎", 2), SubjectRole.APPLICANT)


def test_it_refuses_a_person_without_a_name_or_with_a_bad_id():
    with pytest.raises(InvalidInput):
        Person(person("x", 1).subject_id, "  ")
    with pytest.raises(InvalidInput):
        Person("ds_bad", "山田太郎")  # type: ignore[arg-type]
