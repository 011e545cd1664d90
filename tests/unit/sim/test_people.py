import random
from datetime import date

from ryoken.sim.people import (
    FEMALE_GIVEN,
    MALE_GIVEN,
    SURNAMES,
    KosekiMember,
    People,
    age_on,
    birth_for_age,
    relation_between,
)


def test_it_counts_a_year_complete_on_the_day_before_the_birthday():
    birth = date(2013, 6, 10)
    assert age_on(birth, date(2025, 6, 8)) == 11
    assert age_on(birth, date(2025, 6, 9)) == 12
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 18


def test_it_draws_birth_dates_that_give_the_asked_age():
    rng = random.Random(3)
    today = date(2025, 3, 1)
    for age in (0, 1, 11, 12, 17, 18, 64, 90):
        for _ in range(50):
            birth = birth_for_age(rng, today, age)
            assert birth <= today
            assert age_on(birth, today) == age


def test_it_names_relations_from_the_applicants_side():
    mother = KosekiMember("ds_m", "妻", "F", date(1980, 1, 1), "陽子", "ヨウコ")
    father = KosekiMember("ds_f", "筆頭者", "M", date(1978, 1, 1), "浩", "ヒロシ")
    son = KosekiMember("ds_s", "長男", "M", date(2010, 1, 1), "翼", "ツバサ")
    daughter = KosekiMember("ds_d", "長女", "F", date(2012, 1, 1), "舞", "マイ")
    assert relation_between(mother, son) == "母"
    assert relation_between(father, mother) == "夫"
    assert relation_between(son, daughter) == "兄"
    assert relation_between(daughter, son) == "妹"
    assert relation_between(son, father) == "長男"


def test_it_gives_every_household_member_the_family_surname_and_address():
    people = People(random.Random(5), romanize=None, home_prefecture="東京都")
    for template in ("single", "couple", "family", "single_parent"):
        for _ in range(30):
            koseki = people.household(date(2025, 5, 1), template)
            assert 1 <= len(koseki.members) <= 5
            drafts = [people.drafts[m.person_id] for m in koseki.members]
            assert {d.values["name_kanji"].split()[0] for d in drafts} == {koseki.surname_kanji}
            assert {d.values["address"] for d in drafts} == {drafts[0].values["address"]}
            assert {d.values["honseki"] for d in drafts} == {koseki.honseki}
            assert koseki.members[0].relation == "筆頭者"


def test_it_takes_each_reading_from_the_same_tuple_as_its_kanji():
    readings = {kanji: kana for kanji, kana, _ in SURNAMES + MALE_GIVEN + FEMALE_GIVEN}
    people = People(random.Random(9), romanize=None, home_prefecture="東京都")
    for _ in range(100):
        people.household(date(2025, 5, 1), "family")
    assert len(people.drafts) > 200
    for draft in people.drafts.values():
        surname, given = draft.values["name_kanji"].split()
        assert draft.values["name_kana"] == f"{readings[surname]} {readings[given]}"


def test_it_romanizes_the_kana_with_the_injected_converter():
    seen: list[tuple[str, str]] = []

    def romanize(kana: str, kanji: str) -> str:
        seen.append((kana, kanji))
        return f"R{len(kana)}"

    people = People(random.Random(1), romanize=romanize, home_prefecture="東京都")
    koseki = people.household(date(2025, 5, 1), "single")
    draft = people.drafts[koseki.members[0].person_id]
    surname_kana, given_kana = draft.values["name_kana"].split()
    surname_kanji, given_kanji = draft.values["name_kanji"].split()
    assert draft.values["name_romaji"] == f"R{len(surname_kana)} R{len(given_kana)}"
    assert seen == [(surname_kana, surname_kanji), (given_kana, given_kanji)]


def test_it_upper_cases_fakers_romaji_without_a_converter():
    romaji = {kana: roman.upper() for _, kana, roman in SURNAMES + MALE_GIVEN + FEMALE_GIVEN}
    people = People(random.Random(2), romanize=None, home_prefecture="東京都")
    koseki = people.household(date(2025, 5, 1), "couple")
    for member in koseki.members:
        values = people.drafts[member.person_id].values
        surname_kana, given_kana = values["name_kana"].split()
        assert values["name_romaji"] == f"{romaji[surname_kana]} {romaji[given_kana]}"
