"""`ryoken audit verify` over a stored SQLite ledger (or DATABASE_URL), next to the
hash-only pass it replaced, in the same run.

- ryoken: `ledger.audit.verify()` — every leaf hash, the tree, every checkpoint and witness
  line, and (issue 15) every stored column and subject link against its entry, grant
  integrity, and the append-only triggers;
- baseline: the previous verifier over the same rows — `audit.iter_entries()` into
  `verify_ledger` (hashes, tree, checkpoints and witness only; 216k–286k/s in earlier runs).

The ledger is an honest office's: every tenth entry opens a grant, the rest are disclosures
under it, one subject each, a checkpoint every 10,000 entries. Best of three, interleaved.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Row, cpu_seconds, load_average, report

ENTRIES = int(os.environ.get("RYOKEN_BENCH_VERIFY", "200000"))
ROUNDS = 3


def _events(start: int, count: int):  # type: ignore[no-untyped-def]
    from ryoken.audit.events import Event, EventCode

    t0 = datetime(2026, 11, 26, tzinfo=UTC)
    for i in range(start, start + count):
        yield Event(
            code=EventCode.GRANT_OPEN if i % 10 == 0 else EventCode.DISCLOSURE,
            at=t0 + timedelta(milliseconds=i),
            actor=f"staff-{(i // 10) % 97:03d}",
            subjects=(f"ds_{i % 5000:024x}",),
            fields=("name_kanji", "address"),
            purpose="intake",
            grant=f"gr_{i // 10:020x}",
            terminal="W01",
            details={"form": "shown", "step": "counter.intake"},
        )


def _cpu_with_children() -> float:
    """This process's CPU seconds plus those of its finished children: on SQLite verify
    checks the stored columns and links in two forked processes (ledger/audit.py)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return cpu_seconds() + children.ru_utime + children.ru_stime


def _build() -> None:
    from django.db import transaction

    from ryoken.web.ledger import checkpoints, store

    for start in range(0, ENTRIES, 1000):
        with transaction.atomic():
            store.record_in_transaction(*_events(start, min(1000, ENTRIES - start)))
        if (start + 1000) % 10_000 == 0:
            checkpoints.create_checkpoint()
    checkpoints.create_checkpoint()


def main() -> None:
    from bench.bench_ledger import _setup_django
    from bench.common import machine

    with tempfile.TemporaryDirectory(prefix="ryoken-bench-verify-") as name:
        _setup_django(Path(name) / "data")
        from django.db import connection

        from ryoken.audit import verify as pure_verify
        from ryoken.web.ledger import audit, checkpoints
        from ryoken.web.ledger.models import Checkpoint

        _build()

        def old() -> pure_verify.VerifyReport:
            stored = [checkpoints.to_audit_checkpoint(r) for r in Checkpoint.objects.all()]
            return pure_verify.verify_ledger(
                audit.iter_entries(),
                stored,
                checkpoints.read_witness(),
                checkpoints.load_public_key(),
            )

        best = {"new": float("inf"), "old": float("inf")}
        cpu = {"new": 0.0, "old": 0.0}
        for _ in range(ROUNDS):
            for label, fn in (("new", audit.verify), ("old", old)):
                c0, t0 = _cpu_with_children(), time.perf_counter()
                result = fn()
                elapsed = time.perf_counter() - t0
                if not result.ok or result.entries_checked != ENTRIES:
                    raise SystemExit(f"verify failed in the benchmark: {result.problems[:3]}")
                if elapsed < best[label]:
                    best[label], cpu[label] = elapsed, _cpu_with_children() - c0
        vendor = connection.vendor

    print(f"(verify benchmark on {vendor}; {machine()}; {load_average()})")
    report(
        f"`ryoken audit verify` over {ENTRIES:,} stored entries ({vendor}), best of {ROUNDS}",
        [
            Row(
                "verify with column, link, grant checks",
                ENTRIES / best["new"],
                "hash-only verify (before)",
                ENTRIES / best["old"],
                "entries/s",
                "≥ 300,000/s",
            ),
            Row(
                "  CPU seconds of the best run (with verify's forked checkers)",
                cpu["new"],
                "hash-only",
                cpu["old"],
                "s",
            ),
        ],
    )


if __name__ == "__main__":
    main()
