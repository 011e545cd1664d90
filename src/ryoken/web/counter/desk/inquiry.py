"""The phone and status inquiry desk (電話照会・状況確認): status only, under an inquiry task.

A caller (or someone at the information counter) asks where their application is. The desk
opens an inquiry task (`grant.open`, kind inquiry) with its kind (phone, status,
counter_status), a required typed reason and the number the caller gave: a reception number
(受理番号) that names the application, or a callback number (折返し先の電話番号) that the
desk searches by. Either number is kept and ledgered only as a keyed hash. A callback search
shows a result list of the minimum (the reading masked, the birth year) under the task,
ledgered as a `search`; choosing a person adds them with `via: "search"`. The status screen
shows the application's state, dates and pickup readiness, and the masked reading to confirm
with the caller: one disclosure of exactly `application_status` (shown) and `name_kana`
(masked). One open inquiry per staff member; an unknown number gets the same message
whatever the reason, and is ledgered as a miss.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain.applications import ApplicationKind, ApplicationState
from ryoken.domain.fields import SubjectRole
from ryoken.domain.validity import pickup_deadline
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.privacy.policy import Step
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.access.policy import ScreenItem
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.counter.models import Inquiry
from ryoken.web.env import env_int
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import gateway, keys, search

# What a callback's result list shows of each person found (masked; birth year kept).
LIST_FIELDS = ("name_kana", "birth_date")
NOT_FOUND = gettext_noop(
    "該当する申請が見つかりません。番号をお確かめのうえ、もう一度入力してください。"
)


def inquiry_minutes() -> int:
    return env_int("RYOKEN_INQUIRY_MINUTES", 20)


class NotFound(AccessDenied):
    """The number finds nothing the desk may answer about (one message for every cause)."""


@dataclass(frozen=True)
class Status:
    """What the status screen shows: the application's status, never its contents."""

    reception_number: str
    kind: str
    state: str
    application_date: date
    accepted_on: date | None
    issue_date: date | None
    ready: bool
    pickup_by: date | None
    issued_on: date | None
    name_kana_masked: str | None


@dataclass(frozen=True)
class Listed:
    """One person of a callback's result list."""

    index: int
    name_kana: str | None
    birth_year: str | None


def open_inquiry_of(staff: Staff) -> Grant | None:
    return (
        Grant.objects.filter(
            staff=staff,
            kind=Grant.Kind.INQUIRY,
            closed_at__isnull=True,
            expires_at__gt=clock.now(),
        )
        .order_by("-opened_at")
        .first()
    )


def access_inquiry(staff: Staff, grant_id: str) -> Grant:
    """The caller's own open inquiry task, or AccessDenied (missing and forbidden alike)."""
    grant = grants.access_grant(staff, grant_id)
    if grant.kind != Grant.Kind.INQUIRY:
        raise AccessDenied("not an inquiry", message_ja=gettext_noop("有効な業務がありません。"))
    return grant


def _answerable(reception: str) -> Application | None:
    """The application a reception number names, if the desk may answer about it."""
    text = "".join(unicodedata.normalize("NFKC", reception).upper().split())
    return (
        Application.objects.filter(reception_number=text)
        .exclude(kind=ApplicationKind.LOSS_REPORT.value)
        .first()
    )


def _miss(staff: Staff, *, terminal: str | None, reason: str, at: datetime) -> NotFound:
    """Ledger the lookup that found nothing; return the one refusal every miss gets."""
    ledger.record(
        Event(
            code=EventCode.SEARCH,
            at=at,
            actor=staff.staff_id,
            subjects=(),
            fields=(),
            purpose=str(Step.INQUIRY),
            grant=None,
            terminal=terminal,
            details={"kind": "reception_number", "found": 0, "reason": reason[:500]},
        )
    )
    return NotFound("nothing found for the number", message_ja=NOT_FOUND)


def open_inquiry(
    *,
    staff: Staff,
    kind: str,
    reason: str,
    reception: str = "",
    callback: str = "",
    terminal: str | None = None,
    now: datetime | None = None,
) -> Grant:
    """Open an inquiry task for a reception number (the application's applicant is on it)
    or a callback number (nobody yet: search with `search_callback`)."""
    at = now or clock.now()
    reason = reason.strip()
    if kind not in Inquiry.Kind.values:
        raise InvalidInput(
            "unknown inquiry kind", message_ja=gettext_noop("照会の種類を選んでください。")
        )
    if not reason:
        raise InvalidInput(
            "an inquiry needs a reason", message_ja=gettext_noop("照会の理由を入力してください。")
        )
    if bool(reception.strip()) == bool(callback.strip()):
        raise InvalidInput(
            "give a reception number or a callback number",
            message_ja=gettext_noop(
                "受理番号か折返し先の電話番号のどちらか一方を入力してください。"
            ),
        )
    if open_inquiry_of(staff) is not None:
        raise RuleViolation(
            "one open inquiry per staff member",
            message_ja=gettext_noop("照会は一度に一件までです。開いている照会を終了してください。"),
        )
    indexer = keys.blind_indexer()
    details: dict[str, str | int | bool | None] = {"inquiry": kind}
    subjects: list[str] = []
    application = None
    if reception.strip():
        application = _answerable(reception)
        if application is None:
            raise _miss(staff, terminal=terminal, reason=reason, at=at)
        subjects = [application.applicant]
        number_kind, number_hash = "reception", "rc_" + indexer.reference("reception", reception)
    else:
        number_kind, number_hash = "callback", "cb_" + indexer.reference("callback", callback)
    details[number_kind] = number_hash
    with transaction.atomic():
        grant = grants.open_grant(
            staff=staff,
            kind=Grant.Kind.INQUIRY,
            step=Step.INQUIRY,
            subjects=subjects,
            minutes=inquiry_minutes(),
            reason=reason,
            details=details,
            now=at,
        )
        Inquiry.objects.create(
            grant=grant,
            kind=kind,
            number_kind=number_kind,
            number_hash=number_hash,
            application=application,
        )
    return grant


