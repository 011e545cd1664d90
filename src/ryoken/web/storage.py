"""Recognising a storage failure: a full, read-only or failing disk under the database.

Used by the web error page (`views.server_error`) and the `ryoken` command to say what
happened in words instead of "Server Error" or an unexpected-error line.
"""

from __future__ import annotations

from django.db import DatabaseError

from ryoken.errors import LedgerError

# What SQLite and PostgreSQL say when the disk is full, read-only or failing.
_STORAGE_WORDS = (
    "readonly database",
    "read-only",
    "disk is full",
    "no space left",
    "disk i/o error",
    "unable to open database file",
    "could not extend file",
    "could not write",
)
# PostgreSQL SQLSTATEs: disk_full, insufficient_resources, read_only_sql_transaction, io_error.
_STORAGE_SQLSTATES = {"53100", "53000", "25006", "58030"}


def _chain(error: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def storage_failure(error: BaseException | None) -> LedgerError | DatabaseError | None:
    """The ledger or database failure behind `error`, if a storage failure is what it is."""
    for item in _chain(error):
        if isinstance(item, LedgerError):
            return item
    for item in _chain(error):
        if not isinstance(item, DatabaseError):
            continue
        causes = _chain(item)
        text = " ".join(str(c) for c in causes).lower()
        states = {getattr(c, "sqlstate", None) or getattr(c, "pgcode", None) for c in causes}
        if any(word in text for word in _STORAGE_WORDS) or states & _STORAGE_SQLSTATES:
            return item
    return None
