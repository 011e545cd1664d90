"""Files the commands read and write: inputs within limits, personal data written 0600."""

from __future__ import annotations

import os
from pathlib import Path

from ryoken.domain.lines import DEFAULT_MAX_LINE, read_capped
from ryoken.errors import InvalidInput


def read_input(path: Path | str, *, max_total: int, max_line: int = DEFAULT_MAX_LINE) -> bytes:
    """A line file's bytes, read line by line: never more than `max_total` bytes in all nor
    `max_line` in one line (an endless input, /dev/zero or a pipe, ends in a clear error)."""
    where = Path(path)
    try:
        with where.open("rb") as stream:
            return read_capped(stream, name=str(where), max_line=max_line, max_total=max_total)
    except OSError as error:
        raise InvalidInput(f"cannot read {where}: {error.strerror}") from None


def write_private(path: Path | str, data: bytes) -> None:
    """Write a file that holds personal data, readable by its owner only (0600), whatever
    the umask and whether or not the file existed before."""
    where = Path(path)
    try:
        fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
    except OSError as error:
        raise InvalidInput(f"cannot write {where}: {error.strerror}") from None
