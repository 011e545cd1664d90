"""Masked forms of personal data for screens: enough to recognise a record, not to copy it.

A masked value lets a clerk confirm "this is the right person" with the applicant (the
municipality, the last digits of a phone, the surname) without reading out what a list of
leaked records would need. Masks err on the side of hiding: an address whose municipality
cannot be recognised keeps only its prefecture.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from types import MappingProxyType

from ryoken.domain.fields import field as catalogue_field
from ryoken.errors import InvalidInput
from ryoken.privacy.normalise import PREFECTURES, parse_date

STAR = "＊"
HIDDEN_MARK = STAR * 3

# Municipalities that a regular expression over 市/区/町/村/郡 alone would cut wrongly.
TOKYO_WARDS: tuple[str, ...] = (
    "千代田区", "中央区", "港区", "新宿区", "文京区", "台東区", "墨田区", "江東区", "品川区",
    "目黒区", "大田区", "世田谷区", "渋谷区", "中野区", "杉並区", "豊島区", "北区", "荒川区",
    "板橋区", "練馬区", "足立区", "葛飾区", "江戸川区",
)  # fmt: skip
# 政令指定都市: their addresses name a ward after the city (横浜市港北区).
DESIGNATED_CITIES: tuple[str, ...] = (
    "札幌市", "仙台市", "さいたま市", "千葉市", "横浜市", "川崎市", "相模原市", "新潟市",
    "静岡市", "浜松市", "名古屋市", "京都市", "大阪市", "堺市", "神戸市", "岡山市", "広島市",
    "北九州市", "福岡市", "熊本市",
)  # fmt: skip
# City names that contain 市 before their final 市.
CITIES_WITH_INNER_SHI: tuple[str, ...] = ("四日市市", "廿日市市", "野々市市")

# X郡 + town/village; not 蒲郡市, 小郡市, 大和郡山市 (a 郡 inside a city's name), but yes to
# the towns whose name starts with 市 (西八代郡市川三郷町, 芳賀郡市貝町, 神崎郡市川町).
# A town with 村 inside its name (佐波郡玉村町) ends at 村町, not at the 村.
_GUN_TOWN = re.compile(r"[^\d]{1,5}?郡(?!市(?!川三郷町|貝町|川町)|山市)[^\d]{1,6}?(?:村町|[町村])")
_WARD = re.compile(r"[^\d]{1,4}?区")
_CITY = re.compile(r"[^\d]{1,6}?市")
_TOWN = re.compile(r"[^\d]{1,5}?[町村]")  # Tokyo's island towns and villages (大島町)
_POSTCODE = re.compile(r"^〒?\d{3}-?\d{4}")


def _clean(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def _municipality(rest: str, prefecture: str) -> str:
    if prefecture in ("東京都", ""):
        for ward in TOKYO_WARDS:
            if rest.startswith(ward):
                return ward
    for city in (*DESIGNATED_CITIES, *CITIES_WITH_INNER_SHI):
        if rest.startswith(city):
            if city in DESIGNATED_CITIES and (city_ward := _WARD.match(rest, len(city))):
                return city + city_ward.group()
            return city
    for pattern in (_GUN_TOWN, _CITY, _TOWN):
        if m := pattern.match(rest):
            return m.group()
    return ""


def mask_address(value: str) -> str:
    """東京都豊島区東池袋1-2-3 → 東京都豊島区＊＊＊; 神奈川県横浜市港北区… → …横浜市港北区＊＊＊."""
    text = _POSTCODE.sub("", _clean(value)).lstrip("〒")
    prefecture = next((p for p in PREFECTURES if text.startswith(p)), "")
    return prefecture + _municipality(text[len(prefecture) :], prefecture) + HIDDEN_MARK


def mask_honseki(value: str) -> str:
    """本籍: only the prefecture, which is all the passport prints."""
    text = _clean(value)
    return next((p for p in PREFECTURES if text.startswith(p)), "") + HIDDEN_MARK


def mask_phone(value: str) -> str:
    """090-1234-5678 → 090-＊＊＊＊-5678: the first group and the last four digits stay."""
    text = unicodedata.normalize("NFKC", value).strip()
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    if not digits:
        return HIDDEN_MARK
    groups = re.findall(r"\d+", text)
    # Hyphenated: the first group is the area or carrier code. Bare: assume 3 (090, 080).
    head = len(groups[0]) if len(groups) > 1 else (3 if len(digits) >= 10 else 0)
    tail = 4 if len(digits) - head >= 6 else min(2, len(digits) // 2)
    hidden = set(digits[head : len(digits) - tail])
    return "".join(STAR if i in hidden else c for i, c in enumerate(text))


_NAME_SPLIT = re.compile(r"[\s,]+")


def mask_name(value: str) -> str:
    """山田 花子 → 山田 ＊＊: the surname stays; without a space only its first character."""
    text = value.strip()
    if not text:
        return HIDDEN_MARK
    m = _NAME_SPLIT.search(text)
    if m is None:
        return text[0] + STAR * (len(text) - 1)
    rest = text[m.end() :]
    return text[: m.end()] + "".join(c if c.isspace() else STAR for c in rest)


def mask_birth_date(value: str, *, keep_year: bool = False) -> str:
    """＊＊＊＊年＊＊月＊＊日, or 1990年＊＊月＊＊日 with `keep_year` (for an age check)."""
    if keep_year:
        try:
            return f"{parse_date(value).year}年＊＊月＊＊日"
        except InvalidInput:
            pass
    return "＊＊＊＊年＊＊月＊＊日"


def mask_email(value: str) -> str:
    """taro@example.jp → t＊＊＊@example.jp: the domain stays, the local part's length does not."""
    local, at, domain = value.strip().rpartition("@")
    if not at or not local:
        return HIDDEN_MARK
    return local[0] + HIDDEN_MARK + "@" + domain


