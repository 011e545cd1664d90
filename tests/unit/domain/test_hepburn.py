import re

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ryoken.domain.hepburn import (
    SudachiReadings,
    alternatives,
    romanize,
    to_passport_romaji,
    validate_spelling,
)
from ryoken.errors import InvalidInput, InvalidKana

# FACTS.md, "Examples to test against".
FACTS_EXAMPLES = [
    ("おおたに", None, "OTANI"),
    ("さいとう", None, "SAITO"),
    ("ようこ", None, "YOKO"),
    ("しょういち", None, "SHOICHI"),
    ("せのお", None, "SENOO"),
    ("ニーナ", None, "NINA"),
    ("かんだ", None, "KANDA"),
    ("しんや", None, "SHINYA"),
    ("なんば", None, "NAMBA"),
    ("ほんま", None, "HOMMA"),
    ("はっとり", None, "HATTORI"),
    ("ほっち", None, "HOTCHI"),
    ("かんの", None, "KANNO"),
    ("べっぷ", None, "BEPPU"),
    ("おおの", None, "ONO"),
    ("なんぶ", None, "NAMBU"),
    ("こうの", None, "KONO"),
    ("とおやま", None, "TOYAMA"),
    ("かとう", None, "KATO"),
    ("ジョン", None, "JON"),
    ("がいむ", None, "GAIMU"),
    ("スミス", None, "SUMISU"),
    ("まつうら", "松浦", "MATSUURA"),
]

# FACTS.md's rule text: OTA, YUKO; 妹尾 SENOO, 横尾 YOKOO.
RULE_EXAMPLES = [
    ("おおた", None, "OTA"),
    ("ゆうこ", None, "YUKO"),
    ("せのお", "妹尾", "SENOO"),
    ("よこお", "横尾", "YOKOO"),
    ("よこお", None, "YOKOO"),
]


class FakeReadings:
    """A dictionary with only the readings a test gives, counting lookups."""

    def __init__(self, readings: dict[str, set[str]]) -> None:
        self._readings = readings
        self.lookups = 0

    def readings(self, surface: str) -> frozenset[str]:
        self.lookups += 1
        return frozenset(self._readings.get(surface, set()))


@pytest.mark.parametrize(("kana", "kanji", "expected"), FACTS_EXAMPLES + RULE_EXAMPLES)
def test_it_spells_every_example_from_the_facts(kana, kanji, expected):
    assert to_passport_romaji(kana, kanji) == expected


@pytest.mark.parametrize(
    ("kana", "expected"),
    [
        ("しちつふ", "SHICHITSUFU"),
        ("じぢずづ", "JIJIZUZU"),
        ("をの", "ONO"),
        ("しゃちゃじゃ", "SHACHAJA"),
        ("きょうへい", "KYOHEI"),
        ("りゅうのすけ", "RYUNOSUKE"),
        ("ぢゃ", "JA"),
    ],
)
def test_it_follows_the_passport_table(kana, expected):
    assert to_passport_romaji(kana) == expected


@pytest.mark.parametrize(
    ("kana", "expected"),
    [("いいだ", "IIDA"), ("ええじま", "EEJIMA"), ("けいこ", "KEIKO"), ("さあや", "SAAYA")],
)
def test_it_writes_vowel_pairs_other_than_long_o_and_u_in_full(kana, expected):
    result = romanize(kana)
    assert result.spelling == expected
    assert not result.needs_confirmation


def test_it_keeps_a_vowel_pair_that_spans_the_kanji_boundary():
    result = romanize("まつうら", "松浦")
    assert result.spelling == "MATSUURA"
    assert not result.needs_confirmation
    assert "MATSURA" not in result.alternatives
    assert any("松|浦" in note for note in result.notes)


def test_it_flags_a_long_vowel_pair_when_no_kanji_shows_the_boundary():
    result = romanize("まつうら")
    assert result.spelling == "MATSURA"
    assert result.needs_confirmation
    assert "MATSUURA" in result.reasons[0]
    assert "確認" in result.reasons[0]
    assert "confirm" in result.reasons[0]
    assert "MATSUURA" in result.alternatives


