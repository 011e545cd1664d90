"""The tamper matrix, continued: what an insider with write access to the database tries.

Issue 15: each of these once left `ryoken audit verify` passing. Now each is caught, and the
report names the first entry (seq) it touches. Runs on SQLite, and on PostgreSQL when
DATABASE_URL is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core import checks as django_checks
from django.db import DatabaseError, connection

from ryoken.audit.events import Event, EventCode, entry_bytes
from ryoken.audit.merkle import leaf_hash
from ryoken.errors import ConfigurationError
from ryoken.web import checks
from ryoken.web.ledger import audit, checkpoints, paths, store, timer
from ryoken.web.ledger.models import Checkpoint
from ryoken.web.ledger.triggers import create_triggers, drop_triggers

from .ledger_helpers import T0, as_dba, event

pytestmark = pytest.mark.django_db(transaction=True)


def _fill(count: int, checkpoint_every: int = 10) -> None:
    for i in range(count):
        store.record(event(i))
        if (i + 1) % checkpoint_every == 0:
            checkpoints.create_checkpoint()


@pytest.fixture
def witnessed(ledger_db):
    _fill(40)
    report = audit.verify()
    assert report.ok, report.problems
    assert report.signed_size == 40


def _caught(seq: int | None) -> list[str]:
    store.forget_frontier()
    report = audit.verify()
    assert not report.ok
    assert report.first_bad_seq == seq, report.problems
    return report.problems


def _time(text: str) -> str:
    """A time as the database stores it (naive UTC text in SQLite)."""
    return text if connection.vendor == "postgresql" else text.removesuffix("+00")


# --- 1. a column stored beside an entry changed ------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "staff-2"),  # the disclosure moved to another clerk
        ("at", "2020-01-06 09:00:00+00"),  # back-dated out of every period
        ("code", "auth.login"),  # no longer a disclosure
        ("grant", "grant-9"),
        ("subjects", "ds_000002"),
    ],
)
def test_it_catches_a_stored_column_changed(witnessed, column, value):
    if column == "at":
        value = _time(value)
    as_dba(f'UPDATE ledger_entry SET "{column}" = %s WHERE seq = 17', [value])  # noqa: S608
    problems = _caught(17)
    assert any(p.startswith(f"entry 17: the stored {column} ") for p in problems), problems


def test_it_catches_a_time_spelt_differently(witnessed):
    """The same instant in another spelling still moves the entry in text comparisons."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL stores a timestamp, not text")
    as_dba("UPDATE ledger_entry SET at = %s WHERE seq = 21", ["2026-11-26T09:00:21"])
    _caught(21)


# --- 2. subject links deleted, added or changed ------------------------------------------


def test_it_catches_deleted_subject_links(witnessed):
    as_dba("DELETE FROM ledger_entry_subject WHERE seq = 23")
    problems = _caught(23)
    assert any("entry 23: its subject links" in p for p in problems)


def test_it_catches_a_subject_link_added(witnessed):
    # Pointing who-saw at an innocent entry: a link row the entry does not name.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_entry_subject (seq, subject) VALUES (%s, %s)", [12, "ds_000777"]
        )
    _caught(12)


def test_it_catches_a_subject_link_changed(witnessed):
    as_dba("UPDATE ledger_entry_subject SET subject = 'ds_000002' WHERE seq = 31")
    _caught(31)


# --- 3. a forged entry appended with INSERT alone ------------------------------------------


def _forge(ev: Event) -> int:
    """What the triggers allow: INSERT an entry with a correct leaf hash, and its links."""
    seq = store.ledger_size()
    data = entry_bytes(seq, ev)
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO ledger_entry (seq, at, code, actor, "grant", subjects, data, leaf_hash) '
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                seq,
                ev.at if connection.vendor == "postgresql" else store._sqlite_time(ev.at),
                ev.code.value,
                ev.actor,
                ev.grant or "",
                " ".join(ev.subjects),
                data,
                leaf_hash(data),
            ],
        )
        for subject in ev.subjects:
            cursor.execute(
                "INSERT INTO ledger_entry_subject (seq, subject) VALUES (%s, %s)", [seq, subject]
            )
    store.forget_frontier()
    return seq


def _disclosure(actor: str, grant: str, i: int = 45) -> Event:
    return Event(
        code=EventCode.DISCLOSURE,
        at=T0 + timedelta(seconds=i),
        actor=actor,
        subjects=("ds_000001",),
        fields=("name_kanji", "address"),
        purpose="intake",
        grant=grant,
        terminal="window-3",
    )


