"""Key rotation and retention (crypto-shredding) over the vault."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.privacy.keyring import WrappedKey, rewrap
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import keys
from ryoken.web.vault.models import Subject, Token

BATCH = 500


@dataclass(frozen=True)
class RotationResult:
    old_kek: str
    new_kek: str
    rewrapped: int
    retired: bool


def rotate_keys(
    *, actor: str, now: datetime | None = None, retire_old: bool = True
) -> RotationResult:
    """New key-encryption key; every data key re-wrapped batch by batch; old key retired.

    Online: until a subject's key is re-wrapped, the old KEK still unwraps it, so reads go on
    throughout. The old KEK is retired only when no subject refers to it any more.
    """
    at = now or clock.now()
    ring = keys.keyring()
    old = ring.current_kek_id()
    new = ring.rotate(at)
    keys.forget_cached_keys()
    ring = keys.keyring()
    rewrapped = 0
    while True:
        batch = list(
            Subject.objects.filter(wrapped_key__isnull=False)
            .exclude(kek_id=new)
            .order_by("pk")[:BATCH]
        )
        if not batch:
            break
        with transaction.atomic():
            for subject in batch:
                fresh = rewrap(
                    WrappedKey(kek_id=subject.kek_id, blob=bytes(subject.wrapped_key)),
                    ring,
                    subject_id=subject.pk,
                )
                Subject.objects.filter(pk=subject.pk, kek_id=subject.kek_id).update(
                    wrapped_key=fresh.blob, kek_id=fresh.kek_id
                )
                rewrapped += 1
    retired = False
    if retire_old and not Subject.objects.filter(kek_id=old, wrapped_key__isnull=False).exists():
        ring.retire(old, at)
        keys.forget_cached_keys()
        retired = True
    ledger.record(
        Event(
            code=EventCode.KEY_ROTATE,
            at=at,
            actor=actor,
            subjects=(),
            fields=(),
            purpose="key rotation",
            grant=None,
            terminal=None,
            details={"old_kek": old, "new_kek": new, "rewrapped": rewrapped, "retired": retired},
        )
    )
    return RotationResult(old, new, rewrapped, retired)


@dataclass(frozen=True)
class RetentionResult:
    shredded: list[str]
    held: int


def run_retention(*, actor: str, today: date, now: datetime | None = None) -> RetentionResult:
    """Destroy the data keys of subjects past retention, except those under legal hold."""
    at = now or clock.now()
    due = Subject.objects.filter(retain_until__lt=today, wrapped_key__isnull=False)
    held = due.filter(legal_hold=True).count()
    ids = list(due.filter(legal_hold=False).values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            Subject.objects.filter(pk__in=chunk, legal_hold=False).update(
                wrapped_key=None, kek_id="", shredded_at=at
            )
            # Blind-index tokens link a person across records; they go with the key.
            Token.objects.filter(subject_id__in=chunk).delete()
            ledger.record_in_transaction(
                Event(
                    code=EventCode.KEY_SHRED,
                    at=at,
                    actor=actor,
                    subjects=tuple(chunk),
                    fields=(),
                    purpose="retention ended",
                    grant=None,
                    terminal=None,
                    details={"count": len(chunk)},
                )
            )
    return RetentionResult(shredded=ids, held=held)