@pytest.mark.parametrize(
    ("kana", "kanji", "expected"),
    [
        ("おおの", "大野", "ONO"),
        ("かとう", "加藤", "KATO"),
        ("さいとう", "斎藤", "SAITO"),
        ("こうの", "河野", "KONO"),
        ("とおやま", "遠山", "TOYAMA"),
        ("おおたに", "大谷", "OTANI"),
        ("ようこ", "洋子", "YOKO"),
        ("しょういち", "正一", "SHOICHI"),
        ("たろう", "太郎", "TARO"),
        ("ゆうこ", "優子", "YUKO"),
        ("こんどう", "近藤", "KONDO"),  # 藤 is only フジ in the dictionary: ドウ is left over
    ],
)
def test_it_does_not_flag_a_long_vowel_inside_one_kanji(kana, kanji, expected):
    result = romanize(kana, kanji)
    assert result.spelling == expected
    assert not result.needs_confirmation


@pytest.mark.parametrize(
    ("kana", "kanji", "expected"),
    [
        ("こうち", "小内", "KOUCHI"),  # 小|内 コ|ウチ
        ("こうち", "高知", "KOCHI"),  # 高 コウ
        ("おおうち", "大内", "OUCHI"),  # 大 オオ | 内 ウチ
        ("かつうら", "勝浦", "KATSUURA"),
        ("たけのうち", "竹内", "TAKENOUCHI"),  # the unwritten ノ: 竹|(ノ)|内
        ("いのうえ", "井上", "INOUE"),  # 井|(ノ)|上
    ],
)
def test_it_finds_the_boundary_from_the_kanji(kana, kanji, expected):
    assert romanize(kana, kanji).spelling == expected


def test_it_flags_a_name_the_dictionary_reads_only_as_a_whole():
    result = romanize("しょうじ", "東海林")
    assert result.spelling == "SHOJI"
    assert result.needs_confirmation
    assert "東海林" in result.reasons[0]


def test_it_flags_a_long_vowel_in_kana_written_in_the_kanji_name():
    result = romanize("ゆうこ", "ゆう子")
    assert result.needs_confirmation
    assert set(result.alternatives[:2]) == {"YUKO", "YUUKO"}


def test_it_romanizes_each_name_part_and_joins_them_with_one_space():
    assert to_passport_romaji("まつうら　たろう", "松浦 太郎") == "MATSUURA TARO"
    assert to_passport_romaji("  ジョン・スミス ") == "JON SUMISU"


def test_it_refuses_kanji_and_kana_with_different_numbers_of_parts():
    with pytest.raises(InvalidInput, match="part"):
        romanize("まつうら たろう", "松浦")


def test_it_names_the_character_that_is_not_kana():
    with pytest.raises(InvalidKana, match="'A'") as caught:
        romanize("たAろう")
    assert "「A」" in caught.value.message_ja
    with pytest.raises(InvalidKana, match="'山'"):
        romanize("山田")


@pytest.mark.parametrize("text", ["", "   ", "ー", "ッ"])
def test_it_refuses_a_name_with_nothing_to_spell(text):
    with pytest.raises(InvalidKana):
        romanize(text)


def test_it_reads_half_width_and_full_width_katakana_alike():
    assert to_passport_romaji("ﾏﾂｳﾗ", "松浦") == to_passport_romaji("まつうら", "松浦")
    assert to_passport_romaji("ｶﾞｸ") == "GAKU"


def test_it_handles_small_kana_sokuon_and_n_at_the_edges():
    orphan = romanize("ぁき")
    assert orphan.spelling == "AKI"
    assert orphan.needs_confirmation
    final_sokuon = romanize("あっ")
    assert final_sokuon.spelling == "A"
    assert final_sokuon.needs_confirmation
    assert romanize("けん").spelling == "KEN"
    assert not romanize("けん").needs_confirmation
    assert to_passport_romaji("っか") == "KKA"


def test_it_spells_vu_from_the_table_for_foreign_origin_names():
    assert to_passport_romaji("ヴ") == "BU"
    assert to_passport_romaji("ゔぃくとる") == "BUIKUTORU"
    assert alternatives("ヴァン")[:2] == ["BUAN", "BAN"]


def test_it_expands_iteration_marks():
    assert to_passport_romaji("さゝき") == "SASAKI"
    assert to_passport_romaji("みすゞ") == "MISUZU"


