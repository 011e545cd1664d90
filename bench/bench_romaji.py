"""Passport Hepburn: ryoken against pykakasi and cutlet, same inputs, same run.

pykakasi and cutlet are general-purpose romanizers, not passport Hepburn: they write long
vowels (SATOU), apostrophes (Shin'Ya) and, for cutlet by default, English spellings of
katakana words (SMITH). The accuracy figure therefore measures "how far would a general
romanizer get you on passport names", not a flaw in either library. Each gets the kanji where
FACTS.md gives it (its dictionary finds the reading), else the kana; spellings are compared
upper-cased with spaces removed.

Throughput uses 2,000 full names drawn from Faker's ja_JP (kanji, kana) pairs. ryoken's
`romanize` also computes the alternatives and flags; with kanji it caches dictionary lookups
per surface, so a second "cold cache" figure is given.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import TypeVar

import cutlet
import pykakasi
from faker.providers.person.ja_JP import Provider as FakerJa

from bench.common import Row, per_second, report
from ryoken.domain.hepburn import SudachiReadings, romanize

# FACTS.md: the 23 "examples to test against", then 4 from the rule text.
EXAMPLES: list[tuple[str, str | None, str]] = [
    ("おおたに", None, "OTANI"), ("さいとう", None, "SAITO"), ("ようこ", None, "YOKO"),
    ("しょういち", None, "SHOICHI"), ("せのお", None, "SENOO"), ("ニーナ", None, "NINA"),
    ("かんだ", None, "KANDA"), ("しんや", None, "SHINYA"), ("なんば", None, "NAMBA"),
    ("ほんま", None, "HOMMA"), ("はっとり", None, "HATTORI"), ("ほっち", None, "HOTCHI"),
    ("かんの", None, "KANNO"), ("べっぷ", None, "BEPPU"), ("おおの", None, "ONO"),
    ("なんぶ", None, "NAMBU"), ("こうの", None, "KONO"), ("とおやま", None, "TOYAMA"),
    ("かとう", None, "KATO"), ("ジョン", None, "JON"), ("がいむ", None, "GAIMU"),
    ("スミス", None, "SUMISU"), ("まつうら", "松浦", "MATSUURA"),
    ("おおた", None, "OTA"), ("ゆうこ", None, "YUKO"), ("せのお", "妹尾", "SENOO"),
    ("よこお", "横尾", "YOKOO"),
]  # fmt: skip
THROUGHPUT_NAMES = 2_000
T = TypeVar("T")


def _squash(text: str) -> str:
    return text.upper().replace(" ", "")


def _faker_names(count: int) -> list[tuple[str, str]]:
    """(kanji, kana) full names, surname first, from Faker's ja_JP pairs."""
    rng = random.Random(2023)
    surnames = list(FakerJa.last_name_pairs)
    given = list(FakerJa.first_name_male_pairs) + list(FakerJa.first_name_female_pairs)
    out = []
    for _ in range(count):
        last, first = rng.choice(surnames), rng.choice(given)
        out.append((f"{last[0]} {first[0]}", f"{last[1]} {first[1]}"))
    return out


def _accuracy(spell: Callable[[str, str | None], str]) -> tuple[float, list[str]]:
    misses = []
    for kana, kanji, expected in EXAMPLES:
        got = _squash(spell(kana, kanji))
        if got != expected:
            misses.append(f"{kanji or kana}→{got}")
    return 100.0 * (len(EXAMPLES) - len(misses)) / len(EXAMPLES), misses


