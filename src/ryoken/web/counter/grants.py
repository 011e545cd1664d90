"""Grants: access bound to the work, and the vault policy that enforces them.

A grant ties one staff member to the persons of one piece of work — the ticket called to
their window, an assigned review, a sampled QA review, a production batch, a phone or status
inquiry, or break-glass with a typed reason — for as long as the work lasts. Closing the
ticket (or the review, or the timeout) ends it. A supervisor may assist at a colleague's open
grant (`ryoken.web.counter.desk.assist`): the gateway then lets them work under it too, until they
leave or the grant closes. No grant, no disclosure: `GrantPolicy` is the vault's access policy.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import AccessDenied
from ryoken.privacy.policy import RECORD_FIELDS, Exposure, Step, exposure
from ryoken.privacy.purposes import purpose_allows
from ryoken.web.accounts.access import standing
from ryoken.web.accounts.models import Staff, Window
from ryoken.web.counter.models import Grant, GrantAssist, GrantSubject, Ticket
from ryoken.web.env import env_int
from ryoken.web.ledger import store as ledger
from ryoken.web.vault.gateway import AccessRequest, Decision, ListRequest, ScreenRequest

# A result list longer than this is refused: narrow the search (detection's max_list_hits).
MAX_LIST_HITS = 20


def counter_minutes() -> int:
    return env_int("RYOKEN_COUNTER_GRANT_MINUTES", 60)


def breakglass_minutes() -> int:
    return env_int("RYOKEN_BREAKGLASS_MINUTES", 15)


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
    ticket: Ticket | None = None,
    review: object | None = None,
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


class GrantPolicy:
    """The vault's access policy: an open grant of the actor's, covering the person and field.

    For each field, the grant's step decides (`ryoken.privacy.policy`): SHOWN fields may be
    shown; MASKED fields may be shown masked, or revealed with a typed reason; MATCH_ONLY
    fields may only be matched; HIDDEN fields never leave the vault. A screen
    (`decide_screen`) is judged in one go: the grant loaded once, the staff member's standing
    computed once, the persons checked in one query.
    """

    def decide(self, request: AccessRequest) -> Decision:
        grant, refusal = _open_grant_of(request.grant, request.actor, request.at)
        if grant is None:
            return refusal
        if not grant.subjects.filter(subject=request.subject_id).exists():
            return _not_in_work()
        refusal = _breakglass_refusal(grant, request.fields)
        if refusal is not None:
            return refusal
        for field in request.fields:
            form = "match" if request.kind == "match" else request.form
            refused = _field_refusal(grant.step, field, form, request.reason)
            if refused is not None:
                return refused
        return Decision(True, links=_links(grant))

    def decide_screen(self, request: ScreenRequest) -> Decision:
        grant, refusal = _open_grant_of(request.grant, request.actor, request.at)
        if grant is None:
            return refusal
        allowed_records = RECORD_FIELDS.get(Step(grant.step), frozenset())
        for item in request.items:
            if not set(item.record) <= allowed_records:
                return _deny(
                    f"record fields are not shown at {grant.step}",
                    gettext_noop("この項目は表示できません。"),
                )
        wanted = {item.subject_id for item in request.items}
        covered = set(grant.subjects.filter(subject__in=wanted).values_list("subject", flat=True))
        if covered != wanted:
            return _not_in_work()
        for item in request.items:
            fields = (*item.shown, *item.masked, *item.match_only)
            refusal = _breakglass_refusal(grant, fields)
            if refusal is not None:
                return refusal
            asked = (
                [(f, "shown") for f in item.shown]
                + [(f, "masked") for f in item.masked]
                + [(f, "match") for f in item.match_only]
            )
            for field, form in asked:
                refused = _field_refusal(grant.step, field, form, request.reason)
                if refused is not None:
                    return refused
        return Decision(True, links=_links(grant))

    def decide_list(self, request: ListRequest) -> Decision:
        """A result list under the searcher's (or assisted) open grant: at most
        MAX_LIST_HITS persons, and only fields the grant's step may show masked."""
        grant, refusal = _open_grant_of(request.grant, request.actor, request.at)
        if grant is None:
            return refusal
        if len(request.subjects) > MAX_LIST_HITS:
            return _deny(
                f"a result list of {len(request.subjects)} persons is too long",
                gettext_noop("該当が多すぎます。条件を加えて絞り込んでください。"),
            )
        sealed = _breakglass_refusal(grant, request.fields)
        if sealed is not None:
            return sealed
        for field in request.fields:
            if exposure(grant.step, field) in (Exposure.HIDDEN, Exposure.MATCH_ONLY):
                return _deny(
                    f"{field} is not listed at {grant.step}",
                    gettext_noop("この項目は表示できません。"),
                )
        return Decision(True, links=_links(grant))


