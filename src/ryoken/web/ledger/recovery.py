"""Recovering from a database file that was read-only for a while, without a restart.

When SQLite opens a database whose file is read-only, it creates the `-shm` and `-wal` files
beside it with the database file's mode, so they are read-only too. Once the file is writable
again those two stay read-only, and every connection (old or new) keeps answering "attempt to
write a readonly database" until the process restarts. After a storage failure we give the
two files back the database file's mode (only files this process's user owns, and only when
the database file itself is writable again) and close this thread's connection, so the next
request opens a fresh one. PostgreSQL needs none of this.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any


def recover_after_failure(connection: Any) -> list[str]:
    """Repair SQLite's side files if they were left read-only, and drop the connection.

    Returns the files whose mode was repaired. Never raises: it runs on an error path.
    """
    repaired: list[str] = []
    with contextlib.suppress(Exception):
        if connection.vendor == "sqlite":
            repaired = repair_side_files(Path(str(connection.settings_dict["NAME"])))
    with contextlib.suppress(Exception):
        connection.close()
    return repaired


def repair_side_files(database: Path) -> list[str]:
    try:
        mode = database.stat().st_mode & 0o777
    except OSError:
        return []
    if not mode & 0o200:
        return []  # the database file is still read-only: nothing to repair yet
    repaired = []
    for side in (Path(f"{database}-shm"), Path(f"{database}-wal")):
        try:
            info = side.stat()
        except OSError:
            continue
        if info.st_uid == os.geteuid() and not info.st_mode & 0o200:
            os.chmod(side, mode)
            repaired.append(str(side))
    return repaired
