"""Verification and proofs over the stored ledger (what `ryoken audit` runs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection

from ryoken.audit import checkpoints as pure_checkpoints
from ryoken.audit import derived
from ryoken.audit import verify as pure_verify
from ryoken.audit.grants import GrantLedger
from ryoken.audit.merkle import verify_inclusion
from ryoken.audit.tree import inclusion_proof_at
from ryoken.errors import InvalidInput, LedgerError
from ryoken.web.ledger import checkpoints, paths, triggers
from ryoken.web.ledger.models import Checkpoint, Entry
from ryoken.web.ledger.store import STORED_MIN_LEVEL, DbNodeReader, ledger_size

CHUNK = 20_000
_PG_TIME = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


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


def _row_chunks() -> Iterator[list[derived.Row]]:
    """Every entry with its stored columns, `at` spelled as the database compares it."""
    at = "CAST(at AS TEXT)" if connection.vendor == "sqlite" else _PG_TIME
    query = (
        f'SELECT seq, data, leaf_hash, actor, {at}, code, "grant", subjects '  # noqa: S608 # nosec B608 - a fixed column expression
        "FROM ledger_entry WHERE seq > %s ORDER BY seq LIMIT %s"
    )
    last = -1
    while True:
        with connection.cursor() as cursor:
            cursor.execute(query, [last, CHUNK])
            rows = cursor.fetchall()
        if not rows:
            return
        if not isinstance(rows[0][1], bytes):  # a driver that answers memoryview
            rows = [(r[0], bytes(r[1]), bytes(r[2]), *r[3:]) for r in rows]
        yield rows
        last = int(rows[-1][0])


class _Links:
    """Reads ledger_entry_subject in the order it was written, beside the entries.

    One append writes its entries' link rows in entry order under the append lock, so the
    links' ids run in the same order as the entries' sequence numbers; a link that was
    deleted, added or changed breaks the match with what the entries name.
    """

    REALIGN_LIMIT = 10

    def __init__(self, checker: derived.DerivedChecker, findings: pure_verify.Findings):
        self.checker = checker
        self.findings = findings
        self.last_id = 0
        self.realigned = 0

    def check(self, rows: list[derived.Row]) -> None:
        if self.realigned > self.REALIGN_LIMIT:
            return
        expected = self.checker.expected_links(rows)
        if not expected:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT seq, subject FROM ledger_entry_subject WHERE id > %s ORDER BY id LIMIT %s",
                [self.last_id, len(expected)],
            )
            found = cursor.fetchall()
            cursor.execute(
                "SELECT MAX(id) FROM (SELECT id FROM ledger_entry_subject WHERE id > %s "
                "ORDER BY id LIMIT %s) AS chunk",
                [self.last_id, len(expected)],
            )
            top = cursor.fetchone()[0]
        if top is not None:
            self.last_id = int(top)
        if self.checker.check_links(expected, found):
            return
        self.realigned += 1
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT MAX(id) FROM ledger_entry_subject WHERE seq <= %s", [int(rows[-1][0])]
            )
            top = cursor.fetchone()[0]
        self.last_id = max(self.last_id, int(top or 0))

    def finish(self, last_seq: int) -> None:
        """Link rows beyond the last entry's: added to point at entries that do not exist."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT MIN(seq) FROM ledger_entry_subject WHERE id > %s OR seq > %s OR seq < 0",
                [self.last_id if self.realigned <= self.REALIGN_LIMIT else 2**62, last_seq],
            )
            stray = cursor.fetchone()[0]
        if stray is not None:
            seq = int(stray)
            self.findings.add(
                f"subject links name entry {seq} but no entry {seq} names those subjects: "
                "link rows were added",
                max(0, min(seq, last_seq + 1)),
            )


