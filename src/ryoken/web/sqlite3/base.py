"""Django's SQLite backend, which first repairs side files left read-only.

A connection opened while the database file was read-only leaves SQLite's `-shm` (and
`-wal`) read-only after the file is writable again (`ryoken.web.ledger.recovery`). Django
runs the WAL pragma while it connects, which opens the `-shm`, so the repair must come
before the connection: here. It costs two stat calls per new connection.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base

from ryoken.web.ledger.recovery import repair_side_files


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        name = str(conn_params.get("database", ""))
        if name and not name.startswith(("file:", ":memory:")):
            # A real failure reaches the caller when SQLite opens the file.
            with contextlib.suppress(OSError):
                repair_side_files(Path(name))
        return super().get_new_connection(conn_params)
