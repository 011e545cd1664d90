"""Verification and proofs over the stored ledger (what `ryoken audit` runs)."""

from __future__ import annotations

import bisect
import multiprocessing
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
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
_CURSOR: Callable[[], Any] | None = None  # the column pass's own connection, in its process


def _cursor() -> Any:
    """A cursor on the ledger's database: Django's, or the column pass's own (`_column_pass`)."""
    return connection.cursor() if _CURSOR is None else _CURSOR()


_PG_TIME = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


def iter_entries() -> Iterator[tuple[int, bytes, bytes]]:
    """(seq, data, leaf_hash) in seq order, streamed in chunks."""
    for rows in _hash_chunks(None):
        yield from rows


def _row_chunks(bound: int, need: str = "all") -> Iterator[list[derived.Row]]:
    """Every entry up to seq `bound` with its stored columns, `at` spelled as the database
    compares it. `need` leaves out what a pass does not read (NULL in its place): "columns"
    the leaf hash, "links" all but the seq and the subjects."""
    at = "CAST(at AS TEXT)" if connection.vendor == "sqlite" else _PG_TIME
    columns = {
        "all": f'seq, data, leaf_hash, actor, {at}, code, "grant", subjects',
        "columns": f'seq, data, NULL, actor, {at}, code, "grant", subjects',
        "links": "seq, NULL, NULL, NULL, NULL, NULL, NULL, subjects",
    }[need]
    query = (
        f"SELECT {columns} "  # noqa: S608 # nosec B608 - fixed column expressions
        "FROM ledger_entry WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s"
    )
    last = -1
    while True:
        with _cursor() as cursor:
            cursor.execute(query, [last, bound, CHUNK])
            rows = cursor.fetchall()
        if not rows:
            return
        if need == "all" and not isinstance(rows[0][1], bytes):  # a driver's memoryview
            rows = [(r[0], bytes(r[1]), bytes(r[2]), *r[3:]) for r in rows]
        yield rows
        last = int(rows[-1][0])


