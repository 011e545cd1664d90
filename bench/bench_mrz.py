"""TD3 machine-readable zone: ryoken against the `mrz` package (PyPI, 0.6.x), same inputs.

Measures encode+check and check-only throughput, the raw check digit, and whether both
libraries write identical lines for the same passport data (agreement %).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from mrz.base.functions import hash_string
from mrz.checker.td3 import TD3CodeChecker
from mrz.generator.td3 import TD3CodeGenerator

from bench.common import Row, per_second, report
from ryoken.domain.mrz import check_digit, encode_td3, validate_td3

TODAY = date(2025, 6, 1)
COUNT = 10_000

SURNAMES = [
    "SATO", "SUZUKI", "TAKAHASHI", "TANAKA", "WATANABE", "ITO", "YAMAMOTO", "NAKAMURA",
    "KOBAYASHI", "KATO", "YOSHIDA", "YAMADA", "SASAKI", "MATSUURA", "SENOO", "HOMMA",
    "NAMBA", "HATTORI", "BEPPU", "HOTCHI", "KANNO", "OTANI", "SAITO", "KONO",
    "Müller", "Ångström", "Núñez García", "O'Brien", "Le Pen-Dupont",
]  # fmt: skip
GIVEN = [
    "HANAKO", "TARO", "YUKO", "SHOICHI", "SHINYA", "NINA", "JON", "KENTA", "AOI", "REN",
    "HINATA", "SAKURA", "HARUTO", "YUI", "MEI", "SOTA", "Anna María", "José Luis",
    "Jürgen", "Zoë",
]  # fmt: skip
STATES = ["JPN", "JPN", "JPN", "USA", "KOR", "CHN", "D"]  # Germany is D<< in Doc 9303


def _inputs(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for _ in range(COUNT):
        birth = TODAY - timedelta(days=rng.randrange(1, 95 * 365))
        expiry = TODAY + timedelta(days=rng.randrange(-3650, 3650))
        if expiry <= birth:  # a passport issued to a baby
            expiry = birth + timedelta(days=5 * 365)
        optional = "" if rng.random() < 0.8 else str(rng.randrange(10**8, 10**12))
        letters = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(2))
        rows.append(
            {
                "document_type": "P",
                "country": "JPN",
                "surname": rng.choice(SURNAMES),
                "given_names": " ".join(rng.sample(GIVEN, rng.choice([1, 1, 1, 2]))),
                "number": f"{letters}{rng.randrange(10**7):07d}",
                "nationality": rng.choice(STATES),
                "birth": birth.strftime("%y%m%d"),
                "sex": rng.choice("MF<"),
                "expiry": expiry.strftime("%y%m%d"),
                "optional": optional,
            }
        )
    return rows


def _theirs(row: dict[str, Any]) -> str:
    return str(
        TD3CodeGenerator(
            row["document_type"],
            row["country"],
            row["surname"],
            row["given_names"],
            row["number"],
            row["nationality"],
            row["birth"],
            row["sex"],
            row["expiry"],
            row["optional"],
        )
    )


_VALUE = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")} | {"<": 0}
_CHECKED = [*range(0, 10), *range(13, 20), *range(21, 44)]


def _corrupt(zone: str, rng: random.Random) -> str:
    """Change one character of line 2 that a check covers, by a value not a multiple of 10
    (a change of 10, 20 or 30 is invisible to the Doc 9303 check digit by design)."""
    line1, line2 = zone.split("\n")
    at = rng.choice(_CHECKED)
    choices = [c for c in _VALUE if (_VALUE[c] - _VALUE[line2[at]]) % 10]
    return line1 + "\n" + line2[:at] + rng.choice(choices) + line2[at + 1 :]


def main() -> None:
    rng = random.Random(9303)
    rows = _inputs(rng)

    # Agreement: the same data must give the same two lines.
    ours = ["\n".join(encode_td3(**row)) for row in rows]
    theirs: list[str | None] = []
    for row in rows:
        try:
            theirs.append(_theirs(row))
        except Exception:  # the peer refuses some inputs (e.g. names over 39 characters)
            theirs.append(None)
    comparable = [(a, b) for a, b in zip(ours, theirs, strict=True) if b is not None]
    timed = [row for row, b in zip(rows, theirs, strict=True) if b is not None]
    agree = sum(a == b for a, b in comparable)
    agreement = 100.0 * agree / len(comparable)
    refused = len(rows) - len(comparable)
    valid_ours = sum(not validate_td3(*z.split("\n"), today=TODAY) for z in ours)
    valid_theirs = sum(bool(TD3CodeChecker(z)) for z in ours)

    def ours_encode_check() -> None:
        for row in timed:
            line1, line2 = encode_td3(**row)
            validate_td3(line1, line2, today=TODAY)

    def theirs_encode_check() -> None:
        for row in timed:
            bool(TD3CodeChecker(_theirs(row)))

    pairs = [tuple(z.split("\n")) for z in ours]
    corrupted = [_corrupt(z, rng) for z in ours]
    caught_ours = sum(bool(validate_td3(*z.split("\n"), today=TODAY)) for z in corrupted)
    caught_theirs = sum(not TD3CodeChecker(z) for z in corrupted)

    def ours_check() -> None:
        for line1, line2 in pairs:
            validate_td3(line1, line2, today=TODAY)

    def theirs_check() -> None:
        for zone in ours:
            bool(TD3CodeChecker(zone))

    fields = [z[45:54] for z in ours] * 5

    def ours_digit() -> None:
        for f in fields:
            check_digit(f)

    def theirs_digit() -> None:
        for f in fields:
            hash_string(f)

    report(
        f"MRZ (TD3), {COUNT:,} synthetic passports (ryoken vs mrz 0.6 on PyPI)",
        [
            Row("encode + check", per_second(ours_encode_check, len(timed)), "mrz",
                per_second(theirs_encode_check, len(timed)), "passports/s"),
            Row("check only", per_second(ours_check, COUNT), "mrz",
                per_second(theirs_check, COUNT), "zones/s"),
            Row("check digit (9 chars)", per_second(ours_digit, len(fields)), "mrz.hash_string",
                per_second(theirs_digit, len(fields)), "digits/s"),
            Row(f"identical lines ({len(comparable):,} both encode; mrz refused {refused})",
                agreement, "-", None, "%"),
            Row("our zones each library calls valid", 100.0 * valid_ours / len(rows), "mrz",
                100.0 * valid_theirs / len(rows), "%"),
            Row("one character changed in a checked field: caught", 100.0 * caught_ours / COUNT,
                "mrz", 100.0 * caught_theirs / COUNT, "%"),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
