"""Break-glass (緊急アクセス): access outside any task, with a typed reason, for minutes.

A staff member picks a purpose their role may use (`breakglass_policy`), types why (at least
20 characters) and names who: a reception number (the applicant only, not the family), a
passport number, or a name in kanji with a birth date (found through the blind index).
Every lookup is in the ledger (`search`, with what it found) and limited per hour; a run of
lookups that find nobody raises a case at once (enumeration). One break-glass is open per
staff member at a time, a few a day. The grant (kind break_glass, step break_glass, with its
purpose) opens only the purpose's fields (`ryoken.privacy.purposes`), lasts
`grants.breakglass_minutes()` and is ledgered as `breakglass.open` with the reason. A
contractor's staff member never breaks glass alone: their break-glass is a request (a
pending grant row, nothing ledgered but the lookup, nothing the gateway discloses) until a
supervisor co-signs it, on the requester's screen with their own password and code or from
their queue; only then is the grant opened (`breakglass.open` naming the co-signer, then the
co-signer's `breakglass.review`). Break-glass by counter staff opens a case for
the privacy office at once. Every one lands in the supervisors' queue: a supervisor other
than the one who opened it marks it justified or not justified, with a note
(`breakglass.review`); "not justified" is a signal for the privacy office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode, decode_entry
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.privacy.policy import Step
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import standing
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.casework import breakglass_policy as bg_policy
from ryoken.web.casework.models import BreakGlassReview
from ryoken.web.ledger import alerting as alerts
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import search

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


def _search_event(
    staff: Staff, kinds: tuple[str, ...], found: list[str], at: datetime, reason: str
) -> Event:
    # Schema v2: `fields` is what a result list shows of each person found; this lookup
    # lists nobody (it opens the break-glass on whom it finds), so none. The keys searched
    # by are its `kind`; the typed reason is the break-glass's.
    return Event(
        code=EventCode.SEARCH,
        at=at,
        actor=staff.staff_id,
        subjects=tuple(found),
        fields=(),
        purpose="break_glass",
        grant=None,
        terminal=None,
        details={"kind": "+".join(kinds), "found": len(found), "reason": reason[:500]},
    )


def _refused(staff: Staff, what: str, why: str, at: datetime) -> int:
    """Ledger a refused break-glass or lookup (`access.denied`); its sequence number."""
    return ledger.record(
        Event(
            code=EventCode.ACCESS_DENIED,
            at=at,
            actor=staff.staff_id,
            purpose="break_glass",
            details={"what": what, "why": why},
        )
    )[0]


def _recent_searches(staff: Staff, at: datetime) -> list[tuple[int, int]]:
    """(seq, persons found) of the staff member's break-glass lookups over the last hour."""
    out = []
    rows = Entry.objects.filter(
        actor=staff.staff_id, code=EventCode.SEARCH, at__gt=at - timedelta(hours=1)
    ).order_by("seq")
    for entry in rows:
        _, event = decode_entry(bytes(entry.data))
        if event.purpose == "break_glass":
            found = event.details.get("found")
            out.append((entry.seq, found if isinstance(found, int) else 0))
    return out


def _check_lookup_allowance(staff: Staff, at: datetime) -> None:
    if len(_recent_searches(staff, at)) >= bg_policy.lookups_per_hour():
        _refused(staff, "lookup", "lookups_per_hour", at)
        raise RuleViolation(
            "too many lookups in the last hour",
            message_ja=gettext_noop(
                "1時間あたりの照会の上限に達しました。監督者に相談してください。"
            ),
        )


def _alert_on_misses(staff: Staff, at: datetime) -> None:
    """A run of lookups that found nobody is what guessing numbers looks like."""
    misses = [seq for seq, found in _recent_searches(staff, at) if found == 0]
    if len(misses) >= bg_policy.misses_alert():
        alerts.raise_alert(staff.staff_id, "lookup_misses", seqs=misses, n=len(misses), now=at)


