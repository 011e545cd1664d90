"""Reading untrusted line files safely, and reporting their problems briefly.

Every importer (`ryoken applications import`, `events import`, `detect --events`,
`incident attribute`) reads its file through `read_capped`: line by line, never more than
`max_line` bytes for one line nor `max_total` bytes in all, so an endless or hostile input
ends in a clear error instead of a MemoryError. Their error output goes through
`summarize`: the first few problems, then how many more.

`SAFE_ID` is the one pattern for identifiers that come from outside (a device's user id, an
event's actor): no control characters (NUL included) and no bidirectional-override
characters, which could make a ledger line read differently from what it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ryoken.errors import InvalidInput

MiB = 1024 * 1024
DEFAULT_MAX_LINE = 1 * MiB
DEFAULT_MAX_TOTAL = 200 * MiB
SHOWN_PROBLEMS = 20

_UNSAFE = "\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
SAFE_ID = rf"^[^{_UNSAFE}]+$"
_UNSAFE_RE = re.compile(f"[{_UNSAFE}]")


def unsafe_characters(text: str) -> bool:
    """Whether `text` holds a control or bidirectional-override character."""
    return _UNSAFE_RE.search(text) is not None


def iter_raw_lines(
    stream: BinaryIO,
    *,
    name: str,
    max_line: int = DEFAULT_MAX_LINE,
    max_total: int = DEFAULT_MAX_TOTAL,
) -> Iterator[tuple[int, bytes]]:
    """(line number, the line's bytes with its newline) from a binary stream, within limits."""
    total = 0
    number = 0
    while True:
        raw = stream.readline(max_line + 2)  # the longest allowed line and its "\r\n"
        if not raw:
            return
        number += 1
        total += len(raw)
        if total > max_total:
            raise InvalidInput(
                f"{name} is larger than {max_total:,} bytes (at line {number}); nothing read",
                message_ja=f"ファイルが大きすぎます（上限 {max_total:,} バイト）。",
            )
        if len(raw.rstrip(b"\r\n")) > max_line:
            raise InvalidInput(
                f"{name}: line {number} is longer than {max_line:,} bytes; nothing read",
                message_ja=f"{number}行目が長すぎます（上限 {max_line:,} バイト）。",
            )
        yield number, raw


def read_capped(
    stream: BinaryIO,
    *,
    name: str,
    max_line: int = DEFAULT_MAX_LINE,
    max_total: int = DEFAULT_MAX_TOTAL,
) -> bytes:
    """The whole stream's bytes, read line by line within the limits (see iter_raw_lines)."""
    return b"".join(
        raw for _, raw in iter_raw_lines(stream, name=name, max_line=max_line, max_total=max_total)
    )


def iter_text_lines(
    stream: BinaryIO,
    *,
    name: str,
    max_line: int = DEFAULT_MAX_LINE,
    max_total: int = DEFAULT_MAX_TOTAL,
) -> Iterator[tuple[int, str]]:
    """(line number, text without its newline); UTF-8 (a leading BOM is dropped)."""
    for number, raw in iter_raw_lines(stream, name=name, max_line=max_line, max_total=max_total):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput(
                f"{name}: line {number} is not UTF-8 (byte {error.start + 1})",
                message_ja=f"{number}行目がUTF-8ではありません。",
            ) from None
        yield number, text.rstrip("\r\n")


def summarize(problems: Iterable[str], *, first: int = SHOWN_PROBLEMS, sep: str = "; ") -> str:
    """The first `first` problems joined, then "(and N more)"."""
    items = list(problems)
    shown = sep.join(items[:first])
    rest = len(items) - first
    return shown + (f" (and {rest:,} more)" if rest > 0 else "")
