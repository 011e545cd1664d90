"""Door badge events: who went in or out of which door, when. Evidence for the detectors
(activity while the badge log says absent), recorded like copier jobs: exactly once."""

from __future__ import annotations

from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.params.functions import Body as body_param
from pydantic import AwareDatetime, ConfigDict

from ryoken import clock
from ryoken.audit.events import Event, EventCode, format_time
from ryoken.web.api.auth import badge_auth, client_of
from ryoken.web.api.batches import (
    MAX_BATCH,
    BatchResult,
    DeviceId,
    Uid,
    check_batch,
    known_staff,
    record_batch,
)
from ryoken.web.api.errors import ErrorOut

router = Router(auth=badge_auth, tags=["badges"])


class BadgeEvent(Schema):
    """One door event as the access-control system logged it (external-event schema)."""

    model_config = ConfigDict(extra="forbid")

    event_uid: Uid = Field(description="The door system's unique id for this event.")
    staff: DeviceId = Field(description="The badge holder's staff id as the door system knows it.")
    door: DeviceId = Field(description="The door or reader id.")
    direction: Literal["in", "out"]
    at: AwareDatetime = Field(description="ISO-8601 with a UTC offset.")


def badge_event(record: BadgeEvent, *, client: str, received: str, staff_ids: set[str]) -> Event:
    return Event(
        code=EventCode.EXTERNAL_BADGE,
        at=record.at,
        actor=record.staff,
        purpose="door badge",
        terminal=record.door,
        details={
            "client": client,
            "event_uid": record.event_uid,
            "door": record.door,
            "direction": record.direction,
            "staff_known": record.staff in staff_ids,
            "received_at": received,
        },
    )


@router.post(
    "/events",
    response={
        200: BatchResult,
        400: ErrorOut,
        401: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
        503: ErrorOut,
    },
    summary="Record a batch of door badge events",
)
def post_events(
    request: HttpRequest,
    events: Annotated[list[BadgeEvent], body_param(max_length=MAX_BATCH)],
) -> BatchResult:
    """A JSON array of up to 1,000 events; all-or-nothing validation, exactly-once recording
    by `event_uid`, as for copier jobs."""
    client = client_of(request)
    now = clock.now()
    check_batch(
        [e.event_uid for e in events], [e.at for e in events], uid_field="event_uid", now=now
    )
    staff_ids = known_staff([e.staff for e in events])
    received = format_time(now)
    items = [
        (e.event_uid, badge_event(e, client=client.name, received=received, staff_ids=staff_ids))
        for e in events
    ]
    return record_batch(client, items, now=now)
