"""Triage of a case by the privacy officer: open → investigating → dismissed or confirmed.

Each step is one transaction that changes the case, writes a note and appends a
`case.transition` ledger event (the Zulip `do_*` habit). A dismissal needs a reason; a
confirmation makes the case an incident (an incident reference the incident work picks
up). The ledger holds the reason's SHA-256 and length, not its text: the note stays in the
case, and the ledger proves it was not changed afterwards.

Also here: the watchlist and canary placements the privacy officer manages.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import IllegalTransition, InvalidInput, RuleViolation
from ryoken.web.accounts.models import Staff, Window
from ryoken.web.applications.models import Application
from ryoken.web.ledger import store as ledger
from ryoken.web.vault.models import Subject
from ryoken.web.watch.models import CanaryPlacement, Case, CaseNote, Watchlist

S = Case.Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.INVESTIGATING}),
    S.INVESTIGATING: frozenset({S.DISMISSED, S.CONFIRMED}),
    S.DISMISSED: frozenset(),  # reopened only by new evidence (service.py)
    S.CONFIRMED: frozenset(),
}
MIN_DISMISS_REASON = 10
MAX_TEXT = 2000
_SUBJECT_ID = re.compile(r"ds_[0-9A-Za-z]{6,40}\Z")


def _text(text: str, *, minimum: int, what_ja: str, what: str) -> str:
    clean = " ".join(text.split())
    if len(clean) < minimum:
        raise InvalidInput(
            f"{what}: at least {minimum} characters",
            message_ja=f"{what_ja}を{minimum}文字以上で入力してください（現在{len(clean)}文字）。",
        )
    if len(clean) > MAX_TEXT:
        raise InvalidInput(
            f"{what}: at most {MAX_TEXT} characters",
            message_ja=f"{what_ja}は{MAX_TEXT}文字以内で入力してください。",
        )
    return clean


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def transition_case(
    case_id: int, to: str, *, acting_staff: Staff, reason: str = "", now: datetime | None = None
) -> Case:
    """Move a case to `to`, ledgered. Raises IllegalTransition or InvalidInput."""
    at = now or clock.now()
    if to not in S.values:
        raise InvalidInput(
            f"unknown case status {to!r}",
            message_ja=gettext_noop("変更先の状態が正しくありません。"),
        )
    text = " ".join(reason.split())
    if to == S.DISMISSED:
        text = _text(
            reason, minimum=MIN_DISMISS_REASON, what_ja="問題なしとする理由", what="the reason"
        )
    elif len(text) > MAX_TEXT:
        text = _text(reason, minimum=0, what_ja="所見", what="the note")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        before = case.status
        if to not in TRANSITIONS[before]:
            raise IllegalTransition(
                f"a case cannot go from {before} to {to}",
                message_ja=gettext_noop("この事案はその状態に変更できません。"),
            )
        case.status = to
        case.updated_at = at
        if to in (S.DISMISSED, S.CONFIRMED):
            case.decided_at = at
            case.decided_by = acting_staff.staff_id
            case.decision_reason = text
        if to == S.CONFIRMED:
            case.incident_ref = f"INC-{timezone.localtime(at):%Y%m%d}-{case.pk:05d}"
        case.save()
        details: dict[str, str | int | bool | None] = {
            "case": case.pk,
            "staff": case.staff_id,
            "from": before,
            "to": to,
            "reason_chars": len(text),
        }
        if text:
            details["reason_sha256"] = _digest(text)
        if case.incident_ref and to == S.CONFIRMED:
            details["incident"] = case.incident_ref
        seq = ledger.record_in_transaction(
            Event(
                code=EventCode.CASE_TRANSITION,
                at=at,
                actor=acting_staff.staff_id,
                purpose="privacy_office",
                details=details,
            )
        )[0]
        CaseNote.objects.create(
            case=case,
            at=at,
            author=acting_staff.staff_id,
            kind=CaseNote.Kind.TRANSITION,
            from_status=before,
            to_status=to,
            text=text,
            ledger_seq=seq,
        )
    return case


def add_note(
    case_id: int, *, acting_staff: Staff, text: str, now: datetime | None = None
) -> CaseNote:
    clean = _text(text, minimum=1, what_ja="メモ", what="the note")
    case = Case.objects.get(pk=case_id)
    return CaseNote.objects.create(
        case=case,
        at=now or clock.now(),
        author=acting_staff.staff_id,
        kind=CaseNote.Kind.NOTE,
        text=clean,
    )


# --- who the privacy office watches --------------------------------------------------------


def resolve_subject(text: str) -> str:
    """A pseudonymous subject id, or the applicant of a reception number (no disclosure:
    both are ids, never personal data)."""
    value = text.strip()
    if not value:
        raise InvalidInput(
            "name a subject",
            message_ja=gettext_noop("対象者ID（ds_…）または受理番号を入力してください。"),
        )
    if _SUBJECT_ID.match(value):
        if not Subject.objects.filter(id=value).exists():
            raise InvalidInput(
                "no such subject", message_ja=gettext_noop("その対象者IDは登録されていません。")
            )
        return value
    app = Application.objects.filter(reception_number=value).first()
    if app is None:
        raise InvalidInput(
            "no such subject or reception number",
            message_ja=gettext_noop("該当する対象者ID・受理番号がありません。"),
        )
    return app.applicant


def add_to_watchlist(
    subject: str, *, reason: str, acting_staff: Staff, now: datetime | None = None
) -> Watchlist:
    subject_id = resolve_subject(subject)
    text = _text(reason, minimum=5, what_ja="登録の理由", what="the reason")
    with transaction.atomic():
        if Watchlist.objects.filter(subject_id=subject_id).exists():
            raise RuleViolation(
                "already on the watchlist",
                message_ja=gettext_noop("この方は既に要注意リストに登録されています。"),
            )
        entry = Watchlist.objects.create(
            subject_id=subject_id,
            reason=text,
            added_by=acting_staff.staff_id,
            added_at=now or clock.now(),
        )
        _watchlist_event(acting_staff.staff_id, subject_id, "added")
        return entry


def remove_from_watchlist(entry_id: int, *, acting_staff: Staff | None = None) -> None:
    with transaction.atomic():
        entry = Watchlist.objects.filter(pk=entry_id).first()
        if entry is None:
            return
        entry.delete()
        actor = acting_staff.staff_id if acting_staff else "system"
        _watchlist_event(actor, entry.subject_id, "removed")


def _watchlist_event(actor: str, subject_id: str, change: str) -> None:
    """Who is watched is itself sensitive: every change is in the ledger (no reason text)."""
    from ryoken.audit.events import Event, EventCode
    from ryoken.web.ledger import store

    store.record_in_transaction(
        Event(
            code=EventCode.WATCHLIST_CHANGE,
            at=clock.now(),
            actor=actor,
            subjects=(subject_id,),
            purpose="watchlist",
            details={"change": change},
        )
    )


def place_canary(
    subject: str,
    *,
    window: str,
    staff_id: str,
    acting_staff: Staff,
    note: str = "",
    now: datetime | None = None,
) -> CanaryPlacement:
    """Record where a canary applicant is planted. The subject must be a vault canary."""
    subject_id = resolve_subject(subject)
    if not Subject.objects.filter(id=subject_id, canary=True).exists():
        raise RuleViolation(
            "not a canary subject",
            message_ja=gettext_noop("この対象者はカナリア（おとり）として登録されていません。"),
        )
    window_code, staff_code = window.strip(), staff_id.strip()
    if not window_code and not staff_code:
        raise InvalidInput(
            "name the window or the clerk",
            message_ja=gettext_noop("配置先の窓口または職員IDを入力してください。"),
        )
    if window_code and not Window.objects.filter(code=window_code).exists():
        raise InvalidInput("no such window", message_ja=gettext_noop("その窓口はありません。"))
    if staff_code and not Staff.objects.filter(staff_id=staff_code).exists():
        raise InvalidInput("no such staff", message_ja=gettext_noop("その職員IDはありません。"))
    with transaction.atomic():
        placement, _ = CanaryPlacement.objects.update_or_create(
            subject_id=subject_id,
            defaults={
                "window": window_code,
                "staff_id": staff_code,
                "planted_at": now or clock.now(),
                "planted_by": acting_staff.staff_id,
                "note": note.strip()[:200],
            },
        )
    return placement
