"""`ryoken mrz encode` and `ryoken mrz check`: the passport's machine-readable zone (TD3).

Remember to quote arguments that contain `<` in a shell: `ryoken mrz check 'P<JPN...' '...'`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from ryoken import clock
from ryoken.cli import CheckFailed
from ryoken.domain.mrz import encode_td3_result, validate_td3
from ryoken.errors import InvalidInput


def cmd_encode(args: argparse.Namespace) -> int:
    encoded = encode_td3_result(
        document_type=args.type,
        country=args.country,
        surname=args.surname,
        given_names=args.given,
        number=args.number,
        nationality=args.nationality,
        birth=args.birth,
        sex=args.sex,
        expiry=args.expiry,
        optional=args.optional,
    )
    print(encoded.line1)
    print(encoded.line2)
    if encoded.truncated:
        print("note: the name was truncated to fit 39 characters", file=sys.stderr)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    today = _today(args.today)
    problems = validate_td3(args.line1.strip(), args.line2.strip(), today=today)
    if problems:
        listed = "; ".join(p.message for p in problems)
        raise CheckFailed(
            f"invalid MRZ ({len(problems)} failed): {listed}",
            message_ja=f"機械読取り領域に誤りがあります（{len(problems)}件）: {listed}",
        )
    print("valid")
    return 0


def _today(text: str | None) -> date:
    if text is None:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--today {text!r} is not a date written YYYY-MM-DD.") from None


def register(subparsers: Any) -> None:
    mrz = subparsers.add_parser("mrz", help="encode or check a passport machine-readable zone")
    actions = mrz.add_subparsers(dest="mrz_command", metavar="ACTION")
    actions.required = True

    p = actions.add_parser("encode", help="print the two MRZ lines for the given data")
    p.add_argument("--type", default="P", help="document code: P, or P plus one letter")
    p.add_argument("--country", required=True, help="issuing state, e.g. JPN")
    p.add_argument("--surname", required=True)
    p.add_argument("--given", required=True, help="given names, separated by spaces")
    p.add_argument("--number", required=True, help="passport number, e.g. TK1234567")
    p.add_argument("--nationality", required=True, help="e.g. JPN")
    p.add_argument("--birth", required=True, help="birth date YYMMDD")
    p.add_argument("--sex", required=True, help="M, F or <")
    p.add_argument("--expiry", required=True, help="expiry date YYMMDD")
    p.add_argument("--optional", default="", help="optional data, at most 14 characters")
    p.set_defaults(func=cmd_encode)

    p = actions.add_parser("check", help="validate two MRZ lines; exit 1 listing each failure")
    p.add_argument("line1")
    p.add_argument("line2")
    p.add_argument(
        "--today",
        help="resolve two-digit years against this date (YYYY-MM-DD); default: today in Japan",
    )
    p.set_defaults(func=cmd_check)
