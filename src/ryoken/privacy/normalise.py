"""Normalisation of lookup values, so the same person's data gives the same blind-index token.

A clerk types 髙橋 or 高橋, ﾔﾏﾀﾞ or やまだ or ヤマダ, 平成2年1月2日 or 1990/1/2, and the
blind index must still find the record: equality is all a blind index can answer. Every
function here is pure and idempotent (normalising a normalised value changes nothing), and
raises `InvalidInput` when nothing usable is left.

Choices:
- NFKC first, always: it folds full-width digits and letters to ASCII, half-width katakana
  to full-width (composing ｶﾞ to ガ), ㍻ to 平成 and CJK compatibility ideographs to their
  unified forms.
- Kana are unified to katakana (the 戸籍 フリガナ and the passport form use katakana) by the
  fixed Unicode offset between the hiragana and katakana blocks, with `str.translate`. jaconv
  does the same mapping; doing it here keeps the blind-index path to the standard library.
- Old and variant kanji (異体字) that NFKC does not fold are mapped by a small table
  (`VARIANT_KANJI`). These are different characters in a 戸籍, so this deliberately trades
  precision for recall: a lookup returns candidates, and the clerk confirms the person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from ryoken.errors import InvalidInput

# 異体字 → the common form. Only characters seen in names and addresses that NFKC leaves alone
# (﨑 U+FA11 is a compatibility ideograph *without* a decomposition, so NFKC keeps it).
VARIANT_KANJI: Mapping[str, str] = MappingProxyType(
    {
        "髙": "高",  # はしご高
        "龍": "竜",
        "關": "関",
        "﨑": "崎",  # たつさき
        "嵜": "崎",
        "濵": "浜",
        "濱": "浜",
        "齋": "斎",
        "齊": "斎",  # strictly the old form of 斉; merged because 斎藤/斉藤 are often confused
        "斉": "斎",
        "邊": "辺",
        "邉": "辺",
        "澤": "沢",
        "廣": "広",
        "德": "徳",
        "櫻": "桜",
        "國": "国",
        "眞": "真",
        "惠": "恵",
        "榮": "栄",
        "壽": "寿",
        "實": "実",
        "瀨": "瀬",
        "藏": "蔵",
        "冨": "富",
        "𠮷": "吉",  # つちよし, U+20BB7
        "槇": "槙",
        "淵": "渕",
        "嶋": "島",
        "嶌": "島",
        "峯": "峰",
        "舘": "館",
        "曾": "曽",
        "萬": "万",
    }
)
_VARIANTS = str.maketrans(dict(VARIANT_KANJI))

# Hiragana ぁ..ゖ and the iteration marks ゝゞ sit 0x60 below their katakana.
_TO_KATAKANA = str.maketrans(
    {chr(c): chr(c + 0x60) for c in [*range(0x3041, 0x3097), 0x309D, 0x309E]}
)
_NAME_NOISE = re.compile(r"[\s・=]+")
_SPACE = re.compile(r"\s+")

PREFECTURES: tuple[str, ...] = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)  # fmt: skip


def _nonempty(value: str, what: str, what_ja: str) -> str:
    if not value:
        raise InvalidInput(
            f"{what} is empty after normalisation", message_ja=f"{what_ja}が空です。"
        )
    return value


def _fold(text: str, noise: re.Pattern[str] = _SPACE, *, katakana: bool = True) -> str:
    """NFKC, drop `noise`, (katakana,) NFKC again: dropping a space lets a mark compose (か゛)."""
    text = noise.sub("", unicodedata.normalize("NFKC", text))
    return unicodedata.normalize("NFKC", text.translate(_TO_KATAKANA) if katakana else text)


def to_katakana(text: str) -> str:
    """Hiragana to katakana; everything else unchanged."""
    return text.translate(_TO_KATAKANA)


def unify_variants(text: str) -> str:
    """Old and variant kanji to their common form (see `VARIANT_KANJI`)."""
    return text.translate(_VARIANTS)


def name_kanji(value: str) -> str:
    """A name as written: NFKC, no spaces or ・, kana as katakana, variant kanji unified."""
    return _nonempty(unify_variants(_fold(value, _NAME_NOISE)), "name", "氏名")


def name_kana(value: str) -> str:
    """A kana reading: NFKC (half-width ｶﾅ to full-width), katakana, no spaces or ・."""
    return _nonempty(_fold(value, _NAME_NOISE), "kana reading", "フリガナ")


def name_romaji(value: str) -> str:
    """A romaji name: upper-case A-Z only (macrons, spaces, commas and hyphens dropped)."""
    decomposed = unicodedata.normalize("NFKD", value).upper()
    return _nonempty(
        "".join(c for c in decomposed if "A" <= c <= "Z"), "romaji name", "ローマ字氏名"
    )


_LONG_O = re.compile(r"O(?:H(?![AEIOUY])|O|U)")


def romaji_loose(value: str) -> str:
    """`name_romaji` with long vowels collapsed (OHNO, OONO, OUNO → ONO; YUUKO → YUKO).

    Passport Hepburn drops long vowels, but applicants may ask for OH/OO/OU spellings and
    earlier passports may carry them; a loose token lets either spelling find the other.
    """
    text = name_romaji(value)
    while True:
        shorter = _LONG_O.sub("O", text).replace("UU", "U")
        if shorter == text:
            return text
        text = shorter


# --- dates --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Era:
    name: str
    letter: str
    start: date  # first day of 元年
    end: date | None  # last day, None for the current era


ERAS: tuple[Era, ...] = (
    # 明治 counts from 1868-01-25 (明治元年1月1日 in the old calendar), but dates before
    # 明治6年 (1873) were lunisolar and are refused rather than converted wrongly.
    Era("明治", "M", date(1868, 1, 25), date(1912, 7, 29)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)
_ERA_BY_TOKEN = {**{e.name: e for e in ERAS}, **{e.letter: e for e in ERAS}}
_GREGORIAN_ADOPTED = date(1873, 1, 1)

_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十百千]+")


def kanji_number(text: str) -> int:
    """一九九〇 → 1990, 二十三 → 23, 十 → 10, 百二 → 102 (positional or with 十百千)."""
    if not any(c in _KANJI_UNITS for c in text):
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in _KANJI_UNITS:
            total += (1 if digit is None else digit) * _KANJI_UNITS[c]
            digit = None
        else:
            digit = _KANJI_DIGITS[c]
    return total + (digit or 0)


_ISO_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_GREGORIAN = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_JAPANESE = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHR])(\d{1,2}|元)[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
)


def parse_date(value: str) -> date:
    """A date written as 1990-01-02, 1990/1/2, 1990年1月2日, 19900102, 平成2年1月2日, H2.1.2."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", value)).upper()
    text = _KANJI_NUMBER.sub(lambda m: str(kanji_number(m.group())), text)
    era: Era | None = None
    if m := _JAPANESE.fullmatch(text):
        era = _ERA_BY_TOKEN[m[1]]
        era_year = 1 if m[2] == "元" else int(m[2])
        year, month, day = era.start.year - 1 + era_year, int(m[3]), int(m[4])
    elif m := (_ISO_COMPACT.fullmatch(text) or _GREGORIAN.fullmatch(text)):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        raise InvalidInput(
            f"{value!r} is not a date (use 1990-01-02, 1990/1/2, 19900102 or 平成2年1月2日)",
            message_ja="日付の形式が正しくありません（例：1990-01-02、平成2年1月2日）。",
        )
    try:
        result = date(year, month, day)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a date in the calendar", message_ja="存在しない日付です。"
        ) from None
    if era is not None:
        if result < era.start or (era.end is not None and result > era.end):
            span = f"from {era.start}" if era.end is None else f"{era.start} to {era.end}"
            raise InvalidInput(
                f"{value!r} is outside the {era.name} era ({span})",
                message_ja=f"{era.name}の期間外の日付です。",
            )
        if result < _GREGORIAN_ADOPTED:
            raise InvalidInput(
                f"{value!r} is before 明治6年, when Japan used the lunisolar calendar",
                message_ja="明治5年以前の日付は変換できません。",
            )
    return result


