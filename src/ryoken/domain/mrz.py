"""ICAO Doc 9303 TD3 (passport) machine-readable zone: check digits, encoding, parsing.

Layout (FACTS.md, Doc 9303 Part 4), positions 1-based:

    line 1   1-2 document code (P + one character)   3-5 issuing state
             6-44 SURNAME<<GIVEN<NAMES padded with <
    line 2   1-9 number, 10 check   11-13 nationality   14-19 birth YYMMDD, 20 check
             21 sex (M/F/<)   22-27 expiry YYMMDD, 28 check   29-42 optional data, 43 check
             44 composite check over 1-10, 14-20, 22-43

Choices made on purpose where Doc 9303 leaves room or is easy to misread:
- Empty optional data: the field is fourteen `<`; its check digit may be `0` or `<`. We
  write `0` by default (`empty_optional_check`), because it is what the arithmetic gives,
  so a reader that does not special-case it still agrees; validation accepts either.
- Transliteration follows the first choice of Doc 9303 Part 3 section 6 for Latin letters
  (Ä→AE, Å→AA, Ö→OE, Ø→OE, Ü→UE, ß→SS, Þ→TH, Æ→AE, Œ→OE, Ñ→N); other accented Latin
  letters lose their accent. Spaces, hyphens and commas become one `<`; apostrophes and
  other punctuation are dropped. Anything else (digits, kana, Cyrillic) is refused:
  Japanese names arrive already in passport Hepburn.
- Truncation when SURNAME<<GIVEN exceeds 39 characters: the given names lose characters
  from their end first; only if the surname leaves no room for one given-name initial is the
  surname cut too (to 36, keeping `<<` and the initial). A cut never leaves a dangling `<`.
  `EncodedTD3.truncated` says it happened.
- Two-digit years are resolved against a `today` the caller passes: a birth date is the
  latest such date not after today (so ages 0-99); an expiry is the such date nearest today.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from ryoken.errors import InvalidInput, InvalidMRZ

LINE_LENGTH = 44
NAME_LENGTH = 39
FILLER = "<"
_DIGITS_AND_LETTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MRZ_ALPHABET = frozenset(_DIGITS_AND_LETTERS + FILLER)
_VALUE = {ch: i for i, ch in enumerate(_DIGITS_AND_LETTERS)} | {FILLER: 0}
_WEIGHTS = (7, 3, 1)
_LETTERS = frozenset(_DIGITS_AND_LETTERS[10:])
SEXES = ("M", "F", FILLER)

# Two letters and seven digits (FACTS.md: from secondary sources), so configurable.
JAPANESE_PASSPORT_NUMBER = r"[A-Z]{2}[0-9]{7}"

# Doc 9303 Part 3 section 6, first recommendation for each letter; upper case only because
# names are upper-cased before lookup.
_TRANSLITERATION = {
    "Ä": "AE",
    "Å": "AA",
    "Æ": "AE",
    "Ð": "D",
    "Đ": "D",
    "Ö": "OE",
    "Ø": "OE",
    "Ü": "UE",
    "Þ": "TH",
    "ẞ": "SS",
    "Œ": "OE",
    "Ĳ": "IJ",
    "Ł": "L",
    "Ħ": "H",
    "Ŧ": "T",
    "Ŋ": "N",
}
_SEPARATORS = frozenset(" -," + FILLER)


def check_digit(s: str) -> int:
    """Doc 9303 check digit: values 0-9, A=10..Z=35, `<`=0; weights 7,3,1; sum mod 10."""
    total = 0
    try:
        for i, ch in enumerate(s):
            total += _VALUE[ch] * _WEIGHTS[i % 3]
    except KeyError as error:
        raise InvalidMRZ(
            f"{s!r} contains {error.args[0]!r}, which is not in the MRZ alphabet (A-Z, 0-9, <).",
            message_ja=f"{s!r} に機械読取り領域で使えない文字 {error.args[0]!r} があります。",
        ) from None
    return total % 10


def is_japanese_passport_number(s: str, pattern: str = JAPANESE_PASSPORT_NUMBER) -> bool:
    """True if `s` looks like a Japanese passport number (by default two letters, 7 digits)."""
    return re.fullmatch(pattern, s) is not None


# --- names -------------------------------------------------------------------------------


def transliterate_name(text: str) -> str:
    """One name part in MRZ form: A-Z with single `<` between components."""
    out: list[str] = []
    for ch in text.upper():
        if ch in _LETTERS:
            out.append(ch)
        elif ch in _SEPARATORS or ch.isspace():
            out.append(FILLER)
        elif ch in _TRANSLITERATION:
            out.append(_TRANSLITERATION[ch])
        elif unicodedata.category(ch)[0] in "PS":  # apostrophes, periods, other punctuation
            continue
        else:
            out.append(_strip_accent(ch))
    # Collapse runs so a name can never contain the `<<` that separates surname from given.
    return re.sub("<+", FILLER, "".join(out)).strip(FILLER)


def _strip_accent(ch: str) -> str:
    base = [c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)]
    if base and all(c in _LETTERS for c in base):
        return "".join(base)
    raise InvalidInput(
        f"{ch!r} cannot be written in a machine-readable zone; give the name in Latin letters.",
        message_ja=f"「{ch}」は機械読取り領域に書けません。ローマ字で入力してください。",
    )


@dataclass(frozen=True)
class NameField:
    """The 39-character name field of line 1 and whether the name had to be cut to fit."""

    text: str
    truncated: bool


def format_name(surname: str, given_names: str) -> NameField:
    """SURNAME<<GIVEN<NAMES, transliterated, truncated per Doc 9303 and padded to 39."""
    primary = transliterate_name(surname)
    secondary = transliterate_name(given_names)
    if not primary:
        raise InvalidInput(
            "The surname is empty after conversion to MRZ characters.",
            message_ja="姓が空です。",
        )
    full = primary + (FILLER * 2 + secondary if secondary else "")
    if len(full) <= NAME_LENGTH:
        return NameField(full.ljust(NAME_LENGTH, FILLER), truncated=False)
    if not secondary:
        cut = primary[:NAME_LENGTH].rstrip(FILLER)
    elif len(primary) + 3 <= NAME_LENGTH:
        room = NAME_LENGTH - len(primary) - 2
        cut = primary + FILLER * 2 + secondary[:room].rstrip(FILLER)
    else:
        cut = primary[: NAME_LENGTH - 3].rstrip(FILLER) + FILLER * 2 + secondary[0]
    return NameField(cut.ljust(NAME_LENGTH, FILLER), truncated=True)


# --- encoding ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EncodedTD3:
    line1: str
    line2: str
    truncated: bool  # the holder's name was cut to fit 39 characters

    @property
    def lines(self) -> tuple[str, str]:
        return self.line1, self.line2


def encode_td3(
    *,
    document_type: str = "P",
    country: str,
    surname: str,
    given_names: str,
    number: str,
    nationality: str,
    birth: date | str,
    sex: str,
    expiry: date | str,
    optional: str = "",
    empty_optional_check: str = "0",
) -> tuple[str, str]:
    """The two MRZ lines of a passport. Raises InvalidInput for any unusable value."""
    return encode_td3_result(
        document_type=document_type,
        country=country,
        surname=surname,
        given_names=given_names,
        number=number,
        nationality=nationality,
        birth=birth,
        sex=sex,
        expiry=expiry,
        optional=optional,
        empty_optional_check=empty_optional_check,
    ).lines


def encode_td3_result(
    *,
    document_type: str = "P",
    country: str,
    surname: str,
    given_names: str,
    number: str,
    nationality: str,
    birth: date | str,
    sex: str,
    expiry: date | str,
    optional: str = "",
    empty_optional_check: str = "0",
) -> EncodedTD3:
    """Like `encode_td3`, and also says whether the name was truncated."""
    code = document_type.upper().ljust(2, FILLER)
    if len(code) != 2 or code[0] != "P" or code[1] not in _LETTERS | {FILLER}:
        raise _bad("document type", document_type, "P followed by at most one letter")
    name = format_name(surname, given_names)
    number_field = _alnum_field("document number", number, 9)
    if number_field == FILLER * 9:
        raise _bad("document number", number, "one to nine characters from A-Z and 0-9")
    optional_field = _alnum_field("optional data", optional.replace(" ", FILLER), 14)
    sex_field = sex.upper() or FILLER
    if sex_field not in SEXES:
        raise _bad("sex", sex, "M, F or <")
    if empty_optional_check not in ("0", FILLER):
        raise _bad("empty optional-data check", empty_optional_check, "0 or <")
    birth_field = _yymmdd("birth date", birth)
    expiry_field = _yymmdd("expiry date", expiry)
    if optional_field == FILLER * 14:
        optional_check = empty_optional_check
    else:
        optional_check = str(check_digit(optional_field))
    line1 = code + _state("issuing state", country) + name.text
    body = (
        number_field
        + str(check_digit(number_field))
        + _state("nationality", nationality)
        + birth_field
        + str(check_digit(birth_field))
        + sex_field
        + expiry_field
        + str(check_digit(expiry_field))
        + optional_field
        + optional_check
    )
    line2 = body + str(check_digit(_composite_input(body)))
    return EncodedTD3(line1, line2, truncated=name.truncated)


def _composite_input(line2: str) -> str:
    # Positions 1-10, 14-20, 22-43 (1-based): everything checked, without nationality and sex.
    return line2[0:10] + line2[13:20] + line2[21:43]


_LABELS_JA = {
    "document type": "旅券の種類",
    "document number": "旅券番号",
    "optional data": "任意記載事項",
    "issuing state": "発行国",
    "nationality": "国籍",
    "sex": "性別",
    "birth date": "生年月日",
    "expiry date": "有効期間満了日",
}


def _bad(what: str, value: object, expected: str) -> InvalidInput:
    return InvalidInput(
        f"Invalid {what} {value!r}: expected {expected}.",
        message_ja=f"{_LABELS_JA.get(what, what)}「{value}」が正しくありません（{expected}）。",
    )


def _alnum_field(what: str, value: str, width: int) -> str:
    text = value.upper()
    if len(text) > width or not set(text) <= MRZ_ALPHABET:
        raise _bad(what, value, f"at most {width} characters from A-Z, 0-9 and <")
    return text.ljust(width, FILLER)


def _state(what: str, value: str) -> str:
    text = value.upper()
    if not 1 <= len(text) <= 3 or not set(text) <= _LETTERS | {FILLER}:
        raise _bad(what, value, "a three-letter ICAO code such as JPN")
    return text.ljust(3, FILLER)


def _yymmdd(what: str, value: date | str) -> str:
    if isinstance(value, date):
        return value.strftime("%y%m%d")
    if not (len(value) == 6 and value.isascii() and value.isdigit()) or not _calendar_dates(value):
        raise _bad(what, value, "a real date written YYMMDD")
    return value


def _calendar_dates(yymmdd: str, years: tuple[int, ...] = (1900, 2000)) -> list[date]:
    """The real dates `yymmdd` can stand for in the given centuries."""
    if not (len(yymmdd) == 6 and yymmdd.isascii() and yymmdd.isdigit()):
        return []
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    found = []
    for century in years:
        try:
            found.append(date(century + yy, mm, dd))
        except ValueError:
            continue
    return found


def resolve_birth(yymmdd: str, today: date) -> date | None:
    """The latest date written `yymmdd` that is not after `today` (a birth is never future)."""
    this_century = today.year - today.year % 100
    dates = _calendar_dates(yymmdd, (this_century, this_century - 100))
    past = [d for d in dates if d <= today]
    return max(past) if past else None


def resolve_expiry(yymmdd: str, today: date) -> date | None:
    """The date written `yymmdd` nearest `today` (a window of about 50 years either side)."""
    this_century = today.year - today.year % 100
    dates = _calendar_dates(yymmdd, (this_century - 100, this_century, this_century + 100))
    if not dates:
        return None
    return min(dates, key=lambda d: (abs((d - today).days), d < today))


# --- parsing and validation --------------------------------------------------------------


@dataclass(frozen=True)
class MRZ:
    """A TD3 zone split into its fields. Fillers are removed; name parts use spaces."""

    line1: str
    line2: str
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    number: str
    number_check: str
    nationality: str
    birth: str
    birth_date: date | None
    birth_check: str
    sex: str
    expiry: str
    expiry_date: date | None
    expiry_check: str
    optional: str
    optional_check: str
    composite_check: str

    @property
    def name_may_be_truncated(self) -> bool:
        """Doc 9303: a name field that ends in a letter may have been cut to fit."""
        return self.line1[-1] != FILLER


@dataclass(frozen=True)
class Problem:
    """One failed check: `check` is a stable name; `message` starts with it and says more."""

    check: str
    message: str


def parse_td3(line1: str, line2: str, *, today: date) -> MRZ:
    """Split a TD3 zone into fields. Raises InvalidMRZ unless both lines are 44 MRZ characters.

    Check digits are not enforced here (use `validate_td3`); dates that are not real dates
    parse to `None`.
    """
    shape = _shape_problems(line1, line2)
    if shape:
        raise InvalidMRZ(
            "Not a TD3 machine-readable zone: " + "; ".join(p.message for p in shape) + ".",
            message_ja="旅券の機械読取り領域（44文字×2行）ではありません。",
        )
    primary, _, secondary = line1[5:].partition(FILLER * 2)
    return MRZ(
        line1=line1,
        line2=line2,
        document_code=line1[0:2],
        issuing_state=line1[2:5].rstrip(FILLER),
        surname=primary.replace(FILLER, " ").strip(),
        given_names=secondary.replace(FILLER, " ").strip(),
        number=line2[0:9].rstrip(FILLER),
        number_check=line2[9],
        nationality=line2[10:13].rstrip(FILLER),
        birth=line2[13:19],
        birth_date=resolve_birth(line2[13:19], today),
        birth_check=line2[19],
        sex=line2[20],
        expiry=line2[21:27],
        expiry_date=resolve_expiry(line2[21:27], today),
        expiry_check=line2[27],
        optional=line2[28:42].rstrip(FILLER),
        optional_check=line2[42],
        composite_check=line2[43],
    )


def _shape_problems(line1: str, line2: str) -> list[Problem]:
    problems = []
    for label, line in (("line 1", line1), ("line 2", line2)):
        if len(line) != LINE_LENGTH:
            problems.append(
                Problem(f"{label} length", f"{label} length is {len(line)} characters, not 44")
            )
        bad = sorted({ch for ch in line if ch not in MRZ_ALPHABET})
        if bad:
            problems.append(
                Problem(
                    f"{label} characters",
                    f"{label} characters include {''.join(bad)!r}, outside A-Z, 0-9 and <",
                )
            )
    return problems


def validate_td3(
    line1: str, line2: str, *, today: date, max_validity_years: int = 10
) -> list[Problem]:
    """Every check the zone fails, by name; an empty list means the zone is valid."""
    problems = _shape_problems(line1, line2)
    if any(p.check.endswith("length") for p in problems):
        return problems  # positions mean nothing when a line has the wrong length
    if line1[0] != "P" or line1[1] not in _LETTERS | {FILLER}:
        problems.append(
            Problem("document code", f"document code {line1[:2]!r} is not P and a letter or <")
        )
    for check, label, field in (
        ("issuing state", "issuing state", line1[2:5]),
        ("nationality", "nationality", line2[10:13]),
    ):
        if field[0] not in _LETTERS or not set(field) <= _LETTERS | {FILLER}:
            problems.append(Problem(check, f"{label} {field!r} is not a three-letter code"))
    name = line1[5:]
    if name[0] not in _LETTERS or not set(name) <= _LETTERS | {FILLER}:
        problems.append(Problem("name", "name field must start with a letter and hold no digits"))
    if line2[20] not in SEXES:
        problems.append(Problem("sex", f"sex {line2[20]!r} is not M, F or <"))

    problems += _digit_problem("document number", line2[0:9], line2[9])
    problems += _digit_problem("birth date", line2[13:19], line2[19])
    problems += _digit_problem("expiry date", line2[21:27], line2[27])
    optional, optional_check = line2[28:42], line2[42]
    if not (optional == FILLER * 14 and optional_check == FILLER):
        problems += _digit_problem("optional data", optional, optional_check)
    problems += _digit_problem("composite", _composite_input(line2), line2[43])
    problems += _date_problems(line2[13:19], line2[21:27], today, max_validity_years)
    return problems


def _digit_problem(label: str, field: str, written: str) -> list[Problem]:
    check = f"{label} check digit"
    try:
        expected = check_digit(field)
    except InvalidMRZ:
        return [Problem(check, f"{check} cannot be computed: characters outside the alphabet")]
    if written != str(expected):
        return [Problem(check, f"{label} check digit is {written!r}, expected {expected}")]
    return []


def _date_problems(birth: str, expiry: str, today: date, max_years: int) -> list[Problem]:
    problems = []
    born = resolve_birth(birth, today)
    ends = resolve_expiry(expiry, today)
    if born is None:
        problems.append(Problem("birth date", f"birth date {birth!r} is not a past date"))
    if ends is None:
        problems.append(Problem("expiry date", f"expiry date {expiry!r} is not a date"))
    if born is not None and ends is not None and ends <= born:
        problems.append(
            Problem("expiry date", f"expiry date {ends} is not after birth date {born}")
        )
    if ends is not None and ends > _add_years(today, max_years):
        problems.append(
            Problem(
                "expiry date", f"expiry date {ends} is more than {max_years} years after {today}"
            )
        )
    return problems


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28) + timedelta(days=1)
