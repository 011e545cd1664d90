"""Pickup (交付): identity by match / no match, the fee, the old passport, issuance.

The clerk at a pickup window works under the grant the called ticket opened (step
`pickup`). The screen shows the name and the photo; the birth date and the passport numbers
are MATCH_ONLY: the clerk types what the person presents and the vault answers 一致 / 不一致
(each a `match` event in the ledger). Whether identity has been confirmed is read back from
those ledger events, so it cannot be faked by a form field.

The fee needs the birth date (the under-12 rate), which the clerk may not see: it is
computed from the birth date the clerk typed, once the vault has confirmed it matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from ryoken import clock
from ryoken.audit.events import EventCode, decode_entry
from ryoken.domain.applications import (
    ApplicationKind,
    ApplicationState,
)
from ryoken.domain.fees import FeeQuote
from ryoken.domain.validity import pickup_deadline, pickup_lapsed
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.privacy import normalise
from ryoken.privacy.policy import Step
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.fees import payment_parts
from ryoken.web.applications.models import Application
from ryoken.web.applications.services import do_transition
from ryoken.web.counter import match_limits
from ryoken.web.i18n import bilingual, ja_date
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import gateway

# What the pickup screen asks the vault for: the name to call and hand over (shown) and the
# values the clerk confirms by match only. The photo comes through its own streaming view.
SCREEN_FIELDS = ("name_kanji", "birth_date", "passport_number", "previous_passport")
# Both must have answered 一致 (latest answer wins) before a passport is handed over.
IDENTITY_FIELDS = ("birth_date", "passport_number")
MATCH_LABELS_JA = {
    "birth_date": gettext_noop("生年月日"),
    "passport_number": gettext_noop("交付する旅券の旅券番号"),
    "previous_passport": gettext_noop("旧旅券"),
}


def access_pickup(
    staff: Staff, grant_id: str, application_id: int, now: datetime | None = None
) -> tuple[Grant, Application]:
    """The caller's own open pickup grant and one of its ticket's applications.

    AccessDenied for anything else (the view answers 404: missing and forbidden alike).
    """
    grant = grants.access_grant(staff, grant_id, now)
    if grant.step != Step.PICKUP or grant.ticket is None:
        raise AccessDenied("not a pickup grant")
    application = grant.ticket.applications.filter(pk=application_id).first()
    if application is None:
        raise AccessDenied("the application is not on this ticket")
    if not _open_at_this_visit(grant, application):
        raise AccessDenied("the passport was issued at another visit")
    return grant, application


def _open_at_this_visit(grant: Grant, application: Application) -> bool:
    """A ready application, or one issued during this very visit (its receipt screen). An
    issued record never reopens at the counter: not by a second ticket, not by a later one."""
    if application.state == "ready":
        return True
    return (
        application.issued_at is not None
        and application.issued_at >= grant.opened_at
        and application.issued_by == grant.staff.staff_id
    )


def access_pickup_grant(staff: Staff, grant_id: str, now: datetime | None = None) -> Grant:
    grant = grants.access_grant(staff, grant_id, now)
    if grant.step != Step.PICKUP or grant.ticket is None:
        raise AccessDenied("not a pickup grant")
    return grant


def applications_of(grant: Grant) -> list[Application]:
    if grant.ticket is None:
        return []
    return list(grant.ticket.applications.order_by("pk"))


def identity_checks(grant: Grant, subject_id: str) -> dict[str, bool]:
    """The latest match answer per field for this person under this grant, from the ledger."""
    # (code, at) is indexed; a grant's matches all come after it opened.
    rows = (
        Entry.objects.filter(
            code=EventCode.MATCH.value,
            at__gte=grant.opened_at,
            grant=grant.grant_id,
            subjects=subject_id,
        )
        .order_by("seq")
        .values_list("data", flat=True)
    )
    answers: dict[str, bool] = {}
    for data in rows:
        _, event = decode_entry(bytes(data))
        for name in event.fields:
            answers[name] = event.details.get("result") == "match"
    return answers


def identity_confirmed(checks: dict[str, bool]) -> bool:
    return all(checks.get(name) is True for name in IDENTITY_FIELDS)


@dataclass(frozen=True)
class Presented:
    """What the person at the window presents, as the clerk typed it (already validated)."""

    birth_date: date
    passport_number: str
    old_passport_number: str = ""
    old_passport_issued: date | None = None

    def old_passport_text(self) -> str:
        """The old passport in the vault's form: "TK1234567" or "TK1234567 2015-03-01"."""
        if not self.old_passport_number:
            return ""
        if self.old_passport_issued is None:
            return self.old_passport_number
        return f"{self.old_passport_number} {self.old_passport_issued.isoformat()}"


def parse_presented(
    birth_date: str, passport_number: str, old_number: str = "", old_issued: str = ""
) -> Presented:
    """Validate the typed values (InvalidInput with a Japanese message)."""
    born = normalise.parse_date(birth_date)
    number = normalise.passport_number(passport_number)
    old = normalise.passport_number(old_number) if old_number.strip() else ""
    issued = normalise.parse_date(old_issued) if old_issued.strip() else None
    if issued is not None and not old:
        raise InvalidInput(
            "an old passport's issue date without its number",
            message_ja=gettext_noop("旧旅券の発行年月日だけでなく旅券番号も入力してください。"),
        )
    return Presented(born, number, old, issued)