class _Links:
    """Compares ledger_entry_subject, as a whole, with the links the entries name.

    The table's key is (subject, seq) and it has no other order (a WITHOUT ROWID table on
    SQLite), so it is not read beside the entries: each chunk of entries adds its expected
    links (one per distinct subject of an entry) to a count and to a sum of their hashes,
    and `finish` reads the table once in key order for the same count and sum. Each link is
    hashed with a salt drawn for this run (and Python's string hash is keyed per process),
    so a changed table cannot be prepared to add up to the same sum. When the two differ,
    a second pass sums the stored links chunk by chunk, and the chunks that disagree are
    compared link by link, which names the first entry whose links were deleted, added or
    changed; a link outside every chunk points at no entry at all.
    """

    REALIGN_LIMIT = 10  # chunks compared link by link; one report each
    KEYS = 400  # link keys per query in `in_database`
    PAGE = 20_000

    def __init__(self, checker: derived.DerivedChecker, findings: pure_verify.Findings, bound: int):
        self.checker = checker
        self.findings = findings
        self.bound = bound  # the last seq verified: links of later appends are not compared
        self.salt = secrets.randbits(60)
        self.count = 0
        self.total = 0
        self.chunks: list[tuple[int, int, int, int]] = []  # (first seq, last seq, count, sum)

    def check(self, rows: list[derived.Row]) -> None:
        expected = set(self.checker.expected_links(rows))
        part = self._sum(expected)
        self.count += len(expected)
        self.total += part
        self.chunks.append((int(rows[0][0]), int(rows[-1][0]), len(expected), part))

    def in_database(self) -> bool:
        """True when the database holds exactly the links the entries up to the bound name:
        each one is found by its key, and there are no more of them than that. Decided in
        SQL for an entry of one subject (most), in batches of keys for the others; exact,
        and cheaper than summing every link in Python. On False the caller compares chunk
        by chunk (`check`, `finish`) to name the entry."""
        single = "seq <= %s AND subjects <> '' AND instr(subjects, ' ') = 0"
        with _cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ledger_entry e WHERE {single} AND NOT EXISTS "  # noqa: S608 # nosec B608 - a fixed condition
                "(SELECT 1 FROM ledger_entry_subject s "
                "WHERE s.subject = e.subjects AND s.seq = e.seq)",
                [self.bound],
            )
            if cursor.fetchone()[0]:
                return False
            cursor.execute(f"SELECT count(*) FROM ledger_entry WHERE {single}", [self.bound])  # noqa: S608 # nosec B608 - a fixed condition
            singles = int(cursor.fetchone()[0])
            cursor.execute(
                "SELECT seq, subjects FROM ledger_entry "
                "WHERE seq <= %s AND instr(subjects, ' ') > 0",
                [self.bound],
            )
            wanted = sorted(
                {
                    (subject, int(seq))
                    for seq, subjects in cursor.fetchall()
                    for subject in subjects.split(" ")
                }
            )
            found = 0
            for start in range(0, len(wanted), self.KEYS):
                batch = wanted[start : start + self.KEYS]
                cursor.execute(
                    "SELECT count(*) FROM ledger_entry_subject WHERE (subject, seq) IN "  # noqa: S608 # nosec B608 - placeholders only
                    f"(VALUES {', '.join(['(%s, %s)'] * len(batch))})",
                    [value for key in batch for value in key],
                )
                found += int(cursor.fetchone()[0])
            cursor.execute(
                "SELECT count(*) FROM ledger_entry_subject WHERE seq <= %s", [self.bound]
            )
            stored = int(cursor.fetchone()[0])
        return found == len(wanted) and stored == singles + len(wanted)

    def _sum(self, links: Iterable[tuple[int, str]]) -> int:
        return sum(map(hash, zip(repeat(self.salt), links)))

    def _stored(self) -> Iterator[list[tuple[int, str]]]:
        """Every link row up to the bound as (seq, subject), a page at a time in key order."""
        subject, seq = "", -(2**63)
        while True:
            with _cursor() as cursor:
                cursor.execute(
                    "SELECT seq, subject FROM ledger_entry_subject WHERE (subject, seq) > (%s, %s) "
                    "AND seq <= %s ORDER BY subject, seq LIMIT %s",
                    [subject, seq, self.bound, self.PAGE],
                )
                rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            seq, subject = rows[-1]

    def finish(self, last_seq: int) -> None:
        self.finish_beyond_bound()
        count = total = 0
        for rows in self._stored():
            count += len(rows)
            total += self._sum(rows)
        if count == self.count and total == self.total:
            return
        self._locate()

    def finish_beyond_bound(self) -> None:
        """Links past the verified entries that name no entry at all (appends that came
        while verify ran have their entries, and are checked by the next verify)."""
        with _cursor() as cursor:
            cursor.execute(
                "SELECT MIN(seq) FROM ledger_entry_subject WHERE seq > %s "
                "AND seq NOT IN (SELECT seq FROM ledger_entry WHERE seq > %s)",
                [self.bound, self.bound],
            )
            stray = cursor.fetchone()[0]
        if stray is not None:
            self.findings.add(
                f"subject links name entry {stray} but there is no entry {stray}: "
                "link rows were added",
                max(0, int(stray)),
            )

    def _locate(self) -> None:
        firsts = [chunk[0] for chunk in self.chunks]
        counts = [0] * len(self.chunks)
        sums = [0] * len(self.chunks)
        stray: int | None = None
        for rows in self._stored():
            for row in rows:
                seq = row[0]
                k = bisect.bisect_right(firsts, seq) - 1
                if k < 0 or seq > self.chunks[k][1]:
                    stray = seq if stray is None else min(stray, seq)
                    continue
                counts[k] += 1
                sums[k] += hash((self.salt, row))
        bad = [
            k
            for k, (_, _, count, total) in enumerate(self.chunks)
            if (counts[k], sums[k]) != (count, total)
        ]
        for k in bad[: self.REALIGN_LIMIT]:
            first, last = self.chunks[k][:2]
            self.checker.check_links(self._expected(first, last), self._found(first, last))
        if stray is not None:
            self.findings.add(
                f"subject links name entry {stray} but no entry {stray} names those subjects: "
                "link rows were added",
                max(0, stray),
            )

    @staticmethod
    def _expected(first: int, last: int) -> list[tuple[int, str]]:
        with _cursor() as cursor:
            cursor.execute(
                "SELECT seq, subjects FROM ledger_entry WHERE seq >= %s AND seq <= %s ORDER BY seq",
                [first, last],
            )
            rows = cursor.fetchall()
        return sorted(
            {
                (int(seq), subject)
                for seq, subjects in rows
                if subjects
                for subject in subjects.split(" ")
            }
        )

    @staticmethod
    def _found(first: int, last: int) -> list[tuple[int, str]]:
        with _cursor() as cursor:
            cursor.execute(
                "SELECT seq, subject FROM ledger_entry_subject WHERE seq >= %s AND seq <= %s "
                "ORDER BY seq, subject",
                [first, last],
            )
            return [(int(seq), subject) for seq, subject in cursor.fetchall()]


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


def _hash_chunks(bound: int | None) -> Iterator[list[tuple[int, bytes, bytes]]]:
    """(seq, data, leaf_hash) chunks, up to seq `bound` when given: what the hash pass needs."""
    last = -1
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT seq, data, leaf_hash FROM ledger_entry WHERE seq > %s AND seq <= %s "
                "ORDER BY seq LIMIT %s",
                [last, 2**63 - 1 if bound is None else bound, CHUNK],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        if not isinstance(rows[0][1], bytes):  # a driver that answers memoryview
            rows = [(int(r[0]), bytes(r[1]), bytes(r[2])) for r in rows]
        yield rows
        last = int(rows[-1][0])


def _column_checkers(
    findings: pure_verify.Findings, bound: int
) -> tuple[derived.DerivedChecker, GrantLedger, _Links]:
    times = derived.SQLITE_TIMES if connection.vendor == "sqlite" else derived.CANONICAL_TIMES
    checker = derived.DerivedChecker(findings.add, times)
    return checker, GrantLedger(), _Links(checker, findings, bound)


