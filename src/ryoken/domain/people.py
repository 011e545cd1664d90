"""People: every person named anywhere in an application is a data subject (FACTS.md).

The incident's 1,920 people were applicants *and* their family members, so the office must
be able to list everyone an application names — the applicant, the family members in the
戸籍謄本, the legal representative, the emergency contact — each under one stable id.

Subject ids are pseudonymous: `ds_` and 26 Crockford base32 characters carrying 128 bits
that are either random (`new_subject_id`, from an injected source) or an HMAC under an
injected key (`derived_subject_id`). Neither holds a timestamp, a sequence or a hash of
personal data without a key, so an id in a ledger leaf or a log reveals nothing about the
person; the ledger only ever stores these ids.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NewType, Protocol

from ryoken.domain.fields import SubjectRole
from ryoken.errors import InvalidInput

SubjectId = NewType("SubjectId", str)

SUBJECT_ID_PREFIX = "ds_"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_CHARS = 26  # 130 bits of base32; the top two are always zero (128 bits of entropy)
SUBJECT_ID_RE = re.compile(r"^ds_[0-7][0-9A-HJKMNP-TV-Z]{25}$")

# A source of random bytes: os.urandom in production, a seeded stub in tests and the sim.
RandomBytes = Callable[[int], bytes]


def _encode(raw: bytes) -> SubjectId:
    value = int.from_bytes(raw[:16], "big")
    chars = []
    for _ in range(_ID_CHARS):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return SubjectId(SUBJECT_ID_PREFIX + "".join(reversed(chars)))


def new_subject_id(random_bytes: RandomBytes) -> SubjectId:
    """A fresh random subject id from 16 bytes of `random_bytes` (e.g. os.urandom)."""
    raw = random_bytes(16)
    if len(raw) != 16:
        raise ValueError("the random source returned the wrong number of bytes")
    return _encode(raw)


def derived_subject_id(key: bytes, natural_key: str) -> SubjectId:
    """A subject id derived from an office-held key and a natural key (e.g. an import row).

    The same key and natural key always give the same id, so imports are idempotent;
    without the key the id cannot be linked back. The key must be at least 32 bytes.
    """
    if len(key) < 32:
        raise ValueError("a subject-id key must be at least 32 bytes")
    digest = hmac.new(key, b"ryoken/subject-id/v1\x00" + natural_key.encode(), hashlib.sha256)
    return _encode(digest.digest())


def parse_subject_id(text: str) -> SubjectId:
    """Validate a subject id from outside (a form, an import line, a URL)."""
    if not SUBJECT_ID_RE.fullmatch(text):
        raise InvalidInput(
            f"not a data-subject id: {text!r}", message_ja="データ主体IDの形式が正しくありません。"
        )
    return SubjectId(text)


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


@dataclass(frozen=True, slots=True)
class Person:
    """A person as an application names them. Only the applicant needs a birth date."""

    subject_id: SubjectId
    name_kanji: str
    name_kana: str = ""
    birth_date: date | None = None
    sex: Sex | None = None

    def __post_init__(self) -> None:
        parse_subject_id(self.subject_id)
        if not self.name_kanji.strip():
            raise InvalidInput("a person needs a name", message_ja="氏名が空です。")


@dataclass(frozen=True, slots=True)
class NamedPerson:
    """A person other than the applicant, in the role the application names them in.

    `relation` is the 続柄 as written (e.g. 母, 長男); it is data, not a rule input.
    """

    person: Person
    role: SubjectRole
    relation: str = ""

    def __post_init__(self) -> None:
        if self.role is SubjectRole.APPLICANT:
            raise InvalidInput(
                "the applicant is named once, as the applicant",
                message_ja="申請者は申請者欄にのみ記載します。",
            )


class NamesPeople(Protocol):
    """Anything that names people the way an application does (see applications.py)."""

    @property
    def applicant(self) -> Person: ...

    @property
    def others(self) -> Sequence[NamedPerson]: ...


@dataclass(frozen=True, slots=True)
class DataSubject:
    """One person named in an application, with every role they are named in."""

    subject_id: SubjectId
    person: Person
    roles: frozenset[SubjectRole]


def persons_of(application: NamesPeople) -> tuple[DataSubject, ...]:
    """Every person named anywhere in `application`, each once, the applicant first.

    A mother can be a family member in the 戸籍謄本, the legal representative and the
    emergency contact at once: she is one data subject with three roles, and counts once in
    an incident report.
    """
    order: list[SubjectId] = []
    people: dict[SubjectId, Person] = {}
    roles: dict[SubjectId, set[SubjectRole]] = {}
    named = [(application.applicant, SubjectRole.APPLICANT)]
    named += [(n.person, n.role) for n in application.others]
    for person, role in named:
        sid = person.subject_id
        if sid not in people:
            order.append(sid)
            people[sid] = person
            roles[sid] = set()
        roles[sid].add(role)
    return tuple(DataSubject(sid, people[sid], frozenset(roles[sid])) for sid in order)


def subject_ids_of(application: NamesPeople) -> frozenset[SubjectId]:
    """The ids of everyone `application` names (for incident scoping and erasure)."""
    return frozenset(s.subject_id for s in persons_of(application))