def birth_date(value: str) -> str:
    """Any accepted date form → ISO 8601 (YYYY-MM-DD)."""
    return parse_date(value).isoformat()


# --- contact and document numbers ---------------------------------------------------------


def phone(value: str) -> str:
    """Digits only; +81 becomes the domestic 0. Other country codes keep their '+'."""
    text = unicodedata.normalize("NFKC", value).strip()
    digits = "".join(c for c in text if c.isdigit() and c.isascii())
    if text.startswith("+"):
        if digits.startswith("81"):
            rest = digits[2:]
            digits = rest if rest.startswith("0") else "0" + rest  # +81 (0)90 … or +81 90 …
        elif digits:
            digits = "+" + digits
    return _nonempty(digits, "phone number", "電話番号")


def passport_number(value: str) -> str:
    """Upper-case ASCII letters and digits only."""
    text = unicodedata.normalize("NFKC", value).upper()
    kept = "".join(c for c in text if c.isascii() and c.isalnum())
    return _nonempty(kept, "passport number", "旅券番号")


def email(value: str) -> str:
    """NFKC, no spaces, lower case; refuses a value without exactly one '@'."""
    # Lower case before the last NFKC: ẗ composes to ẗ, but T̈ has no composed form.
    text = unicodedata.normalize("NFKC", _fold(value, katakana=False).lower())
    local, at, domain = text.partition("@")
    if not at or not local or not domain or "@" in domain:
        raise InvalidInput(
            f"{value!r} is not an e-mail address",
            message_ja="メールアドレスの形式が正しくありません。",
        )
    return text


