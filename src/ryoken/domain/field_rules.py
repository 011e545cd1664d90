"""The rules for the personal-data fields people type or send: one source for the counter's
forms (web/counter/forms.py) and the online import (web/casework/online_lines.py).

Each rule normalises what it accepts and answers None for what it refuses; the caller says
why in its own words (Japanese at the counter, English in the import report).

Decisions (docs/decisions/0062-one-rule-per-field.md):
- Phone numbers are domestic: the residence, the mobile and the emergency contact of a
  passport application are numbers in Japan. "+81" is accepted as the domestic "0" (+81 90…,
  +81 (0)3…), parentheses as separators (03(1234)5678); the number is 0 followed by 9 or 10
  digits. A mobile starts 070, 080 or 090 and has 11 digits.
- Kana (フリガナ) is katakana, hiragana and half-width kana converted, name parts separated by
  single spaces (a full-width space or ・ also separates), from ァ to ヺ and the long mark ー.
- A postcode is seven digits, written ddd-dddd (〒 and full-width digits accepted).
"""

from __future__ import annotations

import re
import unicodedata

from ryoken.domain.hepburn_kana import to_katakana
from ryoken.domain.numbers import PASSPORT_NUMBER_RE

__all__ = [
    "PASSPORT_NUMBER_RE",
    "is_mobile",
    "normal_kana",
    "normal_phone",
    "normal_postcode",
]

_POSTCODE = re.compile(r"(\d{3})-?(\d{4})", re.ASCII)
_PHONE = re.compile(r"0\d*(?:-\d+)*", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[-()]+")
_KANA_SEPARATORS = re.compile(r"[\s・]+")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]+(?: [\u30a1-\u30fa\u30fc]+)*")
MOBILE_PREFIXES = frozenset({"070", "080", "090"})


def normal_postcode(value: str) -> str | None:
    """ "1700013", "〒170-0013", "１７０－００１３" → "170-0013"; None if not 7 digits."""
    text = unicodedata.normalize("NFKC", value).strip().lstrip("〒").strip()
    match = _POSTCODE.fullmatch(text)
    return f"{match[1]}-{match[2]}" if match else None


def normal_phone(value: str) -> str | None:
    """A domestic number as written, spaces dropped and parentheses as hyphens:
    "03(1234)5678" → "03-1234-5678", "+81 90-1234-5678" → "090-1234-5678"; None if it is
    not 0 followed by 9 or 10 digits."""
    text = "".join(unicodedata.normalize("NFKC", value).split())
    if text.startswith("+81"):
        rest = text[3:].lstrip("-")
        rest = rest[3:] if rest.startswith("(0)") else rest
        text = rest if rest.startswith("0") else "0" + rest
    text = _PHONE_SEPARATORS.sub("-", text).strip("-")
    digits = text.replace("-", "")
    if not _PHONE.fullmatch(text) or not 10 <= len(digits) <= 11:
        return None
    return text


def is_mobile(phone: str) -> bool:
    """Whether a number `normal_phone` accepted is a mobile (070/080/090, 11 digits)."""
    digits = phone.replace("-", "")
    return len(digits) == 11 and digits[:3] in MOBILE_PREFIXES


def normal_kana(value: str) -> str | None:
    """フリガナ in katakana with single spaces between the parts; None if it holds anything
    but kana (kanji, Latin letters, digits, symbols) or nothing at all."""
    kana = to_katakana(unicodedata.normalize("NFKC", value)).strip()
    text = " ".join(part for part in _KANA_SEPARATORS.split(kana) if part)
    return text if _KATAKANA.fullmatch(text) else None
