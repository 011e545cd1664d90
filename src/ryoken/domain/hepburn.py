"""Passport Hepburn (旅券法施行規則5条): the romaji printed in a Japanese passport.

    romanize(kana, kanji=None) -> RomajiResult        spelling, flags for the clerk, choices
    to_passport_romaji(kana, kanji=None) -> str       just the spelling
    alternatives(kana, kanji=None) -> list[str]       every spelling the office may accept
    validate_spelling(kana, written, kanji=None, documented=False) -> SpellingVerdict

The rules, as FACTS.md states them: し SHI, ち CHI, つ TSU, ふ FU, じ/ぢ JI, ず/づ ZU, を O;
ん is M before B, M, P (NAMBA, HOMMA), N otherwise, no apostrophe (SHINYA); っ doubles the
next consonant, T before CH (HOTCHI); long vowels are not written (おお/おう O, うう U), except
a name-final オオ (SENOO, YOKOO); ー is dropped (NINA). Other vowel pairs are written in full
(いい II, ええ EE, えい EI). Small kana after a syllable are written full size (ティ TEI,
ファ FUA) and ヴ is BU (ヴァ BUA or BA), as in the prefectural table for foreign-origin names.

Whether a vowel pair is long depends on the word boundary (松浦 まつ|うら MATSUURA). Given the
kanji, `hepburn_boundaries` finds it with SudachiPy's dictionary; otherwise, or if the
dictionary cannot tell, the pair is written long and the result `needs_confirmation`.

Input: hiragana or katakana, full- or half-width; spaces, full-width spaces and ・ separate
name parts, each romanized on its own and joined by one space. Anything else raises
`InvalidKana` naming the character.

Non-Hepburn spellings on request: a long O written OH (OHNO, KATOH) or as the kana (OONO,
KATOU), the same way throughout a name part (surname and given name may choose apart, since
the surname must match the family's). Long U and ー have no such option.
"""

from __future__ import annotations

from dataclasses import dataclass

from ryoken.domain.hepburn_boundaries import ReadingSource, SudachiReadings, default_readings
from ryoken.domain.hepburn_plan import name_alternatives, plan_name
from ryoken.domain.hepburn_spelling import SpellingVerdict, check_spelling

__all__ = [
    "ReadingSource",
    "RomajiResult",
    "SpellingVerdict",
    "SudachiReadings",
    "alternatives",
    "default_readings",
    "romanize",
    "to_passport_romaji",
    "validate_spelling",
]


@dataclass(frozen=True)
class RomajiResult:
    spelling: str  # passport Hepburn, A-Z and single spaces
    needs_confirmation: bool  # a clerk must confirm before it is printed
    reasons: tuple[str, ...]  # why, each "日本語 / English"
    alternatives: tuple[str, ...]  # every spelling the office may accept, `spelling` first
    notes: tuple[str, ...] = ()  # what the kanji decided (松|浦), for the record
    kana: str = ""  # the kana as read: katakana, parts joined by one space


def romanize(
    kana: str, kanji: str | None = None, *, readings: ReadingSource | None = None
) -> RomajiResult:
    """The passport spelling of `kana`, using `kanji` (if given) to find word boundaries.

    `readings` replaces the SudachiPy dictionary (tests pass a fake).
    """
    parts = plan_name(kana, kanji, readings)
    reasons = tuple(str(flag) for part in parts for flag in part.flags)
    return RomajiResult(
        spelling=" ".join(part.standard for part in parts),
        needs_confirmation=bool(reasons),
        reasons=reasons,
        alternatives=tuple(name_alternatives(parts)),
        notes=tuple(str(note) for part in parts for note in part.notes),
        kana=" ".join(part.kana for part in parts),
    )


def to_passport_romaji(
    kana: str, kanji: str | None = None, *, readings: ReadingSource | None = None
) -> str:
    return " ".join(part.standard for part in plan_name(kana, kanji, readings))


def alternatives(
    kana: str, kanji: str | None = None, *, readings: ReadingSource | None = None
) -> list[str]:
    """Every spelling the office may accept for `kana`: the Hepburn one first, then OH, then
    OO/OU; where a boundary is unconfirmed, both readings of it. At most 64."""
    return name_alternatives(plan_name(kana, kanji, readings))


def validate_spelling(
    kana: str,
    written: str,
    kanji: str | None = None,
    *,
    documented: bool = False,
    readings: ReadingSource | None = None,
) -> SpellingVerdict:
    """Accept or refuse the spelling an applicant wrote for `kana`, naming the rule.

    `documented=True` means the clerk has seen documents showing a foreign-origin spelling
    (スミス SMITH); only then is a spelling that does not follow the kana accepted.
    """
    return check_spelling(plan_name(kana, kanji, readings), written, documented=documented)
