"""Event rows for one day, ids, and the streaming writer.

Times are integer microseconds since midnight (Japan time) of the day being simulated; a
day's rows are sorted by time (stable, so rows emitted in order at the same instant keep
it) and written as one block. Rows the insider caused carry a flag the writer turns into
the truth's `event_lines`; the flag is not written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from typing import IO

DetailValue = str | int | bool | None
Row = tuple[
    int,
    str,
    str,
    tuple[str, ...],
    tuple[str, ...],
    str,
    "str | None",
    "str | None",
    dict[str, DetailValue],
    int,  # 0: the office; n ≥ 1: the n-th insider of the run
]

US = 1_000_000
MINUTE = 60 * US


def hm(hour: int, minute: int = 0) -> int:
    return (hour * 3600 + minute * 60) * US


def clock_text(day: date, t: int) -> str:
    sec, us = divmod(t, US)
    h, rem = divmod(sec, 3600)
    m, s = divmod(rem, 60)
    return f"{day.isoformat()}T{h:02d}:{m:02d}:{s:02d}.{us:06d}+09:00"


class Ids:
    """Opaque ids (`gr_…`, `jb_…`) from a keyed hash of a counter: stable per seed, and
    the insider's namespace never moves the office's numbering."""

    def __init__(self, salt: str) -> None:
        self.key = hashlib.blake2b(salt.encode(), digest_size=16).digest()
        self.n = 0

    def next(self, prefix: str, length: int = 20) -> str:
        self.n += 1
        h = hashlib.blake2b(self.n.to_bytes(8, "big"), key=self.key, digest_size=12)
        return f"{prefix}_{h.hexdigest()[:length]}"


class DayBuffer:
    def __init__(self) -> None:
        self.rows: list[Row] = []

    def emit(
        self,
        t: int,
        code: str,
        actor: str,
        subjects: Iterable[str] = (),
        fields: Iterable[str] = (),
        purpose: str = "",
        grant: str | None = None,
        terminal: str | None = None,
        details: dict[str, DetailValue] | None = None,
        insider: int = 0,
    ) -> None:
        self.rows.append(
            (
                t,
                code,
                actor,
                subjects if subjects.__class__ is tuple else tuple(subjects),
                fields if fields.__class__ is tuple else tuple(fields),
                purpose,
                grant,
                terminal,
                details if details is not None else {},  # callers pass a fresh dict
                insider,
            )
        )


_STR = json.encoder.encode_basestring  # the C escaper: quotes, backslashes, controls
_HMS = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]


def _value(v: DetailValue) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    return _STR(v)


def encode_row(prefix: str, row: Row) -> str:
    """One JSON line, built directly (json.dumps per event was most of the run time); every
    string goes through the json module's own escaping, so the output is valid JSON."""
    t, code, actor, subjects, fields, purpose, grant, terminal, details, _ = row
    sec, us = divmod(t, US)
    minute, s = divmod(sec, 60)
    at = f"{prefix}{_HMS[minute]}{s:02d}.{us:06d}+09:00"
    det = ",".join(
        [f'"{k}":{_STR(v) if v.__class__ is str else _value(v)}' for k, v in details.items()]
    )
    subs = ",".join(map(_STR, subjects))
    flds = ",".join(map(_STR, fields))
    g = "null" if grant is None else _STR(grant)
    term = "null" if terminal is None else _STR(terminal)
    return (
        f'{{"v":2,"code":"{code}","at":"{at}","actor":{_STR(actor)},"subjects":[{subs}],'
        f'"fields":[{flds}],"purpose":{_STR(purpose)},"grant":{g},"terminal":{term},'
        f'"details":{{{det}}}}}'
    )


class EventWriter:
    """Writes sorted day blocks to events.jsonl and counts lines."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lines = 0
        self.insider_lines: list[int] = []
        # per insider tag (1, 2, …) when several insiders act in one run
        self.lines_by_insider: dict[int, list[int]] = {}

    def write_day(self, day: date, rows: list[Row]) -> None:
        rows.sort(key=lambda r: r[0])
        prefix = day.isoformat() + "T"
        out: list[str] = []
        for row in rows:
            if row[9]:
                self.insider_lines.append(self.lines)
                self.lines_by_insider.setdefault(int(row[9]), []).append(self.lines)
            self.lines += 1
            out.append(encode_row(prefix, row))
        if out:
            self.stream.write("\n".join(out))
            self.stream.write("\n")