def find_subjects(staff: Staff, target: Target, *, now: datetime, reason: str = "") -> list[str]:
    """The persons `target` names; every lookup is ledgered with what it found.

    A reception number names its applicant only: break-glass never opens a family."""
    number = target.reception_number.strip()
    if number:
        kinds: tuple[str, ...] = ("reception_number",)
        app = Application.objects.filter(reception_number=number).first()
        found = [app.applicant] if app is not None else []
    elif target.passport_number.strip():
        kinds = ("passport_number",)
        found = search.find_subjects("passport_number", target.passport_number)
    elif target.name_kanji.strip() and target.birth_date.strip():
        kinds = ("name_kanji", "birth_date")
        by_name = set(search.find_subjects("name_kanji", target.name_kanji))
        found = sorted(by_name & set(search.find_subjects("birth_date", target.birth_date)))
    else:
        raise InvalidInput(
            "name the person: a reception number, a passport number, or name and birth date",
            message_ja=gettext_noop(
                "受理番号、旅券番号、または氏名（漢字）と生年月日のいずれかを入力してください。"
            ),
        )
    ledger.record(_search_event(staff, kinds, found, now, reason))
    if not found:
        _alert_on_misses(staff, now)
    return found


def _check_purpose(staff: Staff, purpose: str, at: datetime) -> None:
    if purpose not in bg_policy.purposes_for(staff):
        _refused(staff, "breakglass", "purpose_not_allowed", at)
        raise AccessDenied(
            f"role {staff.role} may not break glass for {purpose!r}",
            message_ja=gettext_noop("この目的での緊急アクセスは、あなたの役割では使えません。"),
        )


