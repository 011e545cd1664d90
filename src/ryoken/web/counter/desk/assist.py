"""A supervisor's assist at a colleague's window (応援): joining the clerk's open task.

A grant belongs to one staff member; an escalated ticket needs a second. `join_assist` lets a
supervisor work under the clerk's open counter grant: `grant.assist` (host grant, host staff
id, ticket, reason, kind) is in the ledger before the supervisor sees anything, and from then
on the gateway (`GrantPolicy`) lets the supervisor see what the grant's step allows of its
persons, each disclosure ledgered under the host grant with the supervisor as actor. Leaving
writes `grant.assist_end`; when the host grant closes, the assist ends with it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain.fields import FIELDS_BY_NAME, FIELDS_BY_ROLE, FieldClass, SubjectRole
from ryoken.errors import AccessDenied
from ryoken.web.access.models import Grant, GrantAssist
from ryoken.web.accounts.models import Role, Staff
from ryoken.web.applications import screens
from ryoken.web.applications.models import ApplicationPerson
from ryoken.web.ledger import store as ledger

_NOT_OPEN = gettext_noop("応援できる業務ではありません（終了したか、存在しません）。")


def _assistable() -> dict[str, object]:
    """Filters of a grant a supervisor may join: an open counter grant with a ticket."""
    return {
        "kind": Grant.Kind.COUNTER,
        "ticket__isnull": False,
        "closed_at__isnull": True,
        "expires_at__gt": clock.now(),
    }


def assistable_grants(staff: Staff) -> list[Grant]:
    """The colleagues' open counter tasks, by window (no personal data: ticket and window)."""
    return list(
        Grant.objects.select_related("staff", "window", "ticket")
        .filter(**_assistable())
        .exclude(staff=staff)
        .order_by("window__code", "opened_at")
    )


def _check_supervisor(staff: Staff) -> None:
    if staff.role != Role.SUPERVISOR:
        raise AccessDenied(
            "only a supervisor may assist", message_ja=gettext_noop("応援は監督者のみ可能です。")
        )


def join_assist(
    *, staff: Staff, grant_id: str, reason: str = "", now: datetime | None = None
) -> GrantAssist:
    """Join a colleague's open counter grant; the ledger has it before anything is shown.

    Missing, closed, one's own and not-a-counter-task grants are refused alike."""
    _check_supervisor(staff)
    at = now or clock.now()
    with transaction.atomic():
        grant = (
            Grant.objects.select_for_update(of=("self",))  # the grant row only (nullable joins)
            .select_related("staff", "window", "ticket")
            .filter(grant_id=grant_id, **_assistable())
            .exclude(staff=staff)
            .first()
        )
        if grant is None:
            raise AccessDenied("no open counter grant to assist", message_ja=_NOT_OPEN)
        current = GrantAssist.objects.filter(grant=grant, staff=staff, ended_at__isnull=True)
        already = current.first()
        if already is not None:
            return already
        assist = GrantAssist.objects.create(
            grant=grant, staff=staff, reason=reason.strip()[:500], started_at=at
        )
        ledger.record_in_transaction(
            Event(
                code=EventCode.GRANT_ASSIST,
                at=at,
                actor=staff.staff_id,
                subjects=tuple(sorted(grant.subjects.values_list("subject", flat=True))),
                fields=(),
                purpose=grant.step,
                grant=grant.grant_id,
                terminal=grant.window.code if grant.window else None,
                details={
                    "host": grant.staff.staff_id,
                    "ticket": grant.ticket.number if grant.ticket else None,
                    "reason": assist.reason,
                    "kind": grant.kind,
                },
            )
        )
    return assist


def access_assist(staff: Staff, grant_id: str) -> GrantAssist:
    """The caller's current assist at this (open) grant, or AccessDenied (missing and
    forbidden alike)."""
    assist = (
        GrantAssist.objects.select_related(
            "grant", "grant__staff", "grant__window", "grant__ticket"
        )
        .filter(
            grant__grant_id=grant_id,
            staff=staff,
            ended_at__isnull=True,
            grant__closed_at__isnull=True,
            grant__expires_at__gt=clock.now(),
        )
        .first()
    )
    if assist is None:
        raise AccessDenied("no current assist at this grant", message_ja=_NOT_OPEN)
    return assist


def leave_assist(*, staff: Staff, grant_id: str, now: datetime | None = None) -> None:
    """Leave before the host task closes: `grant.assist_end`."""
    at = now or clock.now()
    with transaction.atomic():
        assist = access_assist(staff, grant_id)
        GrantAssist.objects.filter(pk=assist.pk, ended_at__isnull=True).update(ended_at=at)
        grant = assist.grant
        ledger.record_in_transaction(
            Event(
                code=EventCode.GRANT_ASSIST_END,
                at=at,
                actor=staff.staff_id,
                subjects=(),
                fields=(),
                purpose=grant.step,
                grant=grant.grant_id,
                terminal=grant.window.code if grant.window else None,
                details={},
            )
        )


def _roles(grant: Grant, subjects: list[str]) -> dict[str, str]:
    """Each person's role in the ticket's applications (applicant when not named there)."""
    roles: dict[str, str] = {}
    if grant.ticket is not None:
        rows = ApplicationPerson.objects.filter(
            application__in=grant.ticket.applications.all(), subject__in=subjects
        ).values_list("subject", "role")
        for subject, role in rows:
            if roles.get(subject) != SubjectRole.APPLICANT:
                roles[subject] = role
    return {s: roles.get(s, SubjectRole.APPLICANT.value) for s in subjects}


def _text_fields(role: str) -> tuple[str, ...]:
    """The role's fields without images (the clerk's screen has the photo and scans)."""
    images = (FieldClass.DOCUMENT_IMAGE, FieldClass.BIOMETRIC)
    return tuple(
        f for f in FIELDS_BY_ROLE[SubjectRole(role)] if FIELDS_BY_NAME[f].field_class not in images
    )


def assist_screen(assist: GrantAssist) -> list[tuple[str, list[screens.FieldView]]]:
    """What the host grant's step allows of its persons, seen by the assistant: one access
    decision and one ledger commit (actor = the assistant, grant = the host grant)."""
    grant = assist.grant
    subjects = sorted(grant.subjects.values_list("subject", flat=True))
    if not subjects:
        return []
    roles = _roles(grant, subjects)
    views = screens.screen_views(
        grant=grant,
        people=[(s, _text_fields(roles[s])) for s in subjects],
        purpose=f"{grant.step}:assist",
        actor=assist.staff.staff_id,
    )
    return [(roles[s], views[s]) for s in subjects]