class _Nodes:
    """Compares the stored tree (ledger_node) with the tree verify rebuilds from the entries.

    Proofs (`ryoken audit prove`, a witness's consistency proof) read stored nodes; a node
    changed or added there makes them fail or lie, even though every entry verifies. The
    rebuilt nodes arrive level by level in index order; each level is compared a batch at a
    time with one query, and the row count at the end catches rows added beyond the tree.
    """

    BATCH = 4096

    def __init__(self, findings: pure_verify.Findings):
        self.findings = findings
        self.pending: dict[int, tuple[int, list[bytes]]] = {}
        self.bad = False

    def __call__(self, level: int, first: int, hashes: list[bytes]) -> None:
        if level < STORED_MIN_LEVEL or self.bad:
            return
        items = self.pending.setdefault(level, (first, []))[1]
        items.extend(hashes)
        if len(items) >= self.BATCH:
            self._compare(level)

    def _compare(self, level: int) -> None:
        start, items = self.pending.pop(level)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT idx, hash FROM ledger_node WHERE level = %s AND idx >= %s AND idx < %s "
                "ORDER BY idx",
                [level, start, start + len(items)],
            )
            rows = cursor.fetchall()
        stored = {int(idx): bytes(digest) for idx, digest in rows}
        if (
            len(stored) == len(items)
            and list(map(stored.get, range(start, start + len(items)))) == items
        ):
            return
        for k, want in enumerate(items):
            if stored.get(start + k) != want:
                idx = start + k
                break
        lo, hi = idx << level, ((idx + 1) << level) - 1
        what = (
            "is missing" if idx not in stored else "differs from the tree rebuilt from the entries"
        )
        self.findings.add(
            f"the stored tree node at level {level}, index {idx} (over entries {lo}-{hi}) "
            f"{what}: ledger_node was changed, or those entries were (proofs read that node)"
        )
        self.bad = True  # one line says it; nodes above it differ as a consequence

    def finish(self, size: int) -> None:
        for level in sorted(self.pending):
            if not self.bad:
                self._compare(level)
        expected = sum(size >> level for level in range(STORED_MIN_LEVEL, size.bit_length()))
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM ledger_node")
            count = int(cursor.fetchone()[0])
        if count > expected:
            self.findings.add(
                f"ledger_node holds {count} rows but the tree of {size} entries has {expected} "
                "stored nodes: rows were added"
            )


def verify() -> pure_verify.VerifyReport:
    """Recompute everything from the entries; check signatures, the witness, every stored
    column and subject link against its entry, grant integrity, and the append-only guard."""
    findings = pure_verify.Findings(limit=100)
    for problem in triggers.missing_triggers(connection):
        findings.add(
            f"the ledger is not append-only: {problem} (restore it with `ryoken init`, then "
            "find out who removed it)"
        )
    stored = [checkpoints.to_audit_checkpoint(row) for row in Checkpoint.objects.order_by("size")]
    witness_path = paths.witness_path()
    witness: list[pure_checkpoints.Checkpoint] = []
    if not witness_path.exists():
        findings.add(f"the witness file {witness_path} is missing")
    else:
        try:
            witness = checkpoints.read_witness()
        except LedgerError as error:
            findings.add(
                f"the witness file {witness_path} is damaged ({error.message}): it was cut "
                "or edited"
            )
    public_key = checkpoints.load_public_key()
    times = derived.SQLITE_TIMES if connection.vendor == "sqlite" else derived.CANONICAL_TIMES
    checker = derived.DerivedChecker(findings.add, times)
    grants = GrantLedger()
    links = _Links(checker, findings)
    nodes = _Nodes(findings)

    def checked_chunks() -> Iterator[list[derived.Row]]:
        last = -1
        for chunk in _row_chunks():
            checker.check_rows(chunk, grants)
            links.check(chunk)
            yield chunk
            last = int(chunk[-1][0])
        links.finish(last)

    report = pure_verify.verify_chunks(
        checked_chunks(),
        stored,
        witness,
        public_key,
        require_witness=True,
        findings=findings,
        on_nodes=nodes,
    )
    nodes.finish(report.entries_checked)
    report.problems_omitted = findings.omitted
    report.ok = not findings.problems and not findings.omitted
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
