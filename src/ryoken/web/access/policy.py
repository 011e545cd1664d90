"""The access decision: who may see which fields of which persons, now, for which work.

The vault's gateway asks `GrantPolicy` before it decrypts anything (it imports this module;
nothing is injected, decision 0064): an open grant of the actor's (or one they assist at),
covering the persons and, for each field, the form the grant's step allows
(`ryoken.privacy.policy`, the pure step x field table). The requests below are what the
gateway asks; `Decision` is the answer, with the links the ledger records beside a
disclosure. `RequireGrant` is the fail-safe used where a test measures the gateway alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.privacy.policy import RECORD_FIELDS, Exposure, Step, exposure
from ryoken.privacy.purposes import purpose_allows
from ryoken.web.access.models import Grant, GrantAssist
from ryoken.web.accounts.access import standing

# A result list longer than this is refused: narrow the search (detection's max_list_hits).
MAX_LIST_HITS = 20


@dataclass(frozen=True)
class AccessRequest:
    """What someone asks the gateway for; the policy decides.

    `form` is "shown" (the value) or "masked" (the masked form, computed inside the vault);
    `reason` is the typed reason for revealing a field the step shows only masked.
    """

    kind: Literal["disclose", "match"]
    actor: str
    subject_id: str
    fields: tuple[str, ...]
    purpose: str
    grant: str | None
    terminal: str | None
    form: Literal["shown", "masked"] = "shown"
    reason: str = ""
    # The moment of the access, asked of the clock once: the policy judges the grant's
    # expiry and the staff member's standing at it, and the ledger entry carries it.
    at: datetime = dataclasses.field(default_factory=clock.now)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    reason_ja: str = ""
    # Links recorded in the ledger with the disclosure (ticket, task, window...).
    links: Mapping[str, str | int | bool | None] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class ScreenItem:
    """One person on a screen: the fields shown, those shown masked (masked inside the
    vault), and those only listed as match-only (no value leaves the vault for them)."""

    subject_id: str
    shown: tuple[str, ...] = ()
    masked: tuple[str, ...] = ()
    match_only: tuple[str, ...] = ()
    # Record fields (`ryoken.privacy.policy.RECORD_FIELDS`: an application's status) the
    # screen shows from the application record: judged by the policy and named in the
    # "shown" entry, never read from the vault.
    record: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScreenRequest:
    """Everything one screen will show, asked for at once; the policy decides once.

    `reason` is the typed reason for revealing (showing) a field the step shows only masked.
    """

    actor: str
    grant: str | None
    terminal: str | None
    purpose: str
    items: tuple[ScreenItem, ...]
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class ListRequest:
    """A search's result list: the persons found and the fields (masked) shown of each,
    under the task (grant) that searched, with the search's kind and typed reason."""

    actor: str
    grant: str | None
    terminal: str | None
    purpose: str
    subjects: tuple[str, ...]
    fields: tuple[str, ...]
    kind: str
    reason: str
    at: datetime


class AccessPolicy(Protocol):
    def decide(self, request: AccessRequest) -> Decision: ...

    def decide_screen(self, request: ScreenRequest) -> Decision: ...

    def decide_list(self, request: ListRequest) -> Decision: ...


class RequireGrant:
    """A grant reference suffices (whatever it names): for measuring the gateway alone, in
    tests of the gateway and in benchmarks (`gateway.policy_in_use`); never in force."""

    def decide(self, request: AccessRequest) -> Decision:
        return self._decide(request.grant)

    def decide_screen(self, request: ScreenRequest) -> Decision:
        return self._decide(request.grant)

    def decide_list(self, request: ListRequest) -> Decision:
        return self._decide(request.grant)

    @staticmethod
    def _decide(grant: str | None) -> Decision:
        if not grant:
            return Decision(
                False,
                "no grant covers this access",
                gettext_noop("この操作を許可する権限がありません。"),
            )
        return Decision(True)


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
