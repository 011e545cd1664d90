"""A leaked list and its rows' candidate data subjects, through blind-index tokens.

A list the police hand over is partial, misspelled and mixed with records from elsewhere
(issue 6). Each row is matched on every key it has, after the same normalisation the vault
uses for its blind indexes (`ryoken.privacy.normalise`: kana/kanji variants, full-width
digits, address forms, era dates), so 髙橋 finds 高橋 and 平成2年1月2日 finds 1990-01-02.
A blind index answers equality only: a misspelled name simply does not match, and the row
has to be carried by its other keys.

Strength: names (kanji, kana, romaji) are one piece of evidence, not three, and an address or
a phone is shared by a whole household. A candidate is STRONG when it matches two or more
independent keys of which at least one identifies a person (name, birth date, passport
number, e-mail) — kana + birth date, name + address, birth date + phone; WEAK on one key, or
on address + phone alone (which names a household, not a person). A weak key shared by more
than `max_weak` subjects (a common birth date) says nothing and is dropped.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from ryoken.errors import InvalidInput
from ryoken.privacy.blind_index import BlindIndexer

# Column headers accepted for each blind-index kind (compared after NFKC, lower case, no
# spaces, underscores or hyphens, so ＴＥＬ, name_kana, "Birth Date" and 氏名（漢字） all work).
_HEADER_WORDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "name_kanji": ("name_kanji", "name", "氏名", "名前", "氏名(漢字)", "漢字氏名"),
        "name_kana": (
            "name_kana",
            "kana",
            "フリガナ",
            "ふりがな",
            "カナ",
            "よみ",
            "氏名(フリガナ)",
        ),
        "name_romaji": ("name_romaji", "romaji", "ローマ字", "氏名(ローマ字)"),
        "birth_date": ("birth_date", "birthdate", "dob", "生年月日", "誕生日"),
        "address": ("address", "住所"),
        "phone": ("phone", "tel", "mobile", "電話", "電話番号", "携帯", "携帯電話番号"),
        "email": ("email", "e-mail", "メール", "メールアドレス"),
        "passport_number": ("passport_number", "旅券番号"),
    }
)


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", text)).lower()


HEADERS: Mapping[str, str] = MappingProxyType(
    {_header_key(word): kind for kind, words in _HEADER_WORDS.items() for word in words}
)


# Independent pieces of evidence: the name's spellings are one.
EVIDENCE: Mapping[str, str] = MappingProxyType(
    {
        "name_kanji": "name",
        "name_kana": "name",
        "name_romaji": "name",
        "birth_date": "birth_date",
        "address": "address",
        "phone": "phone",
        "email": "email",
        "passport_number": "passport_number",
    }
)
PERSONAL_EVIDENCE = frozenset({"name", "birth_date", "email", "passport_number"})

# The catalogue fields a leaker must have seen to write a column of this kind.
FIELDS_OF_KIND: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "name_kanji": ("name_kanji",),
        "name_kana": ("name_kana",),
        "name_romaji": ("name_romaji",),
        "birth_date": ("birth_date",),
        "address": ("address",),
        "phone": ("phone", "mobile"),
        "email": ("email",),
        "passport_number": ("passport_number",),
    }
)


class Strength(StrEnum):
    STRONG = "strong"
    WEAK = "weak"


class RowStatus(StrEnum):
    RESOLVED = "resolved"  # one strong candidate stands out
    AMBIGUOUS = "ambiguous"  # several equally strong candidates
    WEAK = "weak"  # only weak candidates
    UNMATCHED = "unmatched"  # nobody in the office: a record from elsewhere, or misspelt


@dataclass(frozen=True, slots=True)
class LeakedRow:
    row: int  # 1-based data row number in the list (the header is row 0)
    values: Mapping[str, str]  # blind-index kind → the raw value as leaked

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.values)


@dataclass(frozen=True, slots=True)
class Candidate:
    subject: str
    strength: Strength
    keys: tuple[str, ...]  # the kinds that matched, in the row's column order


@dataclass(frozen=True, slots=True)
class RowMatch:
    row: LeakedRow
    status: RowStatus
    candidates: tuple[Candidate, ...]  # strongest first
    subject: str | None  # the resolved subject, if any
    unusable: tuple[str, ...] = ()  # kinds whose value normalisation refused


Matcher = Callable[[LeakedRow], Sequence[Candidate]]
Lookup = Callable[[str, str], Iterable[str]]  # (kind, token) → subject ids


def read_leaked_csv(data: bytes | str) -> list[LeakedRow]:
    """Rows of a leaked list (UTF-8, BOM allowed; English or Japanese headers).

    Anything else (Shift_JIS, a binary file, a NUL byte, a cell of over 128 KiB) is refused
    with InvalidInput naming the problem, never another exception.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput(
                f"the leaked list is not UTF-8 text (byte {error.start}); save it as UTF-8 CSV",
                message_ja="リストがUTF-8のテキストではありません。UTF-8のCSVで保存してください。",
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    if "\x00" in text:  # the csv module reads NUL since Python 3.11; a text list has none
        line = text[: text.index("\x00")].count("\n") + 1
        raise InvalidInput(
            f"the leaked list holds a NUL byte (line {line}); it is not a text CSV file",
            message_ja="リストにNUL文字が含まれています。テキストのCSVではありません。",
        )
    try:
        return _read_rows(csv.reader(io.StringIO(text)))
    except csv.Error as error:  # a NUL byte, an over-long field, a broken quote
        raise InvalidInput(
            f"the leaked list is not a readable CSV file: {error}",
            message_ja="リストをCSVとして読み取れません。",
        ) from None


def _read_rows(reader: Iterator[list[str]]) -> list[LeakedRow]:
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("the leaked list is empty", message_ja="リストが空です。") from None
    kinds = [HEADERS.get(_header_key(h)) for h in header]
    if not any(kinds):
        raise InvalidInput(
            f"the leaked list has none of the known columns ({', '.join(sorted(set(HEADERS)))})",
            message_ja="氏名・フリガナ・生年月日・住所・電話番号のいずれかの列が必要です。",
        )
    rows = []
    for number, record in enumerate(reader, start=1):
        values: dict[str, str] = {}
        for kind, cell in zip(kinds, record, strict=False):
            if kind and cell.strip() and kind not in values:
                values[kind] = cell.strip()
        if values:
            rows.append(LeakedRow(number, MappingProxyType(values)))
    return rows


class TokenIndex:
    """An in-memory inverted blind index: (kind, token) → subjects.

    The web layer can pass its own `Lookup` (a query on the token table) instead; this one
    serves tests, the simulator and offline investigations from an exported token table.
    """

    def __init__(self, tokens: Mapping[str, Mapping[str, Iterable[str]]]) -> None:
        inverted: dict[tuple[str, str], set[str]] = {}
        for subject, by_kind in tokens.items():
            for kind, values in by_kind.items():
                for token in values:
                    inverted.setdefault((kind, token), set()).add(subject)
        self._inverted = {k: frozenset(v) for k, v in inverted.items()}

    def __call__(self, kind: str, token: str) -> frozenset[str]:
        return self._inverted.get((kind, token), frozenset())


def candidates_for(
    row: LeakedRow, indexer: BlindIndexer, lookup: Lookup, *, max_weak: int = 5
) -> tuple[list[Candidate], list[str]]:
    """The candidate subjects of `row` with their strength, and the unusable kinds."""
    hits: dict[str, list[str]] = {}
    unusable: list[str] = []
    common: set[str] = set()
    for kind, value in row.values.items():
        try:
            tokens = indexer.tokens_for(kind, value)
        except InvalidInput:
            unusable.append(kind)
            continue
        found: set[str] = set()
        for token in tokens:
            found.update(lookup(kind, token))
        if len(found) > max_weak:
            common.add(kind)
        for subject in found:
            hits.setdefault(subject, []).append(kind)
    out = []
    for subject, kinds in hits.items():
        evidence = {EVIDENCE[k] for k in kinds}
        strong = len(evidence) >= 2 and bool(evidence & PERSONAL_EVIDENCE)
        if not strong and set(kinds) <= common:
            continue
        out.append(Candidate(subject, Strength.STRONG if strong else Strength.WEAK, tuple(kinds)))
    out.sort(key=lambda c: (c.strength is not Strength.STRONG, -_evidence(c), c.subject))
    return out, unusable


def _evidence(candidate: Candidate) -> int:
    return len({EVIDENCE[k] for k in candidate.keys})


def resolve(
    row: LeakedRow, candidates: Sequence[Candidate], unusable: Sequence[str] = ()
) -> RowMatch:
    """Decide which subject a row is, if any: the one strong candidate with the most evidence."""
    strong = [c for c in candidates if c.strength is Strength.STRONG]
    subject: str | None = None
    if strong:
        best = max(_evidence(c) for c in strong)
        top = [c for c in strong if _evidence(c) == best]
        status = RowStatus.RESOLVED if len(top) == 1 else RowStatus.AMBIGUOUS
        subject = top[0].subject if len(top) == 1 else None
    elif candidates:
        status = RowStatus.WEAK
    else:
        status = RowStatus.UNMATCHED
    return RowMatch(row, status, tuple(candidates), subject, tuple(unusable))


class TokenMatcher:
    """A `Matcher` over blind-index tokens: normalise, token, look up, weigh."""

    def __init__(self, indexer: BlindIndexer, lookup: Lookup, *, max_weak: int = 5) -> None:
        self._indexer = indexer
        self._lookup = lookup
        self._max_weak = max_weak

    def __call__(self, row: LeakedRow) -> list[Candidate]:
        return candidates_for(row, self._indexer, self._lookup, max_weak=self._max_weak)[0]

    def match(self, row: LeakedRow) -> RowMatch:
        found, unusable = candidates_for(row, self._indexer, self._lookup, max_weak=self._max_weak)
        return resolve(row, found, unusable)


def match_rows(rows: Iterable[LeakedRow], matcher: Matcher | TokenMatcher) -> list[RowMatch]:
    """Match every row (a `TokenMatcher` also reports unusable values)."""
    if isinstance(matcher, TokenMatcher):
        return [matcher.match(row) for row in rows]
    return [resolve(row, list(matcher(row))) for row in rows]
