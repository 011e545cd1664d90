"""Verification and proofs over the stored ledger (what `ryoken audit` runs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection

from ryoken.audit import checkpoints as pure_checkpoints
from ryoken.audit import verify as pure_verify
from ryoken.audit.merkle import verify_inclusion
from ryoken.audit.tree import inclusion_proof_at
from ryoken.errors import InvalidInput, LedgerError
from ryoken.web.ledger import checkpoints
from ryoken.web.ledger.models import Checkpoint, Entry
from ryoken.web.ledger.store import DbNodeReader, ledger_size

CHUNK = 20_000


def iter_entries() -> Iterator[tuple[int, bytes, bytes]]:
    """(seq, data, leaf_hash) in seq order, streamed in chunks with a server-side cursor."""
    last = -1
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT seq, data, leaf_hash FROM ledger_entry WHERE seq > %s "
                "ORDER BY seq LIMIT %s",
                [last, CHUNK],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        for seq, data, digest in rows:
            yield int(seq), bytes(data), bytes(digest)
        last = int(rows[-1][0])


def verify() -> pure_verify.VerifyReport:
    """Recompute everything from the entries; check signatures and the witness."""
    stored = [checkpoints.to_audit_checkpoint(row) for row in Checkpoint.objects.order_by("size")]
    witness = checkpoints.read_witness()
    public_key = checkpoints.load_public_key()
    report = pure_verify.verify_ledger(iter_entries(), stored, witness, public_key)
    return _with_cosignatures(report, stored)


def _with_cosignatures(
    report: pure_verify.VerifyReport, stored: list[pure_checkpoints.Checkpoint]
) -> pure_verify.VerifyReport:
    """Add the external witnesses' findings (ledger/witnesses.py) to the report."""
    from ryoken.web.ledger import witnesses

    problems = witnesses.check(stored)
    report.cosigners_checked = len(witnesses.configured())
    if problems:
        report.problems.extend(problems)
        report.ok = False
    return report


def prove(seq: int) -> dict[str, Any]:
    """An inclusion proof of entry `seq` to the latest checkpoint, as JSON-ready data."""
    latest = checkpoints.latest()
    if latest is None or seq >= latest.size:
        # Sign a fresh checkpoint so the newest entries can be proved too.
        checkpoints.create_checkpoint()
        latest = checkpoints.latest()
    if latest is None:
        raise LedgerError("the ledger is empty: nothing to prove")
    if seq < 0 or seq >= latest.size:
        raise InvalidInput(f"entry {seq} is not in the ledger (size {ledger_size()})")
    entry = Entry.objects.filter(seq=seq).values_list("data", "leaf_hash").first()
    if entry is None:
        raise LedgerError(f"entry {seq} is missing from the ledger")
    data, digest = bytes(entry[0]), bytes(entry[1])
    proof = inclusion_proof_at(DbNodeReader(), seq, latest.size)
    cp = checkpoints.to_audit_checkpoint(latest)
    if not verify_inclusion(digest, seq, latest.size, proof, cp.root):
        raise LedgerError(f"the stored tree does not prove entry {seq}: run `ryoken audit verify`")
    from ryoken.audit.checkpoints import checkpoint_message
    from ryoken.web.ledger import witnesses

    return {
        "leaf_index": seq,
        "tree_size": latest.size,
        "leaf_data_hex": data.hex(),
        "leaf_hash_hex": digest.hex(),
        "inclusion_path_hex": [node.hex() for node in proof],
        "root_hash_hex": cp.root.hex(),
        "checkpoint": {
            "size": cp.size,
            "root_hex": cp.root.hex(),
            "at": cp.at.isoformat(),
            "key_id": cp.key_id,
            "signature_hex": cp.signature.hex(),
            "signed_message": checkpoint_message(cp.size, cp.root, cp.at, cp.origin).decode(),
            "note": witnesses.cosigned_note(latest),
        },
        "hash_algorithm": "RFC 6962 SHA-256: leaf = H(0x00||data), node = H(0x01||l||r)",
    }
