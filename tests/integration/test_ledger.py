"""The stored ledger: durable appends, append-only tables, proofs, and the tamper matrix."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from django.db import DatabaseError, connection

from ryoken.audit import merkle
from ryoken.errors import LedgerError
from ryoken.web.ledger import audit, checkpoints, store
from ryoken.web.ledger.models import Entry

from .ledger_helpers import as_dba, event

pytestmark = pytest.mark.django_db(transaction=True)


def _fill(count: int, checkpoint_every: int = 0) -> None:
    for i in range(count):
        store.record(event(i))
        if checkpoint_every and (i + 1) % checkpoint_every == 0:
            checkpoints.create_checkpoint()


def test_it_appends_entries_that_verify(ledger_db):
    _fill(25, checkpoint_every=10)
    checkpoints.create_checkpoint()
    report = audit.verify()
    assert report.ok, report.problems
    assert report.entries_checked == 25
    assert list(Entry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(25))


def test_it_stores_a_tree_whose_root_matches_a_rebuild(ledger_db):
    _fill(37)
    signed = checkpoints.create_checkpoint()
    data = [bytes(d) for d in Entry.objects.order_by("seq").values_list("data", flat=True)]
    assert signed is not None and signed.root == merkle.root_hash(data)


def test_it_refuses_update_and_delete_in_the_database(ledger_db):
    _fill(40)  # enough for stored tree nodes
    checkpoints.create_checkpoint()
    for sql in (
        "UPDATE ledger_entry SET actor = 'someone-else' WHERE seq = 1",
        "DELETE FROM ledger_entry WHERE seq = 2",
        "DELETE FROM ledger_node",
        "UPDATE ledger_checkpoint SET size = 1",
    ):
        with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
            cursor.execute(sql)
    assert Entry.objects.count() == 40


def test_it_proves_an_entry_to_the_latest_checkpoint(ledger_db):
    _fill(21)
    proof = audit.prove(13)
    assert proof["tree_size"] == 21
    ok = merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash_hex"]),
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(h) for h in proof["inclusion_path_hex"]],
        bytes.fromhex(proof["root_hash_hex"]),
    )
    assert ok
    assert merkle.leaf_hash(bytes.fromhex(proof["leaf_data_hex"])) == bytes.fromhex(
        proof["leaf_hash_hex"]
    )
    json.dumps(proof)  # the CLI prints it as JSON


def test_it_proves_many_entries_at_once_as_it_proves_each(ledger_db):
    from ryoken.audit.tree import inclusion_proof_at, inclusion_proofs_at

    store.record(*(event(i) for i in range(700)))  # many keys: the chunked reads
    data = [bytes(d) for d in Entry.objects.order_by("seq").values_list("data", flat=True)]
    reader = store.DbNodeReader()
    wanted = list(range(0, 700, 3))
    proofs = inclusion_proofs_at(reader, wanted, 700)
    assert proofs == [merkle.inclusion_proof(data, i) for i in wanted]
    assert proofs[5] == inclusion_proof_at(reader, wanted[5], 700)  # the one-proof path


def test_it_shares_commits_between_concurrent_callers(ledger_db, monkeypatch):
    before = store.committer.commits
    barrier = threading.Barrier(16)
    # Whether callers overlap depends on the scheduler (on a loaded machine each can finish
    # before the next arrives), so the first commit waits until the others have queued.
    original, first = store.committer._commit, threading.Event()

    def first_commit_waits(batch):
        if not first.is_set():
            first.set()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with store.committer._cond:
                    if len(store.committer._queue) >= 15:
                        break
                time.sleep(0.005)
        original(batch)

    monkeypatch.setattr(store.committer, "_commit", first_commit_waits)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def caller(n: int) -> None:
        try:
            barrier.wait()
            for k in range(5):
                results.append(store.record(event(n * 100 + k)))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = sorted(s for r in results for s in r)
    assert seqs == list(range(80))
    assert store.committer.commits - before < 80  # some callers shared a commit
    checkpoints.create_checkpoint()
    assert audit.verify().ok


def test_it_fails_closed_when_the_database_refuses_writes(ledger_db):
    _fill(2)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_insert BEFORE INSERT ON ledger_entry "
                "BEGIN SELECT RAISE(ABORT, 'disk refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_insert() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk refused'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_insert BEFORE INSERT ON ledger_entry "
                "FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
            )
    try:
        with pytest.raises(LedgerError, match="could not record"):
            store.record(event(3))
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER refuse_insert")
            else:
                cursor.execute("DROP TRIGGER refuse_insert ON ledger_entry")
                cursor.execute("DROP FUNCTION refuse_insert()")
    assert Entry.objects.count() == 2
    assert store.record(event(4)) == [2]  # the writer recovers once the disk is back


# --- the tamper matrix: each dishonest change is caught by `ryoken audit verify` ---


@pytest.fixture
def witnessed(ledger_db):
    _fill(40, checkpoint_every=10)
    assert audit.verify().ok


def _caught() -> list[str]:
    store.forget_frontier()
    report = audit.verify()
    assert not report.ok
    return report.problems


def test_it_catches_an_edited_entry(witnessed):
    row = Entry.objects.get(seq=17)
    forged = bytes(row.data).replace(b"staff-1", b"staff-9")
    as_dba("UPDATE ledger_entry SET data = %s WHERE seq = 17", [forged])
    report = audit.verify()
    assert not report.ok and report.first_bad_seq == 17


def test_it_catches_an_edited_entry_with_its_hash_recomputed(witnessed):
    row = Entry.objects.get(seq=5)
    forged = bytes(row.data).replace(b"staff-1", b"staff-9")
    as_dba(
        "UPDATE ledger_entry SET data = %s, leaf_hash = %s WHERE seq = 5",
        [forged, merkle.leaf_hash(forged)],
    )
    assert _caught()


def test_it_catches_a_deleted_entry(witnessed):
    as_dba("DELETE FROM ledger_entry WHERE seq = 22")
    report = audit.verify()
    assert not report.ok and report.first_bad_seq is not None and report.first_bad_seq <= 23


def test_it_catches_two_entries_swapped(witnessed):
    a = Entry.objects.get(seq=8)
    b = Entry.objects.get(seq=9)
    as_dba("DELETE FROM ledger_entry WHERE seq IN (8, 9)")
    for seq, source in ((8, b), (9, a)):
        as_dba(
            'INSERT INTO ledger_entry (seq, at, code, actor, "grant", subjects, data, leaf_hash) '
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                seq,
                source.at,
                source.code,
                source.actor,
                source.grant,
                source.subjects,
                bytes(source.data),
                bytes(source.leaf_hash),
            ],
        )
    report = audit.verify()
    assert not report.ok and report.first_bad_seq == 8


def test_it_catches_a_truncated_tail(witnessed):
    as_dba("DELETE FROM ledger_entry WHERE seq >= 35")
    as_dba("DELETE FROM ledger_checkpoint WHERE size > 35")
    assert any("witness" in p.lower() for p in _caught())


def test_it_catches_a_restored_older_copy(witnessed):
    # An older backup: the ledger as it was at size 20, with its own checkpoints and nodes.
    as_dba("DELETE FROM ledger_entry WHERE seq >= 20")
    as_dba("DELETE FROM ledger_checkpoint WHERE size > 20")
    as_dba("DELETE FROM ledger_node")
    assert any("witness" in p.lower() for p in _caught())


def test_it_catches_a_whole_rebuilt_ledger(witnessed, tmp_path):
    # The administrator rebuilds the ledger from scratch with recomputed hashes, nodes and
    # checkpoints signed by a key of their own; only the witness remembers the truth.
    for table in ("ledger_entry", "ledger_entry_subject", "ledger_node", "ledger_checkpoint"):
        as_dba(f"DELETE FROM {table}")  # noqa: S608
    store.forget_frontier()
    checkpoints.reset_state()
    witness = checkpoints.read_witness()
    saved = {k: os.environ[k] for k in ("RYOKEN_WITNESS_PATH", "RYOKEN_KEYS_DIR")}
    os.environ["RYOKEN_WITNESS_PATH"] = str(tmp_path / "attacker-witness.log")
    os.environ["RYOKEN_KEYS_DIR"] = str(tmp_path / "attacker-keys")
    try:
        checkpoints.create_signing_key()
        for i in range(40):
            store.record(event(i, actor="staff-2"))
        checkpoints.create_checkpoint()
    finally:
        os.environ.update(saved)
    assert checkpoints.read_witness() == witness
    assert _caught()