class _Recorder(pure_verify.Findings):
    """Findings that also keep each call, to be replayed in another process's findings."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit)
        self.calls: list[tuple[str, int | None]] = []

    def add(self, message: str, seq: int | None = None) -> None:
        if len(self.calls) < self.limit:
            self.calls.append((message, seq))
        super().add(message, seq)


class _RawCursor:
    """The column pass's own read-only SQLite connection, spoken to like Django's cursor."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.cursor = db.cursor()

    def __enter__(self) -> _RawCursor:
        return self

    def __exit__(self, *_: object) -> None:
        self.cursor.close()

    def execute(self, sql: str, params: list[Any]) -> None:
        self.cursor.execute(sql.replace("%s", "?"), params)

    def fetchall(self) -> list[Any]:
        return self.cursor.fetchall()

    def fetchone(self) -> Any:
        return self.cursor.fetchone()


class _ColumnPass:
    """The stored columns and grants, and the subject links, checked in two more processes.

    On SQLite these checks cost about twice the hash pass (Python loops over every entry),
    so verify forks: one child reads the entries with their stored columns and checks them
    and the grants, another checks the subject links, while the parent hashes and rebuilds
    the tree; the children's findings are replayed into the parent's at the end. All read
    entries up to the same seq. A child opens its own read-only connection to the database
    file; a database in memory (the tests') is read through the connection the child
    inherited, which after fork is the child's private copy. Where forking is not possible
    or not wanted (PostgreSQL, not POSIX, RYOKEN_VERIFY_PROCESSES=1, a file database inside
    an open transaction a child could not see), verify checks in one process.
    """

    JOBS = ("columns", "links")

    def __init__(self, children: list[tuple[Any, Any]]) -> None:
        self.children = children

    @classmethod
    def start(cls, bound: int) -> _ColumnPass | None:
        if connection.vendor != "sqlite" or os.environ.get("RYOKEN_VERIFY_PROCESSES") == "1":
            return None
        if "fork" not in multiprocessing.get_all_start_methods():
            return None
        name = str(connection.settings_dict["NAME"])
        in_memory = name == ":memory:" or "mode=memory" in name
        if not in_memory and connection.in_atomic_block:
            return None
        path = None if in_memory else name
        context = multiprocessing.get_context("fork")
        children = []
        for job in cls.JOBS:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_column_child, args=(send, job, bound, path), daemon=True
            )
            process.start()
            send.close()
            children.append((process, receive))
        return cls(children)

    def join(self, findings: pure_verify.Findings) -> None:
        for job, (process, pipe) in zip(self.JOBS, self.children, strict=True):
            try:
                status, payload = pipe.recv()
            except EOFError:
                status, payload = "error", f"it ended with exit code {process.exitcode}"
            process.join()
            if status != "ok":
                findings.add(f"the check of the stored {job} did not finish: {payload}")
                continue
            calls, omitted = payload
            for message, seq in calls:
                findings.add(message, seq)
            findings.omitted += omitted


def _column_child(pipe: Any, job: str, bound: int, path: str | None) -> None:
    """In a forked child: check the stored columns and grants, or the subject links, up to
    `bound`, and send the findings back. The parent's Django connection is never used when
    the file is opened."""
    global _CURSOR
    try:
        if path is not None:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            _CURSOR = lambda: _RawCursor(db)  # noqa: E731
        recorder = _Recorder(limit=100)
        checker, grants, links = _column_checkers(recorder, bound)
        if job == "links" and links.in_database():
            links.finish_beyond_bound()
        else:
            last = -1
            for chunk in _row_chunks(bound, job):
                if job == "columns":
                    checker.check_rows(chunk, grants)
                else:
                    links.check(chunk)
                last = int(chunk[-1][0])
            if job == "links":
                links.finish(last)
        result: tuple[str, Any] = ("ok", (recorder.calls, recorder.omitted))
    except Exception as error:
        result = ("error", f"{type(error).__name__}: {error}")
    pipe.send(result)
    pipe.close()


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
    bound = ledger_size() - 1  # appends that come while verify runs wait for the next one
    nodes = _Nodes(findings)
    column_pass = _ColumnPass.start(bound)
    if column_pass is None:  # one process: the columns are checked as the chunks go by
        checker, grants, links = _column_checkers(findings, bound)

        def checked_chunks() -> Iterator[list[derived.Row]]:
            last = -1
            for chunk in _row_chunks(bound):
                checker.check_rows(chunk, grants)
                links.check(chunk)
                yield chunk
                last = int(chunk[-1][0])
            links.finish(last)

        chunks: Iterable[Any] = checked_chunks()
    else:
        chunks = _hash_chunks(bound)
    report = pure_verify.verify_chunks(
        chunks,
        stored,
        witness,
        public_key,
        require_witness=True,
        findings=findings,
        on_nodes=nodes,
    )
    if column_pass is not None:
        column_pass.join(findings)
    nodes.finish(report.entries_checked)
    report.first_bad_seq = findings.first_bad_seq
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
