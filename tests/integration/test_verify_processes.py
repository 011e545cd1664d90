"""`ryoken audit verify` on SQLite checks the stored columns in a second process (issue 15's
speed target): the two ways must find the same things, and a column pass that dies must fail
verify, never pass it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from ryoken.web.ledger import audit, checkpoints, store

from .ledger_helpers import as_dba, event

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def forty(ledger_db):
    if connection.vendor != "sqlite":
        pytest.skip("the second process is used on SQLite only")
    for i in range(40):
        store.record(event(i))
        if (i + 1) % 10 == 0:
            checkpoints.create_checkpoint()


def _both(monkeypatch) -> tuple[audit.pure_verify.VerifyReport, audit.pure_verify.VerifyReport]:
    started = []
    real_start = audit._ColumnPass.start.__func__

    def spy(cls, bound):
        column_pass = real_start(cls, bound)
        started.append(column_pass)
        return column_pass

    monkeypatch.setattr(audit._ColumnPass, "start", classmethod(spy))
    store.forget_frontier()
    forked = audit.verify()
    assert started and started[-1] is not None  # it did run in a second process
    monkeypatch.setenv("RYOKEN_VERIFY_PROCESSES", "1")
    store.forget_frontier()
    serial = audit.verify()
    assert started[-1] is None  # and then in one
    return forked, serial


def test_an_honest_ledger_passes_both_ways(forty, monkeypatch):
    forked, serial = _both(monkeypatch)
    assert forked.ok and serial.ok
    assert forked.entries_checked == serial.entries_checked == 40


@pytest.mark.parametrize(
    ("sql", "seq"),
    [
        ("UPDATE ledger_entry SET actor = 'staff-2' WHERE seq = 17", 17),
        ("UPDATE ledger_entry SET at = '2020-01-01 00:00:00' WHERE seq = 23", 23),
        ("DELETE FROM ledger_entry_subject WHERE seq = 31", 31),
        ("UPDATE ledger_entry SET \"grant\" = 'grant-0' WHERE seq = 35", 35),
    ],
)
def test_both_ways_name_the_same_entry(forty, monkeypatch, sql, seq):
    as_dba(sql)
    forked, serial = _both(monkeypatch)
    assert not forked.ok and not serial.ok
    assert forked.first_bad_seq == serial.first_bad_seq == seq
    assert sorted(forked.problems) == sorted(serial.problems)


def test_a_column_pass_that_dies_fails_verify(forty, monkeypatch):
    def broken(bound, need="all"):
        raise RuntimeError("disk read error")

    monkeypatch.setattr(audit, "_row_chunks", broken)  # the forked child inherits it
    store.forget_frontier()
    report = audit.verify()
    assert not report.ok
    assert any("did not finish" in p and "disk read error" in p for p in report.problems)


def test_on_a_database_file_the_second_process_opens_it_read_only(tmp_path):
    """The operator's case (`ryoken audit verify` on the server's file): the child opens its
    own read-only connection; a moved disclosure is still named."""
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from bench.bench_ledger import _setup_django
        _setup_django(Path(sys.argv[1]))
        sys.path.insert(0, "tests")
        from integration.ledger_helpers import as_dba, event
        from ryoken.web.ledger import audit, checkpoints, store
        for i in range(30):
            store.record(event(i))
        checkpoints.create_checkpoint()
        first = audit.verify()
        as_dba("UPDATE ledger_entry SET actor = 'staff-9' WHERE seq = 12")
        store.forget_frontier()
        second = audit.verify()
        print(first.ok, second.ok, second.first_bad_seq, audit._ColumnPass.start(29) is not None)
        """
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "data")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "False", "12", "True"]


@pytest.mark.parametrize(
    "tamper",
    [
        None,
        "DELETE FROM ledger_entry_subject WHERE seq = 5 AND subject = 'ds_000002'",
        "DELETE FROM ledger_entry_subject WHERE seq = 7",
        "INSERT INTO ledger_entry_subject (subject, seq) VALUES ('ds_000003', 6)",
        "UPDATE ledger_entry_subject SET subject = 'ds_000009' "
        "WHERE seq = 5 AND subject = 'ds_000001'",
    ],
)
def test_the_links_are_decided_in_the_database_exactly(ledger_db, tamper):
    """One subject per entry (SQL) and several (keys in batches): every link present and no
    other, or the chunk-by-chunk comparison that names the entry takes over."""
    from dataclasses import replace

    if connection.vendor != "sqlite":
        pytest.skip("the links are decided in SQL on SQLite (verify compares chunks elsewhere)")
    for i in range(10):
        e = event(i)
        store.record(replace(e, subjects=("ds_000001", "ds_000002")) if i == 5 else e)
    if tamper:
        as_dba(tamper)
    *_, links = audit._column_checkers(audit.pure_verify.Findings(limit=10), 9)
    assert links.in_database() is (tamper is None)
