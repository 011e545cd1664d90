"""Plan a name's spelling: split it into parts, decide each long-vowel pair, collect flags.

A pair is long unless a word boundary falls between its vowels. With the kanji we ask
`hepburn_boundaries`; without them, or when the dictionary cannot tell, the pair is written
long (the Hepburn default) and flagged, so a clerk confirms it: never silently guessed.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ryoken.domain.hepburn_boundaries import Judgement, ReadingSource, judge
from ryoken.domain.hepburn_kana import (
    LongO,
    Mora,
    PairStatus,
    Piece,
    PieceKind,
    Style,
    dangling_sokuon,
    long_pair_kind,
    pair_piece,
    parse_morae,
    plain_piece,
    spellings,
    split_name,
    standard_spelling,
)
from ryoken.errors import InvalidInput, InvalidKana

MAX_ALTERNATIVES = 64
_FIXED = frozenset({PieceKind.PLAIN, PieceKind.BAR, PieceKind.N, PieceKind.SOKUON})


@dataclass(frozen=True)
class Message:
    ja: str
    en: str

    def __str__(self) -> str:
        return f"{self.ja} / {self.en}"


@dataclass(frozen=True)
class PlannedPart:
    kana: str  # katakana
    kanji: str | None
    pieces: tuple[Piece, ...]
    flags: tuple[Message, ...]  # why a clerk must confirm
    notes: tuple[Message, ...]  # what was decided from the kanji, for the record

    @functools.cached_property
    def standard(self) -> str:
        return standard_spelling(self.pieces)

    @property
    def long_o_count(self) -> int:
        return sum(
            p.kind is PieceKind.FINAL_OO
            or (p.kind is PieceKind.LONG_O and p.status is not PairStatus.SPLIT)
            for p in self.pieces
        )


_NO_KANJI = Message(
    "漢字の指定がなく、かなだけでは語の区切りが分かりません",
    "no kanji was given, and kana alone cannot show the word boundary",
)


def _split_kanji(kanji: str | None, count: int, kana: str) -> list[str | None]:
    if kanji is None or not kanji.strip():
        return [None] * count
    parts = unicodedata.normalize("NFKC", kanji).replace("・", " ").split()
    if len(parts) != count:
        raise InvalidInput(
            f"the kanji name {kanji!r} has {len(parts)} part(s) but the kana {kana!r} has {count}",
            message_ja=f"漢字氏名「{kanji}」とフリガナ「{kana}」の語数が一致しません",
        )
    return list(parts)


def plan_name(kana: str, kanji: str | None, source: ReadingSource | None) -> list[PlannedPart]:
    kana_parts = split_name(kana)
    kanji_parts = _split_kanji(kanji, len(kana_parts), kana)
    return [
        plan_part(part, kanji_part, source)
        for part, kanji_part in zip(kana_parts, kanji_parts, strict=True)
    ]


def plan_part(kana: str, kanji: str | None, source: ReadingSource | None) -> PlannedPart:
    morae = parse_morae(kana)
    judge_at: Callable[[int], Judgement] | None = None
    pieces: list[Piece] = []
    unsure: list[tuple[int, Message]] = []
    notes: list[Message] = []
    i = 0
    while i < len(morae):
        mora = morae[i]
        previous = morae[i - 1] if i else None
        kind = _pair_at(morae, i)
        if kind is None:
            pieces.append(plain_piece(mora, previous))
            i += 1
            continue
        second = morae[i + 1]
        if kind is PieceKind.FINAL_OO:
            pieces.append(pair_piece(kind, mora, second, PairStatus.LONG))
            i += 2
            continue
        if kanji is None:
            status, cause = PairStatus.UNSURE, _NO_KANJI
        else:
            judge_at = judge_at or judge(kanji, kana, source)
            status, cause = _status(judge_at(second.start), mora, second)
        if status is PairStatus.SPLIT:
            notes.append(cause)
            if _pair_at(morae, i + 1) is not None:
                pieces.append(plain_piece(mora, previous))  # the second vowel may pair onward
                i += 1
                continue
        elif status is PairStatus.UNSURE:
            unsure.append((len(pieces), cause))
        pieces.append(pair_piece(kind, mora, second, status))
        i += 2
    if not standard_spelling(pieces):
        raise InvalidKana(
            f"{kana!r} has no sound to spell", message_ja=f"「{kana}」には綴る音がありません"
        )
    flags = [_unsure_flag(kana, pieces, index, cause) for index, cause in unsure]
    flags += [_orphan_flag(m) for m in morae if m.orphan]
    flags += [_dangling_flag(kana, p) for p in dangling_sokuon(pieces)]
    return PlannedPart(kana, kanji, tuple(pieces), tuple(flags), tuple(notes))


def _pair_at(morae: list[Mora], i: int) -> PieceKind | None:
    """The long-vowel rule for morae i and i+1, if they form a pair."""
    if i + 1 >= len(morae):
        return None
    return long_pair_kind(morae[i], morae[i + 1], last=i + 2 == len(morae))


def _status(judgement: Judgement, first: Mora, second: Mora) -> tuple[PairStatus, Message]:
    pair = first.text + second.text
    if judgement.status == "inside":
        return PairStatus.LONG, Message("", "")
    if judgement.status == "split":
        return PairStatus.SPLIT, Message(
            f"「{pair}」は語の区切り({judgement.evidence})をまたぐため長音として扱いません",
            f"{pair} spans the word boundary {judgement.evidence}, so it is not a long vowel",
        )
    evidence_ja = f"(対応: {judgement.evidence})" if judgement.evidence else ""
    evidence_en = f" (alignment: {judgement.evidence})" if judgement.evidence else ""
    return PairStatus.UNSURE, Message(
        judgement.reason_ja + evidence_ja, judgement.reason_en + evidence_en
    )


def _unsure_flag(kana: str, pieces: list[Piece], index: int, cause: Message) -> Message:
    piece = pieces[index]
    as_long = standard_spelling(pieces)
    split = list(pieces)
    split[index] = dataclasses.replace(piece, status=PairStatus.SPLIT)
    as_two = standard_spelling(split)
    return Message(
        f"「{kana}」の「{piece.kana}」が長音({as_long})か、語の区切りをまたぐ2音({as_two})かを"
        f"確認してください。{cause.ja}",
        f"confirm whether {piece.kana} in {kana} is a long vowel ({as_long}) or two vowels "
        f"across a word boundary ({as_two}): {cause.en}",
    )


def _orphan_flag(mora: Mora) -> Message:
    return Message(
        f"小書きの「{mora.text}」の前にかながありません(大きいかなとして書きました)",
        f"the small kana {mora.text} has no kana before it; written as the full-size kana",
    )


def _dangling_flag(kana: str, piece: Piece) -> Message:
    return Message(
        f"「{kana}」の「ッ」の後に重ねる子音がないため、書いていません",
        f"the ッ in {kana} has no consonant after it to double, so it is not written",
    )


def allowed_styles(part: PlannedPart) -> list[Style]:
    """The consistent ways a part may be written: Hepburn first, then OH, then OO/OU."""
    has_vu = any(p.head_alt for p in part.pieces)
    return [
        Style(long_o=(long_o,), vu_short=vu_short)
        for long_o in LongO
        for vu_short in ((False, True) if has_vu else (False,))
    ]


def part_alternatives(part: PlannedPart) -> list[str]:
    if not any(p.kind not in _FIXED or p.head_alt for p in part.pieces):
        return [part.standard]  # nothing to choose: the common case, kept fast
    found: dict[str, None] = {}
    for style in allowed_styles(part):
        for spelling in spellings(part.pieces, style):
            found.setdefault(spelling)
    return list(found)


def name_alternatives(parts: list[PlannedPart]) -> list[str]:
    combos = itertools.product(*(part_alternatives(p) for p in parts))
    return [" ".join(c) for c in itertools.islice(combos, MAX_ALTERNATIVES)]
