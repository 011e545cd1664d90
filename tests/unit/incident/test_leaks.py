from __future__ import annotations

import pytest

from ryoken.errors import InvalidInput
from ryoken.incident.leaks import (
    RowStatus,
    Strength,
    TokenIndex,
    TokenMatcher,
    match_rows,
    read_leaked_csv,
)
from ryoken.privacy.blind_index import BlindIndexer

INDEXER = BlindIndexer(b"k" * 32)

PEOPLE = {
    "ds_ICHIRO": {
        "name_kanji": "髙橋 一郎",
        "name_kana": "タカハシ イチロウ",
        "birth_date": "1990-01-02",
        "address": "東京都豊島区東池袋1丁目2番3号",
        "phone": "03-1234-5678",
    },
    "ds_HANAKO": {  # his wife: same address and phone
        "name_kanji": "高橋 花子",
        "name_kana": "タカハシ ハナコ",
        "birth_date": "1991-03-04",
        "address": "東京都豊島区東池袋1丁目2番3号",
        "phone": "03-1234-5678",
    },
    "ds_OTHER": {
        "name_kanji": "佐藤 次郎",
        "name_kana": "サトウ ジロウ",
        "birth_date": "1985-07-08",
        "address": "東京都練馬区豊玉北6丁目12番1号",
        "phone": "090-1111-2222",
    },
}


def token_table(people: dict[str, dict[str, str]]) -> dict[str, dict[str, list[str]]]:
    return {
        subject: {kind: INDEXER.tokens_for(kind, value) for kind, value in values.items()}
        for subject, values in people.items()
    }


MATCHER = TokenMatcher(INDEXER, TokenIndex(token_table(PEOPLE)))


def leaked(csv_text: str):
    return match_rows(read_leaked_csv(csv_text), MATCHER)


def test_it_reads_japanese_headers_a_bom_and_ignores_unknown_columns() -> None:
    data = "\ufeff氏名,フリガナ,生年月日,住所,電話番号,備考\n髙橋一郎,,1990-01-02,,,VIP\n,,,,,\n"
    rows = read_leaked_csv(data.encode("utf-8"))
    assert len(rows) == 1
    assert dict(rows[0].values) == {"name_kanji": "髙橋一郎", "birth_date": "1990-01-02"}
    assert rows[0].row == 1


def test_it_accepts_english_and_full_width_headers() -> None:
    rows = read_leaked_csv("Name Kana,ＴＥＬ,Birth Date\nタカハシ,03,1990-01-02\n")
    assert rows[0].kinds == ("name_kana", "phone", "birth_date")


def test_it_refuses_a_list_with_none_of_the_known_columns() -> None:
    with pytest.raises(InvalidInput, match="known columns"):
        read_leaked_csv("a,b\n1,2\n")


def test_it_finds_a_person_through_variant_kanji_hiragana_era_dates_and_address_forms() -> None:
    (match,) = leaked(
        "氏名,ふりがな,生年月日,住所,電話\n"
        "高橋　一郎,たかはし いちろう,平成2年1月2日,"
        "豊島区東池袋１－２－３,０３（１２３４）５６７８\n"
    )
    assert match.status is RowStatus.RESOLVED
    assert match.subject == "ds_ICHIRO"
    best = match.candidates[0]
    assert best.strength is Strength.STRONG
    assert set(best.keys) == {"name_kanji", "name_kana", "birth_date", "address", "phone"}


def test_it_still_resolves_a_misspelt_name_on_its_other_keys() -> None:
    (match,) = leaked("氏名,生年月日,電話番号\n高橋一朗,1990/1/2,03-1234-5678\n")
    assert match.status is RowStatus.RESOLVED
    assert match.subject == "ds_ICHIRO"
    assert match.candidates[0].keys == ("birth_date", "phone")


def test_it_does_not_resolve_a_household_from_address_and_phone_alone() -> None:
    (match,) = leaked("住所,電話番号\n東京都豊島区東池袋1-2-3,0312345678\n")
    assert match.status is RowStatus.WEAK
    assert match.subject is None
    assert {c.subject for c in match.candidates} == {"ds_ICHIRO", "ds_HANAKO"}
    assert all(c.strength is Strength.WEAK for c in match.candidates)


def test_it_tells_apart_a_household_by_the_name() -> None:
    (match,) = leaked("フリガナ,住所,電話番号\nタカハシハナコ,東京都豊島区東池袋1-2-3,0312345678\n")
    assert match.subject == "ds_HANAKO"
    assert match.candidates[0].subject == "ds_HANAKO"


def test_it_drops_a_weak_key_that_many_people_share() -> None:
    crowd = {f"ds_{i}": {"birth_date": "2000-01-01"} for i in range(8)}
    matcher = TokenMatcher(INDEXER, TokenIndex(token_table(crowd)), max_weak=5)
    (match,) = match_rows(read_leaked_csv("生年月日\n2000-01-01\n"), matcher)
    assert match.status is RowStatus.UNMATCHED


def test_it_reports_a_record_from_elsewhere_as_unmatched_and_lists_unusable_values() -> None:
    (match,) = leaked("氏名,生年月日\n山田太郎,不明\n")
    assert match.status is RowStatus.UNMATCHED
    assert match.unusable == ("birth_date",)


def test_it_works_with_any_lookup_callback() -> None:
    calls: list[tuple[str, str]] = []
    index = TokenIndex(token_table(PEOPLE))

    def lookup(kind: str, token: str) -> list[str]:
        calls.append((kind, token))
        return sorted(index(kind, token))

    matcher = TokenMatcher(INDEXER, lookup)
    (match,) = match_rows(read_leaked_csv("氏名,生年月日\n佐藤次郎,1985-07-08\n"), matcher)
    assert match.subject == "ds_OTHER"
    assert {k for k, _ in calls} == {"name_kanji", "birth_date"}
