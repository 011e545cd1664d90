"""Where the word boundaries of a name fall, from its kanji: 松浦 まつうら is まつ|うら.

Whether a vowel pair is one long vowel depends on the boundary (松浦 MATSUURA, 佐藤 SATO), and
kana cannot show it. Given the kanji, we align the kana to the kanji one character at a time,
using every reading the SudachiPy dictionary lists for each kanji (and for runs of kanji),
not the tokenizer's single best path: names come without context, and the dictionary often
has the whole name as one word (松浦 マツウラ), which says nothing about the boundary inside.

The alignment prefers, in order: more kanji matched one by one to a dictionary reading; a
finer split; fewer unwritten particles (井上 イ(ノ)ウエ, 竹内 タケ(ノ)ウチ). A kanji whose
reading the dictionary lacks may take the kana left over (加藤: 加 カ, so 藤 is トウ), but never
a bare vowel: kanji read ア/イ/ウ/エ/オ are in the dictionary (井 イ, 浦 is not ウ) or in the small
supplement below, so 近藤 is コン|ドウ, not コンド|ウ. Only when no kanji-by-kanji alignment
exists do we accept a dictionary word for several kanji (東海林 ショウジ), which shows that the
reading fits but not where its kanji divide.

A vowel pair is split only on positive evidence: every best alignment puts a boundary between
its vowels, with a dictionary reading on both sides. Everything short of that is "unknown",
and the caller flags the spelling for the clerk. Limits: docs/decisions/0010-sudachipy-*.md.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ryoken.domain.hepburn_kana import to_katakana
from ryoken.errors import ConfigurationError, InvalidInput


class ReadingSource(Protocol):
    """Readings (katakana) a dictionary lists for a surface string of kanji."""

    def readings(self, surface: str) -> frozenset[str]: ...


class SudachiReadings:
    """Readings from SudachiPy's lexicon. Loads the dictionary once, on first use."""

    def __init__(self, dict_name: str = "core") -> None:
        self._dict_name = dict_name
        self._dictionary: Any = None
        self._lock = threading.Lock()
        self._cache: dict[str, frozenset[str]] = {}

    @property
    def loaded(self) -> bool:
        return self._dictionary is not None

    def dictionary(self) -> Any:
        """The sudachipy Dictionary, loaded on the first call (it takes a moment)."""
        if self._dictionary is None:
            with self._lock:
                if self._dictionary is None:
                    try:
                        from sudachipy import Dictionary

                        self._dictionary = Dictionary(dict=self._dict_name)
                    except Exception as error:  # ImportError, SudachiError: one clear line
                        raise ConfigurationError(
                            f"the SudachiPy dictionary {self._dict_name!r} cannot be loaded: "
                            f"{error}",
                            message_ja="形態素辞書(SudachiPy)を読み込めません",
                        ) from error
        return self._dictionary

    def readings(self, surface: str) -> frozenset[str]:
        cached = self._cache.get(surface)
        if cached is None:
            found = {str(m.reading_form()) for m in self.dictionary().lookup(surface)}
            cached = frozenset(r for r in found if r and r != "キゴウ")  # symbols read キゴウ
            if len(self._cache) > 65536:
                self._cache.clear()
            self._cache[surface] = cached
        return cached


_default: SudachiReadings | None = None
_default_lock = threading.Lock()


