import pytest

from ryoken.domain.fields import FIELDS
from ryoken.privacy.masking import HIDDEN_MARK, mask, mask_address, mask_birth_date


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("東京都豊島区東池袋1-2-3", "東京都豊島区＊＊＊"),
        ("〒170-0013 東京都豊島区東池袋一丁目2番3号", "東京都豊島区＊＊＊"),
        ("東京都千代田区霞が関2-1-1", "東京都千代田区＊＊＊"),
        ("東京都中央区築地市場1", "東京都中央区＊＊＊"),  # not 中央区築地市
        ("東京都武蔵村山市本町1-1-1", "東京都武蔵村山市＊＊＊"),
        ("東京都町田市森野2-2-22", "東京都町田市＊＊＊"),
        ("東京都西多摩郡瑞穂町箱根ケ崎2335", "東京都西多摩郡瑞穂町＊＊＊"),
        ("東京都大島町元町1-1-14", "東京都大島町＊＊＊"),
        ("神奈川県横浜市港北区新横浜2-5-10", "神奈川県横浜市港北区＊＊＊"),
        ("大阪府大阪市東住吉区東田辺1-13-4", "大阪府大阪市東住吉区＊＊＊"),
        ("福岡県北九州市八幡西区黒崎3-15-3", "福岡県北九州市八幡西区＊＊＊"),
        ("埼玉県さいたま市浦和区常盤6-4-4", "埼玉県さいたま市浦和区＊＊＊"),
        ("北海道札幌市中央区北1条西2", "北海道札幌市中央区＊＊＊"),
        ("千葉県市川市八幡1-1-1", "千葉県市川市＊＊＊"),
        ("三重県四日市市諏訪町1-5", "三重県四日市市＊＊＊"),
        ("広島県廿日市市下平良1-11-1", "広島県廿日市市＊＊＊"),
        ("新潟県十日町市千歳町3-3", "新潟県十日町市＊＊＊"),
        ("福島県郡山市朝日1-23-7", "福島県郡山市＊＊＊"),
        ("愛知県蒲郡市旭町17-1", "愛知県蒲郡市＊＊＊"),
        ("奈良県大和郡山市北郡山町248-4", "奈良県大和郡山市＊＊＊"),
        ("長野県北佐久郡軽井沢町長倉2381", "長野県北佐久郡軽井沢町＊＊＊"),
        ("奈良県高市郡明日香村岡55", "奈良県高市郡明日香村＊＊＊"),
        ("北海道余市郡余市町朝日町4", "北海道余市郡余市町＊＊＊"),
        ("群馬県佐波郡玉村町下新田201", "群馬県佐波郡玉村町＊＊＊"),
        ("山梨県西八代郡市川三郷町市川大門1790", "山梨県西八代郡市川三郷町＊＊＊"),
        ("豊島区東池袋1-2-3", "豊島区＊＊＊"),
        ("東池袋1-2-3", "＊＊＊"),  # nothing recognisable: hide it all
    ],
)
def test_it_keeps_only_prefecture_and_municipality_of_an_address(address, masked):
    assert mask_address(address) == masked


@pytest.mark.parametrize(
    ("field", "value", "masked"),
    [
        ("name_kanji", "山田 花子", "山田 ＊＊"),
        ("name_kanji", "山田　花子", "山田　＊＊"),
        ("name_kanji", "山田花子", "山＊＊＊"),
        ("name_kana", "ヤマダ ハナコ", "ヤマダ ＊＊＊"),
        ("name_romaji", "YAMADA HANAKO", "YAMADA ＊＊＊＊＊＊"),
        ("other_name", "SMITH JOHN PAUL", "SMITH ＊＊＊＊ ＊＊＊＊"),
        ("phone", "090-1234-5678", "090-＊＊＊＊-5678"),
        ("phone", "03-1234-5678", "03-＊＊＊＊-5678"),
        ("mobile", "09012345678", "090＊＊＊＊5678"),
        ("mobile", "０９０－１２３４－５６７８", "090-＊＊＊＊-5678"),
        ("birth_date", "1990-01-02", "＊＊＊＊年＊＊月＊＊日"),
        ("email", "taro@example.jp", "t＊＊＊@example.jp"),
        ("email", "t@example.jp", "t＊＊＊@example.jp"),
        ("passport_number", "TK1234567", "TK＊＊＊＊567"),
        ("passport_number", "tk1234567", "TK＊＊＊＊567"),
        ("previous_passport", "TZ7654321", "TZ＊＊＊＊321"),
        ("honseki", "東京都千代田区千代田1番", "東京都＊＊＊"),
        ("postcode", "170-0013", "170-＊＊＊＊"),
        ("address", "東京都豊島区東池袋1-2-3", "東京都豊島区＊＊＊"),
        ("sex", "F", "＊"),
        ("criminal_answers", "はい", HIDDEN_MARK),
        ("other_nationality", "USA", HIDDEN_MARK),
        ("relation", "長男", HIDDEN_MARK),
    ],
)
def test_it_masks_each_field_for_display(field, value, masked):
    assert mask(field, value) == masked


def test_it_shows_the_birth_year_only_when_asked():
    assert mask("birth_date", "平成2年1月2日", keep_birth_year=True) == "1990年＊＊月＊＊日"
    assert mask_birth_date("1990/1/2", keep_year=True) == "1990年＊＊月＊＊日"
    assert mask_birth_date("unreadable", keep_year=True) == "＊＊＊＊年＊＊月＊＊日"


def test_it_never_shows_a_given_name_or_the_middle_digits():
    assert "花子" not in mask("name_kanji", "山田 花子")
    assert "1234" not in mask("phone", "090-1234-5678")
    assert "taro" not in mask("email", "taro@example.jp")
    assert "1234" not in mask("passport_number", "TK1234567")


def test_it_masks_every_catalogue_field():
    for f in FIELDS:
        assert mask(f.name, "東京都豊島区東池袋1-2-3 090-1234-5678") != (
            "東京都豊島区東池袋1-2-3 090-1234-5678"
        ), f.name


def test_it_refuses_an_unknown_field():
    with pytest.raises(ValueError, match="unknown personal-data field"):
        mask("blood_type", "A")


@pytest.mark.parametrize("value", ["", "   ", "@", "-"])
def test_it_masks_odd_values_without_failing(value):
    for f in FIELDS:
        assert isinstance(mask(f.name, value), str)
