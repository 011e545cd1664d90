"""Break-glass (緊急アクセス): access outside any task, with a typed reason, for minutes.

A staff member types why (at least 20 characters) and names who: a reception number (the
application's persons), a passport number, or a name in kanji with a birth date (found
through the blind index; the search itself is in the ledger). The grant (kind break_glass,
step break_glass) lasts `grants.breakglass_minutes()` and is ledgered as `breakglass.open`
with the reason. Every one lands in the supervisors' queue: a supervisor other than the one
who opened it marks it justified or not justified, with a note (`breakglass.review`); "not
justified" is a signal for the privacy office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.privacy.policy import Step
from ryoken.web.accounts.models import Staff
from ryoken.web.casework.models import Application, ApplicationPerson, BreakGlassReview
from ryoken.web.counter import grants
from ryoken.web.counter.models import Grant
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import gateway

MIN_REASON = 20
MAX_REASON = 1000
MAX_SUBJECTS = 10  # a search that finds more is too vague to justify opening them all


def check_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if len(text) < MIN_REASON:
        raise InvalidInput(
            f"the reason must be at least {MIN_REASON} characters",
            message_ja=f"理由を{MIN_REASON}文字以上で具体的に入力してください"
            f"（現在{len(text)}文字）。",
        )
    if len(text) > MAX_REASON:
        raise InvalidInput(
            f"the reason is limited to {MAX_REASON} characters",
            message_ja=f"理由は{MAX_REASON}文字以内で入力してください。",
        )
    return text


@dataclass(frozen=True)
class Target:
    """Whom the staff member asks for: one of the three ways to name a person."""

    reception_number: str = ""
    passport_number: str = ""
    name_kanji: str = ""
    birth_date: str = ""


def _search_event(staff: Staff, kinds: tuple[str, ...], found: list[str], at: datetime) -> Event:
    return Event(
        code=EventCode.SEARCH,
        at=at,
        actor=staff.staff_id,
        subjects=tuple(found),
        fields=kinds,
        purpose="break_glass",
        grant=None,
        terminal=None,
        details={"found": len(found)},
    )


def find_subjects(staff: Staff, target: Target, *, now: datetime) -> list[str]:
    """The persons `target` names. Blind-index searches are ledgered with what they found."""
    number = target.reception_number.strip()
    if number:
        app = Application.objects.filter(reception_number=number).first()
        if app is None:
            return []
        people = set(
            ApplicationPerson.objects.filter(application=app).values_list("subject", flat=True)
        )
        return sorted(people | {app.applicant})
    if target.passport_number.strip():
        kinds: tuple[str, ...] = ("passport_number",)
        found = gateway.find_subjects("passport_number", target.passport_number)
    elif target.name_kanji.strip() and target.birth_date.strip():
        kinds = ("name_kanji", "birth_date")
        by_name = set(gateway.find_subjects("name_kanji", target.name_kanji))
        found = sorted(by_name & set(gateway.find_subjects("birth_date", target.birth_date)))
    else:
        raise InvalidInput(
            "name the person: a reception number, a passport number, or name and birth date",
            message_ja=gettext_noop(
                "受理番号、旅券番号、または氏名（漢字）と生年月日のいずれかを入力してください。"
            ),
        )
    ledger.record(_search_event(staff, kinds, found, now))
    return found


def open_breakglass(
    *, staff: Staff, reason: str, target: Target, now: datetime | None = None
) -> Grant:
    """Open a time-limited break-glass grant over the persons `target` names."""
    at = now or clock.now()
    text = check_reason(reason)  # before any search: no reason, no lookup
    subjects = find_subjects(staff, target, now=at)
    if not subjects:
        raise InvalidInput(
            "nobody matches", message_ja=gettext_noop("該当する方が見つかりません。")
        )
    if len(subjects) > MAX_SUBJECTS:
        raise RuleViolation(
            f"{len(subjects)} persons match: narrow the search",
            message_ja=f"該当者が{len(subjects)}名います。条件を絞ってください。",
        )
    return grants.open_grant(
        staff=staff,
        kind=Grant.Kind.BREAK_GLASS,
        step=Step.BREAK_GLASS,
        subjects=subjects,
        minutes=grants.breakglass_minutes(),
        reason=text,
        now=at,
    )


def access_breakglass(staff: Staff, grant_id: str, *, now: datetime | None = None) -> Grant:
    """The caller's own open, unexpired break-glass grant, or AccessDenied."""
    grant = grants.access_grant(staff, grant_id, now)
    if grant.kind != Grant.Kind.BREAK_GLASS:
        raise AccessDenied(
            "not a break-glass grant", message_ja=gettext_noop("有効な業務がありません。")
        )
    return grant


