"""Preserving the evidence: the hold (freeze the suspects, hold their exposed subjects) and
the signed evidence bundle of their ledger slice, with proofs to a signed checkpoint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from ryoken import clock
from ryoken.audit.events import EventCode
from ryoken.audit.tree import inclusion_proofs_at
from ryoken.errors import InvalidInput
from ryoken.incident.bundle import build_bundle
from ryoken.web.accounts.models import Staff
from ryoken.web.incident.incidents import CHUNK, officer_event, period_of
from ryoken.web.incident.models import Hold, Incident
from ryoken.web.incident.scoping import incident_scope, ledger_slice
from ryoken.web.ledger import checkpoints, signing
from ryoken.web.ledger import store as ledger
from ryoken.web.vault.models import Subject


@dataclass(frozen=True)
class HoldResult:
    hold: Hold
    frozen: tuple[str, ...]
    subjects: int
    entries: int
    bundle: bytes


def _case_json(incident: Incident) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    case: dict[str, Any] = {
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "learned_on": incident.learned_on.isoformat(),
            "suspects": list(incident.suspects),
            "period": {
                "start": incident.period_start.isoformat(),
                "end": incident.period_end.isoformat(),
            },
            "unlawful_purpose": incident.unlawful_purpose,
            "created_by": incident.created_by,
        }
    }
    notes: list[dict[str, Any]] = []
    if incident.case_id is not None:
        try:
            from ryoken.web.watch.models import Case
        except ImportError:  # pragma: no cover - the watch app is absent
            return case, notes
        found = Case.objects.filter(pk=incident.case_id).first()
        if found is not None:
            case["case"] = {
                "id": found.pk,
                "staff_id": found.staff_id,
                "status": found.status,
                "score": found.score,
                "reasons_ja": found.reasons_ja,
                "reasons_en": found.reasons_en,
                "evidence": found.evidence,
            }
            notes = [
                {"at": n.at.isoformat(), "kind": n.kind, "text": getattr(n, "text", "")}
                for n in found.notes.order_by("at")
            ]
    return case, notes


def evidence_bundle(incident: Incident) -> tuple[bytes, int, int]:
    """A signed bundle of the suspects' ledger slice with proofs to the latest checkpoint.

    Returns (bytes, entries, checkpoint size). Entries after the checkpoint are not in it:
    sign a checkpoint first (`place_hold` does).
    """
    row = checkpoints.latest()
    if row is None:
        raise InvalidInput(
            "the ledger has no checkpoint yet", message_ja="チェックポイントがありません。"
        )
    checkpoint = checkpoints.to_audit_checkpoint(row)
    entries = [
        (seq, data)
        for seq, data in ledger_slice(incident.suspects, period_of(incident))
        if seq < checkpoint.size
    ]
    proofs = inclusion_proofs_at(
        ledger.DbNodeReader(), [seq for seq, _ in entries], checkpoint.size
    )
    case, notes = _case_json(incident)
    data = build_bundle(
        entries,
        proofs,
        checkpoint,
        case,
        notes,
        signing.signer(),  # the ledger's signer: a key file or the HSM
        created_at=clock.now(),
    )
    return data, len(entries), checkpoint.size


def place_hold(incident: Incident, *, officer: Staff) -> HoldResult:
    """The one action: freeze the suspects, hold their exposed subjects, sign a checkpoint,
    export the signed evidence bundle. Each step is in the ledger."""
    exposed = [s.subject for s in incident_scope(incident).subjects]
    now = clock.now()
    with transaction.atomic():
        Staff.objects.filter(staff_id__in=incident.suspects).update(frozen=True)
        for start in range(0, len(exposed), CHUNK):
            Subject.objects.filter(pk__in=exposed[start : start + CHUNK]).update(legal_hold=True)
        hold = Hold.objects.create(
            incident=incident,
            staff_id=" ".join(incident.suspects)[:20],
            subjects=exposed,
            placed_at=now,
            placed_by=officer.staff_id,
        )
        incident.status = Incident.Status.HELD
        incident.save(update_fields=["status"])
        ledger.record_in_transaction(
            officer_event(
                EventCode.HOLD_PLACE,
                officer,
                subjects=exposed,
                incident=incident.pk,
                hold=hold.pk,
                frozen=" ".join(incident.suspects),
                persons=len(exposed),
            )
        )
    checkpoints.create_checkpoint()
    data, count, size = evidence_bundle(incident)
    digest = hashlib.sha256(data).hexdigest()
    hold.bundle = data
    hold.bundle_sha256 = digest
    hold.checkpoint_size = size
    hold.save(update_fields=["bundle", "bundle_sha256", "checkpoint_size"])
    ledger.record(
        officer_event(
            EventCode.EXPORT_EVIDENCE,
            officer,
            incident=incident.pk,
            what="evidence_bundle",
            entries=count,
            checkpoint=size,
            sha256=digest,
        )
    )
    return HoldResult(hold, tuple(incident.suspects), len(exposed), count, data)