def _timed(label: str, make: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    made = make()
    seconds = time.perf_counter() - start
    print(f"- {label} loaded in {seconds:.2f} s")
    return made, seconds


def main() -> None:
    print("Loading (first use, in this process):")
    sudachi = SudachiReadings()
    _, sudachi_load = _timed("ryoken's SudachiPy dictionary (sudachidict_core)", sudachi.dictionary)
    kks, kks_load = _timed("pykakasi", pykakasi.kakasi)
    katsu, katsu_load = _timed("cutlet (fugashi + unidic-lite)", cutlet.Cutlet)
    plain_katsu = cutlet.Cutlet()
    plain_katsu.use_foreign_spelling = False
    print()

    def kakasi_spell(kana: str, kanji: str | None) -> str:
        return "".join(item["hepburn"] for item in kks.convert(kanji or kana))

    def cutlet_spell(kana: str, kanji: str | None) -> str:
        return str(katsu.romaji(kanji or kana))

    def plain_cutlet_spell(kana: str, kanji: str | None) -> str:
        return str(plain_katsu.romaji(kanji or kana))

    def ours(kana: str, kanji: str | None) -> str:
        return romanize(kana, kanji, readings=sudachi).spelling

    def ours_kana_only(kana: str, kanji: str | None) -> str:
        return romanize(kana, readings=sudachi).spelling

    ours_pct, ours_miss = _accuracy(ours)
    kana_pct, kana_miss = _accuracy(ours_kana_only)
    kks_pct, kks_miss = _accuracy(kakasi_spell)
    cut_pct, cut_miss = _accuracy(cutlet_spell)
    plain_pct, plain_miss = _accuracy(plain_cutlet_spell)
    n = len(EXAMPLES)
    what = f"exact passport spelling, {n} FACTS.md names"
    report(
        "Romaji: passport Hepburn accuracy (pykakasi and cutlet are general romanizers)",
        [
            Row(what, ours_pct, f"pykakasi {version('pykakasi')}", kks_pct, "%", "100%"),
            Row(what, ours_pct, f"cutlet {version('cutlet')} (default)", cut_pct, "%", "100%"),
            Row(what, ours_pct, "cutlet, foreign spelling off", plain_pct, "%", "100%"),
            Row(f"{what}, kana only (no kanji)", kana_pct, "pykakasi, kana only",
                _accuracy(lambda kana, _k: kakasi_spell(kana, None))[0], "%"),
        ],
    )  # fmt: skip
    for name, misses in [
        ("ryoken", ours_miss), ("ryoken kana only (flagged for the clerk)", kana_miss),
        ("pykakasi", kks_miss), ("cutlet", cut_miss), ("cutlet, foreign spelling off", plain_miss),
    ]:  # fmt: skip
        print(f"- {name} misses ({len(misses)}): {', '.join(misses) or 'none'}")
    print()

    names = _faker_names(THROUGHPUT_NAMES)
    kana_names = [kana for _, kana in names]
    kanji_names = [kanji for kanji, _ in names]
    cold_seconds = float("inf")
    for _ in range(3):  # a fresh reading cache each time; the dictionary load is not timed
        cold = SudachiReadings()
        cold.dictionary()
        start = time.perf_counter()
        for kanji, kana in names:
            romanize(kana, kanji, readings=cold)
        cold_seconds = min(cold_seconds, time.perf_counter() - start)
    cold_rate = len(names) / cold_seconds
    flagged_kanji = sum(
        romanize(kana, kanji, readings=sudachi).needs_confirmation for kanji, kana in names
    )
    flagged_kana = sum(romanize(kana).needs_confirmation for kana in kana_names)

    def run(fn: Callable[[str], object], texts: list[str]) -> Callable[[], None]:
        def go() -> None:
            for text in texts:
                fn(text)

        return go

    count = len(names)
    kana_rate = per_second(run(lambda t: romanize(t, readings=sudachi), kana_names), count)
    kanji_rate = per_second(lambda: [romanize(k, j, readings=sudachi) for j, k in names], count)
    kks_kana = per_second(run(kks.convert, kana_names), count)
    kks_kanji = per_second(run(kks.convert, kanji_names), count)
    cut_kana = per_second(run(katsu.romaji, kana_names), count)
    cut_kanji = per_second(run(katsu.romaji, kanji_names), count)
    report(
        f"Romaji: throughput, {count} Faker ja_JP full names",
        [
            Row("names/s, from kana", kana_rate, "pykakasi", kks_kana, "names/s"),
            Row("names/s, from kana", kana_rate, "cutlet", cut_kana, "names/s"),
            Row("names/s, with kanji (cached lookups)", kanji_rate, "pykakasi on kanji",
                kks_kanji, "names/s"),
            Row("names/s, with kanji (cached lookups)", kanji_rate, "cutlet on kanji",
                cut_kanji, "names/s"),
            Row("names/s, with kanji, cold cache", cold_rate, "pykakasi on kanji", kks_kanji,
                "names/s"),
            Row("dictionary load (imports excluded), s", sudachi_load, "pykakasi", kks_load, "s"),
            Row("dictionary load (imports excluded), s", sudachi_load, "cutlet", katsu_load, "s"),
            Row("names flagged for the clerk, with kanji, %", 100 * flagged_kanji / count,
                "ryoken kana only", 100 * flagged_kana / count, "%"),
        ],
    )  # fmt: skip
