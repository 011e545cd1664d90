"""The queue: the kiosk issues tickets, a clerk calls one to a window, closing ends access.

Calling a ticket opens the grant that binds clerk, window, ticket and the ticket's persons
(`grants.open_grant`); closing the ticket closes the grant. A ticket for a pickup names its
application (from the reception number on the receipt), so the grant covers exactly the
people named in it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import InvalidInput, RuleViolation
from ryoken.privacy.policy import Step
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.models import Staff, Window
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.applications.numbers import DbSequenceStore
from ryoken.web.counter.models import Ticket
from ryoken.web.ledger import store as ledger

PREFIX = {
    Ticket.Purpose.APPLICATION: "A",
    Ticket.Purpose.PICKUP: "B",
    Ticket.Purpose.LOSS_REPORT: "C",
}
STEP_OF_PURPOSE = {
    Ticket.Purpose.APPLICATION: Step.INTAKE,
    Ticket.Purpose.PICKUP: Step.PICKUP,
    Ticket.Purpose.LOSS_REPORT: Step.LOSS_REPORT,
}
WINDOW_KIND_OF_PURPOSE = {
    Ticket.Purpose.APPLICATION: Window.Kind.INTAKE,
    Ticket.Purpose.PICKUP: Window.Kind.PICKUP,
    Ticket.Purpose.LOSS_REPORT: Window.Kind.LOSS,
}


def _queue_event(
    code: EventCode, ticket: Ticket, actor: str, subjects: tuple[str, ...] = ()
) -> Event:
    return Event(
        code=code,
        at=clock.now(),
        actor=actor,
        subjects=subjects,
        fields=(),
        purpose="queue",
        grant=None,
        terminal=ticket.window.code if ticket.window else None,
        details={"ticket": ticket.number, "purpose": ticket.purpose},
    )


def issue_ticket(
    purpose: str,
    *,
    reception_number: str | None = None,
    office: str = "TKY-IKB",
    now: datetime | None = None,
) -> Ticket:
    """A numbered ticket for today's queue. A pickup ticket must name a ready application."""
    try:
        purpose = Ticket.Purpose(purpose)
    except ValueError:
        raise InvalidInput(
            f"unknown ticket purpose {purpose!r}",
            message_ja=gettext_noop("受付の種類が正しくありません。"),
        ) from None
    at = now or clock.now()
    with transaction.atomic():
        application = None
        if purpose == Ticket.Purpose.PICKUP:
            if not reception_number:
                raise InvalidInput(
                    "a pickup ticket needs the reception number",
                    message_ja=gettext_noop("受理票の受理番号を入力してください。"),
                )
            application = (
                Application.objects.select_for_update()
                .filter(reception_number=reception_number.strip(), state="ready")
                .first()
            )
            if application is None:
                raise RuleViolation(
                    "no passport ready for that reception number",
                    message_ja=gettext_noop("この受理番号の旅券は交付の準備ができていません。"),
                )
            refuse_second_pickup_ticket(application)
        ticket = Ticket.objects.create(
            number=f"{PREFIX[purpose]}-{_next_ticket_sequence(office, purpose, at):03d}",
            office=office,
            purpose=purpose,
            issued_at=at,
        )
        if application is not None:
            ticket.applications.add(application)
        ledger.record_in_transaction(_queue_event(EventCode.TICKET_ISSUE, ticket, "kiosk"))
    return ticket


def refuse_second_pickup_ticket(application: Application) -> None:
    """One open pickup ticket per reception number (the caller holds the row's lock)."""
    open_tickets = Ticket.objects.filter(
        purpose=Ticket.Purpose.PICKUP,
        applications=application,
        status__in=(Ticket.Status.WAITING, Ticket.Status.CALLED),
    )
    if open_tickets.exists():
        raise RuleViolation(
            "a pickup ticket for that reception number is already waiting",
            message_ja=gettext_noop(
                "この受理番号の整理券は既に発行されています。お手元の整理券でお待ちください。"
            ),
        )