def test_it_catches_a_forged_disclosure_under_another_clerks_grant(witnessed):
    # grant-3 was opened for staff-1 at entry 30 and is still open.
    seq = _forge(_disclosure("staff-2", "grant-3"))
    assert checkpoints.create_checkpoint() is not None  # the next checkpoint even signs it
    problems = _caught(seq)
    assert any(
        f"entry {seq}: a disclosure by staff-2 under grant grant-3, which was opened for staff-1"
        in p
        for p in problems
    ), problems


def test_it_catches_a_forged_disclosure_under_a_closed_grant(witnessed):
    close = Event(
        code=EventCode.GRANT_CLOSE,
        at=T0 + timedelta(seconds=41),
        actor="staff-1",
        grant="grant-3",
        details={"why": "closed"},
    )
    store.record(close)
    seq = _forge(_disclosure("staff-1", "grant-3"))
    problems = _caught(seq)
    assert any("which was already closed" in p for p in problems)


@pytest.mark.parametrize("grant", ["grant-77", None])
def test_it_catches_a_forged_disclosure_under_no_open_grant(witnessed, grant):
    ev = _disclosure("staff-1", grant or "x")
    if grant is None:
        ev = Event(**{**ev.__dict__, "grant": None})
    seq = _forge(ev)
    problems = _caught(seq)
    assert any(f"entry {seq}: a disclosure by staff-1" in p for p in problems)


# --- 4. the witness deleted, emptied, truncated, or behind ---------------------------------


def test_it_catches_a_deleted_witness(witnessed):
    paths.witness_path().unlink()
    problems = _caught(0)
    assert any("witness file" in p and "missing" in p for p in problems)


def test_it_catches_an_emptied_witness(witnessed):
    paths.witness_path().write_bytes(b"")
    problems = _caught(0)
    assert any("witness holds no valid checkpoint" in p for p in problems)


def test_it_catches_a_witness_cut_by_whole_lines(witnessed):
    witness = paths.witness_path()
    lines = witness.read_bytes().splitlines(keepends=True)
    witness.write_bytes(b"".join(lines[:-1]))  # the checkpoint at 40 is gone
    problems = _caught(30)
    assert any("witness lacks the database's checkpoint at size 40" in p for p in problems)


def test_it_catches_a_witness_cut_mid_line(witnessed):
    witness = paths.witness_path()
    witness.write_bytes(witness.read_bytes()[:-30])
    problems = _caught(0)
    assert any("witness file" in p and "damaged" in p for p in problems)


def test_it_catches_a_rebuilt_ledger_once_the_witness_is_gone(witnessed):
    """Everything rewritten and re-signed with the real key (the attacker took the key
    file too): the witness, deleted, is what would have caught it — its absence is caught."""
    for table in ("ledger_entry", "ledger_entry_subject", "ledger_node", "ledger_checkpoint"):
        as_dba(f"DELETE FROM {table}")  # noqa: S608
    paths.witness_path().unlink()
    store.forget_frontier()
    checkpoints.reset_state()
    for i in range(40):
        store.record(event(i, actor="staff-2"))
    assert checkpoints.create_checkpoint() is not None  # signed with the real key
    paths.witness_path().unlink()  # and the new witness removed as well
    problems = _caught(0)
    assert any("witness" in p for p in problems)


# --- 5. the database's checkpoints deleted ---------------------------------------------


def test_it_catches_all_database_checkpoints_deleted(witnessed):
    as_dba("DELETE FROM ledger_checkpoint")
    problems = _caught(0)
    assert any("the database holds no valid checkpoint" in p for p in problems)


def test_it_catches_one_database_checkpoint_deleted(witnessed):
    as_dba("DELETE FROM ledger_checkpoint WHERE size = 30")
    problems = _caught(20)
    assert any("database lacks the witness's checkpoint at size 30" in p for p in problems)


# --- 6. the append-only triggers dropped ----------------------------------------------------