def test_it_offers_oh_and_oo_ou_for_a_long_o_and_nothing_for_a_long_u():
    assert alternatives("おおの", "大野") == ["ONO", "OHNO", "OONO"]
    assert alternatives("かとう", "加藤") == ["KATO", "KATOH", "KATOU"]
    assert alternatives("ゆうこ", "優子") == ["YUKO"]


def test_it_lets_surname_and_given_name_choose_their_long_o_apart():
    found = alternatives("こうの ようこ", "河野 洋子")
    assert found[0] == "KONO YOKO"
    assert {"KOHNO YOKO", "KONO YOHKO", "KOUNO YOUKO"} <= set(found)


def test_it_does_not_look_up_the_dictionary_without_a_vowel_pair():
    fake = FakeReadings({})
    assert romanize("はっとり", "服部", readings=fake).spelling == "HATTORI"
    assert fake.lookups == 0


def test_it_infers_the_reading_of_a_kanji_the_dictionary_lacks():
    fake = FakeReadings({"加": {"カ"}})
    result = romanize("かとう", "加藤", readings=fake)
    assert result.spelling == "KATO"
    assert not result.needs_confirmation


def test_it_flags_a_boundary_that_rests_on_an_unlisted_reading():
    fake = FakeReadings({"浦": {"ウラ"}})  # nothing for 松: マツ is only left over
    result = romanize("まつうら", "松浦", readings=fake)
    assert result.needs_confirmation
    assert "松" in result.reasons[0]


# A prefix and a word (FACTS.md: the boundary decides, and without it the clerk confirms):
# 小浦 こ|うら KOURA, 御浦 お|うら OURA. When the prefix's one-vowel reading is missing from
# the dictionary (大 is listed only as オオ, not オ), an unlisted reading of the prefix must
# not swallow the word's first vowel and pass for a long vowel: 大浦 おうら came out ORA,
# unflagged, though 浦 is listed as ウラ.
@pytest.mark.parametrize(
    ("kana", "kanji", "expected"),
    [("こうら", "小浦", "KOURA"), ("おうら", "御浦", "OURA"), ("こうめ", "小梅", "KOUME")],
)
def test_it_keeps_both_vowels_where_a_listed_prefix_meets_a_word(kana, kanji, expected):
    result = romanize(kana, kanji)
    assert result.spelling == expected
    assert not result.needs_confirmation


def test_it_flags_a_prefix_whose_one_vowel_reading_the_dictionary_lacks():
    fake = FakeReadings({"大": {"オオ"}, "浦": {"ウラ"}})
    result = romanize("おうら", "大浦", readings=fake)
    assert result.needs_confirmation
    assert result.alternatives[:2] == ("ORA", "OURA")
    assert "「大」" in result.reasons[0]
    real = romanize("おうら", "大浦")  # the same with the real dictionary
    assert real.needs_confirmation and "OURA" in real.alternatives
    # Where the kanji beside it has no listed reading from the second vowel, the inferred
    # reading stands (加藤: 加 カ, 藤 トウ), as before.
    assert not romanize("かとう", "加藤", readings=FakeReadings({"加": {"カ"}})).needs_confirmation
    assert not romanize("おおうら", "大浦", readings=fake).needs_confirmation


def test_it_never_lets_an_unlisted_kanji_reading_be_a_bare_vowel():
    # Both kanji unknown: コン|ドウ is the only split, as no kanji may be read ウ unlisted.
    result = romanize("こんどう", "甲乙", readings=FakeReadings({}))
    assert result.spelling == "KONDO"
    assert not result.needs_confirmation
    assert romanize("こうだ", "甲乙", readings=FakeReadings({"乙": {"ウダ"}})).needs_confirmation


def test_it_flags_kanji_whose_readings_allow_both_boundaries():
    fake = FakeReadings({"甲": {"コ", "コウ"}, "乙": {"ウチ", "チ"}})
    result = romanize("こうち", "甲乙", readings=fake)
    assert result.needs_confirmation
    assert set(result.alternatives[:2]) == {"KOCHI", "KOUCHI"}


def test_it_loads_the_dictionary_once_and_only_when_needed():
    source = SudachiReadings()
    assert not source.loaded
    romanize("かんだ", "神田", readings=source)
    assert not source.loaded
    romanize("まつうら", "松浦", readings=source)
    assert source.loaded
    dictionary = source.dictionary()
    romanize("かとう", "加藤", readings=source)
    assert source.dictionary() is dictionary