def _check_allowance(staff: Staff, at: datetime) -> None:
    """One open at a time; a few a day."""
    mine = Grant.objects.filter(staff=staff, kind=Grant.Kind.BREAK_GLASS)
    if mine.filter(closed_at__isnull=True, expires_at__gt=at).exists():
        _refused(staff, "breakglass", "one_open", at)
        raise RuleViolation(
            "a break-glass of yours is still open",
            message_ja=gettext_noop(
                "緊急アクセスは同時に1件までです。開いているものを終了してください。"
            ),
        )
    local = at.astimezone(clock.OFFICE_TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if mine.filter(opened_at__gte=midnight).count() >= bg_policy.per_day():
        _refused(staff, "breakglass", "per_day", at)
        raise RuleViolation(
            "the day's break-glass limit is reached",
            message_ja=gettext_noop(
                "本日の緊急アクセスの上限に達しました。監督者に相談してください。"
            ),
        )


def _check_cosigner(staff: Staff, cosigner: Staff | None, at: datetime) -> None:
    if cosigner is None:
        return
    if (
        cosigner.pk == staff.pk
        or not bg_policy.may_cosign(cosigner)
        or not standing(cosigner, at.astimezone(clock.OFFICE_TZ).date()).ok
    ):
        raise AccessDenied(
            "the co-signer must be a supervisor of the office, in standing",
            message_ja=gettext_noop("承認者は本庁の監督者でなければなりません。"),
        )


def open_breakglass(
    *,
    staff: Staff,
    reason: str,
    target: Target,
    purpose: str,
    cosigner: Staff | None = None,
    now: datetime | None = None,
) -> Grant:
    """Open a time-limited break-glass grant over the person `target` names, for `purpose`.

    A contractor's staff member never breaks glass alone: without `cosigner` (a supervisor
    who authenticated beside them) their break-glass is a *request*: the row waits,
    `pending`, with nothing ledgered but the lookup and nothing the gateway will disclose,
    until a supervisor co-signs it (`cosign_breakglass`); only then is it opened and
    ledgered, with both names."""
    at = now or clock.now()
    _check_purpose(staff, purpose, at)
    text = check_reason(reason)  # before any search: no reason, no lookup
    _check_cosigner(staff, cosigner, at)
    _check_allowance(staff, at)
    _check_lookup_allowance(staff, at)
    subjects = find_subjects(staff, target, now=at, reason=text)
    if not subjects:
        raise InvalidInput(
            "nobody matches", message_ja=gettext_noop("該当する方が見つかりません。")
        )
    if len(subjects) > MAX_SUBJECTS:
        raise RuleViolation(
            f"{len(subjects)} persons match: narrow the search",
            message_ja=f"該当者が{len(subjects)}名います。条件を絞ってください。",
        )
    cosign_required = bg_policy.needs_cosign(staff)
    with transaction.atomic():
        grant = grants.open_grant(
            staff=staff,
            kind=Grant.Kind.BREAK_GLASS,
            step=Step.BREAK_GLASS,
            subjects=subjects,
            minutes=grants.breakglass_minutes(),
            reason=text,
            pending=True,
            now=at,
        )
        Grant.objects.filter(pk=grant.pk).update(purpose=purpose, cosign_required=cosign_required)
        grant.purpose, grant.cosign_required = purpose, cosign_required
        if not cosign_required:
            grants.activate(grant, minutes=grants.breakglass_minutes(), now=at)
        elif cosigner is not None:
            _open_cosigned(grant, cosigner, at)
    if not grants.is_pending(grant):
        _alert_counter_staff(grant, at)
    return grant


def _open_cosigned(grant: Grant, cosigner: Staff, at: datetime) -> None:
    """The co-signature and the opening, in the caller's transaction: `breakglass.open` by
    the requester naming the co-signer, then the co-signer's `breakglass.review`."""
    Grant.objects.filter(pk=grant.pk).update(cosigned_by=cosigner.staff_id, cosigned_at=at)
    grant.cosigned_by, grant.cosigned_at = cosigner.staff_id, at
    grants.activate(
        grant,
        minutes=grants.breakglass_minutes(),
        details={"purpose": grant.purpose, "cosigned_by": cosigner.staff_id},
        now=at,
    )
    ledger.record_in_transaction(
        Event(
            code=EventCode.BREAKGLASS_REVIEW,
            at=at,
            actor=cosigner.staff_id,
            subjects=tuple(grant.subjects.values_list("subject", flat=True)),
            purpose="breakglass.cosign",
            grant=grant.grant_id,
            details={"cosigned": True, "staff": grant.staff.staff_id},
        )
    )


def _alert_counter_staff(grant: Grant, at: datetime) -> None:
    if bg_policy.is_counter_staff(grant.staff):
        opened = Entry.objects.filter(code=EventCode.BREAKGLASS_OPEN, grant=grant.grant_id)
        alerts.raise_alert(
            grant.staff.staff_id,
            "breakglass_counter",
            seqs=opened.values_list("seq", flat=True),
            n=1,
            now=at,
        )


def awaiting_cosign(grant: Grant) -> bool:
    return grants.is_pending(grant)


def cosign_queue(supervisor: Staff, now: datetime | None = None) -> QuerySet[Grant]:
    """Break-glass requests waiting for a co-signature, except the supervisor's own."""
    return (
        Grant.objects.filter(
            kind=Grant.Kind.BREAK_GLASS,
            cosign_required=True,
            cosigned_by="",
            closed_at__isnull=True,
            expires_at__gt=now or clock.now(),
        )
        .exclude(staff=supervisor)
        .select_related("staff")
        .order_by("opened_at", "pk")
    )


def cosign_breakglass(grant_id: str, *, acting_staff: Staff, now: datetime | None = None) -> Grant:
    """A supervisor co-signs a waiting request (from their queue, or on the requester's
    screen); only then is the grant opened, ledgered and anything shown. Anyone else is
    refused, and the refusal ledgered (`access.denied`, what: cosign)."""
    at = now or clock.now()
    grant = cosign_queue(acting_staff, at).filter(grant_id=grant_id).first()
    try:
        if not bg_policy.may_cosign(acting_staff):
            _check_cosigner(acting_staff, acting_staff, at)  # refuses, in the co-signer's words
        if grant is None:
            raise AccessDenied(
                "nothing to co-sign", message_ja=gettext_noop("該当する記録はありません。")
            )
        _check_cosigner(grant.staff, acting_staff, at)
    except AccessDenied:
        _refused(acting_staff, "cosign", "not_allowed", at)
        raise
    with transaction.atomic():
        if not Grant.objects.select_for_update().filter(pk=grant.pk, cosigned_by="").exists():
            raise RuleViolation(
                "co-signed meanwhile", message_ja=gettext_noop("既に承認されています。")
            )
        _open_cosigned(grant, acting_staff, at)
    _alert_counter_staff(grant, at)
    return grant


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
        .exclude(cosign_required=True, cosigned_by="")  # requests never opened
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
