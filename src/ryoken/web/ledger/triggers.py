"""Triggers that make the ledger tables append-only, on SQLite and PostgreSQL.

They guard against accidents and casual edits; a database owner can still drop them, which
is why the witness file and signed checkpoints exist. The test suite drops them only to let
Django flush the database between transactional tests.
"""

from __future__ import annotations

from typing import Any

TABLES = ("ledger_entry", "ledger_entry_subject", "ledger_node", "ledger_checkpoint")
MESSAGE = "ledger tables are append-only"


def create_triggers(connection: Any) -> None:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION ryoken_ledger_append_only() RETURNS trigger "
                f"AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}: % on %', TG_OP, TG_TABLE_NAME; END; $$ "
                "LANGUAGE plpgsql"
            )
            for table in TABLES:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE "
                    f"ON {table} FOR EACH ROW EXECUTE FUNCTION ryoken_ledger_append_only()"
                )
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION ryoken_ledger_append_only()"
                )
        elif vendor == "sqlite":
            for table in TABLES:
                for op in ("UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} "
                        f"ON {table} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                    )
        else:
            raise RuntimeError(f"no append-only triggers for database vendor {vendor!r}")


def drop_triggers(connection: Any) -> None:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for table in TABLES:
            if vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            else:
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
