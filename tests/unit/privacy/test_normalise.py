from datetime import date

import jaconv
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ryoken.errors import InvalidInput
from ryoken.privacy import normalise as norm
from ryoken.privacy.normalise import (
    NORMALISERS,
    VARIANT_KANJI,
    kanji_number,
    normalise,
    parse_date,
    romaji_loose,
)


@pytest.mark.parametrize(
    ("kind", "typed", "expected"),
    [
        ("name_kanji", "山田　花子", "山田花子"),
        ("name_kanji", "髙橋 一郎", "高橋一郎"),
        ("name_kanji", "山﨑 太郎", "山崎太郎"),
        ("name_kanji", "濵田", "浜田"),
        ("name_kanji", "齋藤", "斎藤"),
        ("name_kanji", "齊藤", "斎藤"),
        ("name_kanji", "渡邊", "渡辺"),
        ("name_kanji", "渡邉", "渡辺"),
        ("name_kanji", "澤田", "沢田"),
        ("name_kanji", "廣瀬", "広瀬"),
        ("name_kanji", "德川", "徳川"),
        ("name_kanji", "山田はな", "山田ハナ"),
        ("name_kana", "ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダハナコ"),
        ("name_kana", "やまだ　はなこ", "ヤマダハナコ"),
        ("name_kana", "ジョン・スミス", "ジョンスミス"),
        ("name_kana", "か゛くと", "ガクト"),  # a spacing dakuten typed after the kana
        ("name_romaji", "Yamada Hanako", "YAMADAHANAKO"),
        ("name_romaji", "ＹＡＭＡＤＡ，ＨＡＮＡＫＯ", "YAMADAHANAKO"),
        ("name_romaji", "Ōno", "ONO"),
        ("phone", "090-1234-5678", "09012345678"),
        ("phone", "０９０－１２３４－５６７８", "09012345678"),
        ("phone", "+81 90 1234 5678", "09012345678"),
        ("phone", "+81 (0)3-1234-5678", "0312345678"),
        ("phone", "+1 (212) 555-0100", "+12125550100"),
        ("passport_number", "tk1234567", "TK1234567"),
        ("passport_number", "ＴＫ　１２３４５６７", "TK1234567"),
        ("email", " Hanako.Yamada@Example.JP ", "hanako.yamada@example.jp"),
        ("email", "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ", "hanako@example.jp"),
        ("address", "東京都豊島区東池袋1-2-3", "東京都豊島区東池袋1-2-3"),
        ("address", "〒170-0013 東京都豊島区東池袋一丁目２番３号", "東京都豊島区東池袋1-2-3"),
        ("address", "東京都豊島区東池袋1丁目2番地3", "東京都豊島区東池袋1-2-3"),
        ("address", "東京都豊島区東池袋１－２－３", "東京都豊島区東池袋1-2-3"),
        ("address", "東京都豊島区東池袋1ー2ー3", "東京都豊島区東池袋1-2-3"),
        ("address", "東京都豊島区東池袋1丁目2の3", "東京都豊島区東池袋1-2-3"),
        ("address", "東京都千代田区霞が関2丁目1番1号", "東京都千代田区霞ヶ関2-1-1"),
        ("address", "東京都千代田区霞ケ関2-1-1", "東京都千代田区霞ヶ関2-1-1"),
        (
            "address",
            "東京都豊島区東池袋1-2-3 サンシャイン 101号室",
            "東京都豊島区東池袋1-2-3サンシャイン101号室",
        ),
        ("address", "東京都千代田区二番町5-6", "東京都千代田区2番町5-6"),
    ],
)
def test_it_normalises_what_a_clerk_might_type(kind, typed, expected):
    assert normalise(kind, typed) == expected