_DASHES = re.compile(r"(?<=\d)[‐‑‒–—―−ーｰ─━](?=\d)")
_KANJI_BEFORE_BLOCK = re.compile(r"[〇一二三四五六七八九十百千]+(?=丁目|番地|番|号)")
_BLOCK = re.compile(r"(\d+)(?:丁目|番地|番(?!町)|号(?![室棟館]))の?")
_NO_BETWEEN_NUMBERS = re.compile(r"(?<=\d)の(?=\d)")
_POSTCODE = re.compile(r"〒?\d{3}-\d{4}|〒\d{7}")
_GA = str.maketrans({"ケ": "ヶ", "が": "ヶ", "ヵ": "ヶ"})


def address(value: str) -> str:
    """An address in one form: 1丁目2番3号 and 一丁目二番地三 → 1-2-3; no 〒 or postcode.

    ヶ/ケ/が/ヵ are unified (霞ケ関, 霞ヶ関, 霞が関), spaces removed, variant kanji unified.
    """
    text = _fold(value, katakana=False)
    # Each rewrite can expose work for another (dropping a stray '-' joins 1 and 番), so
    # repeat until nothing changes; that keeps `address` idempotent.
    for _ in range(8):
        before = text
        text = _DASHES.sub("-", unify_variants(text.translate(_GA)))
        text = _KANJI_BEFORE_BLOCK.sub(lambda m: str(kanji_number(m.group())), text)
        text = _BLOCK.sub(r"\1-", text)
        text = _NO_BETWEEN_NUMBERS.sub("-", text)
        text = re.sub(r"-(?!\d)", "", re.sub(r"-{2,}", "-", text))
        while m := _POSTCODE.match(text):  # a leading postcode, however often repeated
            text = text[m.end() :]
        # NFKC again: dropping a 〒 can leave a combining mark next to a letter it composes.
        text = unicodedata.normalize("NFKC", text.replace("〒", ""))
        if text == before:
            break
    return _nonempty(text, "address", "住所")


def without_prefecture(normalised_address: str) -> str | None:
    """The address without its leading prefecture, or None if it does not start with one."""
    for prefecture in PREFECTURES:
        if normalised_address.startswith(prefecture) and len(normalised_address) > len(prefecture):
            return normalised_address[len(prefecture) :]
    return None


def surname(value: str) -> str:
    """The family name of a name written family name first, then a space (山田 太郎 → 山田;
    a full-width space too), normalised like `name_kanji`. Refuses a name without the space:
    where the family name ends cannot be guessed."""
    parts = unicodedata.normalize("NFKC", value).split()
    if len(parts) < 2:
        raise InvalidInput(
            "a family name needs the name written 'family given' with a space",
            message_ja="氏と名の間に空白がないため、氏を取り出せません。",
        )
    return name_kanji(parts[0])


# The municipality at the head of an address without its prefecture: the first 市/区/町/村
# (after a 郡 if there is one), and a designated city's ward (横浜市港北区). Both sides of a
# comparison go through the same rule, so an odd name (四日市市 → 四日市) still compares equal.
_MUNICIPALITY = re.compile(r"^(?:[^0-9-]+?郡)?[^0-9-]+?[市区町村](?:[^0-9-]{1,4}?区)?")


def municipality(value: str) -> str:
    """The municipality (市区町村) of an address, without the prefecture: the neighbourhood
    the same-area detector compares. 東京都豊島区東池袋1-2-3 → 豊島区."""
    full = address(value)
    rest = without_prefecture(full) or full
    match = _MUNICIPALITY.match(rest)
    if match is None:
        raise InvalidInput(
            "no municipality (市区町村) at the head of the address",
            message_ja="住所の先頭に市区町村がありません。",
        )
    return match.group()


NORMALISERS: Mapping[str, Callable[[str], str]] = MappingProxyType(
    {
        "name_kanji": name_kanji,
        "name_kana": name_kana,
        "name_romaji": name_romaji,
        "birth_date": birth_date,
        "phone": phone,
        "passport_number": passport_number,
        "address": address,
        "email": email,
        # derived for detection only: no field is searchable by them (KIND_OF_FIELD)
        "surname": surname,
        "municipality": municipality,
    }
)


def normalise(kind: str, value: str) -> str:
    """Normalise `value` as a `kind` (one of `NORMALISERS`); unknown kind → ValueError."""
    try:
        fn = NORMALISERS[kind]
    except KeyError:
        raise ValueError(
            f"unknown blind-index kind {kind!r}; known: {', '.join(NORMALISERS)}"
        ) from None
    return fn(value)
