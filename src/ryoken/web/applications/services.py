"""Workflow writes: each is one `do_*` function, one transaction, its ledger entry inside it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain.applications import ApplicationState, LossReportState, transition
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.models import Application
from ryoken.web.ledger import store as ledger


def _state_enum(value: str) -> ApplicationState | LossReportState:
    try:
        return ApplicationState(value)
    except ValueError:
        return LossReportState(value)


def do_transition(
    application: Application,
    to: ApplicationState | LossReportState,
    *,
    acting_staff: Staff | None,
    grant: str | None = None,
    note: str = "",
    now: datetime | None = None,
    **changes: object,
) -> Application:
    """Move `application` to `to` (IllegalTransition if the rules forbid it), record it.

    `changes` are other columns to set in the same write (issue date, fee, ...).
    """
    at = now or clock.now()
    current = _state_enum(application.state)
    new = transition(current, to)  # type: ignore[type-var]
    actor = acting_staff.staff_id if acting_staff else "system"
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.state != application.state:
            from ryoken.errors import IllegalTransition

            raise IllegalTransition(
                f"application {application} changed meanwhile ({locked.state})",
                message_ja=gettext_noop(
                    "この申請は他の職員により更新されました。画面を開き直してください。"
                ),
            )
        locked.state = str(new)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save()
        ledger.record_in_transaction(
            Event(
                code=EventCode.WORKFLOW_TRANSITION,
                at=at,
                actor=actor,
                subjects=(application.applicant,),
                fields=(),
                purpose="workflow",
                grant=grant,
                terminal=None,
                details={
                    "application": str(application.reception_number or application.pk),
                    "from": str(current),
                    "to": str(new),
                    "note": note[:300] if note else None,
                },
            )
        )
    application.refresh_from_db()
    return application
