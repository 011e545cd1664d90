from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from ryoken.errors import ConfigurationError, InvalidInput
from ryoken.incident.appi import (
    APPI_RULES,
    ReasonCode,
    ReportKind,
    assess,
    deadlines,
    reminders,
    rules_on,
)

LEARNED = date(2023, 5, 15)  # a Monday: Tokyo heard from the police in May 2023


def codes(decision) -> list[ReasonCode]:
    return [r.code for r in decision.reasons]


def test_it_requires_a_report_for_more_than_100_persons_only() -> None:
    at_100 = assess(100, ["name_kanji"], learned_on=LEARNED, unlawful_purpose=False)
    over = assess(101, ["name_kanji"], learned_on=LEARNED, unlawful_purpose=False)
    assert not at_100.required and not at_100.notify_persons
    assert over.required and codes(over) == [ReasonCode.PERSONS]
    assert "100人を超える（101人）" in over.reasons[0].text_ja


def test_it_requires_a_report_for_one_person_taken_by_an_employee() -> None:
    decision = assess(1, ["name_kanji"], learned_on=LEARNED, unlawful_purpose=True)
    assert decision.required and decision.notify_persons
    assert codes(decision) == [ReasonCode.UNLAWFUL_PURPOSE]


def test_it_requires_a_report_for_one_persons_criminal_record_answers() -> None:
    decision = assess(1, ["criminal_answers"], learned_on=LEARNED, unlawful_purpose=False)
    assert codes(decision) == [ReasonCode.SENSITIVE]
    assert "刑罰等関係" in decision.reasons[0].text_ja


def test_it_does_not_count_nationality_alone_as_sensitive_data() -> None:
    decision = assess(1, ["other_nationality"], learned_on=LEARNED, unlawful_purpose=False)
    assert not decision.required


def test_it_takes_financial_harm_from_configured_fields_or_the_officers_finding() -> None:
    rules = (dataclasses.replace(APPI_RULES[0], financial_harm_fields=frozenset({"email"})),)
    by_field = assess(1, ["email"], learned_on=LEARNED, unlawful_purpose=False, rules=rules)
    assert codes(by_field) == [ReasonCode.FINANCIAL_HARM]
    by_finding = assess(
        1, ["name_kanji"], learned_on=LEARNED, unlawful_purpose=False, financial_harm=True
    )
    assert codes(by_finding) == [ReasonCode.FINANCIAL_HARM]


def test_it_lists_every_reason_that_applies() -> None:
    decision = assess(
        1920, ["name_kanji", "criminal_answers"], learned_on=LEARNED, unlawful_purpose=True
    )
    assert codes(decision) == [
        ReasonCode.SENSITIVE,
        ReasonCode.UNLAWFUL_PURPOSE,
        ReasonCode.PERSONS,
    ]
    assert "1,920人" in decision.reasons[-1].text_ja


def test_it_has_no_rules_for_a_prefecture_before_april_2023() -> None:
    assert rules_on(date(2023, 4, 1)).person_threshold == 100
    with pytest.raises(ConfigurationError, match="2023-04-01"):
        assess(500, [], learned_on=date(2023, 3, 31), unlawful_purpose=False)


def test_it_uses_the_rules_in_force_on_the_day_the_office_learned() -> None:
    later = dataclasses.replace(
        APPI_RULES[0], effective_from=date(2030, 1, 1), person_threshold=500, source="test"
    )
    rules = (*APPI_RULES, later)
    assert not assess(
        300, [], learned_on=date(2030, 1, 1), unlawful_purpose=False, rules=rules
    ).required
    assert assess(
        300, [], learned_on=date(2029, 12, 31), unlawful_purpose=False, rules=rules
    ).required


def test_it_refuses_a_negative_number_of_persons() -> None:
    with pytest.raises(InvalidInput):
        assess(-1, [], learned_on=LEARNED, unlawful_purpose=False)


def test_it_counts_deadlines_from_the_day_the_office_learned_as_day_one() -> None:
    due = deadlines(LEARNED, unlawful_purpose=False)
    assert due.preliminary_due == date(2023, 5, 19)  # day 5
    assert due.preliminary_remind_from == date(2023, 5, 17)  # day 3
    assert due.final_due == date(2023, 6, 13)  # day 30
    assert deadlines(LEARNED, unlawful_purpose=True).final_due == date(2023, 7, 13)  # day 60


def test_it_moves_the_final_deadline_to_the_next_open_day_when_given_a_calendar() -> None:
    learned = date(2023, 5, 20)  # day 30 is Sunday 18 June
    weekend = lambda day: day.weekday() >= 5  # noqa: E731
    assert deadlines(learned, unlawful_purpose=False).final_due == date(2023, 6, 18)
    assert deadlines(learned, unlawful_purpose=False, closed=weekend).final_due == date(2023, 6, 19)
    with pytest.raises(ConfigurationError):
        deadlines(learned, unlawful_purpose=False, closed=lambda day: True)


def test_it_reminds_of_the_preliminary_report_from_day_three_until_it_is_sent() -> None:
    assert reminders(LEARNED, LEARNED + timedelta(days=1)) == []
    (first,) = reminders(LEARNED, LEARNED + timedelta(days=2))
    assert (first.report, first.days_left, first.overdue) == (ReportKind.PRELIMINARY, 2, False)
    assert "速報" in first.message_ja and "あと2日" in first.message_ja
    (late,) = reminders(LEARNED, LEARNED + timedelta(days=6))
    assert late.overdue and late.days_left == -2 and "過ぎています" in late.message_ja
    assert reminders(LEARNED, LEARNED + timedelta(days=6), preliminary_sent_on=LEARNED) == []


def test_it_reminds_of_the_final_report_in_its_last_week() -> None:
    sent = {"preliminary_sent_on": LEARNED + timedelta(days=2)}
    assert reminders(LEARNED, date(2023, 6, 5), **sent) == []
    (week,) = reminders(LEARNED, date(2023, 6, 6), **sent)
    assert (week.report, week.due, week.days_left) == (ReportKind.FINAL, date(2023, 6, 13), 7)
    (today,) = reminders(LEARNED, date(2023, 6, 13), **sent)
    assert today.days_left == 0 and "本日" in today.message_ja
    unlawful = reminders(LEARNED, date(2023, 6, 13), unlawful_purpose=True, **sent)
    assert unlawful == []  # 60 days: not yet in its last week
    assert reminders(LEARNED, date(2023, 7, 1), final_sent_on=date(2023, 6, 1), **sent) == []


def test_it_refuses_a_today_before_the_office_learned() -> None:
    with pytest.raises(InvalidInput):
        reminders(LEARNED, LEARNED - timedelta(days=1))
