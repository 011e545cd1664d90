"""Online applications (マイナポータル): one JSON Lines line → one validated application.

The parsing half of `ryoken applications import FILE` (the writing half is importer.py):

* `parse_lines` is a pure function (no database, no clock: `today` is passed in): each line
  is validated on its own against the schema in docs/applications-import.md and the
  passport rules (`domain.applications`, `domain.validity`, `domain.hepburn`), giving either
  an `OnlineApplication` or a `LineProblem` naming the line and the reason.
* `importer.import_file` refuses the whole file if any line is bad (every bad line is listed), and
  otherwise writes everything in ONE transaction: each person into the vault
  (`writes.create_subject`), the application accepted with a reception number and moved to
  review, and an `application.import` event per application. Online applications need no
  戸籍謄本 (`domain.documents`) and only one visit, the pickup.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ryoken.domain import applications as rules
from ryoken.domain import documents, fees, field_rules, hepburn, validity
from ryoken.domain.applications import ApplicationKind, Channel, HeldPassport, RecordChange
from ryoken.domain.fields import SubjectRole
from ryoken.domain.lines import summarize
from ryoken.domain.people import Person, Sex, SubjectId
from ryoken.errors import ConfigurationError, InvalidInput, RuleViolation
from ryoken.privacy.normalise import PREFECTURES

ONLINE_KINDS = (
    ApplicationKind.NEW,
    ApplicationKind.RENEWAL,
    ApplicationKind.RECORD_CHANGE,
    ApplicationKind.RECORD_CHANGE_SAME_EXPIRY,
)
WITH_PASSPORT = frozenset(ONLINE_KINDS) - {ApplicationKind.NEW}
MAX_LINE_BYTES = 64 * 1024
_PLACEHOLDER = SubjectId("ds_" + "0" * 26)  # the rules' Person needs an id; names nobody

_SUBMISSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,63}")
_ROMAJI = re.compile(r"[A-Z]+(?: [A-Z]+)+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PASSPORT = field_rules.PASSPORT_NUMBER_RE


@dataclass(frozen=True)
class PersonIn:
    """One person of the line: catalogue field → value (for the vault), and the relation."""

    role: SubjectRole
    values: Mapping[str, str]
    relation: str = ""


@dataclass(frozen=True)
class OnlineApplication:
    line: int
    submission_id: str
    kind: ApplicationKind
    application_date: date
    applicant: PersonIn
    emergency_contact: PersonIn | None
    legal_representative: PersonIn | None
    requested_validity: int | None
    validity_years: int | None  # None: a same-expiry passport
    same_expiry: date | None
    criminal_record_yes: bool
    record_changes: tuple[str, ...]
    current_passport_issued: date | None
    current_passport_expiry: date | None
    minor: bool
    non_hepburn: bool
    romaji_rule: str
    romaji_confirmed: bool
    fee_national: int | None
    fee_prefectural: int | None

    @property
    def persons(self) -> tuple[PersonIn, ...]:
        others = (self.emergency_contact, self.legal_representative)
        return (self.applicant, *(p for p in others if p is not None))


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str
    message_ja: str = ""


class ImportRejected(InvalidInput):
    """Some lines are bad: every one is kept in `problems`, the first few are in the message
    (then how many more), and nothing was imported."""

    def __init__(self, problems: list[LineProblem]) -> None:
        self.problems = problems
        text = summarize(f"line {p.line}: {p.message}" for p in problems)
        lines = summarize((str(p.line) for p in problems), sep="、")
        super().__init__(
            f"{len(problems):,} bad line(s): {text} — nothing was imported",
            message_ja=f"{lines}行目に誤りがあります。ファイルの申請は1件も取り込んでいません。",
        )


# --- reading one JSON object -----------------------------------------------------------------


class _Fields:
    """Typed access to one JSON object, with errors that name the path (applicant.sex)."""

    def __init__(self, raw: object, path: str, allowed: Iterable[str]) -> None:
        if not isinstance(raw, dict):
            raise InvalidInput(f"{path or 'the line'} must be a JSON object")
        unknown = sorted(set(raw) - set(allowed))
        if unknown:
            where = f" in {path}" if path else ""
            raise InvalidInput(
                f"unknown field{'s' * (len(unknown) > 1)}{where}: {', '.join(unknown)}"
            )
        self.raw: dict[str, Any] = raw
        self.path = path

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def present(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def text(self, key: str, *, required: bool = True, max_length: int = 100) -> str:
        value = self.raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise InvalidInput(f"{self.name(key)} is required")
            return ""
        if not isinstance(value, str):
            raise InvalidInput(f"{self.name(key)} must be text")
        text = " ".join(unicodedata.normalize("NFKC", value).split())
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
            # a NUL, an escape or a lone surrogate: not text a person wrote (and a lone
            # surrogate cannot even be encrypted: it has no UTF-8 encoding)
            raise InvalidInput(f"{self.name(key)} holds control characters")
        if len(text) > max_length:
            raise InvalidInput(f"{self.name(key)} is longer than {max_length} characters")
        return text

    def date(self, key: str, *, required: bool = True) -> date | None:
        text = self.text(key, required=required, max_length=10)
        if not text:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise InvalidInput(f"{self.name(key)} {text!r} is not a date written YYYY-MM-DD")
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(f"{self.name(key)} {text!r} is not a real date") from None

    def object(self, key: str, allowed: Iterable[str], *, required: bool) -> _Fields | None:
        if not self.present(key):
            if required:
                raise InvalidInput(f"{self.name(key)} is required")
            return None
        return _Fields(self.raw[key], self.name(key), allowed)

    def pattern(self, key: str, regex: re.Pattern[str], what: str, *, required: bool = True) -> str:
        text = self.text(key, required=required)
        if text and not regex.fullmatch(text):
            raise InvalidInput(f"{self.name(key)} {text!r} is not {what}")
        return text


def _postcode(f: _Fields, key: str, *, required: bool) -> str:
    text = f.text(key, required=required)
    if not text:
        return ""
    postcode = field_rules.normal_postcode(text)
    if postcode is None:
        raise InvalidInput(f"{f.name(key)} {text!r} is not a postcode like 171-0021")
    return postcode


def _kana(f: _Fields, key: str, *, required: bool = True) -> str:
    text = f.text(key, required=required)
    if not text:
        return ""
    kana = field_rules.normal_kana(text)
    if kana is None:
        raise InvalidInput(f"{f.name(key)} {text!r} must be katakana (or hiragana)")
    return kana


def _phone(f: _Fields, key: str, *, required: bool, mobile: bool = False) -> str:
    text = f.text(key, required=required)
    if not text:
        return ""
    phone = field_rules.normal_phone(text)
    if phone is None:
        raise InvalidInput(f"{f.name(key)} {text!r} is not a phone number in Japan")
    if mobile and not field_rules.is_mobile(phone):
        raise InvalidInput(f"{f.name(key)} {text!r} is not a mobile number (070/080/090)")
    return phone


# --- the schema ------------------------------------------------------------------------------

_TOP = (
    "submission_id", "kind", "channel", "application_date", "applicant", "emergency_contact",
    "legal_representative", "requested_validity", "criminal_record", "previous_passport",
    "record_changes",
)  # fmt: skip
_APPLICANT = (
    "name_kanji", "name_kana", "name_romaji", "sex", "birth_date", "honseki", "address",
    "postcode", "phone", "mobile", "email",
)  # fmt: skip
_CONTACT = ("name_kanji", "name_kana", "relation", "postcode", "address", "phone")
_REPRESENTATIVE = ("name_kanji", "name_kana", "relation", "address", "phone")
_PASSPORT_KEYS = ("number", "issue_date", "expiry_date")


def _applicant(f: _Fields, application_date: date) -> tuple[PersonIn, date, str, str, str]:
    kanji = f.text("name_kanji", max_length=60)
    kana = _kana(f, "name_kana")
    romaji = f.text("name_romaji", max_length=80).upper()
    if not _ROMAJI.fullmatch(romaji):
        raise InvalidInput(f"{f.name('name_romaji')} {romaji!r} must be SURNAME GIVEN in A-Z")
    sex = f.text("sex", max_length=1)
    if sex not in (Sex.MALE, Sex.FEMALE):
        raise InvalidInput(f"{f.name('sex')} must be M or F, not {sex!r}")
    born = f.date("birth_date")
    assert born is not None  # noqa: S101 - required
    if born > application_date or born.year < 1900:
        raise InvalidInput(f"{f.name('birth_date')} {born} is not a possible birth date")
    honseki = f.text("honseki", max_length=200)
    if not honseki.startswith(PREFECTURES):
        raise InvalidInput(f"{f.name('honseki')} must start with the prefecture (東京都...)")
    values = {
        "name_kanji": kanji,
        "name_kana": kana,
        "name_romaji": romaji,
        "sex": sex,
        "birth_date": born.isoformat(),
        "honseki": honseki,
        "address": f.text("address", max_length=200),
        "postcode": _postcode(f, "postcode", required=True),
        "phone": _phone(f, "phone", required=True),
        "email": f.pattern("email", _EMAIL, "an e-mail address", required=True),
    }
    mobile = _phone(f, "mobile", required=False, mobile=True)
    if mobile:
        values["mobile"] = mobile
    return PersonIn(SubjectRole.APPLICANT, values), born, kanji, kana, romaji


def _other(f: _Fields | None, role: SubjectRole, keys: tuple[str, ...]) -> PersonIn | None:
    if f is None:
        return None
    values = {"name_kanji": f.text("name_kanji", max_length=60)}
    relation = f.text("relation", max_length=20)
    values["relation"] = relation
    if "name_kana" in keys and (kana := _kana(f, "name_kana", required=False)):
        values["name_kana"] = kana
    if "address" in keys and (address := f.text("address", required=False, max_length=200)):
        values["address"] = address
    if "postcode" in keys and (postcode := _postcode(f, "postcode", required=False)):
        values["postcode"] = postcode
    required_phone = role is SubjectRole.EMERGENCY_CONTACT
    if phone := _phone(f, "phone", required=required_phone):
        values["phone"] = phone
    return PersonIn(role, values, relation)


def parse_line(text: str, *, line: int, today: date) -> OnlineApplication:
    """One application from one line, or InvalidInput/RuleViolation saying what is wrong."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES:
        raise InvalidInput(f"the line is longer than {MAX_LINE_BYTES} bytes")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"not JSON: {error}") from None
    except RecursionError:
        raise InvalidInput("not JSON: nested too deeply") from None
    except ValueError:  # an integer of more digits than Python will convert (4,300)
        raise InvalidInput("not JSON: holds an integer too long to read") from None
    top = _Fields(raw, "", _TOP)
    submission = top.pattern("submission_id", _SUBMISSION_ID, "an id of A-Z, 0-9, . _ -")
    kind_text = top.text("kind", max_length=40)
    if kind_text == ApplicationKind.LOSS_REPORT:
        raise InvalidInput("a loss report is made in person at the counter, not online")
    if kind_text not in ONLINE_KINDS:
        raise InvalidInput(f"kind {kind_text!r} is not one of {', '.join(ONLINE_KINDS)}")
    kind = ApplicationKind(kind_text)
    if top.text("channel", max_length=10) != Channel.ONLINE:
        raise InvalidInput('channel must be "online"')
    applied = top.date("application_date")
    assert applied is not None  # noqa: S101 - required
    if applied > today:
        raise InvalidInput(f"application_date {applied} is in the future")
    applicant_fields = top.object("applicant", _APPLICANT, required=True)
    assert applicant_fields is not None  # noqa: S101 - required
    applicant, born, kanji, kana, romaji = _applicant(applicant_fields, applied)

    verdict = hepburn.validate_spelling(kana, romaji, kanji)
    if not verdict.accepted:
        raise InvalidInput(f"applicant.name_romaji {romaji!r}: {verdict.reason_en}")

    criminal = top.text("criminal_record", max_length=10)
    if criminal not in ("yes", "no"):
        raise InvalidInput('criminal_record must be "yes" or "no"')
    values = dict(applicant.values, criminal_answers=criminal)

    validity_raw = top.raw.get("requested_validity")
    if validity_raw is not None and (type(validity_raw) is not int or validity_raw not in (5, 10)):
        raise InvalidInput("requested_validity must be 5, 10 or null")
    requested: int | None = validity_raw

    previous = top.object("previous_passport", _PASSPORT_KEYS, required=kind in WITH_PASSPORT)
    held = None
    if previous is not None:
        number = previous.pattern("number", _PASSPORT, "a passport number like TK1234567")
        issued = previous.date("issue_date")
        expiry = previous.date("expiry_date")
        assert issued is not None and expiry is not None  # noqa: S101 - required
        if not issued < expiry or issued > applied:
            raise InvalidInput("previous_passport dates must be issue < expiry, issued by now")
        held = HeldPassport(number, issued, expiry)
        values["previous_passport"] = f"{number} {issued.isoformat()}"

    changes_raw = top.raw.get("record_changes") or []
    if not isinstance(changes_raw, list) or not all(isinstance(c, str) for c in changes_raw):
        raise InvalidInput("record_changes must be a list of text")
    try:
        changes = frozenset(RecordChange(c) for c in changes_raw)
    except ValueError:
        allowed = ", ".join(RecordChange)
        raise InvalidInput(f"record_changes may hold only {allowed}") from None

    minor = not validity.may_have_ten_years(born, applied)
    representative = _other(
        top.object("legal_representative", _REPRESENTATIVE, required=minor),
        SubjectRole.LEGAL_REPRESENTATIVE,
        _REPRESENTATIVE,
    )
    contact = _other(
        top.object("emergency_contact", _CONTACT, required=False),
        SubjectRole.EMERGENCY_CONTACT,
        _CONTACT,
    )
    value = rules.Application(
        kind=kind,
        channel=Channel.ONLINE,
        applicant=Person(_PLACEHOLDER, kanji, kana, born, Sex(values["sex"])),
        application_date=applied,
        requested_validity_years=requested,
        current_passport=held,
        record_changes=changes,
        criminal_record_answer=criminal == "yes",
        non_hepburn=verdict.non_hepburn,
    )
    term = rules.passport_term(value)
    if any(i.item is documents.Item.KOSEKI for i in documents.checklist_for(value)):
        raise RuleViolation("the rules now ask an online application for a 戸籍謄本")  # guard
    try:
        quote = fees.fee_for_application(value)
        fee: tuple[int | None, int | None] = (quote.national, quote.prefectural)
    except ConfigurationError:
        fee = (None, None)  # an UNVERIFIED fee: the office sets it before pickup
    return OnlineApplication(
        line=line,
        submission_id=submission,
        kind=kind,
        application_date=applied,
        applicant=PersonIn(SubjectRole.APPLICANT, values),
        emergency_contact=contact,
        legal_representative=representative,
        requested_validity=requested,
        validity_years=term.years,
        same_expiry=term.same_expiry,
        criminal_record_yes=criminal == "yes",
        record_changes=tuple(sorted(changes)),
        current_passport_issued=held.issue_date if held else None,
        current_passport_expiry=held.expiry if held else None,
        minor=minor,
        non_hepburn=verdict.non_hepburn,
        romaji_rule=verdict.rule,
        romaji_confirmed=not verdict.needs_confirmation,
        fee_national=fee[0],
        fee_prefectural=fee[1],
    )


@dataclass
class Parsed:
    applications: list[OnlineApplication] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)


def parse_lines(lines: Iterable[str], *, today: date) -> Parsed:
    """Every line validated on its own; blank lines are skipped; ids must not repeat."""
    out = Parsed()
    first: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            app = parse_line(text, line=number, today=today)
        except (InvalidInput, RuleViolation) as error:
            out.problems.append(LineProblem(number, error.message, error.message_ja))
            continue
        if app.submission_id in first:
            out.problems.append(
                LineProblem(number, f"submission_id repeats line {first[app.submission_id]}")
            )
            continue
        first[app.submission_id] = number
        out.applications.append(app)
    if not out.applications and not out.problems:
        out.problems.append(LineProblem(0, "the file holds no applications"))
    return out


def read_lines(data: bytes) -> list[str]:
    """The file's lines as text; a file that is not UTF-8 is refused whole."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"the file is not UTF-8 (byte {error.start})") from None
    return text.splitlines()


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