@pytest.mark.parametrize(
    ("kana", "written", "kanji", "rule"),
    [
        ("なんば", "NANBA", None, "syllabic-n"),
        ("ほっち", "HOCCHI", None, "sokuon"),
        ("しみず", "SIMIZU", None, "hepburn-table"),
        ("つちや", "TUTIYA", None, "hepburn-table"),
        ("ゆうこ", "YUUKO", "優子", "long-vowel"),
        ("ニーナ", "NIINA", None, "long-vowel"),
        ("まつうら", "MATSURA", "松浦", "long-vowel"),
        ("こうとう", "KOHTOU", "高藤", "mixed-long-vowels"),
        ("スミス", "SMITH", None, "not-from-kana"),
        ("しんや", "SHIN'YA", None, "characters"),
        ("さとう", "SATŌ", None, "characters"),
        ("やまだ たろう", "YAMADA", None, "name-parts"),
    ],
)
def test_it_refuses_a_spelling_and_names_the_rule(kana, written, kanji, rule):
    verdict = validate_spelling(kana, written, kanji)
    assert not verdict.accepted
    assert verdict.rule == rule
    assert verdict.reason_en
    assert verdict.reason_ja


@pytest.mark.parametrize(
    ("kana", "written", "kanji", "non_hepburn"),
    [
        ("おおの", "ONO", "大野", False),
        ("おおの", "OHNO", "大野", True),
        ("おおの", "OONO", "大野", True),
        ("かとう", "KATOH", "加藤", True),
        ("かとう", "katou", "加藤", True),
        ("こうとう", "KOHTOH", "高藤", True),
        ("まつうら たろう", "MATSUURA  TARO", "松浦 太郎", False),
    ],
)
def test_it_accepts_hepburn_and_the_requested_long_o(kana, written, kanji, non_hepburn):
    verdict = validate_spelling(kana, written, kanji)
    assert verdict.accepted
    assert verdict.non_hepburn is non_hepburn
    assert not verdict.needs_confirmation


def test_it_accepts_a_foreign_origin_spelling_only_with_documents():
    assert not validate_spelling("スミス", "SMITH").accepted
    verdict = validate_spelling("スミス", "SMITH", documented=True)
    assert verdict.accepted
    assert verdict.rule == "documented-foreign-origin"
    assert verdict.non_hepburn


def test_it_accepts_either_reading_of_an_unconfirmed_boundary_but_asks_to_confirm():
    verdict = validate_spelling("まつうら", "MATSUURA")
    assert verdict.accepted
    assert verdict.needs_confirmation


KANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよ"
    "らりるれろわゐゑをんがぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔ"
    "ぁぃぅぇぉゃゅょゎっゕゖ"
)
ALPHABET = KANA + jaconv.hira2kata(KANA) + "ー　 "


@given(st.text(alphabet=ALPHABET, max_size=14))
def test_it_writes_only_a_to_z_and_single_spaces(text):
    try:
        result = romanize(text)
    except InvalidKana as error:
        assert "no kana" in error.message or "no sound" in error.message
        return
    assert re.fullmatch(r"[A-Z]+( [A-Z]+)*", result.spelling)
    assert result.alternatives[0] == result.spelling
    for spelling in result.alternatives:
        assert re.fullmatch(r"[A-Z]+( [A-Z]+)*", spelling)


@given(st.text(alphabet=KANA + "ー ", min_size=1, max_size=14))
def test_it_spells_hiragana_and_katakana_the_same(text):
    try:
        from_hiragana = romanize(text)
    except InvalidKana:
        with pytest.raises(InvalidKana):
            romanize(jaconv.hira2kata(text))
        return
    from_katakana = romanize(jaconv.hira2kata(text))
    assert from_katakana.spelling == from_hiragana.spelling
    assert from_katakana.alternatives == from_hiragana.alternatives
    assert from_katakana.needs_confirmation == from_hiragana.needs_confirmation


def test_it_flags_rather_than_searches_a_kanji_name_far_too_long_to_be_one():
    result = romanize("こう" * 30, "甲" * 30, readings=FakeReadings({}))
    assert result.needs_confirmation
    assert "too many ways" in result.reasons[0]