def roles_of(subjects: list[str]) -> dict[str, tuple[str, str]]:
    """subject → (role in an application, its reception number), applicant preferred."""
    out: dict[str, tuple[str, str]] = {}
    rows = (
        ApplicationPerson.objects.filter(subject__in=subjects)
        .select_related("application")
        .order_by("pk")
    )
    for row in rows:
        seen = out.get(row.subject)
        if seen is None or (seen[0] != "applicant" and row.role == "applicant"):
            out[row.subject] = (row.role, row.application.reception_number or "")
    for app in Application.objects.filter(applicant__in=subjects):
        out[app.applicant] = ("applicant", app.reception_number or "")
    return out


def close_breakglass(grant: Grant, *, now: datetime | None = None) -> None:
    grants.close_grant(grant, now=now, why="closed by staff")


# --- the supervisors' queue ---------------------------------------------------------------


def review_queue(reviewer: Staff) -> QuerySet[Grant]:
    """Break-glass grants nobody has reviewed yet, except the reviewer's own, oldest first."""
    return (
        Grant.objects.filter(kind=Grant.Kind.BREAK_GLASS, breakglass_review__isnull=True)
        .exclude(staff=reviewer)
        .select_related("staff")
        .order_by("opened_at", "pk")
    )


def access_for_review(reviewer: Staff, grant_id: str) -> Grant:
    grant = review_queue(reviewer).filter(grant_id=grant_id).first()
    if grant is None:
        raise AccessDenied(
            "no such break-glass use to review",
            message_ja=gettext_noop("該当する記録はありません。"),
        )
    return grant


@dataclass(frozen=True)
class Use:
    """One thing done under a break-glass grant, from the ledger (no values, only names)."""

    at: datetime
    code: str
    subjects: int
    fields: str


def uses_of(grant: Grant) -> list[Use]:
    """What the grant was used for, from the ledger: disclosures, matches, refusals."""
    from ryoken.audit.events import decode_entry

    out = []
    for entry in Entry.objects.filter(grant=grant.grant_id).order_by("seq"):
        _, event = decode_entry(bytes(entry.data))
        out.append(Use(entry.at, entry.code, len(event.subjects), "、".join(event.fields)))
    return out


def review_breakglass(
    grant: Grant,
    *,
    justified: bool,
    note: str,
    acting_staff: Staff,
    now: datetime | None = None,
) -> BreakGlassReview:
    """A supervisor's verdict; "not justified" needs a note and is ledgered for the office."""
    at = now or clock.now()
    text = note.strip()
    if grant.staff_id == acting_staff.pk:
        raise AccessDenied(
            "nobody reviews their own break-glass",
            message_ja=gettext_noop("自分の緊急アクセスは確認できません。"),
        )
    if not justified and not text:
        raise InvalidInput(
            "say why it was not justified",
            message_ja=gettext_noop("「正当と認めない」場合は、その理由を入力してください。"),
        )
    if len(text) > MAX_REASON:
        raise InvalidInput(
            f"the note is limited to {MAX_REASON} characters",
            message_ja=f"所見は{MAX_REASON}文字以内で入力してください。",
        )
    with transaction.atomic():
        if BreakGlassReview.objects.filter(grant=grant).exists():
            raise RuleViolation(
                "this break-glass use was reviewed meanwhile",
                message_ja=gettext_noop("この緊急アクセスは既に確認済みです。"),
            )
        review = BreakGlassReview.objects.create(
            grant=grant, justified=justified, note=text, reviewed_by=acting_staff, reviewed_at=at
        )
        Grant.objects.filter(pk=grant.pk).update(
            reviewed_by=acting_staff.staff_id, reviewed_at=at, review_note=text
        )
        ledger.record_in_transaction(
            Event(
                code=EventCode.BREAKGLASS_REVIEW,
                at=at,
                actor=acting_staff.staff_id,
                subjects=tuple(grant.subjects.values_list("subject", flat=True)),
                fields=(),
                purpose="breakglass.review",
                grant=grant.grant_id,
                terminal=None,
                details={
                    "justified": justified,
                    "staff": grant.staff.staff_id,
                    "note_chars": len(text),
                },
            )
        )
    return review
