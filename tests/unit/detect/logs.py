"""Hand-written event logs in the docs/events.md shape, for detector tests.

`OfficeLog` writes the events a real counter visit leaves (ticket call, grant, masked
screens, a match, reveals, prints with their copier records, close), and lets a test add the
odd thing on top. `normal_office` fills working days with ordinary visits for a few clerks so
the per-applicant detectors have peers to compare with.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import polars as pl

from ryoken.detect.load import (
    STAFF_COLUMNS,
    SUBJECT_COLUMNS,
    events_from_records,
    read_events,
    read_staff,
    read_subjects,
)

JST = timezone(timedelta(hours=9))
MONDAY = date(2026, 4, 6)


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=JST)


def working_days(start: date, count: int) -> list[date]:
    out, d = [], start
    while len(out) < count:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


class OfficeLog:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def add(
        self,
        code: str,
        when: datetime,
        actor: str,
        subjects: Iterable[str] = (),
        *,
        fields: Iterable[str] = (),
        purpose: str = "",
        grant: str | None = None,
        terminal: str | None = None,
        **details: Any,
    ) -> int:
        self.records.append(
            {
                "code": code,
                "at": when.isoformat(),
                "actor": actor,
                "subjects": list(subjects),
                "fields": list(fields),
                "purpose": purpose,
                "grant": grant,
                "terminal": terminal,
                "details": details,
            }
        )
        return len(self.records)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"

    def open_grant(
        self,
        staff: str,
        when: datetime,
        subjects: Iterable[str],
        *,
        kind: str = "counter",
        window: str | None = "W01",
        ticket: str | None = "A-001",
        step: str = "",
    ) -> str:
        grant = self.new_id("gr")
        code = "breakglass.open" if kind == "break_glass" else "grant.open"
        extra: dict[str, Any] = {"kind": kind}
        if kind == "counter":
            extra["ticket"] = ticket
        if kind == "break_glass":
            extra["reason"] = "電話での問い合わせ"
        self.add(code, when, staff, subjects, purpose=step, grant=grant, terminal=window, **extra)
        return grant

    def close_grant(self, staff: str, when: datetime, grant: str, kind: str = "counter") -> None:
        self.add("grant.close", when, staff, grant=grant, kind=kind, why="closed")

    def disclose(
        self,
        staff: str,
        when: datetime,
        subject: str,
        *,
        grant: str | None = None,
        window: str | None = "W01",
        reveal: bool = False,
        step: str = "intake",
    ) -> int:
        details: dict[str, Any] = {"form": "shown" if reveal else "masked", "step": step}
        if window:
            details["window"] = window
        if reveal:
            details["reason"] = "本人確認"
        return self.add(
            "disclosure",
            when,
            staff,
            [subject],
            fields=["address"] if reveal else ["name_kanji", "address"],
            purpose=f"{step}:reveal" if reveal else step,
            grant=grant,
            terminal=window,
            **details,
        )

    def print_job(
        self,
        staff: str,
        when: datetime,
        subjects: Iterable[str],
        *,
        grant: str | None,
        pages: int = 2,
        copier_runs: int = 1,
        code: str = "print",
        window: str = "W01",
    ) -> str:
        job = self.new_id("job")
        mark = self.new_id("wm")
        self.add(
            code, when, staff, subjects, grant=grant, terminal=window,
            job=job, watermark=mark, document="application_form", pages=pages, reason="控え",
        )  # fmt: skip
        for k in range(copier_runs):
            self.add(
                "external.copier", when + timedelta(seconds=20 + 40 * k), staff,
                terminal="MFP1", copier="MFP1", pages=pages, kind=code, watermark=mark, job=job,
            )  # fmt: skip
        return mark

    def serve(
        self,
        staff: str,
        start: datetime,
        subjects: list[str],
        *,
        window: str = "W01",
        minutes: int = 8,
        reveals: int = 1,
        prints: int = 0,
        copies: int = 0,
        family: Iterable[str] = (),
    ) -> str:
        """One ordinary counter visit: call, grant, screens, match, reveals, prints, close."""
        ticket = f"A-{next(self._ids) % 1000:03d}"
        self.add(
            "ticket.call", start, staff, subjects, terminal=window,
            ticket=ticket, purpose="application",
        )  # fmt: skip
        grant = self.open_grant(staff, start, subjects, window=window, ticket=ticket)
        t = start + timedelta(seconds=30)
        for s in subjects:
            self.disclose(staff, t, s, grant=grant, window=window)
            self.add(
                "match", t + timedelta(seconds=5), staff, [s], fields=["birth_date"],
                grant=grant, terminal=window, result="match", step="intake",
            )  # fmt: skip
        added = list(family)
        if added:
            self.add(
                "grant.open", t + timedelta(seconds=50), staff, added, grant=grant,
                terminal=window, kind="counter", ticket=ticket, added=True,
            )  # fmt: skip
            for s in added:
                self.disclose(staff, t + timedelta(seconds=55), s, grant=grant, window=window)
        for k in range(reveals):
            self.disclose(
                staff, t + timedelta(seconds=60 + k), subjects[k % len(subjects)],
                grant=grant, window=window, reveal=True,
            )  # fmt: skip
        for _ in range(prints):
            self.print_job(staff, t + timedelta(seconds=90), subjects, grant=grant, window=window)
        for _ in range(copies):
            self.print_job(
                staff, t + timedelta(seconds=100), subjects, grant=grant, window=window,
                code="copy",
            )  # fmt: skip
        self.close_grant(staff, start + timedelta(minutes=minutes), grant)
        self.add("ticket.close", start + timedelta(minutes=minutes), staff, ticket=ticket)
        return grant

    def badge(self, staff: str, when: datetime, direction: str) -> None:
        self.add("external.badge", when, staff, terminal="D1", door="D1", direction=direction)

    def jsonl(self) -> bytes:
        lines = (json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in self.records)
        return ("\n".join(lines) + "\n").encode()

    def frame(self) -> pl.DataFrame:
        """Through the file reader's fast path, as `ryoken detect` would read it."""
        return read_events(self.jsonl()).events

    def frame_checked(self) -> pl.DataFrame:
        """Through the precise per-record path (the ledger's own validation)."""
        return events_from_records(self.records)


