"""The subject links and the append path's schema (issue 14, migration 0005).

The links' key is (subject, seq), a WITHOUT ROWID table on SQLite, so `ryoken audit verify`
can no longer read them in written order beside the entries; it compares the whole table
with what the entries name and, when they differ, names the first entry whose links were
deleted, added or changed. These tests use many subjects, entries that name several (one
of them twice), and chunks of a few entries, so a tamper lands inside, between and beyond
chunks.
"""

from __future__ import annotations

import contextlib
import importlib
import sqlite3
from dataclasses import replace

import pytest
from django.db import DatabaseError, connection

from ryoken.web.ledger import audit, checkpoints, store
from ryoken.web.ledger.models import EntrySubject
from ryoken.web.ledger.triggers import FIRST_TABLES, create_triggers

from .ledger_helpers import as_dba, event

pytestmark = pytest.mark.django_db(transaction=True)
migration = importlib.import_module("ryoken.web.ledger.migrations.0005_append_path")


def _subjects(i: int) -> tuple[str, ...]:
    if i % 7 == 3:
        return (f"ds_{i:06d}", "ds_000001", f"ds_{i + 1:06d}")
    if i == 20:
        return ("ds_000020", "ds_000009", "ds_000020")  # one subject named twice
    if i % 10 == 5:
        return ()
    return (f"ds_{i % 9:06d}",)


@pytest.fixture
def linked(ledger_db, monkeypatch):
    monkeypatch.setattr(audit, "CHUNK", 7)  # chunks end at 6, 13, 20, 27, 34, 39
    for i in range(40):
        store.record(replace(event(i), subjects=_subjects(i)))
        if (i + 1) % 10 == 0:
            checkpoints.create_checkpoint()
    report = audit.verify()
    assert report.ok, report.problems


def _caught(seq: int) -> list[str]:
    report = audit.verify()
    assert not report.ok
    assert report.first_bad_seq == seq, report.problems
    return report.problems


def test_an_entry_has_one_link_per_distinct_subject(linked):
    links = EntrySubject.objects.filter(seq=20).order_by("subject")
    assert list(links.values_list("subject", flat=True)) == ["ds_000009", "ds_000020"]
    assert EntrySubject.objects.filter(seq=5).count() == 0
    assert EntrySubject.objects.filter(subject="ds_000001").filter(seq=3).exists()


@pytest.mark.parametrize(
    ("sql", "seq"),
    [
        ("DELETE FROM ledger_entry_subject WHERE seq = 23", 23),  # the whole entry's links
        ("DELETE FROM ledger_entry_subject WHERE seq = 24 AND subject = 'ds_000001'", 24),
        ("DELETE FROM ledger_entry_subject WHERE seq = 20 AND subject = 'ds_000020'", 20),
        # moved to another person (one named elsewhere in the chunk, and one named nowhere)
        ("UPDATE ledger_entry_subject SET subject = 'ds_000002' WHERE seq = 32", 32),
        ("UPDATE ledger_entry_subject SET subject = 'ds_999999' WHERE seq = 13", 13),
        # moved to another entry, in the same chunk and in another
        ("UPDATE ledger_entry_subject SET seq = 12 WHERE seq = 11", 11),
        ("UPDATE ledger_entry_subject SET seq = 36 WHERE seq = 2", 2),
        # added: to an entry that names nobody, to a chunk's first entry, and beyond the end
        ("INSERT INTO ledger_entry_subject (subject, seq) VALUES ('ds_000777', 15)", 15),
        ("INSERT INTO ledger_entry_subject (subject, seq) VALUES ('ds_000004', 14)", 14),
        ("INSERT INTO ledger_entry_subject (subject, seq) VALUES ('ds_000001', 40)", 40),
    ],
)
def test_verify_names_the_entry_whose_links_were_touched(linked, sql, seq):
    as_dba(sql)
    problems = _caught(seq)
    assert any(f"{seq}" in p and "link" in p for p in problems), problems


