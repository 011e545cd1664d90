"""Ledger entries as a Polars frame in the docs/events.md columns, for `ryoken.detect`.

Entries are read in keyset-paged chunks (`seq > last ORDER BY seq LIMIT n`), each entry
decoded from its canonical bytes with `ryoken.audit.events.decode_entry` — the columns beside
`data` are copies for querying, the bytes are what the Merkle tree vouches for. The frame's
`line` column holds the ledger sequence number, so every piece of evidence a detector cites
is a ledger entry the privacy officer (or an auditor with a proof) can look up.

`RollingWindow` keeps the last N days in memory between runs of the watcher, so a run every
few minutes decodes only the entries appended since the previous one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from ryoken.audit.events import Event, decode_entry
from ryoken.detect.load import empty_events, events_from_ledger
from ryoken.web.ledger.models import Entry
from ryoken.web.ledger.store import ledger_size

CHUNK = 5_000


def top_seq() -> int:
    """The highest sequence number in the ledger now (-1 when empty)."""
    return ledger_size() - 1


def iter_entries(
    *,
    after_seq: int = -1,
    through_seq: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    codes: Iterable[str] | None = None,
    actor: str | None = None,
    chunk: int = CHUNK,
) -> Iterator[list[tuple[int, Event]]]:
    """Decoded entries with after_seq < seq <= through_seq (and since <= at < until), in
    chunks of at most `chunk`, in ledger order."""
    query = Entry.objects.all()
    if through_seq is not None:
        query = query.filter(seq__lte=through_seq)
    if since is not None:
        query = query.filter(at__gte=since)
    if until is not None:
        query = query.filter(at__lt=until)
    if codes is not None:
        query = query.filter(code__in=list(codes))
    if actor is not None:
        query = query.filter(actor=actor)
    last = after_seq
    while True:
        rows = list(query.filter(seq__gt=last).order_by("seq").values_list("seq", "data")[:chunk])
        if not rows:
            return
        yield [decode_entry(bytes(data)) for _, data in rows]
        last = int(rows[-1][0])
        if len(rows) < chunk:
            return


def frame_of(entries: list[tuple[int, Event]]) -> pl.DataFrame:
    """Decoded entries as an events frame whose `line` is the ledger sequence number."""
    if not entries:
        return empty_events()
    frame = events_from_ledger(event for _, event in entries)
    return frame.with_columns(line=pl.Series("line", [seq for seq, _ in entries], pl.Int64))


def read_frame(
    *,
    after_seq: int = -1,
    through_seq: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    codes: Iterable[str] | None = None,
    actor: str | None = None,
    chunk: int = CHUNK,
) -> pl.DataFrame:
    """Entries since a sequence number and/or within a period, as one events frame."""
    parts = [
        frame_of(entries)
        for entries in iter_entries(
            after_seq=after_seq,
            through_seq=through_seq,
            since=since,
            until=until,
            codes=codes,
            actor=actor,
            chunk=chunk,
        )
    ]
    if not parts:
        return empty_events()
    return pl.concat(parts) if len(parts) > 1 else parts[0]


@dataclass
class RollingWindow:
    """The last `days` days of the ledger, kept between runs; only new entries are decoded.

    Entries are appended in sequence order but their times need not be (an imported copier
    log from last week arrives today), so new entries are read by sequence number and the
    window is trimmed by time."""

    days: int = 90
    frame: pl.DataFrame | None = None
    through_seq: int = -1

    def refresh(self, now: datetime) -> pl.DataFrame:
        since = now - timedelta(days=self.days)
        top = top_seq()
        if self.frame is None:
            fresh = read_frame(since=since, through_seq=top)
            self.frame = fresh
        elif top > self.through_seq:
            fresh = read_frame(after_seq=self.through_seq, through_seq=top, since=since)
            self.frame = pl.concat([self.frame, fresh]) if fresh.height else self.frame
        self.through_seq = max(self.through_seq, top)
        self.frame = self.frame.filter(pl.col("at") >= since)
        return self.frame
