"""Grants: access bound to the work.

A grant ties one staff member to the persons of one piece of work — the ticket called to
their window, an assigned review, a sampled QA review, a production batch, a phone or status
inquiry, or break-glass with a typed reason — for as long as the work lasts. Closing the
ticket (or the review, or the timeout) ends it. A supervisor may assist at a colleague's open
grant (`ryoken.web.counter.desk.assist`): the gateway then lets them work under it too, until they
leave or the grant closes. No grant, no disclosure: `ryoken.web.access.policy.GrantPolicy`
is what the vault's gateway asks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import AccessDenied
from ryoken.privacy.policy import Step
from ryoken.web.access.models import Grant, GrantAssist, GrantSubject
from ryoken.web.accounts.models import Staff, Window
from ryoken.web.env import env_int
from ryoken.web.ledger import store as ledger


def counter_minutes() -> int:
    return env_int("RYOKEN_COUNTER_GRANT_MINUTES", 60)


def breakglass_minutes() -> int:
    return env_int("RYOKEN_BREAKGLASS_MINUTES", 15)


def grant_minutes() -> dict[str, int]:
    """How long a grant of each timed kind lasts in this office: detection ends a grant when
    it ends for the clerk (the watcher's and incident scoping's `DetectConfig`)."""
    return {"counter": counter_minutes(), "break_glass": breakglass_minutes()}


def _grant_event(
    code: EventCode, grant: Grant, subjects: Iterable[str], at: datetime, **details: object
) -> Event:
    return Event(
        code=code,
        at=at,
        actor=grant.staff.staff_id,
        subjects=tuple(subjects),
        fields=(),
        purpose=grant.step,
        grant=grant.grant_id,
        terminal=grant.window.code if grant.window else None,
        details={
            "kind": grant.kind,
            **{k: v for k, v in details.items() if isinstance(v, str | int | bool) or v is None},
        },  # type: ignore[dict-item]
    )


def open_grant(
    *,
    staff: Staff,
    kind: str,
    step: Step,
    subjects: Iterable[str],
    minutes: int,
    window: Window | None = None,
    ticket: models.Model | None = None,  # a counter.Ticket
    review: models.Model | None = None,  # a casework.Review
    reason: str = "",
    details: dict[str, str | int | bool | None] | None = None,
    pending: bool = False,
    now: datetime | None = None,
) -> Grant:
    """Open a grant and record it in the ledger in the same transaction (`details`: what the
    entry says besides kind, ticket and reason, e.g. an inquiry's kind and hashed number).

    `pending`: a request, not yet a grant (a contractor's break-glass waiting for its
    co-signature): the row is kept, nothing is ledgered and the gateway opens nothing until
    `activate` opens it."""
    at = now or clock.now()
    subject_ids = sorted(set(subjects))
    with transaction.atomic():
        grant = Grant.objects.create(
            grant_id="gr_" + secrets.token_hex(10),
            kind=kind,
            step=str(step),
            staff=staff,
            window=window,
            ticket=ticket,
            review=review,  # type: ignore[misc]
            opened_at=at,
            expires_at=at + timedelta(minutes=minutes),
            reason=reason,
        )
        GrantSubject.objects.bulk_create(GrantSubject(grant=grant, subject=s) for s in subject_ids)
        if not pending:
            _record_open(grant, subject_ids, at, details)
    return grant


def _record_open(
    grant: Grant,
    subject_ids: list[str],
    at: datetime,
    details: dict[str, str | int | bool | None] | None,
) -> None:
    code = (
        EventCode.BREAKGLASS_OPEN if grant.kind == Grant.Kind.BREAK_GLASS else EventCode.GRANT_OPEN
    )
    ledger.record_in_transaction(
        _grant_event(
            code,
            grant,
            subject_ids,
            at,
            ticket=grant.ticket.number if grant.ticket else None,
            reason=grant.reason[:500] if grant.reason else None,
            **(details or {}),
        )
    )


def activate(
    grant: Grant,
    *,
    minutes: int,
    details: dict[str, str | int | bool | None] | None = None,
    now: datetime | None = None,
) -> None:
    """Open a pending grant (`open_grant(pending=True)`) now, for `minutes`, and ledger it;
    call inside a transaction."""
    at = now or clock.now()
    expires = at + timedelta(minutes=minutes)
    Grant.objects.filter(pk=grant.pk).update(opened_at=at, expires_at=expires)
    grant.opened_at, grant.expires_at = at, expires
    _record_open(grant, sorted(grant.subjects.values_list("subject", flat=True)), at, details)


def is_pending(grant: Grant) -> bool:
    """A break-glass request still waiting for its co-signature: not opened, not ledgered."""
    return grant.cosign_required and not grant.cosigned_by


def add_subjects(
    grant: Grant, subjects: Iterable[str], *, via: str | None = None, now: datetime | None = None
) -> None:
    """Persons created or found during the work (family named in a 戸籍謄本, say); `via`
    "search" when the staff member chose them from a result list (schema v2)."""
    new = sorted(set(subjects) - set(grant.subjects.values_list("subject", flat=True)))
    if not new:
        return
    with transaction.atomic():
        GrantSubject.objects.bulk_create(GrantSubject(grant=grant, subject=s) for s in new)
        ledger.record_in_transaction(
            _grant_event(
                EventCode.GRANT_OPEN,
                grant,
                new,
                now or clock.now(),
                added=True,
                **({"via": via} if via else {}),
            )
        )


def close_grant(grant: Grant, *, now: datetime | None = None, why: str = "closed") -> None:
    if grant.closed_at is not None:
        return
    at = now or clock.now()
    with transaction.atomic():
        Grant.objects.filter(pk=grant.pk, closed_at__isnull=True).update(closed_at=at)
        grant.closed_at = at
        if is_pending(grant):
            return  # a request withdrawn or expired: it never opened, so nothing closes
        # Assists end with the host grant (no assist_end entry: the close says it).
        GrantAssist.objects.filter(grant=grant, ended_at__isnull=True).update(ended_at=at)
        ledger.record_in_transaction(_grant_event(EventCode.GRANT_CLOSE, grant, (), at, why=why))


def open_grants_of(staff: Staff, now: datetime | None = None) -> list[Grant]:
    at = now or clock.now()
    return list(
        Grant.objects.filter(staff=staff, closed_at__isnull=True, expires_at__gt=at).order_by(
            "-opened_at"
        )
    )


def access_grant(staff: Staff, grant_id: str, now: datetime | None = None) -> Grant:
    """The caller's own open grant, or AccessDenied (missing and forbidden alike)."""
    at = now or clock.now()
    grant = (
        Grant.objects.select_related("staff", "window", "ticket")
        .filter(grant_id=grant_id, staff=staff, closed_at__isnull=True, expires_at__gt=at)
        .first()
    )
    if grant is None:
        raise AccessDenied("no open grant", message_ja=gettext_noop("有効な業務がありません。"))
    return grant
