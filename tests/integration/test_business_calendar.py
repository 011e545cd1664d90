"""Business time at the edges of the calendar, with the clock pinned (tests/conftest.py).

Each pair of tests stands on either side of a midnight in Japan. The instants are written in
Japan time; in UTC they are the afternoon before, so code that took "today" from UTC, or
from the server's own zone, would put both sides on the same day and fail one of them.
"""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest

from ryoken import clock
from ryoken.domain import fees
from ryoken.web.applications.fees import fee_quote
from ryoken.web.applications.models import Application

from .counter.helpers import call_applicant, enter_application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served(client, personas, ledger_db, login_as):
    clerk = personas["counter_clerk"]
    login_as(clerk)
    return client, call_applicant(client)


def _ten_year_application(served, birth_date: str):
    client, grant = served
    return enter_application(client, grant, birth_date=birth_date, requested_validity="10")


# --- an applicant's 18th birthday and a leap-day birth: age by 年齢計算ニ関スル法律 ----------
# Born 2008-12-08: 18 on 2026-12-07, the day before the 18th birthday, from 00:00 Japan time.
# Born 2008-02-29: 18 on 2026-02-28 (a common year has no 29 February; 民法143条2項).

UNDER_18 = "申請日に18歳未満の方は5年旅券のみ申請できます。"


def _at(moment: str, born: str, today: date, is_18: bool):
    return pytest.param(born, today, is_18, marks=pytest.mark.clock(moment), id=moment)


@pytest.mark.parametrize(
    ("born", "today", "is_18"),
    [
        _at("2026-12-06T23:58:00+09:00", "2008-12-08", date(2026, 12, 6), False),
        _at("2026-12-07T00:00:05+09:00", "2008-12-08", date(2026, 12, 7), True),
        _at("2026-02-27T23:58:00+09:00", "2008-02-29", date(2026, 2, 27), False),
        _at("2026-02-28T00:00:05+09:00", "2008-02-29", date(2026, 2, 28), True),
    ],
)
def test_it_allows_ten_years_from_the_first_minute_an_applicant_is_18(served, born, today, is_18):
    assert clock.today() == today
    response = _ten_year_application(served, born)
    if is_18:
        assert response.status_code == 302, response.content.decode()[:400]
        assert Application.objects.get().application_date == today
    else:
        assert response.status_code == 400
        assert UNDER_18 in response.content.decode()
        assert not Application.objects.exists()


# --- a fee schedule that changes at midnight Japan time -----------------------------------


@pytest.fixture
def a_fee_change_on_8_december(monkeypatch):
    """The shipped schedule, then a cheaper 10-year passport from 2026-12-08 (a law change)."""
    shipped = fees.shipped_schedules()
    cheaper = fees.parse_schedules(
        resources.files("ryoken.domain")
        .joinpath("fee_schedules.json")
        .read_text("utf-8")
        .replace('"effective_from": "2025-03-24"', '"effective_from": "2026-12-08"')
        .replace('"national": 14000', '"national": 7000')
    )
    monkeypatch.setattr(fees, "shipped_schedules", lambda: (*shipped, *cheaper))
    return 14000, 7000


def _quoted_national(served) -> int:
    response = _ten_year_application(served, "1985-06-15")
    assert response.status_code == 302, response.content.decode()[:400]
    application = Application.objects.get()
    return fee_quote(application, date(1985, 6, 15)).national


@pytest.mark.clock("2026-12-07T23:59:00+09:00")
def test_it_quotes_the_old_fee_on_the_last_evening(served, a_fee_change_on_8_december):
    old, _new = a_fee_change_on_8_december
    assert _quoted_national(served) == old


@pytest.mark.clock("2026-12-08T00:00:05+09:00")
def test_it_quotes_the_new_fee_from_midnight_japan_time(served, a_fee_change_on_8_december):
    _old, new = a_fee_change_on_8_december
    assert _quoted_national(served) == new


# --- an era boundary: 平成 ends 2019-04-30, 令和 begins 2019-05-01 ----------------------------


@pytest.mark.parametrize(
    ("moment", "typed", "accepted"),
    [
        ("2019-04-30T23:59:00+09:00", "平成31年4月30日", True),
        ("2019-04-30T23:59:00+09:00", "令和元年5月1日", False),  # tomorrow: not born yet
        ("2019-05-01T00:00:05+09:00", "令和元年5月1日", True),
        ("2019-05-01T00:00:05+09:00", "平成31年5月1日", False),  # that day is 令和元年
    ],
)
def test_it_reads_an_era_date_against_today_across_the_era_boundary(
    moment, typed, accepted, time_machine_at
):
    from ryoken.errors import InvalidInput
    from ryoken.privacy.normalise import parse_date

    with time_machine_at(moment):
        try:
            born = parse_date(typed)
        except InvalidInput:
            born = None
        assert (born is not None and born <= clock.today()) is accepted