def test_it_names_the_variant_kanji_it_unifies_in_one_documented_table():
    for old, common in VARIANT_KANJI.items():
        assert normalise("name_kanji", old + "田") == common + "田"
        assert common not in VARIANT_KANJI  # one step, no chains


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("1990-01-02", "1990-01-02"),
        ("1990/1/2", "1990-01-02"),
        ("1990.1.2", "1990-01-02"),
        ("1990年1月2日", "1990-01-02"),
        ("19900102", "1990-01-02"),
        ("１９９０年１月２日", "1990-01-02"),
        ("平成2年1月2日", "1990-01-02"),
        ("平成二年一月二日", "1990-01-02"),
        ("㍻2年1月2日", "1990-01-02"),
        ("H2.1.2", "1990-01-02"),
        ("h2/1/2", "1990-01-02"),
        ("令和元年5月1日", "2019-05-01"),
        ("㋿元年5月1日", "2019-05-01"),
        ("平成31年4月30日", "2019-04-30"),
        ("平成元年1月8日", "1989-01-08"),
        ("昭和64年1月7日", "1989-01-07"),
        ("昭和元年12月25日", "1926-12-25"),
        ("昭和四十五年十二月三十一日", "1970-12-31"),
        ("大正15年12月24日", "1926-12-24"),
        ("大正元年7月30日", "1912-07-30"),
        ("明治45年7月29日", "1912-07-29"),
        ("明治6年1月1日", "1873-01-01"),
    ],
)
def test_it_reads_gregorian_and_japanese_era_dates(typed, iso):
    assert normalise("birth_date", typed) == iso


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("平成31年5月1日", "outside the 平成 era"),  # that day is 令和元年
        ("平成元年1月7日", "outside the 平成 era"),  # still 昭和64年
        ("昭和64年1月8日", "outside the 昭和 era"),
        ("令和0年1月1日", "outside the 令和 era"),
        ("明治5年12月2日", "lunisolar"),
        ("1990-02-30", "not a date in the calendar"),
        ("90-01-02", "not a date"),
        ("1月2日", "not a date"),
        ("", "not a date"),
    ],
)
def test_it_refuses_a_date_that_does_not_exist(typed, reason):
    with pytest.raises(InvalidInput, match=reason) as caught:
        parse_date(typed)
    assert caught.value.message_ja


@pytest.mark.parametrize(
    ("kanji", "number"),
    [("〇", 0), ("十", 10), ("十二", 12), ("二十", 20), ("三十一", 31), ("百二", 102),
     ("一九九〇", 1990), ("千九百九十", 1990)],
)  # fmt: skip
def test_it_reads_kanji_numerals(kanji, number):
    assert kanji_number(kanji) == number


@pytest.mark.parametrize(
    ("spelling", "loose"),
    [("OHNO", "ONO"), ("OONO", "ONO"), ("ONO", "ONO"), ("KATOH", "KATO"), ("KATOU", "KATO"),
     ("SENOO", "SENO"), ("YUUKO", "YUKO"), ("OHARA", "OHARA"), ("OHTA", "OTA")],
)  # fmt: skip
def test_it_collapses_long_vowels_for_the_loose_romaji_form(spelling, loose):
    assert romaji_loose(spelling) == loose


@pytest.mark.parametrize("kind", sorted(NORMALISERS))
def test_it_refuses_a_value_with_nothing_left_to_index(kind):
    with pytest.raises(InvalidInput):
        normalise(kind, " \u3000 ")


def test_it_refuses_an_email_without_one_at_sign():
    for bad in ("hanako.example.jp", "a@b@c", "@example.jp", "hanako@"):
        with pytest.raises(InvalidInput, match="e-mail"):
            normalise("email", bad)


def test_it_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown blind-index kind 'nationality'"):
        normalise("nationality", "JPN")


# --- properties ---------------------------------------------------------------------------

# surname and municipality take a part of a name/address: not idempotent by design.
_TEXT_KINDS = sorted(set(NORMALISERS) - {"birth_date", "surname", "municipality"})
_JAPANESE = st.text(
    alphabet=st.sampled_from(
        "山田花子髙橋﨑濵齋邊澤廣德高崎浜斎辺沢広徳一二三十丁目番地号のがケヶ〒東京都豊島区"
        "あいうえおかがきぎゃゅょっアイウエオカガキギャュョッーｱｲｳｶﾞｰﾟﾞ゛゜・＝"
        "0123456789０１２３４５６７８９-－‐ーABCxyzＡＢＣｘｙｚ@＠.．+＋() 　\t"
    ),
    max_size=30,
)


