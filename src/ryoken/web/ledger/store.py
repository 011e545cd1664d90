"""Appending to the ledger: one writer at a time, many callers per commit.

`record(*events)` returns only when the events are durable (committed with fsync). Callers
that arrive while a commit is in flight queue up; the next leader writes all of them in one
transaction (group commit), so 16 concurrent disclosures share a handful of fsyncs instead of
paying one each. Any failure reaches every caller as `LedgerError`: nobody proceeds as if
their event had been written.

`record_in_transaction(*events)` appends inside the caller's open transaction, for workflow
writes whose audit row must commit or roll back with them (the Zulip `do_*` habit).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from ryoken.audit.derived import sqlite_time
from ryoken.audit.events import Event, encode_entries
from ryoken.audit.merkle import leaf_hash, root_of_hashes
from ryoken.audit.tree import Frontier
from ryoken.errors import LedgerError
from ryoken.web.ledger.models import Entry, Node
from ryoken.web.ledger.recovery import recover_after_failure

# A constant key for PostgreSQL's advisory lock that serialises ledger appends.
_PG_LOCK_KEY = 0x52594F4B  # "RYOK"


# Complete subtrees below this level are not stored: a proof recomputes them from at most
# 2**STORED_MIN_LEVEL leaf hashes (one indexed range read). That stores about n/16 node rows
# instead of n, which is most of the append cost. Changing it needs a migration of the nodes.
STORED_MIN_LEVEL = 4
MANY_KEYS = 200  # more keys than this (many proofs at once) are read in IN-list chunks
IN_CHUNK = 500


class DbNodeReader:
    """Reads complete-subtree hashes: leaves from entries, low levels recomputed, the rest
    from stored nodes."""

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        found = self._get_many(keys) if len(keys) > MANY_KEYS else self._get_few(keys)
        missing = [key for key in keys if key not in found]
        if missing:
            raise LedgerError(
                f"ledger tree is missing nodes {missing[:3]}: run `ryoken audit verify`"
            )
        return found

    @staticmethod
    def _get_few(keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """A root or a proof: a few dozen keys, one query each for leaves and for nodes."""
        found: dict[tuple[int, int], bytes] = {}
        low = [(level, idx) for level, idx in keys if level < STORED_MIN_LEVEL]
        if low:
            query = Q()
            for level, idx in low:
                query |= Q(seq__gte=idx << level, seq__lt=(idx + 1) << level)
            leaves = {
                int(seq): bytes(digest)
                for seq, digest in Entry.objects.filter(query).values_list("seq", "leaf_hash")
            }
            _fold_low(low, leaves, found)
        upper = [(level, idx) for level, idx in keys if level >= STORED_MIN_LEVEL]
        if upper:
            query = Q()
            for level, idx in upper:
                query |= Q(level=level, idx=idx)
            for level, idx, digest in Node.objects.filter(query).values_list(
                "level", "idx", "hash"
            ):
                found[(level, idx)] = bytes(digest)
        return found

    @staticmethod
    def _get_many(keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Many proofs at once (an evidence bundle): leaves by sequence number and nodes by
        level, in chunks of plain IN lists (an OR of thousands of terms is slow to build)."""
        found: dict[tuple[int, int], bytes] = {}
        low = [(level, idx) for level, idx in keys if level < STORED_MIN_LEVEL]
        seqs = sorted({i for level, idx in low for i in range(idx << level, (idx + 1) << level)})
        leaves: dict[int, bytes] = {}
        for start in range(0, len(seqs), IN_CHUNK):
            rows = Entry.objects.filter(seq__in=seqs[start : start + IN_CHUNK])
            leaves.update((int(seq), bytes(d)) for seq, d in rows.values_list("seq", "leaf_hash"))
        _fold_low(low, leaves, found)
        by_level: dict[int, list[int]] = {}
        for level, idx in keys:
            if level >= STORED_MIN_LEVEL:
                by_level.setdefault(level, []).append(idx)
        for level, indexes in by_level.items():
            for start in range(0, len(indexes), IN_CHUNK):
                rows = Node.objects.filter(level=level, idx__in=indexes[start : start + IN_CHUNK])
                found.update(
                    ((level, int(i)), bytes(d)) for i, d in rows.values_list("idx", "hash")
                )
        return found


def _fold_low(
    low: Sequence[tuple[int, int]], leaves: dict[int, bytes], found: dict[tuple[int, int], bytes]
) -> None:
    """The unstored low-level nodes, recomputed from their leaf hashes (when all are there)."""
    for level, idx in low:
        span = [leaves.get(i) for i in range(idx << level, (idx + 1) << level)]
        if all(h is not None for h in span):
            found[(level, idx)] = root_of_hashes(span)  # type: ignore[arg-type]


def ledger_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM ledger_entry")
        top = cursor.fetchone()[0]
    return 0 if top is None else int(top) + 1


def lock_for_append() -> None:
    """Serialise with every other append (and checkpoint) until the transaction ends."""
    # SQLite: settings use BEGIN IMMEDIATE, so the transaction already holds the write lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


class _FrontierCache:
    """The right edge of the tree after the last append this process made."""

    def __init__(self) -> None:
        self.frontier: Frontier | None = None

    def load(self, size: int) -> Frontier:
        cached = self.frontier
        if cached is not None and cached.size == size:
            return cached.copy()  # bytes are immutable: a new list of them suffices
        return Frontier.from_reader(DbNodeReader(), size)


_cache = _FrontierCache()


