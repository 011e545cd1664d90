"""The catalogue of personal-data fields the office holds, each with its class.

Every person named anywhere in an application is a data subject (FACTS.md: the 1,920 people
in the incident were applicants *and* family members). A field belongs to one subject role
and one class; the class decides how a report counts it (APPI item ②) and how sensitive a
disclosure of it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldClass(StrEnum):
    IDENTITY = "identity"  # name, reading, romaji, sex, birth date, 本籍, passport numbers
    CONTACT = "contact"  # address, phones, e-mail
    FAMILY = "family"  # relations: who is whose family member, representative, contact
    DOCUMENT_IMAGE = "document_image"  # 戸籍謄本 and other scanned documents
    BIOMETRIC = "biometric"  # face photo, signature image
    SENSITIVE = "sensitive"  # 要配慮個人情報: 刑罰等関係 answers


class SubjectRole(StrEnum):
    APPLICANT = "applicant"
    FAMILY_MEMBER = "family_member"  # named in the 戸籍謄本
    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代理人 of a minor
    EMERGENCY_CONTACT = "emergency_contact"  # 緊急連絡先


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label_ja: str
    label_en: str
    field_class: FieldClass
    # Weight of a disclosure of this field in detection and harm assessment (1 = low).
    sensitivity: int = 1
    # Whether a blind index is kept for lookup by this field.
    searchable: bool = False


_C = FieldClass
FIELDS: tuple[Field, ...] = (
    Field("name_kanji", "氏名（漢字）", "Name (kanji)", _C.IDENTITY, 2, True),
    Field("name_kana", "氏名（フリガナ）", "Name (kana)", _C.IDENTITY, 2, True),
    Field("name_romaji", "氏名（ローマ字）", "Name (romaji)", _C.IDENTITY, 2, True),
    Field("other_name", "別名", "Other name", _C.IDENTITY, 2),
    Field("sex", "性別", "Sex", _C.IDENTITY, 1),
    Field("birth_date", "生年月日", "Date of birth", _C.IDENTITY, 3, True),
    Field("honseki", "本籍", "Registered domicile", _C.IDENTITY, 3),
    Field("address", "住所", "Address", _C.CONTACT, 3, True),
    Field("postcode", "郵便番号", "Postcode", _C.CONTACT, 1),
    Field("phone", "電話番号", "Phone", _C.CONTACT, 3, True),
    Field("mobile", "携帯電話番号", "Mobile phone", _C.CONTACT, 3, True),
    Field("email", "メールアドレス", "E-mail", _C.CONTACT, 3, True),
    Field("relation", "続柄", "Relation", _C.FAMILY, 1),
    Field("passport_number", "旅券番号", "Passport number", _C.IDENTITY, 3, True),
    Field("previous_passport", "前回旅券", "Previous passport", _C.IDENTITY, 2),
    Field("other_nationality", "外国籍", "Other nationality", _C.SENSITIVE, 4),
    Field("criminal_answers", "刑罰等関係", "Criminal-record answers", _C.SENSITIVE, 5),
    Field("face_photo", "顔写真", "Face photo", _C.BIOMETRIC, 4),
    Field("signature_image", "署名", "Signature image", _C.BIOMETRIC, 3),
    Field("koseki_image", "戸籍謄本画像", "Family register image", _C.DOCUMENT_IMAGE, 5),
    Field("document_image", "提出書類画像", "Document image", _C.DOCUMENT_IMAGE, 4),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

# Which fields the office holds for a subject in each role.
FIELDS_BY_ROLE: dict[SubjectRole, tuple[str, ...]] = {
    SubjectRole.APPLICANT: tuple(f.name for f in FIELDS if f.name not in {"relation"}),
    SubjectRole.FAMILY_MEMBER: ("name_kanji", "name_kana", "sex", "birth_date", "relation"),
    SubjectRole.LEGAL_REPRESENTATIVE: (
        "name_kanji",
        "name_kana",
        "relation",
        "address",
        "phone",
        "signature_image",
    ),
    SubjectRole.EMERGENCY_CONTACT: (
        "name_kanji",
        "name_kana",
        "relation",
        "postcode",
        "address",
        "phone",
    ),
}


def field(name: str) -> Field:
    """The catalogue entry for `name`; an unknown field is a programming error."""
    try:
        return FIELDS_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown personal-data field: {name!r}") from None


def class_of(name: str) -> FieldClass:
    return field(name).field_class