def _open_grant_of(
    grant_id: str | None, actor: str, now: datetime
) -> tuple[Grant | None, Decision]:
    """The grant if it is open and the actor holds it (or assists at it, schema v2) and is
    in standing; else a refusal."""
    if not grant_id:
        return None, _deny(
            "no grant covers this access", gettext_noop("この操作を許可する業務がありません。")
        )
    grant = (
        Grant.objects.select_related("staff", "window", "ticket").filter(grant_id=grant_id).first()
    )
    acting = grant.staff if grant is not None else None
    if grant is not None and grant.staff.staff_id != actor:
        assist = (
            GrantAssist.objects.select_related("staff")
            .filter(grant=grant, staff__staff_id=actor, ended_at__isnull=True)
            .first()
        )
        acting = assist.staff if assist is not None else None
    if grant is None or acting is None:
        return None, _deny(
            "the grant is not the actor's", gettext_noop("この業務の担当者ではありません。")
        )
    if grant.closed_at is not None or grant.expires_at <= now:
        return None, _deny("the grant has ended", gettext_noop("業務は終了しています。"))
    state = standing(acting, now.astimezone(clock.OFFICE_TZ).date())
    if not state.ok:
        return None, _deny("; ".join(state.reasons_en), "".join(state.reasons_ja))
    return grant, Decision(True)


def _not_in_work() -> Decision:
    return _deny(
        "this person is not part of the work",
        gettext_noop("この方は現在の業務の対象ではありません。"),
    )


def _field_refusal(step: str, field: str, form: str, reason: str) -> Decision | None:
    """Why `field` may not leave the vault in `form` ("shown", "masked", "match") at `step`."""
    allowed = exposure(step, field)
    if allowed is Exposure.HIDDEN:
        return _deny(f"{field} is hidden at {step}", gettext_noop("この項目は表示できません。"))
    if form == "match":
        return None
    if allowed is Exposure.MATCH_ONLY:
        return _deny(f"{field} may only be matched", gettext_noop("この項目は照合のみ可能です。"))
    if allowed is Exposure.MASKED and form == "shown" and not reason:
        return _deny(
            f"revealing {field} needs a reason",
            gettext_noop("表示するには理由の入力が必要です。"),
        )
    return None


def _links(grant: Grant) -> dict[str, str | int | bool | None]:
    """What the ledger records with a disclosure about the work that justified it."""
    links: dict[str, str | int | bool | None] = {"step": grant.step, "grant_kind": grant.kind}
    if grant.ticket_id:
        links["ticket"] = grant.ticket.number if grant.ticket else None
    if grant.window_id:
        links["window"] = grant.window.code if grant.window else None
    if grant.review_id:
        links["review"] = grant.review_id
    return links


def _breakglass_refusal(grant: Grant, fields: Iterable[str]) -> Decision | None:
    """Break-glass opens nothing before its co-signature, and only its purpose's fields."""
    if grant.kind != Grant.Kind.BREAK_GLASS:
        return None
    if grant.cosign_required and not grant.cosigned_by:
        return _deny(
            "a supervisor has not co-signed this break-glass yet",
            gettext_noop("監督者の承認がまだありません。"),
        )
    for field in fields:
        if not purpose_allows(grant.purpose, field):
            return _deny(
                f"{field} is not needed for break-glass purpose {grant.purpose!r}",
                gettext_noop("この項目は緊急アクセスの目的に必要ないため表示できません。"),
            )
    return None


def _deny(reason: str, reason_ja: str) -> Decision:
    return Decision(False, reason, reason_ja)