def forget_frontier() -> None:
    """Drop the cached right edge (after a restore, or between tests)."""
    _cache.frontier = None


_INSERT_ENTRY = (
    'INSERT INTO ledger_entry (seq, at, code, actor, "grant", subjects, data, leaf_hash) '
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)
_INSERT_NODE = "INSERT INTO ledger_node (level, idx, hash) VALUES (%s, %s, %s)"
_INSERT_SUBJECT = "INSERT INTO ledger_entry_subject (subject, seq) VALUES (%s, %s)"


def _sqlite_time(at: datetime) -> str:
    # What Django stores for an aware datetime on SQLite (naive UTC), without its overhead.
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _append_locked(events: Sequence[Event]) -> list[int]:
    """Append `events` in the current transaction, which must hold the append lock.

    Raw `executemany` rather than ORM objects: this is the hot path of every disclosure. The
    batch is built column-wise (all canonical bytes with their times, all leaf hashes, the
    tree's new nodes in one `Frontier.extend`), then written with one `executemany` per
    table: entries, the stored nodes, and the subject links of the whole batch (one per
    distinct subject of an entry: the links' key is (subject, seq)).
    """
    lock_for_append()
    size = ledger_size()
    frontier = _cache.load(size)
    start = frontier.size
    datas, times = encode_entries(start, events)
    digests = list(map(leaf_hash, datas))
    nodes = [node for node in frontier.extend(digests) if node[0] >= STORED_MIN_LEVEL]
    if connection.vendor == "sqlite":
        # The canonical time, respelt as Django stores an aware time in SQLite.
        ats: Sequence[object] = list(map(sqlite_time, times))
    else:
        ats = [event.at for event in events]
    seqs = list(range(start, start + len(events)))
    entries = [
        (
            seq,
            at,
            event.code.value,
            event.actor,
            event.grant or "",
            " ".join(event.subjects),
            data,
            digest,
        )
        for seq, at, event, data, digest in zip(seqs, ats, events, datas, digests, strict=True)
    ]
    links = [
        (subject, seq)
        for seq, event in zip(seqs, events, strict=True)
        if event.subjects
        for subject in (
            event.subjects if len(event.subjects) == 1 else dict.fromkeys(event.subjects)
        )
    ]
    with connection.cursor() as cursor:
        cursor.executemany(_INSERT_ENTRY, entries)
        if nodes:
            cursor.executemany(_INSERT_NODE, nodes)
        if links:
            cursor.executemany(_INSERT_SUBJECT, links)
    # Only remember the new edge once the commit succeeds.
    transaction.on_commit(lambda: setattr(_cache, "frontier", frontier))
    return seqs


def record_in_transaction(*events: Event) -> list[int]:
    """Append inside the caller's transaction; commits or rolls back with it."""
    if not connection.in_atomic_block:
        raise LedgerError("record_in_transaction needs an open transaction")
    try:
        with transaction.atomic():
            return _append_locked(events)
    except DatabaseError as error:
        raise LedgerError(f"the ledger could not record: {error}") from error


@dataclass
class _Request:
    events: Sequence[Event]
    seqs: list[int] = field(default_factory=list)
    error: LedgerError | None = None
    done: bool = False


class GroupCommitter:
    """Leader/follower group commit within one process (threads share a commit)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: list[_Request] = []
        self._leader = False
        self.commits = 0  # how many transactions were needed (for benchmarks and tests)

    def record(self, events: Sequence[Event]) -> list[int]:
        if connection.in_atomic_block:
            raise LedgerError(
                "a durable ledger write cannot run inside another transaction: "
                "the event would not be durable before the caller proceeds"
            )
        request = _Request(events)
        with self._cond:
            self._queue.append(request)
            while not request.done and self._leader:
                self._cond.wait()
            if request.done:
                return self._result(request)
            self._leader = True
            batch, self._queue = self._queue, []
        try:
            self._commit(batch)
        finally:
            with self._cond:
                self._leader = False
                for item in batch:
                    item.done = True
                self._cond.notify_all()
        return self._result(request)

    def _commit(self, batch: list[_Request]) -> None:
        events = [event for item in batch for event in item.events]
        try:
            with transaction.atomic(durable=True):
                seqs = _append_locked(events)
            self.commits += 1
        except Exception as error:  # every caller must learn the write failed
            recover_after_failure(connection)  # a read-only -shm left behind, say
            failure = LedgerError(
                f"the ledger could not record ({type(error).__name__}: {error}); "
                "nothing was disclosed",
                message_ja=gettext_noop("監査台帳に記録できないため、個人情報は表示できません。"),
            )
            for item in batch:
                item.error = failure
            return
        position = 0
        for item in batch:
            item.seqs = seqs[position : position + len(item.events)]
            position += len(item.events)

    @staticmethod
    def _result(request: _Request) -> list[int]:
        if request.error is not None:
            raise request.error
        return request.seqs


committer = GroupCommitter()

# Called with the ledger's size after each durable append: the checkpoint signer, installed
# by the ledger app when Django starts (apps.py), so this module needs nothing above it.
_after_durable: list[Callable[[int | None], None]] = []


def after_durable_append(hook: Callable[[int | None], None]) -> None:
    """Call `hook(size)` after every durable append (once per hook, however often asked)."""
    if hook not in _after_durable:
        _after_durable.append(hook)


def record(*events: Event) -> list[int]:
    """Append events durably and return their sequence numbers. Raises LedgerError."""
    seqs = committer.record(events)
    for hook in _after_durable:
        hook(seqs[-1] + 1 if seqs else None)
    return seqs