def _applicants(found: list[str]) -> list[str]:
    return sorted(
        set(
            ApplicationPerson.objects.filter(
                subject__in=found, role=SubjectRole.APPLICANT.value
            ).values_list("subject", flat=True)
        )
    )


def search_callback(
    *, grant: Grant, callback: str, terminal: str | None = None
) -> tuple[list[str], list[Listed]]:
    """The applicants whose phone or mobile is the callback number, as a result list under
    the inquiry task: one `search` entry (the grant, the persons found, the fields the list
    shows of each, the task's reason) before the masked reading and birth year are shown.
    The number must be the one the task was opened with. Returns (persons, rows)."""
    inquiry = Inquiry.objects.get(grant=grant)
    indexer = keys.blind_indexer()
    if inquiry.number_kind != "callback" or (
        "cb_" + indexer.reference("callback", callback) != inquiry.number_hash
    ):
        raise InvalidInput(
            "not the task's callback number",
            message_ja=gettext_noop("照会を開始したときの電話番号を入力してください。"),
        )
    try:
        found = _applicants(search.find_subjects("phone", callback))
    except InvalidInput:  # not a usable phone number: nobody found
        found = []
    values = gateway.list_results(
        actor=grant.staff.staff_id,
        grant=grant.grant_id,
        terminal=terminal,
        purpose=str(Step.INQUIRY),
        kind="callback_number",
        reason=grant.reason,
        subjects=found,
        fields=LIST_FIELDS if found else (),
    )
    rows = []
    for index, subject in enumerate(found):
        born = values[subject].get("birth_date")
        rows.append(Listed(index, values[subject].get("name_kana"), born[:4] if born else None))
    return found, rows


def choose(*, grant: Grant, subject_id: str) -> None:
    """The person chosen from the result list joins the task (`via: "search"`)."""
    inquiry = Inquiry.objects.get(grant=grant)
    if inquiry.application_id is not None or grant.subjects.exists():
        raise RuleViolation(
            "a person was already chosen", message_ja=gettext_noop("既に選択済みです。")
        )
    latest = (
        Application.objects.filter(applicant=subject_id)
        .exclude(kind=ApplicationKind.LOSS_REPORT.value)
        .order_by("-application_date", "-pk")
        .first()
    )
    if latest is None:
        raise NotFound("nothing to answer about", message_ja=NOT_FOUND)
    with transaction.atomic():
        grants.add_subjects(grant, [subject_id], via="search")
        Inquiry.objects.filter(pk=inquiry.pk).update(application=latest)


def status(*, grant: Grant, terminal: str | None = None) -> Status:
    """The status screen: one disclosure of `application_status` (shown) and `name_kana`
    (masked), in the ledger before anything is returned."""
    inquiry = Inquiry.objects.select_related("application").get(grant=grant)
    app = inquiry.application
    if app is None:
        raise NotFound("no application chosen", message_ja=NOT_FOUND)
    values = gateway.disclose_screen(
        actor=grant.staff.staff_id,
        grant=grant.grant_id,
        terminal=terminal,
        purpose=str(Step.INQUIRY),
        items=[ScreenItem(app.applicant, masked=("name_kana",), record=("application_status",))],
    )
    kana = values.get(app.applicant, {}).get("name_kana")
    ready = app.state == ApplicationState.READY.value
    return Status(
        reception_number=app.reception_number or "",
        kind=app.kind,
        state=app.state,
        application_date=app.application_date,
        accepted_on=app.accepted_at.astimezone(clock.OFFICE_TZ).date() if app.accepted_at else None,
        issue_date=app.issue_date,
        ready=ready,
        pickup_by=pickup_deadline(app.issue_date) if ready and app.issue_date else None,
        issued_on=app.issued_at.astimezone(clock.OFFICE_TZ).date() if app.issued_at else None,
        name_kana_masked=kana if isinstance(kana, str) else None,
    )


def close_inquiry(grant: Grant) -> None:
    grants.close_grant(grant, why="closed")
