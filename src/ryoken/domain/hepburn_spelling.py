"""Check a spelling the applicant wrote against the kana, and name the rule it breaks.

Accepted: passport Hepburn; the non-Hepburn long O on request (OH, or OO/OU), used the same
way throughout a name part; a foreign-origin spelling (スミス SMITH) only when the caller says
documents support it. Refused otherwise, with the rule: we regenerate the kana's spellings
with one rule relaxed at a time (long vowels, ん, っ, the table) and see which one produces
what was written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from ryoken.domain.hepburn_kana import LongO, Style, spellings
from ryoken.domain.hepburn_plan import PlannedPart, allowed_styles, part_alternatives

# Stable rule codes: screens and reports key on them; never reuse one for another meaning.
HEPBURN = "hepburn"
NON_HEPBURN_LONG_VOWEL = "non-hepburn-long-vowel"
DOCUMENTED_FOREIGN_ORIGIN = "documented-foreign-origin"
CHARACTERS = "characters"
NAME_PARTS = "name-parts"
MIXED_LONG_VOWELS = "mixed-long-vowels"
LONG_VOWEL = "long-vowel"
SYLLABIC_N = "syllabic-n"
SOKUON = "sokuon"
HEPBURN_TABLE = "hepburn-table"
NOT_FROM_KANA = "not-from-kana"

_MESSAGES: dict[str, tuple[str, str]] = {
    HEPBURN: ("Passport Hepburn.", "ヘボン式の表記です。"),
    NON_HEPBURN_LONG_VOWEL: (
        "Non-Hepburn long vowel (OH, or OO/OU): it must be requested on the application form, "
        "cannot be changed back later, the surname must match the family's, and the "
        "application cannot be submitted by a proxy.",
        "非ヘボン式の長音表記(OH、またはOO/OU)です。申請書での申出が必要で、後から戻すことは"
        "できません。姓は家族と一致させる必要があり、代理提出はできません。",
    ),
    DOCUMENTED_FOREIGN_ORIGIN: (
        "Foreign-origin spelling accepted on the strength of documents: keep a copy of them. "
        "It is non-Hepburn: requested on the form, not by proxy.",
        "書類に基づく外国式の綴りとして受け付けます。書類の写しを保存してください。"
        "非ヘボン式のため申請書での申出が必要で、代理提出はできません。",
    ),
    CHARACTERS: (
        "A passport name uses only the letters A-Z, with single spaces between name parts "
        "(no accents, apostrophes, hyphens or digits).",
        "旅券の氏名はA〜Zの英字のみで、語の間は空白1つです(アクセント記号・アポストロフィ・"
        "ハイフン・数字は使えません)。",
    ),
    NAME_PARTS: (
        "The spelling does not have the same number of name parts as the kana.",
        "ローマ字の語数がフリガナの語数と一致しません。",
    ),
    MIXED_LONG_VOWELS: (
        "Long O must be written the same way throughout a name part: all O, all OH, or all OO/OU.",
        "長音(O)の表記は一つの氏名の中で統一してください(すべてO、すべてOH、またはすべてOO/OU)。",
    ),
    LONG_VOWEL: (
        "Passport Hepburn does not write long vowels (おお/おう O, うう U, ー dropped; a "
        "name-final オオ is OO); the only other choice is OH or OO/OU for a long O, and a vowel "
        "pair across a word boundary (松浦 MATSUURA) is written in full.",
        "ヘボン式では長音を書きません(おお・おう→O、うう→U、ーは書かない。語末のオオはOO)。"
        "例外は長音OをOHまたはOO/OUと書く申出のみで、語の区切りをまたぐ母音(松浦 MATSUURA)は"
        "そのまま書きます。",
    ),
    SYLLABIC_N: (
        "ん is written M before B, M and P (NAMBA, HOMMA), otherwise N, with no apostrophe.",
        "B・M・Pの前の「ん」はM(例: NAMBA、HOMMA)、それ以外はNと書き、アポストロフィは付けません。",
    ),
    SOKUON: (
        "っ doubles the next consonant, and is written T before CH (HOTCHI).",
        "「っ」は次の子音を重ねて書き、CHの前ではTと書きます(例: HOTCHI)。",
    ),
    HEPBURN_TABLE: (
        "Passports use the Hepburn table: し SHI, ち CHI, つ TSU, ふ FU, じ/ぢ JI, ず/づ ZU, "
        "を O, しゃ SHA, ちゃ CHA, じゃ JA, ティ TEI, ファ FUA, ヴ BU (not Kunrei-shiki or "
        "English spellings).",
        "旅券はヘボン式です(し SHI、ち CHI、つ TSU、ふ FU、じ・ぢ JI、ず・づ ZU、を O、"
        "しゃ SHA、ちゃ CHA、じゃ JA、ティ TEI、ファ FUA、ヴ BU。訓令式や英語式は使えません)。",
    ),
    NOT_FROM_KANA: (
        "The spelling does not follow the kana. A foreign-origin spelling (スミス SMITH) is "
        "accepted only with documents that show it.",
        "フリガナに基づかない綴りです。外国式の綴り(例: スミス SMITH)は、それを示す書類が"
        "ある場合に限り認められます。",
    ),
}

_LETTERS = re.compile(r"[A-Z]+(?: [A-Z]+)*")


@dataclass(frozen=True)
class SpellingVerdict:
    accepted: bool
    written: str  # as checked: upper case, single spaces
    standard: str  # the passport Hepburn spelling of the kana
    rule: str  # a stable code: which allowance accepts it, or which rule refuses it
    reason_en: str
    reason_ja: str
    non_hepburn: bool = False
    needs_confirmation: bool = False  # accepted, but a long vowel's boundary is unconfirmed


def normalise_written(written: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", written).upper().split())


def check_spelling(parts: list[PlannedPart], written: str, *, documented: bool) -> SpellingVerdict:
    text = normalise_written(written)
    standard = " ".join(p.standard for p in parts)
    confirm = any(p.flags for p in parts)

    def verdict(rule: str, accepted: bool, *, non_hepburn: bool = False) -> SpellingVerdict:
        en, ja = _MESSAGES[rule]
        return SpellingVerdict(
            accepted, text, standard, rule, en, ja, non_hepburn, confirm and accepted
        )

    if not _LETTERS.fullmatch(text):
        return verdict(CHARACTERS, False)
    words = text.split(" ")
    if len(words) == len(parts) and all(
        w in part_alternatives(p) for w, p in zip(words, parts, strict=True)
    ):
        hepburn = all(_is_hepburn(p, w) for w, p in zip(words, parts, strict=True))
        if hepburn:
            return verdict(HEPBURN, True)
        return verdict(NON_HEPBURN_LONG_VOWEL, True, non_hepburn=True)
    if documented:
        return verdict(DOCUMENTED_FOREIGN_ORIGIN, True, non_hepburn=True)
    if len(words) != len(parts):
        return verdict(NAME_PARTS, False)
    for word, part in zip(words, parts, strict=True):
        if word not in part_alternatives(part):
            return verdict(_broken_rule(part, word), False)
    raise AssertionError("unreachable: every part was allowed")  # pragma: no cover


def _is_hepburn(part: PlannedPart, word: str) -> bool:
    styles = [s for s in allowed_styles(part) if s.long_o == (LongO.DROP,)]
    return any(word in spellings(part.pieces, s) for s in styles)


def _broken_rule(part: PlannedPart, word: str) -> str:
    """The one rule which, relaxed alone, would have produced `word`."""
    styles = allowed_styles(part)
    if part.long_o_count >= 2:
        for style in styles:
            mixed = replace(style, long_o=tuple(LongO))
            if word in spellings(part.pieces, mixed):
                return MIXED_LONG_VOWELS
    relaxations: tuple[tuple[str, Callable[[Style], Style]], ...] = (
        (LONG_VOWEL, lambda s: replace(s, relax_long=True)),
        (SYLLABIC_N, lambda s: replace(s, relax_n=True)),
        (SOKUON, lambda s: replace(s, relax_sokuon=True)),
        (HEPBURN_TABLE, lambda s: replace(s, relax_table=True)),
    )
    for rule, relax in relaxations:
        for style in styles:
            if word in spellings(part.pieces, relax(style)):
                return rule
    return NOT_FROM_KANA
