"""One rule per field, shared by the counter's forms and the online import."""

from __future__ import annotations

import pytest

from ryoken.domain.field_rules import is_mobile, normal_kana, normal_phone, normal_postcode


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("03-1234-5678", "03-1234-5678"),
        ("０９０－１２３４－５６７８", "090-1234-5678"),
        ("090 1234 5678", "09012345678"),
        ("03(1234)5678", "03-1234-5678"),
        ("+81 90-1234-5678", "090-1234-5678"),
        ("+81 (0)3-1234-5678", "03-1234-5678"),
        ("0312345678", "0312345678"),
    ],
)
def test_it_accepts_domestic_numbers_as_people_write_them(written, expected):
    assert normal_phone(written) == expected


@pytest.mark.parametrize(
    "written",
    ["", "12-3456-7890", "03-1234-567", "090-1234-56789", "+1 212 555 0100", "03--1234-5678x",
     "０３ー１２３４ー５６７８ extension 2", "tel:0312345678"],
)  # fmt: skip
def test_it_refuses_what_is_not_a_domestic_number(written):
    assert normal_phone(written) is None


def test_it_knows_a_mobile():
    assert is_mobile("090-1234-5678") and is_mobile("07012345678")
    assert not is_mobile("03-1234-5678") and not is_mobile("050-1234-5678")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("ヤマダ タロウ", "ヤマダ タロウ"),
        ("やまだ　たろう", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ヤマダ・タロウ", "ヤマダ タロウ"),
        ("  ヴァン  ヷ ", "ヴァン ヷ"),
    ],
)
def test_it_turns_kana_into_spaced_katakana(written, expected):
    assert normal_kana(written) == expected


@pytest.mark.parametrize("written", ["", "山田 太郎", "YAMADA", "ヤマダ1", "ヤマダ-タロウ", "・"])
def test_it_refuses_what_is_not_kana(written):
    assert normal_kana(written) is None


def test_it_writes_a_postcode_one_way():
    assert normal_postcode("〒１７０－００１３") == "170-0013"
    assert normal_postcode("1700013") == "170-0013"
    assert normal_postcode("170-001") is None and normal_postcode("170-00133") is None