def default_readings() -> SudachiReadings:
    """The process-wide Sudachi reading source (the dictionary itself loads lazily)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SudachiReadings()
        return _default


_NOT_AT_START = frozenset("ァィゥェォャュョヮッンー")  # a reading never starts with these
_PARTICLES = frozenset("ノガツ")  # written in speech, not in kanji: 妹尾 セノオ, 竹内 タケノウチ
_SAME_SOUND = str.maketrans("ヂヅヲヰヱ", "ジズオイエ")
_VOICING = dict(
    zip(
        "カキクケコサシスセソタチツテトハヒフヘホ",
        "ガギグゲゴザジズゼゾダヂヅデドバビブベボ",
        strict=True,
    )
)
_HALF_VOICING = dict(zip("ハヒフヘホ", "パピプペポ", strict=True))
_KANA_IN_KANJI = frozenset("ヵヶ")  # 一ヶ谷: read カ/ガ/ケ/ゲ/コ
_BARE_VOWELS = frozenset("アイウエオ")
# Single-vowel name readings missing from sudachidict_core (checked against 20261015), needed
# because a kanji the dictionary lacks may not take a bare vowel: 和夫 カズ|オ, 秀男 ヒデ|オ.
_NAME_READINGS: dict[str, frozenset[str]] = {
    kanji: frozenset(readings.split())
    for kanji, readings in {
        "夫": "オ", "男": "オ", "生": "ウ オ", "小": "オ", "於": "オ", "恵": "エ", "依": "イ エ",
        "維": "イ", "惟": "イ", "唯": "イ", "阿": "ア", "吾": "ア",
    }.items()
}  # fmt: skip
_MAX_FREE = 6  # kana one kanji may take when the dictionary has no reading for it
_MAX_WORD = 4  # kanji in one dictionary word tried
_MAX_ALIGNMENTS = 64
_MAX_UNITS, _MAX_KANA = 16, 48  # far beyond any name part; keeps the search (and recursion) small


def _key(kana: str) -> str:
    return kana.translate(_SAME_SOUND)


def _sound_changes(reading: str) -> set[str]:
    """連濁 (中島 ナカ|ジマ) and 促音便 (一 イッ) variants of a reading."""
    out = {reading}
    first = reading[:1]
    for table in (_VOICING, _HALF_VOICING):
        if first in table:
            out.add(table[first] + reading[1:])
    if len(reading) > 1 and reading[-1] in "ツチクキ":
        out |= {r[:-1] + "ッ" for r in list(out)}
    return out


def _is_kanji(ch: str) -> bool:
    if ch in "々〆":
        return True
    in_blocks = "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"
    return in_blocks and unicodedata.category(ch) == "Lo"


def split_kanji_units(kanji: str) -> list[str]:
    """One unit per kanji; a run of kana written in the kanji name stays together (真由み)."""
    units: list[str] = []
    for ch in to_katakana(kanji):
        if _is_kanji(ch) or ch in _KANA_IN_KANJI:
            units.append(ch)
        elif "ァ" <= ch <= "ヺ" or ch == "ー":
            if units and _is_kana_run(units[-1]):
                units[-1] += ch
            else:
                units.append(ch)
        else:
            raise InvalidInput(
                f"{ch!r} in the kanji name {kanji!r} is neither kanji nor kana",
                message_ja=f"漢字氏名に漢字・かな以外の文字「{ch}」があります",
            )
    return units


def _is_kana_run(unit: str) -> bool:
    return not (_is_kanji(unit[0]) or unit in _KANA_IN_KANJI)


@dataclass(frozen=True)
class Segment:
    surface: str  # kanji (one or a dictionary word), a kana run, or "" for a particle
    start: int
    end: int
    known: bool  # the reading is in the dictionary (or the kana is written out)
    kind: Literal["kanji", "word", "kana", "particle"]


Score = tuple[int, int, int, int]  # kanji matched singly, in words, segments, -particles
Alignment = tuple[Segment, ...]


def _add(a: Score, b: Score) -> Score:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


class _Aligner:
    def __init__(
        self, units: Sequence[str], kana: str, source: ReadingSource, *, words: bool
    ) -> None:
        self.units = units
        self.words = words
        self.kana = kana
        self.source = source
        self.memo: dict[tuple[int, int, bool], tuple[Score, list[Alignment]] | None] = {}
        self.truncated = False

    def legal(self, j: int) -> bool:
        return j == len(self.kana) or self.kana[j] not in _NOT_AT_START

    def matches(self, j: int, reading: str) -> int | None:
        end = j + len(reading)
        if end <= len(self.kana) and _key(self.kana[j:end]) == _key(reading) and self.legal(end):
            return end
        return None

    def readings(self, u: int, length: int) -> set[str]:
        surface = "".join(self.units[u : u + length])
        if surface == "々" and u > 0:
            surface = self.units[u - 1]
        if surface in _KANA_IN_KANJI:
            found: frozenset[str] = frozenset({"カ", "ガ", "ケ", "ゲ", "コ"})
        else:
            found = self.source.readings(surface) | _NAME_READINGS.get(surface, frozenset())
        out: set[str] = set()
        for reading in found:
            out |= _sound_changes(to_katakana(reading))
        return out

    def moves(self, u: int, j: int, after_particle: bool) -> list[tuple[Score, Segment, int]]:
        unit, kana = self.units[u], self.kana
        if _is_kana_run(unit):
            end = self.matches(j, unit)
            return (
                []
                if end is None
                else [((len(unit), 0, 1, 0), Segment(unit, j, end, True, "kana"), 1)]
            )
        out: list[tuple[Score, Segment, int]] = []
        for length in range(1, (_MAX_WORD if self.words else 1) + 1):
            if u + length > len(self.units) or _is_kana_run(self.units[u + length - 1]):
                break
            surface = "".join(self.units[u : u + length])
            for reading in self.readings(u, length):
                end = self.matches(j, reading)
                if end is not None:
                    if length == 1:
                        score: Score = (1, 0, 1, 0)
                        segment = Segment(surface, j, end, True, "kanji")
                    else:
                        score, segment = (0, length, 1, 0), Segment(surface, j, end, True, "word")
                    out.append((score, segment, length))
        for end in range(j + 1, min(len(kana), j + _MAX_FREE) + 1):
            if self.legal(end) and not (end == j + 1 and kana[j] in _BARE_VOWELS):
                out.append(((0, 0, 1, 0), Segment(unit, j, end, False, "kanji"), 1))
        between_kanji = u > 0 and not after_particle and not _is_kana_run(self.units[u - 1])
        if between_kanji and kana[j] in _PARTICLES and self.legal(j + 1):
            out.append(((0, 0, 0, -1), Segment("", j, j + 1, True, "particle"), 0))
        return out

    def best(self, u: int, j: int, after_particle: bool) -> tuple[Score, list[Alignment]] | None:
        state = (u, j, after_particle)
        if state in self.memo:
            return self.memo[state]
        result: tuple[Score, list[Alignment]] | None = None
        if u == len(self.units):
            result = ((0, 0, 0, 0), [()]) if j == len(self.kana) else None
        elif j < len(self.kana):
            for score, segment, advance in self.moves(u, j, after_particle):
                rest = self.best(u + advance, segment.end, advance == 0)
                if rest is None:
                    continue
                total = _add(score, rest[0])
                found = [(segment, *tail) for tail in rest[1]]
                if result is None or total > result[0]:
                    result = (total, found)
                elif total == result[0]:
                    result[1].extend(found)
            if result is not None and len(result[1]) > _MAX_ALIGNMENTS:
                self.truncated = True
                result = (result[0], result[1][:_MAX_ALIGNMENTS])
        self.memo[state] = result
        return result


@dataclass(frozen=True)
class Judgement:
    """Whether a word boundary falls at one position of the kana."""

    status: Literal["inside", "split", "unknown"]
    evidence: str  # the alignment, e.g. "松|浦 = マツ|ウラ"
    reason_en: str = ""
    reason_ja: str = ""


def _describe(alignment: Alignment, kana: str) -> str:
    kanji = "|".join(s.surface or "(" + kana[s.start : s.end] + ")" for s in alignment)
    reading = "|".join(kana[s.start : s.end] + ("" if s.known else "?") for s in alignment)
    return f"{kanji} = {reading}"


class Boundaries:
    """The best alignments of one name part's kana to its kanji, asked position by position."""

    def __init__(self, kanji: str, kana: str, source: ReadingSource) -> None:
        self.kanji = kanji
        self.kana = kana
        self.source = source
        units = split_kanji_units(kanji)
        self.alignments: list[Alignment] = []
        self.truncated = len(units) > _MAX_UNITS or len(kana) > _MAX_KANA
        for words in (
            () if self.truncated else (False, True)
        ):  # kanji by kanji first; dictionary words only as a fallback
            aligner = _Aligner(units, kana, source, words=words)
            best = aligner.best(0, 0, False) if units else None
            if best:
                self.alignments, self.truncated = best[1], aligner.truncated
                break

    def at(self, position: int) -> Judgement:
        kanji, kana = self.kanji, self.kana
        if self.truncated:
            return Judgement(
                "unknown", "",
                f"{kanji} can be read too many ways to place the boundary",
                f"「{kanji}」の読みの区切り方が多すぎて判断できません",
            )  # fmt: skip
        if not self.alignments:
            return Judgement(
                "unknown", "",
                f"the reading {kana} could not be matched to the kanji {kanji}",
                f"フリガナ「{kana}」を漢字「{kanji}」に対応づけられません",
            )  # fmt: skip
        evidence = _describe(self.alignments[0], kana)
        kinds: dict[str, Segment] = {}
        for alignment in self.alignments:
            kind, segment = _classify(alignment, position)
            if kind == "inside" and self._absorbed(alignment, segment, position):
                kind = "absorbed"
            kinds.setdefault(kind, segment)
        if "absorbed" in kinds:
            segment = kinds["absorbed"]
            return Judgement(
                "unknown", evidence,
                f"{segment.surface} is read {kana[segment.start : segment.end]} only because "
                "the dictionary lists no one-vowel reading for it, yet the kanji beside it has "
                "a listed reading that would take the second vowel (a prefix and a word)",
                f"「{segment.surface}」の読み「{kana[segment.start : segment.end]}」は"
                "辞書にありません。"
                "隣の漢字の辞書の読みが2つ目の母音から始まるため、区切りがある可能性があります"
                "（接頭語＋語）",
            )  # fmt: skip
        if set(kinds) == {"inside"}:
            return Judgement("inside", evidence)
        if set(kinds) == {"split"}:
            return Judgement("split", evidence)
        if "inside" in kinds and ("split" in kinds or "weak" in kinds):
            return Judgement(
                "unknown", evidence,
                f"the dictionary readings of {kanji} allow a boundary there and also none",
                f"「{kanji}」の辞書の読みでは、そこに区切りがあるかどうか決まりません",
            )  # fmt: skip
        if "weak" in kinds:
            segment = kinds["weak"]
            return Judgement(
                "unknown", evidence,
                f"the boundary rests on a reading of {segment.surface} that the dictionary "
                "does not list",
                f"区切りの根拠となる「{segment.surface}」の読みが辞書にありません",
            )  # fmt: skip
        if "word" in kinds:
            segment = kinds["word"]
            return Judgement(
                "unknown", evidence,
                f"the dictionary reads {segment.surface} only as a whole, not kanji by kanji",
                f"「{segment.surface}」は辞書に一語としての読みしかなく、漢字ごとの区切りが"
                "分かりません",
            )  # fmt: skip
        return Judgement(
            "unknown", evidence,
            "this part of the name is written in kana, so no kanji shows the boundary",
            "この部分はかなで書かれているため、漢字から区切りが分かりません",
        )  # fmt: skip

    def _listed(self, surface: str, reading: str) -> bool:
        found = self.source.readings(surface) | _NAME_READINGS.get(surface, frozenset())
        variants = {v for r in found for v in _sound_changes(to_katakana(r))}
        return _key(reading) in {_key(v) for v in variants}

    def _absorbed(self, alignment: Alignment, segment: Segment, position: int) -> bool:
        """Whether a pair "inside" an unlisted reading was only put there by the rule that an
        unlisted reading is never a bare vowel: 大浦 オウラ aligns as 大|浦 = オウ?|ラ?, though
        浦 is listed as ウラ, so 大 may well be a one-vowel prefix オ and the pair two vowels."""
        if segment.known or segment.kind != "kanji":
            return False
        i = alignment.index(segment)
        after = alignment[i + 1] if i + 1 < len(alignment) else None
        before = alignment[i - 1] if i > 0 else None
        kana = self.kana
        takes_second = (
            after is not None
            and after.kind in ("kanji", "word")
            and self._listed(after.surface, kana[position : after.end])
        )
        takes_first = (
            before is not None
            and before.kind in ("kanji", "word")
            and self._listed(before.surface, kana[before.start : position])
        )
        return takes_second or takes_first


def _classify(alignment: Alignment, position: int) -> tuple[str, Segment]:
    for i, segment in enumerate(alignment):
        if segment.start < position < segment.end:
            if segment.kind == "kana":
                return "kana", segment
            return ("word" if segment.kind == "word" else "inside"), segment
        if segment.end == position and i + 1 < len(alignment):
            after = alignment[i + 1]
            if segment.known and after.known:
                return "split", segment
            return "weak", after if segment.known else segment
    raise AssertionError(f"position {position} is outside the alignment")  # pragma: no cover


def judge(kanji: str, kana: str, source: ReadingSource | None = None) -> Callable[[int], Judgement]:
    """A function answering, for a position in `kana`, whether a boundary falls there."""
    boundaries = Boundaries(kanji, kana, source or default_readings())
    return boundaries.at
