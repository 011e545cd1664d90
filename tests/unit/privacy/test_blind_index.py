import hashlib
import hmac
import re

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ryoken.domain.fields import FIELDS
from ryoken.errors import ConfigurationError, InvalidInput
from ryoken.privacy.blind_index import KIND_OF_FIELD, KINDS, BlindIndexer, kind_of_field

KEY = bytes(range(32))


@pytest.fixture
def indexer() -> BlindIndexer:
    return BlindIndexer(KEY)


@pytest.mark.parametrize(
    ("kind", "stored", "typed"),
    [
        ("name_kanji", "髙橋 一郎", "高橋一郎"),
        ("name_kanji", "渡邉 花子", "渡辺　花子"),
        ("name_kana", "タカハシ イチロウ", "ﾀｶﾊｼ ｲﾁﾛｳ"),
        ("name_kana", "タカハシ イチロウ", "たかはしいちろう"),
        ("name_romaji", "TAKAHASHI ICHIRO", "Takahashi, Ichiro"),
        ("birth_date", "1990-01-02", "平成2年1月2日"),
        ("birth_date", "1989-01-07", "昭和64年1月7日"),
        ("phone", "090-1234-5678", "+81 90 1234 5678"),
        ("passport_number", "TK1234567", "ｔｋ１２３４５６７"),
        ("address", "東京都豊島区東池袋1-2-3", "〒170-0013 東京都豊島区東池袋一丁目2番3号"),
        ("email", "hanako@example.jp", "Hanako@Example.JP"),
    ],
)
def test_it_finds_the_same_value_however_it_was_typed(indexer, kind, stored, typed):
    assert indexer.token(kind, typed) == indexer.token(kind, stored)


def test_it_tells_different_values_apart(indexer):
    assert indexer.token("birth_date", "1990-01-02") != indexer.token("birth_date", "1990-01-03")
    assert indexer.token("name_kanji", "高橋") != indexer.token("name_kanji", "高畑")


def test_it_separates_kinds_so_tokens_cannot_be_compared_across_them(indexer):
    # The same digits as a phone number and as a passport number must not give one token.
    assert indexer.token("phone", "0312345678") != indexer.token("passport_number", "0312345678")


def test_it_gives_other_tokens_under_another_key(indexer):
    other = BlindIndexer(bytes(range(1, 33)))

    assert other.token("phone", "09012345678") != indexer.token("phone", "09012345678")


def test_it_computes_the_documented_construction(indexer):
    # Pinned so that a change which would orphan every stored token cannot go unnoticed.
    kind_key = hmac.new(KEY, b"ryoken/blind-index/v1/passport_number", hashlib.sha256).digest()
    expected = hmac.new(kind_key, b"TK1234567", hashlib.sha256).digest()[:16].hex()

    assert indexer.token("passport_number", "tk 1234567") == expected
    assert re.fullmatch(r"[0-9a-f]{32}", expected)


def test_it_lets_a_loose_romaji_spelling_find_the_passport_spelling(indexer):
    stored = indexer.tokens_for("name_romaji", "OHNO TARO")

    assert stored[0] == indexer.token("name_romaji", "OHNO TARO")
    assert indexer.token("name_romaji", "ONO TARO") in stored
    assert set(indexer.tokens_for("name_romaji", "OONO TARO")) & set(stored)
    assert indexer.token("name_romaji", "OHARA TARO") not in stored


def test_it_lets_an_address_be_found_without_its_prefecture(indexer):
    stored = indexer.tokens_for("address", "東京都豊島区東池袋1-2-3")

    assert indexer.token("address", "豊島区東池袋一丁目2番3号") in stored
    assert indexer.tokens_for("address", "豊島区東池袋1-2-3") == [
        indexer.token("address", "豊島区東池袋1-2-3")
    ]


def test_it_stores_one_token_where_there_are_no_variants(indexer):
    assert indexer.tokens_for("phone", "090-1234-5678") == [indexer.token("phone", "09012345678")]
    assert indexer.tokens_for("name_romaji", "ONO") == [indexer.token("name_romaji", "ONO")]


def test_it_refuses_an_unknown_kind(indexer):
    with pytest.raises(ValueError, match="unknown blind-index kind 'sex'"):
        indexer.token("sex", "F")
    with pytest.raises(ValueError, match="unknown blind-index kind"):
        indexer.tokens_for("sex", "F")


def test_it_refuses_a_value_with_nothing_to_index(indexer):
    with pytest.raises(InvalidInput):
        indexer.token("phone", "なし")


def test_it_refuses_a_short_key():
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        BlindIndexer(b"too short")


def test_it_has_a_kind_for_every_searchable_field_of_the_catalogue(indexer):
    searchable = {f.name for f in FIELDS if f.searchable}

    assert set(KIND_OF_FIELD) == searchable
    assert set(KIND_OF_FIELD.values()) <= set(KINDS)
    assert indexer.token_for_field("mobile", "090-1234-5678") == indexer.token(
        "phone", "09012345678"
    )
    with pytest.raises(ValueError, match="no blind index"):
        kind_of_field("criminal_answers")


@given(value=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=12))
def test_it_gives_full_width_and_half_width_forms_the_same_token(value):
    indexer = BlindIndexer(KEY)
    full = jaconv.h2z(value, ascii=True, digit=True)

    assert indexer.token("passport_number", full) == indexer.token("passport_number", value)
    assert indexer.token("passport_number", value.lower()) == indexer.token(
        "passport_number", value
    )


@given(value=st.text(alphabet="アイウエオカガキギクグパピプッャュョンー", min_size=1, max_size=10))
def test_it_gives_half_width_katakana_and_hiragana_the_same_token(value):
    indexer = BlindIndexer(KEY)
    expected = indexer.token("name_kana", value)

    assert indexer.token("name_kana", jaconv.z2h(value, kana=True)) == expected
    assert indexer.token("name_kana", jaconv.kata2hira(value)) == expected


def test_it_hashes_a_reference_number_however_it_was_typed(indexer):
    number = "13IKB-20261106-000123"
    same = indexer.reference("reception", "１３ｉｋｂ－２０２６１１０６－０００１２３ ")
    assert indexer.reference("reception", number) == same
    assert number not in same and "000123" not in same
    assert indexer.reference("callback", "03-1234-5678") == indexer.reference(
        "callback", "０３ １２３４ ５６７８"
    )


def test_it_keeps_reference_hashes_apart_from_lookup_tokens_and_other_kinds(indexer):
    assert indexer.reference("callback", "0312345678") != indexer.reference(
        "reception", "0312345678"
    )
    assert indexer.reference("callback", "0312345678") != indexer.token("phone", "0312345678")
    assert indexer.reference("callback", "0312345678") != BlindIndexer(b"k" * 32).reference(
        "callback", "0312345678"
    )