def mask_passport_number(value: str) -> str:
    """TK1234567 → TK＊＊＊＊567."""
    text = "".join(c for c in unicodedata.normalize("NFKC", value).upper() if c.isalnum())
    if len(text) < 6:
        return STAR * max(len(text), 3)
    return text[:2] + STAR * (len(text) - 5) + text[-3:]


def mask_postcode(value: str) -> str:
    """170-0013 → 170-＊＊＊＊: the area, not the street."""
    digits = "".join(c for c in unicodedata.normalize("NFKC", value) if c.isdigit())
    return (digits[:3] + "-" + STAR * 4) if len(digits) == 7 else HIDDEN_MARK


def _mask_previous_passport(value: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", value).upper().split())
    if re.fullmatch(r"[A-Z]{2}\d{7}", text):
        return mask_passport_number(text)
    return HIDDEN_MARK


MASKERS: Mapping[str, Callable[[str], str]] = MappingProxyType(
    {
        "name_kanji": mask_name,
        "name_kana": mask_name,
        "name_romaji": mask_name,
        "other_name": mask_name,
        "sex": lambda _: STAR,
        "birth_date": mask_birth_date,
        "honseki": mask_honseki,
        "address": mask_address,
        "postcode": mask_postcode,
        "phone": mask_phone,
        "mobile": mask_phone,
        "email": mask_email,
        "passport_number": mask_passport_number,
        "previous_passport": _mask_previous_passport,
    }
)


def mask(field_name: str, value: str, *, keep_birth_year: bool = False) -> str:
    """The masked form of `value` for the catalogue field `field_name`.

    Fields without a masked form (images, 刑罰等関係 answers, nationality, relation) give a
    fixed ＊＊＊ that reveals not even the length. Unknown field → ValueError.
    """
    catalogue_field(field_name)
    if field_name == "birth_date":
        return mask_birth_date(value, keep_year=keep_birth_year)
    masker = MASKERS.get(field_name)
    return masker(value) if masker else HIDDEN_MARK