def test_links_are_append_only(linked):
    for sql in (
        "DELETE FROM ledger_entry_subject WHERE seq = 1",
        "UPDATE ledger_entry_subject SET subject = 'ds_000002' WHERE seq = 2",
    ):
        with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_sqlite_schema_writes_one_btree_per_link_and_no_spare_index(ledger_db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's table layout")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name LIKE 'ledger_entry%'")
        objects = dict(cursor.fetchall())
    assert '"seq" integer NOT NULL PRIMARY KEY' in objects["ledger_entry"]  # the rowid itself
    assert objects["ledger_entry_subject"].endswith("WITHOUT ROWID")
    # A WITHOUT ROWID table is its own key: no sqlite_autoindex beside it.
    indexes = {name for name in objects if not name.endswith(("_update", "_delete"))}
    assert indexes == {
        "ledger_entry",
        "ledger_entry_subject",
        "ledger_entry_actor_at",
        "ledger_entry_code_at",
    }


# --- the migration itself, on a database shaped as 0004 left it -------------------------


class _Connection:
    """Enough of a Django connection for the migration's functions and the triggers."""

    vendor = "sqlite"

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def cursor(self):
        return contextlib.closing(self.db.cursor())


_OLD_SCHEMA = (
    'CREATE TABLE "ledger_entry" ("seq" bigint NOT NULL PRIMARY KEY, "at" datetime NOT NULL, '
    '"code" varchar(40) NOT NULL, "actor" varchar(64) NOT NULL, "grant" varchar(64) NOT NULL, '
    '"subjects" text NOT NULL, "data" BLOB NOT NULL, "leaf_hash" BLOB NOT NULL)',
    'CREATE INDEX "ledger_entry_actor_at" ON "ledger_entry" ("actor", "at")',
    'CREATE INDEX "ledger_entry_code_at" ON "ledger_entry" ("code", "at")',
    'CREATE TABLE "ledger_entry_subject" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
    '"seq" bigint NOT NULL, "subject" varchar(40) NOT NULL)',
    'CREATE INDEX "ledger_subject_seq" ON "ledger_entry_subject" ("subject", "seq")',
    'CREATE TABLE "ledger_node" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
    '"level" smallint NOT NULL, "idx" bigint NOT NULL, "hash" BLOB NOT NULL)',
    'CREATE TABLE "ledger_checkpoint" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT)',
)


def test_the_migration_keeps_every_entry_and_link_and_the_guards(tmp_path):
    db = sqlite3.connect(tmp_path / "old.sqlite3", isolation_level=None)
    for sql in _OLD_SCHEMA:
        db.execute(sql)
    entries = [
        (s, f"2026-11-26 09:00:{s:02d}", "disclosure", "staff-1", "g", "ds_1", b"d", b"h")
        for s in range(5)
    ]
    db.executemany("INSERT INTO ledger_entry VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries)
    links = [(0, "ds_1"), (1, "ds_2"), (1, "ds_1"), (1, "ds_2"), (4, "ds_3")]  # (1, ds_2) twice
    db.executemany("INSERT INTO ledger_entry_subject (seq, subject) VALUES (?, ?)", links)
    old = _Connection(db)
    create_triggers(old, FIRST_TABLES)

    migration.forwards(None, type("Editor", (), {"connection": old})())

    assert db.execute("SELECT * FROM ledger_entry ORDER BY seq").fetchall() == entries
    assert db.execute(
        "SELECT seq, subject FROM ledger_entry_subject ORDER BY seq, subject"
    ).fetchall() == [(0, "ds_1"), (1, "ds_1"), (1, "ds_2"), (4, "ds_3")]
    shape = dict(db.execute("SELECT name, sql FROM sqlite_master").fetchall())
    assert '"seq" integer NOT NULL PRIMARY KEY' in shape["ledger_entry"]
    assert shape["ledger_entry_subject"].endswith("WITHOUT ROWID")
    assert "ledger_subject_seq" not in shape and "ledger_entry_actor_at" in shape
    for sql in ("DELETE FROM ledger_entry", "UPDATE ledger_entry_subject SET seq = 9"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)

    migration.backwards(None, type("Editor", (), {"connection": old})())
    shape = dict(db.execute("SELECT name, sql FROM sqlite_master").fetchall())
    assert '"seq" bigint NOT NULL PRIMARY KEY' in shape["ledger_entry"]
    assert "AUTOINCREMENT" in shape["ledger_entry_subject"] and "ledger_subject_seq" in shape
    assert db.execute("SELECT seq, subject FROM ledger_entry_subject ORDER BY id").fetchall() == [
        (0, "ds_1"),
        (1, "ds_1"),
        (1, "ds_2"),
        (4, "ds_3"),
    ]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM ledger_entry_subject")