def test_it_refuses_a_ledger_without_its_triggers(witnessed):
    drop_triggers(connection)
    try:
        report = audit.verify()
        assert not report.ok
        assert any("not append-only" in p for p in report.problems)
        assert "ryoken.E021" in {m.id for m in checks.check_ledger_guard()}
        with pytest.raises(ConfigurationError, match="not append-only"):
            checks.startup_checks()
        deploy = django_checks.run_checks(tags=["ryoken"], include_deployment_checks=True)
        assert "ryoken.E021" in {m.id for m in deploy}
    finally:
        create_triggers(connection)
    assert audit.verify().ok


def test_it_refuses_a_disabled_or_altered_trigger(witnessed):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_append_only")
        else:
            cursor.execute("DROP TRIGGER ledger_entry_no_update")
            cursor.execute(
                "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
                "WHEN 0 BEGIN SELECT RAISE(ABORT, 'ledger tables are append-only'); END"
            )
    try:
        report = audit.verify()
        assert any("not append-only" in p for p in report.problems), report.problems
    finally:
        drop_triggers(connection)
        create_triggers(connection)


def test_it_refuses_a_ledger_whose_cosignatures_are_open_to_edits(witnessed):
    """The witnesses' cosignatures are append-only like the ledger, checked the same way."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_cosignature (size, name, key_id, signature, at) "
            "VALUES (40, 'w', 1, %s, %s)",
            [b"x" * 72, T0],
        )
    for sql in ("UPDATE ledger_cosignature SET size = 1", "DELETE FROM ledger_cosignature"):
        with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
            cursor.execute(sql)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER ledger_cosignature_append_only ON ledger_cosignature")
        else:
            cursor.execute("DROP TRIGGER ledger_cosignature_no_delete")
    try:
        report = audit.verify()
        assert any("not append-only" in p and "ledger_cosignature" in p for p in report.problems), (
            report.problems
        )
        with pytest.raises(ConfigurationError, match="not append-only"):
            checks.startup_checks()
    finally:
        drop_triggers(connection)
        create_triggers(connection)


# --- the stored tree (ledger_node), which proofs read -------------------------------------------


def test_it_catches_a_stored_tree_node_changed(witnessed):
    """Every entry still verifies; a proof through the node would fail or lie."""
    as_dba("UPDATE ledger_node SET hash = %s WHERE level = 4 AND idx = 1", [b"\x00" * 32])
    store.forget_frontier()
    report = audit.verify()
    assert not report.ok
    assert any(
        "stored tree node at level 4, index 1 (over entries 16-31) differs" in p
        for p in report.problems
    ), report.problems


def test_it_catches_stored_tree_nodes_deleted_or_added(witnessed):
    as_dba("DELETE FROM ledger_node WHERE level = 5")
    store.forget_frontier()
    problems = audit.verify().problems
    assert any("level 5, index 0 (over entries 0-31) is missing" in p for p in problems)
    as_dba("INSERT INTO ledger_node (level, idx, hash) VALUES (5, 0, %s)", [b"\x00" * 32])
    as_dba("INSERT INTO ledger_node (level, idx, hash) VALUES (9, 7, %s)", [b"\x00" * 32])
    store.forget_frontier()
    problems = audit.verify().problems
    assert any("ledger_node holds" in p and "rows were added" in p for p in problems), problems


# --- 7. the unsigned tail ----------------------------------------------------------------------


def test_it_signs_a_quiet_tail_on_a_timer_so_deleting_it_is_caught(witnessed):
    from django.db import transaction

    with transaction.atomic():  # appends that do not sign (as an import or a slow hour)
        store.record_in_transaction(*(event(i) for i in range(40, 45)))
    assert checkpoints.latest().size == 40
    seconds = 0.3
    clock = timer.CheckpointTimer(seconds)
    started = time.monotonic()
    clock.start()
    try:
        while clock.ticks < 1 and time.monotonic() - started < 10:
            time.sleep(0.05)  # (no queries meanwhile: SQLite's shared test cache locks)
    finally:
        clock.stop()
        clock.join(timeout=10)
    signed_after = time.monotonic() - started
    assert checkpoints.latest().size == 45
    assert signed_after < seconds + 5  # one tick, and the time to sign (a loaded machine)
    as_dba("DELETE FROM ledger_entry WHERE seq >= 43")
    problems = _caught(43)
    assert any("covers 45 entries but the ledger has only 43" in p for p in problems)


def test_it_reports_the_tail_that_is_not_signed_yet(witnessed):
    store.record(event(40))
    report = audit.verify()
    assert report.ok and report.entries_checked == 41 and report.signed_size == 40


# --- 8. a fresh office ----------------------------------------------------------------------


def _office_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.pop("RYOKEN_SECRET_KEY", None)
    env.pop("RYOKEN_KEYS_DIR", None)
    env.pop("RYOKEN_WITNESS_PATH", None)
    env["RYOKEN_DATA_DIR"] = str(tmp_path / "office")
    return env


def _ryoken(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ryoken.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_gives_a_fresh_office_a_checkpoint_and_a_witness(tmp_path):
    env = _office_env(tmp_path)
    assert _ryoken(env, "init").returncode == 0
    witness = tmp_path / "office" / "witness.log"
    assert witness.read_text().count("\n") == 1  # the empty ledger, signed
    verified = _ryoken(env, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "checkpoints and witness agree" in verified.stdout
    witness.unlink()
    refused = _ryoken(env, "audit", "verify")
    assert refused.returncode == 1
    assert "witness" in refused.stderr and "missing" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_it_keeps_init_idempotent_and_restores_dropped_triggers(ledger_db, tmp_path):
    from ryoken.web import bootstrap

    checkpoints.create_checkpoint()
    before = Checkpoint.objects.count()
    drop_triggers(connection)
    created = bootstrap.init_ledger()
    assert created == ["the ledger's append-only triggers"]
    assert Checkpoint.objects.count() == before
    assert bootstrap.init_ledger() == []


def test_it_signs_the_tail_from_a_running_server_with_no_requests(tmp_path):
    """The timer as deployed: another process appended (a key rotation) without signing;
    `ryoken serve` starts and nobody sends it a request; it signs the tail on its timer."""
    import socket

    env = _office_env(tmp_path)
    env["RYOKEN_CHECKPOINT_SECONDS"] = "1"
    assert _ryoken(env, "init").returncode == 0
    rotated = _ryoken(dict(env, RYOKEN_CHECKPOINT_SECONDS="100000"), "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "not signed yet" in _ryoken(env, "audit", "verify").stdout  # the quiet tail
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "ryoken.cli", "serve", "--insecure-http", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert "serving on" in server.stdout.readline()
        deadline = time.monotonic() + 60
        while True:
            verified = _ryoken(env, "audit", "verify")
            assert verified.returncode == 0, verified.stderr
            if "not signed yet" not in verified.stdout or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert "not signed yet" not in verified.stdout, verified.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- 8. a crash between the witness write and the database commit ------------------------------


def _witness_only_checkpoint():
    """What a kill -9 between `append_witness` and the database commit leaves: the witness
    holds a signed checkpoint of the current ledger that the database lacks."""
    from ryoken.audit.checkpoints import sign_note_checkpoint
    from ryoken.audit.tree import root_at
    from ryoken.web.ledger import signing
    from ryoken.web.ledger.store import DbNodeReader, ledger_size

    size = ledger_size()
    signed = sign_note_checkpoint(
        signing.signer(), size, root_at(DbNodeReader(), size), checkpoints.latest().at
    )
    checkpoints.append_witness(signed)
    return signed


def test_a_checkpoint_a_crash_left_in_the_witness_only_is_put_back(witnessed):
    from django.db import transaction

    with transaction.atomic():
        store.record_in_transaction(*(event(i) for i in range(40, 45)))
    lost = _witness_only_checkpoint()
    assert checkpoints.latest().size == 40
    assert not audit.verify().ok  # the witness holds 45, the database does not
    store.record(event(45))
    signed = checkpoints.create_checkpoint()  # the next one (at start or on a timer)
    sizes = list(Checkpoint.objects.order_by("size").values_list("size", flat=True))
    assert sizes[-2:] == [lost.size, 46] and signed is not None and signed.size == 46
    report = audit.verify()
    assert report.ok, report.problems


def test_a_witness_line_that_does_not_match_the_ledger_is_not_put_back(witnessed):
    from ryoken.audit.checkpoints import sign_note_checkpoint
    from ryoken.web.ledger import signing

    store.record(event(40))
    forged = sign_note_checkpoint(signing.signer(), 41, b"\x00" * 32, checkpoints.latest().at)
    checkpoints.append_witness(forged)  # signed with the key, but not this ledger's tree
    checkpoints.create_checkpoint()  # signs 41 itself: the forged line is not taken
    assert bytes(Checkpoint.objects.get(size=41).root) != b"\x00" * 32
    assert not audit.verify().ok  # the witness still holds the forged line
