"""The kiosk: issue a queue ticket, show how many are waiting. No personal data either way.

A pickup ticket needs the reception number from the receipt. Whether that number does not
exist or its passport is not ready yet, the kiosk hears the same thing, so the kiosk cannot
be used to probe which reception numbers exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Field, Router, Schema

from ryoken.errors import RuleViolation
from ryoken.web.api.auth import client_of, kiosk_auth
from ryoken.web.api.errors import ApiError, ErrorOut
from ryoken.web.counter.models import Ticket
from ryoken.web.counter.queue.service import issue_ticket

router = Router(auth=kiosk_auth, tags=["kiosk"])

Purpose = Literal["application", "pickup", "loss_report"]
PURPOSES: tuple[tuple[Purpose, object], ...] = (  # label: a lazy translation
    ("application", Ticket.Purpose.APPLICATION.label),
    ("pickup", Ticket.Purpose.PICKUP.label),
    ("loss_report", Ticket.Purpose.LOSS_REPORT.label),
)
NOT_READY_JA = "この受理番号の旅券は交付の準備ができていません。受理票の番号をご確認ください。"


class TicketIn(Schema):
    purpose: Purpose = Field(description="application (申請), pickup (受取), loss_report (紛失届)")
    reception_number: str | None = Field(
        default=None,
        max_length=40,
        description=(
            "Required for pickup: the reception number on the receipt (受理票), "
            "office-date-sequence, e.g. 13IKB-20261203-000123."
        ),
    )


class TicketOut(Schema):
    number: str = Field(description="What the slip shows and the caller announces, e.g. B-007.")
    purpose: Purpose
    purpose_ja: str
    waiting_ahead: int = Field(description="Tickets of the same purpose called before this one.")
    issued_at: datetime


class QueueLine(Schema):
    purpose: Purpose
    purpose_ja: str
    waiting: int


class QueueOut(Schema):
    office: str
    lines: list[QueueLine]


def _waiting_ahead(ticket: Ticket) -> int:
    # The same order `queue.call_next` calls in: oldest first, then by id.
    return (
        Ticket.objects.filter(
            office=ticket.office, purpose=ticket.purpose, status=Ticket.Status.WAITING
        )
        .filter(Q(issued_at__lt=ticket.issued_at) | Q(issued_at=ticket.issued_at, pk__lt=ticket.pk))
        .count()
    )


@router.post(
    "/tickets",
    response={
        200: TicketOut,
        400: ErrorOut,
        401: ErrorOut,
        404: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
        503: ErrorOut,
    },
    summary="Issue a queue ticket",
)
def post_ticket(request: HttpRequest, payload: TicketIn) -> TicketOut:
    """Issue a numbered ticket for today's queue at the kiosk's office."""
    client = client_of(request)
    try:
        ticket = issue_ticket(
            payload.purpose, reception_number=payload.reception_number, office=client.office
        )
    except RuleViolation:
        if payload.purpose != "pickup":
            raise
        raise ApiError(404, NOT_READY_JA, "no passport ready for that reception number") from None
    return TicketOut(
        number=ticket.number,
        purpose=payload.purpose,
        purpose_ja=str(Ticket.Purpose(ticket.purpose).label),
        waiting_ahead=_waiting_ahead(ticket),
        issued_at=ticket.issued_at,
    )


@router.get("/queue", response={200: QueueOut, 401: ErrorOut}, summary="Waiting counts")
def get_queue(request: HttpRequest) -> QueueOut:
    """How many tickets wait, per purpose, at the kiosk's office (for the lobby display)."""
    client = client_of(request)
    counts = dict(
        Ticket.objects.filter(office=client.office, status=Ticket.Status.WAITING)
        .values_list("purpose")
        .annotate(n=Count("pk"))
        .values_list("purpose", "n")
    )
    return QueueOut(
        office=client.office,
        lines=[
            QueueLine(purpose=purpose, purpose_ja=str(label), waiting=counts.get(purpose, 0))
            for purpose, label in PURPOSES
        ],
    )
