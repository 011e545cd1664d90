"""`ryoken romaji`: the passport Hepburn spelling of kana names, one line per name.

    ryoken romaji おおの                      ONO  (要確認: ...)
    ryoken romaji --kanji 松浦 まつうら       MATSUURA
    ryoken romaji --all --kanji 大野 おおの   ONO  (候補: OHNO / OONO)
    ryoken romaji --check OHNO おおの         exit 0 if the office may accept it, 1 if not

The first field of each line is the spelling (a name with a given name has a space in it:
"MATSUURA TARO"); what follows two spaces is for the clerk. Without --kanji, a long vowel
whose reading depends on a word boundary is flagged 要確認 (confirm). Give every --kanji
before the names (`--kanji 松浦 --kanji 大野 まつうら おおの`): argparse takes the names as
one block.
"""

from __future__ import annotations

import argparse
from typing import Any

from ryoken.cli import CheckFailed
from ryoken.domain.hepburn import romanize, validate_spelling
from ryoken.errors import InvalidInput


def _kanji_for(args: argparse.Namespace) -> list[str | None]:
    kanji: list[str] | None = args.kanji
    if kanji is None:
        return [None] * len(args.kana)
    if len(kanji) != len(args.kana):
        raise InvalidInput(
            f"give --kanji once per name: {len(kanji)} --kanji for {len(args.kana)} name(s)",
            message_ja="--kanji は氏名ごとに1つずつ指定してください",
        )
    return list(kanji)


def cmd_romaji(args: argparse.Namespace) -> int:
    kanji = _kanji_for(args)
    if args.check is not None:
        return _check(args, kanji)
    for kana, name_kanji in zip(args.kana, kanji, strict=True):
        result = romanize(kana, name_kanji)
        line = result.spelling
        others = [a for a in result.alternatives if a != result.spelling]
        if args.all and others:
            line += f"  (候補: {' / '.join(others)})"
        if result.needs_confirmation:
            line += f"  (要確認: {'; '.join(result.reasons)})"
        print(line)
    return 0


def _check(args: argparse.Namespace, kanji: list[str | None]) -> int:
    if len(args.kana) != 1:
        raise InvalidInput(
            "--check takes exactly one name", message_ja="--check は氏名1つに対して使います"
        )
    verdict = validate_spelling(args.kana[0], args.check, kanji[0], documented=args.documented)
    if not verdict.accepted:
        raise CheckFailed(
            f"{verdict.written} refused ({verdict.rule}): {verdict.reason_en} "
            f"Passport Hepburn: {verdict.standard}",
            message_ja=f"{verdict.written} は受け付けられません: {verdict.reason_ja}"
            f"(ヘボン式: {verdict.standard})",
        )
    line = f"{verdict.written}  (受付可: {verdict.rule}: {verdict.reason_ja})"
    if verdict.needs_confirmation:
        line += "  (要確認: 語の区切りを確認してください)"
    print(line)
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("romaji", help="passport Hepburn spelling of kana names")
    p.add_argument("kana", nargs="+", metavar="KANA", help="a name in kana (quote 'せい めい')")
    p.add_argument(
        "--kanji", action="append", metavar="KANJI",
        help="the name in kanji, to find word boundaries (once per KANA, in order, before them)",
    )  # fmt: skip
    p.add_argument(
        "--all", action="store_true", help="also list every spelling the office may accept"
    )
    p.add_argument("--check", metavar="SPELLING", help="check a spelling the applicant wrote")
    p.add_argument(
        "--documented", action="store_true",
        help="with --check: documents show this foreign-origin spelling (スミス SMITH)",
    )  # fmt: skip
    p.set_defaults(func=cmd_romaji)
