"""Triggers that make the ledger tables append-only, on SQLite and PostgreSQL.

They guard against accidents and casual edits; a database owner can still drop them, which
is why the witness file and signed checkpoints exist. The test suite drops them only to let
Django flush the database between transactional tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TABLES = (
    "ledger_entry",
    "ledger_entry_subject",
    "ledger_node",
    "ledger_checkpoint",
    "ledger_cosignature",  # since migration 0004
)
FIRST_TABLES = TABLES[:4]  # what migration 0002 guarded
MESSAGE = "ledger tables are append-only"
_PG_BODY = f" BEGIN RAISE EXCEPTION '{MESSAGE}: % on %', TG_OP, TG_TABLE_NAME; END; "


def create_triggers(connection: Any, tables: Sequence[str] = TABLES) -> None:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION ryoken_ledger_append_only() RETURNS trigger "
                f"AS $${_PG_BODY}$$ LANGUAGE plpgsql"
            )
            for table in tables:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE "
                    f"ON {table} FOR EACH ROW EXECUTE FUNCTION ryoken_ledger_append_only()"
                )
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION ryoken_ledger_append_only()"
                )
        elif vendor == "sqlite":
            for table in tables:
                for op in ("UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} "
                        f"ON {table} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                    )
        else:
            raise RuntimeError(f"no append-only triggers for database vendor {vendor!r}")


def drop_triggers(connection: Any, tables: Sequence[str] = TABLES) -> None:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for table in tables:
            if vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            else:
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")


def _expected_sqlite() -> dict[str, str]:
    return {
        f"{table}_no_{op.lower()}": (
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} "
            f"ON {table} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        for table in TABLES
        for op in ("UPDATE", "DELETE")
    }


def _squash(sql: str) -> str:
    return " ".join(sql.replace("IF NOT EXISTS ", "").split())


def missing_triggers(connection: Any) -> list[str]:
    """The append-only guards that are missing, disabled or altered (empty when all hold).

    A database owner can drop the triggers, edit the ledger and create them again; that is
    caught by `ryoken audit verify` through the hashes. This check catches the guard being
    left off, so start-up and verify refuse a ledger that is open to edits.
    """
    vendor = connection.vendor
    problems: list[str] = []
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            found = {name: _squash(sql or "") for name, sql in cursor.fetchall()}
            for name, sql in _expected_sqlite().items():
                if name not in found:
                    problems.append(f"trigger {name} is missing")
                elif found[name] != _squash(sql):
                    problems.append(f"trigger {name} was altered")
        elif vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, t.tgenabled, t.tgtype, p.proname, p.prosrc, c.relname "
                "FROM pg_catalog.pg_trigger t "
                "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid "
                "WHERE NOT t.tgisinternal AND c.relname = ANY(%s)",
                [list(TABLES)],
            )
            found_pg = {(row[0], row[5]): row[1:5] for row in cursor.fetchall()}
            body = " ".join(_PG_BODY.split())
            for table in TABLES:
                # tgtype bits: row 1, before 2, delete 8, update 16, truncate 32.
                for name, tgtype in ((f"{table}_append_only", 27), (f"{table}_no_truncate", 34)):
                    got = found_pg.get((name, table))
                    if got is None:
                        problems.append(f"trigger {name} is missing")
                        continue
                    enabled, kind, fn, source = got
                    if enabled not in ("O", "A"):  # D: disabled; R: fires only on replicas
                        problems.append(f"trigger {name} is disabled")
                    if (
                        kind != tgtype
                        or fn != "ryoken_ledger_append_only"
                        or " ".join((source or "").split()) != body
                    ):
                        problems.append(f"trigger {name} was altered")
        else:
            problems.append(f"no append-only triggers for database vendor {vendor!r}")
    return problems
