"""Batches of external records (copier jobs, badge events) into the ledger, exactly once.

A batch is validated whole before anything is written: one bad record rejects the batch
with every bad index and reason (`BatchRejected` → 422). A valid batch is written in ONE
durable transaction holding both the ledger entries and the (client, uid) rows that
remember them, so a batch re-sent after a timeout records only what is new, and a crash
can neither lose a record the device believes delivered nor record one twice. (The group
committer `ledger.store.record` cannot share a transaction with the seen-rows, so it
cannot give that guarantee; the transaction is `durable=True` and SQLite commits with
fsync, so the events are on disk before the device hears 200.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from django.db import transaction
from ninja import Field, Schema
from pydantic import StringConstraints

from ryoken import clock
from ryoken.audit.events import Event
from ryoken.domain.lines import SAFE_ID
from ryoken.web.accounts.models import Staff
from ryoken.web.api.models import ApiClient, SeenRecord
from ryoken.web.env import env_int
from ryoken.web.ledger import checkpoints
from ryoken.web.ledger import store as ledger

MAX_BATCH = 1000
# A device clock more than a day ahead, or before 2000, is wrong: refuse rather than put
# nonsense times into the ledger (the device's operator will notice a stuck batch).
MAX_CLOCK_AHEAD = timedelta(days=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

Uid = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")
]
DeviceId = Annotated[  # no control or bidirectional-override characters (domain.lines)
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=SAFE_ID),
]


@dataclass(frozen=True)
class RecordError:
    index: int | None
    field: str
    reason: str


class BatchRejected(Exception):
    """Some records are invalid; nothing was written."""

    def __init__(self, errors: Sequence[RecordError], received: int) -> None:
        super().__init__(f"{len(errors)} invalid record(s)")
        self.errors = list(errors)
        self.received = received


class BatchResult(Schema):
    received: int = Field(description="Records in the batch.")
    recorded: int = Field(description="Records newly written to the ledger by this request.")
    already_recorded: int = Field(
        description="Records whose uid this client had delivered before: skipped."
    )


def check_batch(
    uids: Sequence[str], times: Sequence[datetime], *, uid_field: str, now: datetime
) -> None:
    """What per-field validation cannot see: repeated uids, impossible device times.

    (The size limit, MAX_BATCH, is part of the body's schema, so it is in the OpenAPI too.)
    """
    errors: list[RecordError] = []
    first_at: dict[str, int] = {}
    for index, (uid, at) in enumerate(zip(uids, times, strict=True)):
        if uid in first_at:
            errors.append(
                RecordError(index, uid_field, f"repeats the uid of record {first_at[uid]}")
            )
        first_at.setdefault(uid, index)
        if at < EARLIEST or at > now + MAX_CLOCK_AHEAD:
            errors.append(
                RecordError(
                    index, "at", f"device time {at.isoformat()} is impossible; check its clock"
                )
            )
    if errors:
        raise BatchRejected(errors, len(uids))


def known_staff(ids: Sequence[str]) -> set[str]:
    """Which of these device user ids are staff ids ryoken knows (evidence, not access)."""
    return set(Staff.objects.filter(staff_id__in=set(ids)).values_list("staff_id", flat=True))


def record_batch(
    client: ApiClient, items: Sequence[tuple[str, Event]], *, now: datetime
) -> BatchResult:
    """Record the events whose uid this client has not delivered before. Exactly once."""
    uids = [uid for uid, _ in items]
    with transaction.atomic(durable=True):
        # Serialise batches of one client (PostgreSQL; SQLite's BEGIN IMMEDIATE already does).
        ApiClient.objects.select_for_update().filter(pk=client.pk).first()
        seen = set(
            SeenRecord.objects.filter(client=client, uid__in=uids).values_list("uid", flat=True)
        )
        fresh = [(uid, event) for uid, event in items if uid not in seen]
        if fresh:
            seqs = ledger.record_in_transaction(*(event for _, event in fresh))
            SeenRecord.objects.bulk_create(
                SeenRecord(client=client, uid=uid, ledger_seq=seq, received_at=now)
                for (uid, _), seq in zip(fresh, seqs, strict=True)
            )
    if fresh:
        checkpoints.maybe_checkpoint()
    return BatchResult(
        received=len(items), recorded=len(fresh), already_recorded=len(items) - len(fresh)
    )


def seen_retention() -> timedelta:
    """How long a delivery receipt is kept: longer than any device retries a batch."""
    return timedelta(days=env_int("RYOKEN_SEEN_RETENTION_DAYS", 30))


def prune_seen(*, older_than: timedelta | None = None, now: datetime | None = None) -> int:
    """Forget delivery receipts older than a device could still be retrying (30 days unless
    RYOKEN_SEEN_RETENTION_DAYS says otherwise). The watcher calls it on each full pass."""
    cutoff = (now or clock.now()) - (older_than if older_than is not None else seen_retention())
    deleted, _ = SeenRecord.objects.filter(received_at__lt=cutoff).delete()
    return deleted
