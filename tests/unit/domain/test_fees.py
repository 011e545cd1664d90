import json
from datetime import date
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.fees import (
    Product,
    fee_for,
    parse_schedules,
    schedule_on,
    shipped_schedules,
)
from ryoken.errors import ConfigurationError, RuleViolation

ON = date(2025, 4, 1)
ADULT = date(1990, 6, 15)
TEEN = date(2010, 6, 15)  # 14 on ON
CHILD = date(2017, 6, 15)  # 7 on ON


def quote(birth, channel, *, kind=ApplicationKind.NEW, on=ON, years=None, surcharge=False, **kw):
    return fee_for(
        kind=kind,
        channel=channel,
        birth_date=birth,
        application_date=on,
        requested_years=years,
        lapse_surcharge=surcharge,
        **kw,
    )


# The FACTS.md table for applications from 2025-03-24: national, paper total, online total.
@pytest.mark.parametrize(
    ("birth", "years", "product", "national", "paper", "online"),
    [
        (ADULT, None, Product.TEN_YEARS, 14_000, 16_300, 15_900),
        (ADULT, 5, Product.FIVE_YEARS, 9_000, 11_300, 10_900),
        (TEEN, None, Product.FIVE_YEARS, 9_000, 11_300, 10_900),
        (CHILD, None, Product.FIVE_YEARS_UNDER_12, 4_000, 6_300, 5_900),
    ],
)
def test_it_charges_the_2025_table(birth, years, product, national, paper, online):
    on_paper = quote(birth, Channel.PAPER, years=years)
    on_line = quote(birth, Channel.ONLINE, years=years)
    assert on_paper.product is product
    assert (on_paper.national, on_paper.total) == (national, paper)
    assert (on_line.national, on_line.total) == (national, online)


def test_it_judges_under_twelve_on_the_application_date_by_the_age_law():
    born = date(2013, 6, 2)  # turns 12 on 2025-06-01
    assert quote(born, Channel.PAPER, on=date(2025, 5, 31)).total == 6_300
    assert quote(born, Channel.PAPER, on=date(2025, 6, 1)).total == 11_300


def test_it_gives_no_under_twelve_rate_to_a_record_change_passport():
    q = quote(CHILD, Channel.PAPER, kind=ApplicationKind.RECORD_CHANGE)
    assert q.product is Product.FIVE_YEARS
    assert q.total == 11_300


def test_it_gives_the_under_twelve_rate_to_a_child_renewing():
    assert quote(CHILD, Channel.ONLINE, kind=ApplicationKind.RENEWAL).total == 5_900


def test_it_refuses_a_ten_year_fee_for_a_minor():
    with pytest.raises(RuleViolation, match="5-year"):
        quote(TEEN, Channel.PAPER, years=10)


def test_it_refuses_to_quote_the_unverified_same_expiry_fee():
    with pytest.raises(ConfigurationError, match="UNVERIFIED") as err:
        quote(ADULT, Channel.PAPER, kind=ApplicationKind.RECORD_CHANGE_SAME_EXPIRY)
    assert "未設定" in err.value.message_ja


def test_it_quotes_the_same_expiry_fee_once_the_office_sets_it():
    office_amount = 1_234  # whatever the office's ordinance says; not a FACTS figure
    schedules = tuple(
        s.with_prefectural(Product.SAME_EXPIRY, Channel.PAPER, office_amount)
        for s in shipped_schedules()
    )
    q = quote(
        CHILD, Channel.PAPER, kind=ApplicationKind.RECORD_CHANGE_SAME_EXPIRY, schedules=schedules
    )
    assert q.national == 4_000
    assert q.total == 4_000 + office_amount
    assert "事務所設定値" in q.lines[1].label_ja
    with pytest.raises(ConfigurationError, match="UNVERIFIED"):
        quote(
            ADULT,
            Channel.ONLINE,
            kind=ApplicationKind.RECORD_CHANGE_SAME_EXPIRY,
            schedules=schedules,
        )


def test_it_adds_the_lapse_surcharge_national_4000_and_6000_in_total():
    plain = quote(ADULT, Channel.PAPER)
    charged = quote(ADULT, Channel.PAPER, surcharge=True)
    assert charged.national - plain.national == 4_000
    assert charged.total - plain.total == 6_000
    assert any("失効" in line.label_ja for line in charged.lines)


def test_it_explains_the_fee_in_japanese_lines():
    q = quote(ADULT, Channel.ONLINE)
    assert q.lines[0].label_ja.startswith("国の手数料")
    assert "オンライン" in q.lines[1].label_ja
    assert sum(line.amount for line in q.lines) == q.total


def test_it_refuses_an_application_dated_before_the_first_schedule():
    with pytest.raises(ConfigurationError, match="2025-03-24") as err:
        quote(ADULT, Channel.PAPER, on=date(2025, 3, 23))
    assert "手数料表" in err.value.message_ja


def test_it_charges_no_fee_for_a_loss_report():
    with pytest.raises(RuleViolation, match="loss report"):
        quote(ADULT, Channel.PAPER, kind=ApplicationKind.LOSS_REPORT)


def _shipped_json():
    text = resources.files("ryoken.domain").joinpath("fee_schedules.json").read_text("utf-8")
    return json.loads(text)


def test_it_switches_to_a_new_schedule_on_its_start_date():
    raw = _shipped_json()
    later = json.loads(json.dumps(raw["schedules"][0]))
    later["effective_from"] = "2026-07-01"
    later["products"]["ten_years"]["national"] = 7_000  # a hypothetical future table
    raw["schedules"].append(later)
    schedules = parse_schedules(json.dumps(raw))
    assert quote(ADULT, Channel.ONLINE, on=date(2026, 6, 30), schedules=schedules).total == 15_900
    new = quote(ADULT, Channel.ONLINE, on=date(2026, 7, 1), schedules=schedules)
    assert new.total == 7_000 + 1_900
    assert new.schedule_from == date(2026, 7, 1)


def test_it_refuses_a_malformed_schedule():
    raw = _shipped_json()
    del raw["schedules"][0]["products"]["five_years"]
    with pytest.raises(ConfigurationError, match="malformed"):
        parse_schedules(json.dumps(raw))
    raw = _shipped_json()
    raw["schedules"][0]["products"]["ten_years"]["national"] = -1
    with pytest.raises(ConfigurationError, match="non-negative"):
        parse_schedules(json.dumps(raw))


def test_it_refuses_an_empty_schedule_list():
    with pytest.raises(ConfigurationError):
        schedule_on(ON, ())


@given(
    birth=st.dates(min_value=date(1930, 1, 1), max_value=date(2025, 3, 1)),
    on=st.dates(min_value=date(2025, 3, 24), max_value=date(2035, 12, 31)),
    kind=st.sampled_from(
        [ApplicationKind.NEW, ApplicationKind.RENEWAL, ApplicationKind.RECORD_CHANGE]
    ),
    channel=st.sampled_from(list(Channel)),
    wants_five=st.booleans(),
    surcharge=st.booleans(),
)
def test_it_always_totals_national_plus_prefectural(
    birth, on, kind, channel, wants_five, surcharge
):
    q = quote(
        birth, channel, kind=kind, on=on, years=5 if wants_five else None, surcharge=surcharge
    )
    assert q.total == q.national + q.prefectural
    assert q.total == sum(line.amount for line in q.lines)
    assert q.national >= 4_000
    assert q.prefectural > 0
