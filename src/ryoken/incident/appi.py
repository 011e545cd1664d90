"""APPI: must the office report the leak to the commission (PPC), why, and by when?

A prefectural passport office is a 行政機関等 (APPI 68条, FACTS.md). It must report a leak
(or a possible leak) to the Personal Information Protection Commission, and notify the
persons, when the leak involves any of:

- 要配慮個人情報 (sensitive data): here the 刑罰等関係 answers (`criminal_answers`);
- data whose misuse risks financial harm (a configurable field list: none of the catalogue's
  fields is payment data, so the default list is empty and the officer decides);
- an unlawful purpose (不正の目的) — an employee taking data counts, even for one person;
- more than 100 persons (private businesses: more than 1,000).

A preliminary report (速報) is due promptly, about 3–5 days after the office learned of it;
the final report (確報) within 30 days, 60 for the unlawful-purpose case.

Every threshold and deadline lives in `AppiRules`, effective-dated with its source, not in
code. Two conventions are marked UNVERIFIED in the rules and kept configurable: the day the
office learned of the leak counts as day 1 (so "within 30 days" of 1 April is 30 April), and
a deadline falling on a day the office is closed moves to the next open day only when a
closed-day calendar is passed in (without one the earlier date stands: early is safe).

Other nationality (`other_nationality`, class SENSITIVE in the catalogue) is not listed as
要配慮個人情報: nationality alone is a legal status, not race (the PPC's guidelines); the
office can add it to `sensitive_fields` if its counsel reads it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ryoken.domain.fields import FIELDS_BY_NAME
from ryoken.errors import ConfigurationError, InvalidInput
from ryoken.incident.scope import Scope


@dataclass(frozen=True, slots=True)
class AppiRules:
    """The reporting rules in effect from `effective_from` (until the next set)."""

    effective_from: date
    source: str
    person_threshold: int  # report when MORE than this many persons
    sensitive_fields: frozenset[str]  # 要配慮個人情報
    financial_harm_fields: frozenset[str]  # 財産的被害のおそれ
    preliminary_due_day: int  # 速報: due by this day
    preliminary_remind_from_day: int
    final_due_day: int  # 確報
    final_due_day_unlawful: int  # 確報, unlawful purpose
    final_remind_days_before: int  # remind from this many days before the final report is due
    learned_day_is_day_one: bool  # UNVERIFIED convention (see the module docstring)


APPI_RULES: tuple[AppiRules, ...] = (
    AppiRules(
        effective_from=date(2023, 4, 1),
        source=(
            "個人情報の保護に関する法律68条1項・2項、同法施行規則43条（報告対象事態）・44条"
            "（速報・確報）。地方公共団体の機関への適用は令和5年4月1日（令和3年改正法）。"
            "速報の「概ね3～5日」は個人情報保護委員会のガイドラインによる。"
            "知った日を1日目とする期間計算は UNVERIFIED（ガイドラインで要確認）。"
        ),
        person_threshold=100,
        sensitive_fields=frozenset({"criminal_answers"}),
        financial_harm_fields=frozenset(),
        preliminary_due_day=5,
        preliminary_remind_from_day=3,
        final_due_day=30,
        final_due_day_unlawful=60,
        final_remind_days_before=7,
        learned_day_is_day_one=True,
    ),
)


def rules_on(day: date, rules: Sequence[AppiRules] = APPI_RULES) -> AppiRules:
    """The rules in effect on `day`."""
    in_force = [r for r in rules if r.effective_from <= day]
    if not in_force:
        first = min((r.effective_from for r in rules), default=None)
        raise ConfigurationError(
            f"no APPI reporting rules for a prefecture are configured for {day.isoformat()}"
            + (f" (the first take effect on {first.isoformat()})" if first else ""),
            message_ja="この日付に適用される漏えい等報告の規定が設定されていません。",
        )
    return max(in_force, key=lambda r: r.effective_from)


class ReasonCode(StrEnum):
    SENSITIVE = "sensitive"
    FINANCIAL_HARM = "financial_harm"
    UNLAWFUL_PURPOSE = "unlawful_purpose"
    PERSONS = "persons"


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    text_ja: str
    text_en: str


@dataclass(frozen=True)
class ReportDecision:
    required: bool  # report to the PPC, and notify the persons
    reasons: tuple[Reason, ...]
    persons: int
    unlawful_purpose: bool
    rules: AppiRules

    @property
    def notify_persons(self) -> bool:
        """APPI 68条2項: the persons are notified whenever the report is required."""
        return self.required


def assess(
    persons: int,
    fields: Collection[str],
    *,
    learned_on: date,
    unlawful_purpose: bool,
    financial_harm: bool = False,
    rules: Sequence[AppiRules] = APPI_RULES,
) -> ReportDecision:
    """Whether a leak of `fields` of `persons` people must be reported, with the reasons.

    `unlawful_purpose`: the office's finding that the leak was, or may have been, done for an
    unlawful purpose (an employee taking data). `financial_harm`: the officer's finding of a
    risk of financial harm beyond the configured field list.
    """
    if isinstance(persons, bool) or not isinstance(persons, int) or persons < 0:
        raise InvalidInput(f"the number of persons must be a whole number, not {persons!r}")
    rule = rules_on(learned_on, rules)
    reasons: list[Reason] = []
    sensitive = sorted(set(fields) & rule.sensitive_fields)
    if sensitive:
        labels = "、".join(_label(f) for f in sensitive)
        reasons.append(
            Reason(
                ReasonCode.SENSITIVE,
                f"要配慮個人情報（{labels}）が含まれる。",
                f"sensitive personal data ({', '.join(sensitive)}) is involved",
            )
        )
    harmful = sorted(set(fields) & rule.financial_harm_fields)
    if harmful or financial_harm:
        labels = "、".join(_label(f) for f in harmful)
        reasons.append(
            Reason(
                ReasonCode.FINANCIAL_HARM,
                "不正に利用されることにより財産的被害が生じるおそれがある"
                + (f"（{labels}）。" if labels else "。"),
                "misuse may cause financial harm" + (f" ({', '.join(harmful)})" if harmful else ""),
            )
        )
    if unlawful_purpose:
        reasons.append(
            Reason(
                ReasonCode.UNLAWFUL_PURPOSE,
                "不正の目的をもって行われたおそれがある（職員等による持ち出し。本人の数によらない）。",
                "it was or may have been done for an unlawful purpose (data taken by a staff "
                "member; reportable whatever the number of persons)",
            )
        )
    if persons > rule.person_threshold:
        reasons.append(
            Reason(
                ReasonCode.PERSONS,
                f"本人の数が{rule.person_threshold}人を超える（{persons:,}人）。",
                f"more than {rule.person_threshold} persons ({persons:,})",
            )
        )
    return ReportDecision(bool(reasons), tuple(reasons), persons, unlawful_purpose, rule)


def assess_scope(
    scope: Scope,
    *,
    learned_on: date,
    unlawful_purpose: bool,
    financial_harm: bool = False,
    rules: Sequence[AppiRules] = APPI_RULES,
) -> ReportDecision:
    """`assess` with the persons and fields of a scoping result."""
    return assess(
        scope.persons,
        list(scope.by_field),
        learned_on=learned_on,
        unlawful_purpose=unlawful_purpose,
        financial_harm=financial_harm,
        rules=rules,
    )


def _label(name: str) -> str:
    known = FIELDS_BY_NAME.get(name)
    return known.label_ja if known else name


# --- deadlines and reminders ----------------------------------------------------------------


class ReportKind(StrEnum):
    PRELIMINARY = "preliminary"  # 速報
    FINAL = "final"  # 確報


REPORT_LABEL_JA = {ReportKind.PRELIMINARY: "速報", ReportKind.FINAL: "確報"}

Closed = Callable[[date], bool]


@dataclass(frozen=True, slots=True)
class Deadlines:
    learned_on: date
    preliminary_due: date
    preliminary_remind_from: date
    final_due: date
    final_remind_from: date
    final_days: int  # 30, or 60 for an unlawful purpose


def _day(learned_on: date, n: int, rule: AppiRules) -> date:
    return learned_on + timedelta(days=n - 1 if rule.learned_day_is_day_one else n)


def _open_day(day: date, closed: Closed | None) -> date:
    if closed is None:
        return day
    for _ in range(366):  # a calendar that closes every day is a configuration error
        if not closed(day):
            return day
        day += timedelta(days=1)
    raise ConfigurationError("the closed-day calendar has no open day within a year")


def deadlines(
    learned_on: date,
    *,
    unlawful_purpose: bool,
    rules: Sequence[AppiRules] = APPI_RULES,
    closed: Closed | None = None,
) -> Deadlines:
    """When the reports are due, counted from the day the office learned of the leak.

    `closed(day)` says whether the office is closed (weekends, holidays, 年末年始); when
    given, the final report's due date moves to the next open day. The preliminary report is
    "promptly" and never moves later.
    """
    rule = rules_on(learned_on, rules)
    days = rule.final_due_day_unlawful if unlawful_purpose else rule.final_due_day
    final_due = _open_day(_day(learned_on, days, rule), closed)
    return Deadlines(
        learned_on=learned_on,
        preliminary_due=_day(learned_on, rule.preliminary_due_day, rule),
        preliminary_remind_from=_day(learned_on, rule.preliminary_remind_from_day, rule),
        final_due=final_due,
        final_remind_from=final_due - timedelta(days=rule.final_remind_days_before),
        final_days=days,
    )


@dataclass(frozen=True, slots=True)
class Reminder:
    report: ReportKind
    due: date
    days_left: int  # negative when overdue
    message_ja: str
    message_en: str

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def _reminder(report: ReportKind, due: date, today: date) -> Reminder:
    left = (due - today).days
    label = REPORT_LABEL_JA[report]
    word = (
        "preliminary report (速報)" if report is ReportKind.PRELIMINARY else "final report (確報)"
    )
    if left > 0:
        ja = f"個人情報保護委員会への{label}の期限は{due:%Y年%m月%d日}です（あと{left}日）。"
        en = f"The {word} to the PPC is due on {due.isoformat()} ({left} days left)."
    elif left == 0:
        ja = f"個人情報保護委員会への{label}の期限は本日（{due:%Y年%m月%d日}）です。"
        en = f"The {word} to the PPC is due today ({due.isoformat()})."
    else:
        ja = f"個人情報保護委員会への{label}の期限（{due:%Y年%m月%d日}）を{-left}日過ぎています。"
        en = f"The {word} to the PPC is {-left} days overdue (due {due.isoformat()})."
    return Reminder(report, due, left, ja, en)


def reminders(
    learned_on: date,
    today: date,
    *,
    unlawful_purpose: bool = False,
    preliminary_sent_on: date | None = None,
    final_sent_on: date | None = None,
    rules: Sequence[AppiRules] = APPI_RULES,
    closed: Closed | None = None,
) -> list[Reminder]:
    """The reminders to show on `today`: each report not yet sent, from its reminder date.

    The preliminary report is reminded from day 3 (by default) until it is sent; the final
    report from 7 days before it is due; both stay, as overdue, until they are sent.
    """
    if today < learned_on:
        raise InvalidInput(
            f"today ({today.isoformat()}) is before the day the office learned of the leak "
            f"({learned_on.isoformat()})"
        )
    due = deadlines(learned_on, unlawful_purpose=unlawful_purpose, rules=rules, closed=closed)
    out = []
    if preliminary_sent_on is None and today >= due.preliminary_remind_from:
        out.append(_reminder(ReportKind.PRELIMINARY, due.preliminary_due, today))
    if final_sent_on is None and today >= due.final_remind_from:
        out.append(_reminder(ReportKind.FINAL, due.final_due, today))
    return out
