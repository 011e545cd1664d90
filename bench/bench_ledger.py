"""The stored ledger and the gateway, on SQLite in a throw-away data dir (or DATABASE_URL).

Figures, each next to a baseline measured in the same run:
- batched append (1,000 events per transaction) vs raw sqlite3 inserts of the same bytes
  and vs pymerkle's SqliteTree;
- one durable commit per event vs a raw sqlite3 insert+commit per row (same pragmas);
- 16 concurrent durable callers (group commit) vs the same single-threaded;
- gateway `disclose` p50/p99 with 16 concurrent callers vs a plain ORM read of the row;
- `ryoken audit verify` rate over the stored ledger.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Row, percentiles, report

APPEND_EVENTS = int(os.environ.get("RYOKEN_BENCH_APPEND", "100000"))
DURABLE_EVENTS = int(os.environ.get("RYOKEN_BENCH_DURABLE", "2000"))
CALLERS = 16
DISCLOSE_PER_CALLER = int(os.environ.get("RYOKEN_BENCH_DISCLOSE", "60"))


def _setup_django(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["RYOKEN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("RYOKEN_SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
    os.environ["RYOKEN_CHECKPOINT_EVERY"] = "100000000"  # checkpoints are timed separately
    os.environ["RYOKEN_CHECKPOINT_SECONDS"] = "100000000"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ryoken.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from ryoken.web import bootstrap

    bootstrap.init_keys(data_dir)


def _events(count: int, start: int = 0):
    from ryoken.audit.events import Event, EventCode

    t0 = datetime(2026, 11, 26, tzinfo=UTC)
    # Each grant opens (every tenth event) before the disclosures under it, by the clerk who
    # uses it: `ryoken audit verify` at the end checks that every disclosure has its grant.
    return [
        Event(
            code=EventCode.GRANT_OPEN if i % 10 == 0 else EventCode.DISCLOSURE,
            at=t0 + timedelta(milliseconds=i),
            actor=f"staff-{i // 10 % 97:03d}",
            subjects=(f"ds_{i % 5000:024x}",),
            fields=("name_kanji", "address"),
            purpose="intake",
            grant=f"gr_{i // 10:020x}",
            terminal="W01",
        )
        for i in range(start, start + count)
    ]


def _batched_append() -> float:
    from django.db import transaction

    from ryoken.web.ledger import store

    events = _events(APPEND_EVENTS)
    started = time.perf_counter()
    for i in range(0, len(events), 1000):
        with transaction.atomic():
            store.record_in_transaction(*events[i : i + 1000])
    return len(events) / (time.perf_counter() - started)


def _raw_sqlite_batched(tmp: Path, rows: list[bytes]) -> float:
    db = sqlite3.connect(tmp / "raw.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, data BLOB)")
    started = time.perf_counter()
    for i in range(0, len(rows), 1000):
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO t VALUES (?, ?)", ((i + k, r) for k, r in enumerate(rows[i : i + 1000]))
        )
        db.execute("COMMIT")
    rate = len(rows) / (time.perf_counter() - started)
    db.close()
    return rate


def _raw_sqlite_durable(tmp: Path, rows: list[bytes]) -> float:
    db = sqlite3.connect(tmp / "raw-durable.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, data BLOB)")
    started = time.perf_counter()
    for i, r in enumerate(rows):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t VALUES (?, ?)", (i, r))
        db.execute("COMMIT")
    rate = len(rows) / (time.perf_counter() - started)
    db.close()
    return rate


def _pymerkle_sqlite(tmp: Path, rows: list[bytes]) -> float | None:
    try:
        from pymerkle import SqliteTree
    except ImportError:
        return None
    tree = SqliteTree(str(tmp / "pymerkle.sqlite3"), algorithm="sha256")
    started = time.perf_counter()
    if hasattr(tree, "append_entries"):
        for i in range(0, len(rows), 1000):
            tree.append_entries(rows[i : i + 1000])
    else:
        for r in rows:
            tree.append_entry(r)
    return len(rows) / (time.perf_counter() - started)


def _durable_single() -> float:
    from ryoken.web.ledger import store

    events = _events(DURABLE_EVENTS, start=10_000_000)
    started = time.perf_counter()
    for e in events:
        store.record(e)
    return len(events) / (time.perf_counter() - started)


def _concurrent(fn, per_caller: int) -> tuple[float, list[float]]:
    from django.db import connection

    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CALLERS)
    errors: list[BaseException] = []

    def caller(n: int) -> None:
        try:
            barrier.wait()
            mine = []
            for k in range(per_caller):
                t = time.perf_counter()
                fn(n, k)
                mine.append(time.perf_counter() - t)
            with lock:
                latencies.extend(mine)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(CALLERS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return CALLERS * per_caller / elapsed, latencies


def main() -> None:
    from bench.common import machine

    with tempfile.TemporaryDirectory(prefix="ryoken-bench-") as name:
        tmp = Path(name)
        _setup_django(tmp / "data")
        from django.db import connection

        from ryoken.audit.events import entry_bytes
        from ryoken.web.access.policy import RequireGrant
        from ryoken.web.ledger import audit, checkpoints, store
        from ryoken.web.vault import gateway, writes
        from ryoken.web.vault.models import Value

        vendor = connection.vendor
        rows = [entry_bytes(i, e) for i, e in enumerate(_events(APPEND_EVENTS))]
        batched = _batched_append()
        raw_batched = _raw_sqlite_batched(tmp, rows)
        pym = _pymerkle_sqlite(tmp, rows)
        durable = _durable_single()
        raw_durable = _raw_sqlite_durable(tmp, rows[:DURABLE_EVENTS])
        commits_before = store.committer.commits
        base = 20_000_000
        group_rate, group_lat = _concurrent(
            lambda n, k: store.record(_events(1, start=base + n * 10_000 + k)[0]), 40
        )
        commits = store.committer.commits - commits_before
        group_p = percentiles([x * 1000 for x in group_lat])

        # Gateway disclose with 16 callers vs a plain ORM read of the same row.
        # The gateway's cost, not the grants': any grant reference will do.
        from ryoken.audit.events import Event, EventCode

        with gateway.policy_in_use(RequireGrant()):
            store.record(
                Event(
                    code=EventCode.GRANT_OPEN,
                    at=datetime(2026, 11, 27, tzinfo=UTC),
                    actor="bench",
                    grant="gr_bench",
                )
            )
            subjects = [
                writes.create_subject(
                    actor="bench",
                    values={"name_kanji": "山田 花子", "address": "東京都豊島区東池袋1-2-3"},
                    purpose="bench",
                )
                for _ in range(CALLERS)
            ]
            disclose_rate, disclose_lat = _concurrent(
                lambda n, k: gateway.disclose(
                    actor="bench",
                    subject_id=subjects[n],
                    fields=["name_kanji", "address"],
                    purpose="bench",
                    grant="gr_bench",
                ),
                DISCLOSE_PER_CALLER,
            )
        orm_rate, orm_lat = _concurrent(
            lambda n, k: list(
                Value.objects.filter(subject_id=subjects[n], field__in=["name_kanji", "address"])
            ),
            DISCLOSE_PER_CALLER,
        )
        dp = percentiles([x * 1000 for x in disclose_lat])
        op = percentiles([x * 1000 for x in orm_lat])

        checkpoints.create_checkpoint()
        size = store.ledger_size()
        started = time.perf_counter()
        result = audit.verify()
        verify_rate = size / (time.perf_counter() - started)
        if not result.ok:
            raise SystemExit(f"verify failed during the benchmark: {result.problems[:3]}")

    print(f"(ledger benchmark on {vendor}; {machine()})")
    report(
        f"Stored ledger ({vendor}), {APPEND_EVENTS:,} events",
        [
            Row(
                "batched append, 1,000/tx",
                batched,
                "raw sqlite3 executemany",
                raw_batched,
                "events/s",
                "≥ 100,000/s",
            ),
            Row("batched append, 1,000/tx", batched, "pymerkle SqliteTree", pym, "events/s"),
            Row(
                "one durable commit per event",
                durable,
                "raw sqlite3 commit/row",
                raw_durable,
                "events/s",
            ),
            Row(
                f"{CALLERS} concurrent durable callers",
                group_rate,
                "one caller",
                durable,
                "events/s",
            ),
            Row(f"  commits for {CALLERS * 40} events", commits, "events", CALLERS * 40, "count"),
            Row(f"  durable record p99 ({CALLERS} callers)", group_p[99], "p50", group_p[50], "ms"),
            Row("verify (stored ledger)", verify_rate, "-", None, "entries/s", "≥ 300,000/s"),
        ],
    )
    report(
        f"Gateway disclose, {CALLERS} concurrent callers ({vendor})",
        [
            Row("disclose p50", dp[50], "ORM read p50", op[50], "ms"),
            Row("disclose p99", dp[99], "ORM read p99", op[99], "ms", "≤ 10 ms"),
            Row("disclose throughput", disclose_rate, "ORM read", orm_rate, "calls/s"),
            Row(
                "disclose mean",
                statistics.mean(disclose_lat) * 1000,
                "ORM read mean",
                statistics.mean(orm_lat) * 1000,
                "ms",
            ),
        ],
    )


if __name__ == "__main__":
    main()
