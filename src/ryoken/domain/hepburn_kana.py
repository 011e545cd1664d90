"""Kana to passport Hepburn, one name part at a time (旅券法施行規則5条 and the prefectural tables).

The pipeline is: normalise (NFKC, katakana) → morae → pieces → spellings.

A *piece* is what one rule of the table writes: a syllable, a vowel pair that may be a long
vowel, ん, っ or ー. ん and っ depend on what follows, so they are resolved after the pieces
around them are chosen. Long-vowel pairs carry a status (long, split by a word boundary, or
unsure) decided by the caller, because kana alone cannot show the boundary (松浦 まつ|うら).

The same machinery that writes the standard spelling also writes the non-Hepburn spellings
allowed on request (OH, OO/OU) and, with `Style.relax_*`, the common wrong spellings that let
`validate_spelling` say *which* rule a written spelling breaks.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from ryoken.errors import InvalidKana

_BASE: dict[str, str] = {
    "ア": "A", "イ": "I", "ウ": "U", "エ": "E", "オ": "O",
    "カ": "KA", "キ": "KI", "ク": "KU", "ケ": "KE", "コ": "KO",
    "サ": "SA", "シ": "SHI", "ス": "SU", "セ": "SE", "ソ": "SO",
    "タ": "TA", "チ": "CHI", "ツ": "TSU", "テ": "TE", "ト": "TO",
    "ナ": "NA", "ニ": "NI", "ヌ": "NU", "ネ": "NE", "ノ": "NO",
    "ハ": "HA", "ヒ": "HI", "フ": "FU", "ヘ": "HE", "ホ": "HO",
    "マ": "MA", "ミ": "MI", "ム": "MU", "メ": "ME", "モ": "MO",
    "ヤ": "YA", "ユ": "YU", "ヨ": "YO",
    "ラ": "RA", "リ": "RI", "ル": "RU", "レ": "RE", "ロ": "RO",
    "ワ": "WA", "ヰ": "I", "ヱ": "E", "ヲ": "O",
    "ガ": "GA", "ギ": "GI", "グ": "GU", "ゲ": "GE", "ゴ": "GO",
    "ザ": "ZA", "ジ": "JI", "ズ": "ZU", "ゼ": "ZE", "ゾ": "ZO",
    "ダ": "DA", "ヂ": "JI", "ヅ": "ZU", "デ": "DE", "ド": "DO",
    "バ": "BA", "ビ": "BI", "ブ": "BU", "ベ": "BE", "ボ": "BO",
    "パ": "PA", "ピ": "PI", "プ": "PU", "ペ": "PE", "ポ": "PO",
    # The passport table for foreign-origin names: ヴ BU, ヴァ BUA or BA.
    "ヴ": "BU",
    "ヵ": "KA", "ヶ": "KE",
}  # fmt: skip

# Small kana written after a syllable are written as the full-size kana (ティ TEI, ファ FUA).
_SMALL: dict[str, str] = {
    "ァ": "A", "ィ": "I", "ゥ": "U", "ェ": "E", "ォ": "O",
    "ャ": "YA", "ュ": "YU", "ョ": "YO", "ヮ": "WA",
}  # fmt: skip

# Contracted sounds (拗音): きゃ KYA, しゃ SHA, ちゃ CHA, じゃ JA.
_YOON: dict[str, str] = {
    "キ": "KY", "ギ": "GY", "シ": "SH", "ジ": "J", "チ": "CH", "ヂ": "J",
    "ニ": "NY", "ヒ": "HY", "ビ": "BY", "ピ": "PY", "ミ": "MY", "リ": "RY",
}  # fmt: skip

SOKUON, SYLLABIC_N, BAR = "ッ", "ン", "ー"
_ITERATION = {"ヽ": False, "ヾ": True}  # iteration mark -> voiced
_VOICED = dict(
    zip(
        "カキクケコサシスセソタチツテトハヒフヘホウ",
        "ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ",
        strict=True,
    )
)
_UNVOICED = {v: k for k, v in _VOICED.items()} | dict(zip("パピプペポ", "ハヒフヘホ", strict=True))
_SEPARATORS = frozenset(" ・")
KANA_CHARS = (
    frozenset(_BASE) | frozenset(_SMALL) | {SOKUON, SYLLABIC_N, BAR} | frozenset(_ITERATION)
)
_VOWELS = frozenset("AEIOU")


def to_katakana(text: str) -> str:
    """Hiragana (including ゔ, ゕ, ゖ, ゝ, ゞ) to katakana; everything else unchanged."""
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" or ch in "ゝゞ" else ch for ch in text)


def to_hiragana(text: str) -> str:
    """Katakana to hiragana where a hiragana exists (ヷ-ヺ have none)."""
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" or ch in "ヽヾ" else ch for ch in text)


def split_name(text: str) -> list[str]:
    """NFKC, katakana, split into name parts on spaces, full-width spaces and ・.

    Raises InvalidKana naming the first character that is not kana.
    """
    normalised = to_katakana(unicodedata.normalize("NFKC", text))
    parts: list[str] = []
    current: list[str] = []
    for ch in normalised:
        if ch in _SEPARATORS or ch.isspace():
            if current:
                parts.append("".join(current))
                current = []
            continue
        if ch not in KANA_CHARS:
            what, what_ja = (
                ("is kana that passport names do not use", "は旅券の氏名に使えないかなです")
                if "ァ" <= ch <= "ヿ"
                else ("is not kana", "はかなではありません")
            )
            raise InvalidKana(
                f"{ch!r} (U+{ord(ch):04X}) {what}, in {text!r}",
                message_ja=f"「{ch}」{what_ja}(入力: {text})",
            )
        current.append(ch)
    if current:
        parts.append("".join(current))
    if not parts:
        raise InvalidKana(
            f"no kana to romanize in {text!r}", message_ja="ローマ字にするかながありません"
        )
    return [_expand_iteration_marks(part) for part in parts]


def _expand_iteration_marks(part: str) -> str:
    out: list[str] = []
    for ch in part:
        if ch in _ITERATION:
            previous = next((c for c in reversed(out) if c in _BASE), None)
            if previous is None:
                raise InvalidKana(
                    f"the iteration mark {ch!r} has no kana before it, in {part!r}",
                    message_ja=f"踊り字「{ch}」の前にかながありません({part})",
                )
            plain = _UNVOICED.get(previous, previous)
            out.append(_VOICED.get(plain, plain) if _ITERATION[ch] else plain)
        else:
            out.append(ch)
    return "".join(out)


class MoraKind(Enum):
    SYLLABLE = "syllable"
    SOKUON = "sokuon"
    N = "n"
    BAR = "bar"


@dataclass(frozen=True)
class Mora:
    text: str  # katakana, with any small kana attached: "キャ", "ファ"
    start: int  # index of its first character in the name part
    kind: MoraKind
    romaji: str = ""
    alt: str | None = None  # ヴァ: BA besides BUA (both in the passport table)
    orphan: bool = False  # a small kana with nothing before it

    @property
    def vowel(self) -> str | None:
        return self.romaji[-1] if self.romaji and self.romaji[-1] in _VOWELS else None


def parse_morae(part: str) -> list[Mora]:
    """Split one katakana name part into morae, attaching small kana to the kana before."""
    morae: list[Mora] = []
    i = 0
    while i < len(part):
        ch = part[i]
        if ch == SOKUON:
            morae.append(Mora(ch, i, MoraKind.SOKUON))
            i += 1
        elif ch == SYLLABIC_N:
            morae.append(Mora(ch, i, MoraKind.N))
            i += 1
        elif ch == BAR:
            morae.append(Mora(ch, i, MoraKind.BAR))
            i += 1
        elif ch in _SMALL:
            morae.append(Mora(ch, i, MoraKind.SYLLABLE, _SMALL[ch], orphan=True))
            i += 1
        else:
            j = i + 1
            while j < len(part) and part[j] in _SMALL:
                j += 1
            morae.append(_syllable(part[i:j], i))
            i = j
    return morae


def _syllable(text: str, start: int) -> Mora:
    base, smalls = text[0], text[1:]
    if smalls and smalls[0] in "ャュョ" and base in _YOON:
        romaji = _YOON[base] + _SMALL[smalls[0]][-1]
        rest = smalls[1:]
    else:
        romaji = _BASE[base]
        rest = smalls
    romaji += "".join(_SMALL[s] for s in rest)
    alt = None
    if base == "ヴ" and smalls and smalls[0] in "ァィェォ":
        alt = "B" + romaji[2:]  # ヴァ BUA or BA
    return Mora(text, start, MoraKind.SYLLABLE, romaji, alt)


class PieceKind(Enum):
    PLAIN = "plain"
    LONG_O = "long_o"  # o-row + お/う: おお, おう, こう, しょう
    LONG_U = "long_u"  # u-row + う: うう, ゆう, しゅう
    FINAL_OO = "final_oo"  # o-row + お ending the name part: せのお SENOO
    BAR = "bar"
    N = "n"
    SOKUON = "sokuon"


class PairStatus(Enum):
    LONG = "long"  # one long vowel: written once
    SPLIT = "split"  # a word boundary falls between the two vowels: both written
    UNSURE = "unsure"  # cannot tell; written long by default, and flagged


@dataclass(frozen=True)
class Piece:
    kind: PieceKind
    kana: str
    start: int
    head: str = ""  # romaji of the (first) syllable
    head_alt: str | None = None
    second: str = ""  # the second vowel of a pair, or the vowel before ー
    status: PairStatus = PairStatus.LONG


def long_pair_kind(first: Mora, second: Mora, *, last: bool) -> PieceKind | None:
    """Which long-vowel rule a pair of morae falls under, if any."""
    if first.kind is not MoraKind.SYLLABLE or first.orphan or second.kind is not MoraKind.SYLLABLE:
        return None
    if first.vowel == "O" and second.text in ("オ", "ウ"):
        return PieceKind.FINAL_OO if last and second.text == "オ" else PieceKind.LONG_O
    if first.vowel == "U" and second.text == "ウ":
        return PieceKind.LONG_U
    return None


def plain_piece(mora: Mora, previous: Mora | None) -> Piece:
    if mora.kind is MoraKind.N:
        return Piece(PieceKind.N, mora.text, mora.start)
    if mora.kind is MoraKind.SOKUON:
        return Piece(PieceKind.SOKUON, mora.text, mora.start)
    if mora.kind is MoraKind.BAR:
        vowel = (previous.vowel if previous else None) or ""
        return Piece(PieceKind.BAR, mora.text, mora.start, second=vowel)
    return Piece(PieceKind.PLAIN, mora.text, mora.start, mora.romaji, mora.alt)


def pair_piece(kind: PieceKind, first: Mora, second: Mora, status: PairStatus) -> Piece:
    return Piece(
        kind, first.text + second.text, first.start, first.romaji, first.alt,
        second=second.romaji, status=status,
    )  # fmt: skip


# Spellings a person may write from habit (Kunrei-shiki, English) that the passport table does
# not use. Only for saying which rule a written spelling breaks.
_ROMAJI_SLIPS: tuple[tuple[str, str], ...] = (
    ("SHI", "SI"), ("CHI", "TI"), ("TSU", "TU"), ("FU", "HU"), ("JI", "ZI"), ("JI", "DI"),
    ("ZU", "DU"), ("SH", "SY"), ("CH", "TY"), ("CH", "CY"), ("J", "ZY"), ("J", "JY"),
    ("BU", "VU"), ("FUA", "FA"), ("FUI", "FI"), ("FUE", "FE"), ("FUO", "FO"), ("TEI", "TI"),
    ("DEI", "DI"), ("BUA", "VA"), ("BUI", "VI"), ("BUE", "VE"), ("BUO", "VO"),
    ("SHIE", "SHE"), ("JIE", "JE"), ("CHIE", "CHE"), ("DEYU", "DYU"), ("UI", "WI"),
    ("UE", "WE"), ("UO", "WO"),
)  # fmt: skip


@functools.lru_cache(maxsize=1024)
def table_variants(kana: str, romaji: str) -> tuple[str, ...]:
    """Spellings of a syllable that the passport table does not use (for diagnosis only)."""
    found: list[str] = []
    if kana.startswith("ヲ"):
        found.append("WO")
    for right, slip in _ROMAJI_SLIPS:
        if romaji.startswith(right):
            found.append(slip + romaji[len(right) :])
    return tuple(dict.fromkeys(v for v in found if v != romaji))


class LongO(Enum):
    """How a long O is written: the Hepburn rule, or one of the two non-Hepburn requests."""

    DROP = "drop"  # 大野 ONO (passport Hepburn)
    OH = "oh"  # 大野 OHNO, 加藤 KATOH
    LITERAL = "literal"  # 大野 OONO, 加藤 KATOU


@dataclass(frozen=True)
class Style:
    long_o: tuple[LongO, ...] = (LongO.DROP,)  # choices for each long O, independently
    vu_short: bool = False  # ヴァ as BA rather than BUA
    relax_long: bool = False
    relax_n: bool = False
    relax_sokuon: bool = False
    relax_table: bool = False


_N_MARK, _Q_MARK, _QC_MARK = "\x00N", "\x00Q", "\x00C"


def _heads(piece: Piece, style: Style) -> list[str]:
    head = piece.head_alt if style.vu_short and piece.head_alt else piece.head
    return [head, *table_variants(piece.kana, piece.head)] if style.relax_table else [head]


def _long_o_forms(piece: Piece, head: str, style: Style) -> list[str]:
    forms = {LongO.DROP: head, LongO.OH: head + "H", LongO.LITERAL: head + piece.second}
    if piece.kind is PieceKind.FINAL_OO:
        forms[LongO.DROP] = head + "O"  # the exception: a name-final オオ is written OO
    return [forms[choice] for choice in style.long_o]


def piece_options(piece: Piece, style: Style) -> list[str]:
    """Every way `style` lets this piece be written, the preferred one first."""
    kind = piece.kind
    if kind is PieceKind.N:
        return [_N_MARK, "N"] if style.relax_n else [_N_MARK]
    if kind is PieceKind.SOKUON:
        return [_Q_MARK, _QC_MARK] if style.relax_sokuon else [_Q_MARK]
    if kind is PieceKind.BAR:
        return ["", piece.second, "H"] if style.relax_long else [""]
    out: list[str] = []
    for head in _heads(piece, style):
        if kind is PieceKind.PLAIN:
            out.append(head)
            continue
        both = head + piece.second
        if kind is PieceKind.FINAL_OO:
            out += _long_o_forms(piece, head, style)
        elif piece.status is PairStatus.SPLIT:
            out.append(both)
        elif kind is PieceKind.LONG_O:
            out += _long_o_forms(piece, head, style)
        else:
            out.append(head)
        if piece.status is PairStatus.UNSURE:
            out.append(both)
        if style.relax_long:
            out += [head, head + "H", head + "O", head + "U", head + "OH"]
    return list(dict.fromkeys(out))


def _resolve(chunks: Sequence[str], pieces: Sequence[Piece]) -> str:
    """Write ん and っ now that what follows them is known (right to left)."""
    out = list(chunks)
    following = ""  # the next non-empty chunk already resolved
    following_is_n = False
    for i in range(len(out) - 1, -1, -1):
        chunk = out[i]
        if chunk == _N_MARK:
            chunk = "M" if following[:1] in ("B", "M", "P") else "N"
        elif chunk in (_Q_MARK, _QC_MARK):
            if not following or following_is_n or following[0] in _VOWELS:
                chunk = ""  # nothing to double: not written (and flagged by the caller)
            elif following.startswith("CH"):
                chunk = "C" if out[i] == _QC_MARK else "T"
            else:
                chunk = following[0]
        out[i] = chunk
        if chunk:
            following = chunk
            following_is_n = pieces[i].kind is PieceKind.N
    return "".join(out)


def spellings(pieces: Sequence[Piece], style: Style, limit: int = 4096) -> Iterator[str]:
    """Spellings of one name part under `style`, the preferred first, without repeats."""
    seen: set[str] = set()
    options = [piece_options(p, style) for p in pieces]
    for choice in itertools.islice(itertools.product(*options), limit):
        spelling = _resolve(choice, pieces)
        if spelling not in seen:
            seen.add(spelling)
            yield spelling


def standard_spelling(pieces: Sequence[Piece]) -> str:
    return _resolve([piece_options(p, Style())[0] for p in pieces], pieces)


def dangling_sokuon(pieces: Sequence[Piece]) -> list[Piece]:
    """っ with no consonant after it (name-final, before a vowel, ん or another っ)."""
    found = []
    for i, piece in enumerate(pieces):
        if piece.kind is not PieceKind.SOKUON:
            continue
        nxt = next((p for p in pieces[i + 1 :] if p.kind is not PieceKind.BAR), None)
        if nxt is None or nxt.kind in (PieceKind.N, PieceKind.SOKUON) or nxt.head[:1] in _VOWELS:
            found.append(piece)
    return found