def staff_frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(STAFF_COLUMNS))
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r.get(c, "") for c in STAFF_COLUMNS})
    return read_staff(out.getvalue())


def subjects_frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(SUBJECT_COLUMNS))
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r.get(c, "") for c in SUBJECT_COLUMNS})
    return read_subjects(out.getvalue())


CLERKS = ("c1", "c2", "c3", "c4", "c5", "c6")


def normal_office(
    log: OfficeLog,
    days: list[date],
    *,
    seed: int = 7,
    clerks: tuple[str, ...] = CLERKS,
    visits: int = 12,
    skimmer: str | None = None,
    skim_share: float = 0.0,
    skim_from: int = 0,
) -> list[str]:
    """Ordinary days at the counter; `skimmer` adds reveals, copies and minutes to a share of
    their own applicants from working day `skim_from` (the in-task footprint of S1)."""
    rng = random.Random(seed)
    skimmed: list[str] = []
    for d_index, day in enumerate(days):
        for c_index, clerk in enumerate(clerks):
            log.badge(clerk, at(day, 8, 20), "in")
            t = at(day, 9, 0)
            for v in range(visits):
                person = f"ds_{clerk}_{d_index:03d}_{v:02d}"
                skim = clerk == skimmer and d_index >= skim_from and rng.random() < skim_share
                log.serve(
                    clerk, t, [person], window=f"W{c_index + 1:02d}",
                    minutes=rng.randint(6, 12) + (6 if skim else 0),
                    reveals=rng.choice((0, 1, 1, 2)) + (4 if skim else 0),
                    prints=1 if rng.random() < 0.3 else 0,
                    copies=(1 if rng.random() < 0.1 else 0) + (2 if skim else 0),
                )  # fmt: skip
                if skim:
                    skimmed.append(person)
                t += timedelta(minutes=20)
            log.badge(clerk, at(day, 17, 30), "out")
    return skimmed


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)