def check_identity(
    *, grant: Grant, application: Application, presented: Presented
) -> dict[str, bool]:
    """Ask the vault whether each presented value matches: one access decision, and each
    answer a ledger event, all in one durable commit. Refused (RuleViolation) once the
    no-match limit is reached (`match_limits.check_allowance`)."""
    at = clock.now()
    match_limits.check_allowance(grant, application.applicant, at=at, purpose="pickup:identity")
    presented_values = {
        "birth_date": presented.birth_date.isoformat(),
        "passport_number": presented.passport_number,
    }
    if presented.old_passport_number:
        presented_values["previous_passport"] = presented.old_passport_text()
    results = gateway.match_many(
        actor=grant.staff.staff_id,
        subject_id=application.applicant,
        presented=presented_values,
        purpose="pickup:identity",
        grant=grant.grant_id,
        terminal=grant.window.code if grant.window else None,
    )
    if not all(results.values()):
        match_limits.alert_on_misses(grant, application.applicant, at)
    return results


@dataclass(frozen=True)
class Fee:
    national: int
    prefectural: int
    lines: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        return self.national + self.prefectural

    @property
    def parts(self) -> tuple[tuple[str, int], ...]:
        """The breakdown as collected: 収入印紙 (national) and 収入証紙 (prefectural)."""
        return tuple(
            (bilingual(part.label_ja, part.label_en), part.amount)
            for part in payment_parts(self.national, self.prefectural)
        )

    @classmethod
    def of(cls, quote: FeeQuote) -> Fee:
        return cls(
            quote.national,
            quote.prefectural,
            tuple((bilingual(line.label_ja, line.label_en), line.amount) for line in quote.lines),
        )


def stored_fee(application: Application) -> Fee | None:
    """The fee recorded at intake, if any."""
    if application.fee_national is None or application.fee_prefectural is None:
        return None
    return Fee(application.fee_national, application.fee_prefectural)


def lapse_refusal(application: Application, today: date) -> str:
    """Why this passport can no longer be handed over, or "" if it can."""
    if application.issue_date is None:
        return gettext("発行日が登録されていないため交付できません。作製記録を確認してください。")
    if pickup_lapsed(application.issue_date, today):
        deadline = pickup_deadline(application.issue_date)
        return gettext(
            "受取期限（発行日から6か月、%(deadline)sまで）を過ぎたため、"
            "この旅券は失効しています（旅券法第18条第1項第2号）。交付できません。"
        ) % {"deadline": bilingual(ja_date(deadline), deadline.isoformat())}
    return ""


def do_issue(
    *,
    staff: Staff,
    grant: Grant,
    application: Application,
    fee: Fee | None,
    fee_paid: bool,
    old_passport_returned: bool,
    now: datetime | None = None,
) -> Application:
    """Hand the passport over: ready → issued, with who, when, the fee and the old passport.

    Refused, with the reason in Japanese, unless identity matched (birth date and passport
    number, and the old passport if it is being returned), the fee is paid, and the passport
    has not lapsed.
    """
    at = now or clock.now()
    today = timezone.localdate(at)
    if application.state != ApplicationState.READY:
        raise RuleViolation(
            f"the application is {application.state}, not ready",
            message_ja=gettext_noop("この旅券は交付待ちの状態ではありません。"),
        )
    refusal = lapse_refusal(application, today)
    if refusal:
        raise RuleViolation("the passport lapsed: not collected in 6 months", message_ja=refusal)
    checks = identity_checks(grant, application.applicant)
    if not identity_confirmed(checks):
        raise RuleViolation(
            "identity has not been confirmed by a match",
            message_ja=gettext_noop(
                "本人確認ができていません。生年月日と旅券番号の照合がいずれも「一致」に"
                "なってから交付してください。"
            ),
        )
    if old_passport_returned and not returns_old_passport(application):
        raise RuleViolation(
            "this kind of application returns no old passport",
            message_ja=gettext_noop("この申請では旧旅券の返納はありません。"),
        )
    if old_passport_returned and checks.get("previous_passport") is not True:
        raise RuleViolation(
            "the returned old passport has not matched the record",
            message_ja=gettext_noop("返納された旧旅券の番号を照合し、「一致」を確認してください。"),
        )
    if fee is None:
        raise RuleViolation(
            "no fee is known",
            message_ja=gettext_noop("手数料が確定していません。本人確認の照合を行ってください。"),
        )
    if not fee_paid:
        raise RuleViolation(
            "the fee is not paid", message_ja=gettext_noop("手数料の受領を確認してください。")
        )
    return do_transition(
        application,
        ApplicationState.ISSUED,
        acting_staff=staff,
        grant=grant.grant_id,
        note="交付",
        now=at,
        issued_at=at,
        issued_by=staff.staff_id,
        fee_national=fee.national,
        fee_prefectural=fee.prefectural,
        fee_paid=True,
        old_passport_returned=old_passport_returned,
    )


def returns_old_passport(application: Application) -> bool:
    """Whether this kind hands back the current passport at pickup (since 2023-03-27)."""
    from ryoken.domain.documents import OLD_PASSPORT_RETURNED_AT_PICKUP_FROM, WITH_CURRENT_PASSPORT

    return (
        ApplicationKind(application.kind) in WITH_CURRENT_PASSPORT
        and application.application_date >= OLD_PASSPORT_RETURNED_AT_PICKUP_FROM
    )


def match_rows(
    checks: dict[str, bool], *, returns_old_passport: bool = True
) -> Sequence[tuple[str, str, bool | None]]:
    """(field, label, answer) rows for the screen, in a fixed order; no 旧旅券 row for an
    application that returns no old passport (a new application)."""
    return [
        (name, gettext(label), checks.get(name))
        for name, label in MATCH_LABELS_JA.items()
        if returns_old_passport or name != "previous_passport"
    ]