@pytest.mark.parametrize("kind", _TEXT_KINDS)
@given(value=st.one_of(_JAPANESE, st.text(max_size=30)))
def test_it_is_idempotent(kind, value):
    if kind == "email" and "@" not in value:
        value = f"{value}@{value}"  # most random text has no '@'; give it one
    try:
        once = normalise(kind, value)
    except InvalidInput:
        assume(False)
        return
    assert normalise(kind, once) == once


@given(day=st.dates(min_value=date(1873, 1, 1), max_value=date(2200, 12, 31)))
def test_it_reads_every_gregorian_form_of_a_date_as_the_same_day(day):
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y%m%d"),
        jaconv.h2z(day.isoformat(), digit=True, ascii=True),
    ]
    assert {normalise("birth_date", f) for f in forms} == {day.isoformat()}
    assert normalise("birth_date", day.isoformat()) == day.isoformat()


@given(day=st.dates(min_value=date(1989, 1, 8), max_value=date(2019, 4, 30)))
def test_it_reads_every_heisei_date(day):
    year = day.year - 1988
    era_year = "元" if year == 1 else str(year)
    assert parse_date(f"平成{era_year}年{day.month}月{day.day}日") == day
    assert parse_date(f"H{year}.{day.month}.{day.day}") == day


@given(day=st.dates(min_value=date(1926, 12, 25), max_value=date(1989, 1, 7)))
def test_it_reads_every_showa_date(day):
    assert parse_date(f"昭和{day.year - 1925}年{day.month}月{day.day}日") == day


_ASCII_ALNUM = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


@given(value=_ASCII_ALNUM.filter(bool))
def test_it_folds_full_width_letters_and_digits_to_ascii(value):
    full = jaconv.h2z(value, ascii=True, digit=True)
    assert full != value
    assert norm.passport_number(full) == norm.passport_number(value)
    assert norm.email(full + "＠ｅｘａｍｐｌｅ．ｊｐ") == norm.email(value + "@example.jp")
    if any(c.isalpha() for c in value):
        assert norm.name_romaji(full) == norm.name_romaji(value)


_KATAKANA = st.text(alphabet=st.sampled_from("アイウエオカガキギクグパピプッャュョン"), min_size=1)


@given(value=_KATAKANA)
def test_it_reads_half_width_katakana_and_hiragana_as_the_same_kana(value):
    forms = {value, jaconv.z2h(value, kana=True), jaconv.kata2hira(value)}
    assert len(forms) == 3 or value.strip("ッャュョンー") == ""
    assert {norm.name_kana(f) for f in forms} == {value}


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("山田 太郎", "山田"),
        ("山田　太郎", "山田"),  # full-width space
        ("髙橋 一", "高橋"),  # variant kanji unified, like name_kanji
        (" 渡邉  花子 ", "渡辺"),
    ],
)
def test_it_takes_the_family_name_written_first(name, family):
    assert norm.surname(name) == norm.name_kanji(family)


def test_it_refuses_to_guess_where_a_family_name_ends():
    with pytest.raises(InvalidInput) as error:
        norm.surname("山田太郎")
    assert "氏" in error.value.message_ja


@pytest.mark.parametrize(
    ("address", "municipality"),
    [
        ("東京都豊島区東池袋1丁目2番3号", "豊島区"),
        ("豊島区東池袋一丁目二番地三", "豊島区"),  # without the prefecture: the same
        ("神奈川県横浜市港北区日吉2-1", "横浜市港北区"),  # a designated city's ward
        ("東京都町田市中町1-20-23", "町田市"),
        ("東京都西多摩郡瑞穂町箱根ケ崎2335", "西多摩郡瑞穂町"),
        ("〒170-0013 東京都豊島区東池袋3-1-1", "豊島区"),
    ],
)
def test_it_finds_the_municipality_at_the_head_of_an_address(address, municipality):
    assert norm.municipality(address) == municipality


def test_it_refuses_an_address_without_a_municipality():
    with pytest.raises(InvalidInput):
        norm.municipality("1-2-3")