def _next_ticket_sequence(office: str, purpose: str, at: datetime) -> int:
    """Today's next ticket number for (office, purpose), race-free.

    The counter row's lock serialises issuers, so two kiosks never print the same number.
    (Counting today's tickets under `select_for_update` did not: Django drops FOR UPDATE
    from a count(), and a lock on existing rows would not stop two inserts anyway; on
    PostgreSQL two kiosks could both count N and print the same number.) Tickets created
    outside the counter (the demo's seed) are skipped over.
    """
    local = timezone.localtime(at)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    key = f"ticket/{office}/{purpose}/{local:%Y%m%d}"
    store = DbSequenceStore()
    value = store.next_value(key)
    existing = Ticket.objects.filter(office=office, purpose=purpose, issued_at__gte=start).count()
    if value <= existing:
        value = store.next_value(key, at_least=existing + 1)
    return value


def persons_of_ticket(ticket: Ticket) -> list[str]:
    return sorted(
        set(
            ApplicationPerson.objects.filter(application__in=ticket.applications.all()).values_list(
                "subject", flat=True
            )
        )
    )


def call_next(
    staff: Staff, window: Window, *, now: datetime | None = None
) -> tuple[Ticket, Grant] | None:
    """Call the oldest waiting ticket of the window's kind; open the grant. None if empty."""
    at = now or clock.now()
    purposes = [p for p, k in WINDOW_KIND_OF_PURPOSE.items() if k == window.kind]
    with transaction.atomic():
        # Lock the clerk's row first: a double click must not open two grants.
        Staff.objects.select_for_update().filter(pk=staff.pk).first()
        if grants.open_grants_of(staff, at):
            raise RuleViolation(
                "finish the current applicant first",
                message_ja=gettext_noop("現在の申請者の対応を終了してから次を呼び出してください。"),
            )
        # skip_locked: a colleague calling at the same moment takes the next ticket instead
        # of queueing behind this transaction (SQLite ignores it: writers are serialised).
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(status=Ticket.Status.WAITING, purpose__in=purposes, office=window.office)
            .order_by("issued_at", "pk")
            .first()
        )
        if ticket is None:
            return None
        ticket.status = Ticket.Status.CALLED
        ticket.called_at = at
        ticket.window = window
        ticket.staff = staff
        ticket.save()
        subjects = persons_of_ticket(ticket)
        ledger.record_in_transaction(
            _queue_event(EventCode.TICKET_CALL, ticket, staff.staff_id, tuple(subjects))
        )
        grant = grants.open_grant(
            staff=staff,
            kind=Grant.Kind.COUNTER,
            step=STEP_OF_PURPOSE[Ticket.Purpose(ticket.purpose)],
            subjects=subjects,
            minutes=grants.counter_minutes(),
            window=window,
            ticket=ticket,
            now=at,
        )
    return ticket, grant


def close_ticket(
    ticket: Ticket, *, staff: Staff, no_show: bool = False, now: datetime | None = None
) -> None:
    """The applicant leaves the window: the ticket closes and every grant on it ends."""
    at = now or clock.now()
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(
            status=Ticket.Status.NO_SHOW if no_show else Ticket.Status.CLOSED, closed_at=at
        )
        ticket.refresh_from_db()
        ledger.record_in_transaction(_queue_event(EventCode.TICKET_CLOSE, ticket, staff.staff_id))
        for grant in Grant.objects.filter(ticket=ticket, closed_at__isnull=True):
            grants.close_grant(grant, now=at, why="ticket closed")


def expire_grants(now: datetime | None = None) -> int:
    """Close grants past their time limit (run by the watcher and on each queue call)."""
    at = now or clock.now()
    expired = list(Grant.objects.filter(closed_at__isnull=True, expires_at__lte=at))
    for grant in expired:
        grants.close_grant(grant, now=at, why="timeout")
    return len(expired)
