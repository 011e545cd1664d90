"""Exposures: which field of which subject reached which staff member, how, when.

The shared machinery under scoping (one suspect) and attribution (the whole office). It turns
ledger events (docs/events.md) into aggregated exposure rows, one per (subject, field,
channel, actor, terminal, job, via), with the first and last time, the number of events and
the reference of the first one.

How events expose data:

- `disclosure` and `match` show a field of one subject on a screen (channel `screen`). A
  masked form still reveals part of a value and a match confirms one, so both count; a row
  whose events were all masked is marked `masked_only`, and `include_masked=False` drops
  masked events.
- `document.scan` is the clerk handling a paper document (channel `document_image`).
- `print` and `copy` jobs expose every subject on the job, with the fields the event names
  or else the fields of the document printed (`documents`: document → fields, by default
  the office's `ryoken.domain.paper.DOCUMENT_FIELDS`; the receipt shows the name only). A
  document the map does not know is counted with every field the
  office holds for the subject's roles — over-reporting an item is the safe error in a
  report to the commission — and is listed as unknown so the officer can correct the map.
- `external.copier` records a copier job. One carrying a ryoken watermark is linked to its
  print job (`details.job`, or `details.print_job` as the copier API writes it) and exposes
  that job's subjects and document again, to whoever stood at the copier (channel `print`
  for a print, `copy` for a copy or scan). One without is listed as unmatched: paper copied
  around the system, whose subjects the ledger cannot know.
- An exposed document image (戸籍謄本) also exposes everyone it names: with `named_in`
  (subject → the other subjects named in that subject's documents) those people are counted
  with `named_fields` (by default what a 戸籍謄本 shows of a family member), `via` the
  subject whose document it was.
- With `outside` (`OutsideTask`: the accesses no task explains, from
  `ryoken.detect.explain` — the watcher's judgment, not a second one), every row counts how
  many of its events were outside any task (`outside_count`); a person named in a document
  image inherits the count of the image's row.

Speed: the web layer reads the ledger by actor and period through an index; this module then
works over that slice as a Polars frame. Screen events are grouped twice — first by their
(subjects, fields) lists, which repeat a great deal, then, once exploded, by subject and
field — so the expensive explode runs over thousands of groups, not millions of events.
Python objects are made only for print jobs, which are few.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import polars as pl

from ryoken.audit.events import Event, EventCode, check_aware
from ryoken.domain.fields import FIELDS, FIELDS_BY_ROLE, FieldClass, SubjectRole
from ryoken.domain.paper import DOCUMENT_FIELDS
from ryoken.errors import InvalidInput


class Channel(StrEnum):
    """How data left the system's control (and the filter names of issue 6)."""

    SCREEN = "screen"  # disclosure or match on a screen
    PRINT = "print"  # a print job, or a copier printing one
    COPY = "copy"  # a copy job, or a copier copying or scanning a printed job
    DOCUMENT_IMAGE = "document_image"  # paper handled (scan); as a filter: image fields too


DEFAULT_DOCUMENTS: Mapping[str, tuple[str, ...]] = DOCUMENT_FIELDS
# What a 戸籍謄本 shows of each person it names (the catalogue's family-member fields).
DEFAULT_NAMED_FIELDS: tuple[str, ...] = FIELDS_BY_ROLE[SubjectRole.FAMILY_MEMBER]
NON_STAFF_ACTORS = frozenset({"system", "kiosk"})
IMAGE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in FIELDS if f.field_class is FieldClass.DOCUMENT_IMAGE
)

_SCREEN_CODES = (EventCode.DISCLOSURE.value, EventCode.MATCH.value)
_JOB_CODES = (EventCode.PRINT.value, EventCode.COPY.value)
_SCAN_CODE = EventCode.DOCUMENT_SCAN.value
_COPIER_CODE = EventCode.EXTERNAL_COPIER.value
_DETAIL_KEYS = ("form", "document", "job", "print_job", "kind", "unmatched")
# Details are canonical JSON (no spaces: ledger, importer, simulator and `json_encode` of a
# struct all write it so), and a literal search is much faster than parsing a million rows.
# Spaced JSON would only make a masked view count as shown: the safe error for a report.
_MASKED = '"form":"masked"'
_UTC_US = pl.Datetime("us", "UTC")

EVENT_SCHEMA: dict[str, Any] = {
    "code": pl.String,
    "at": _UTC_US,
    "actor": pl.String,
    "subjects": pl.List(pl.String),
    "fields": pl.List(pl.String),
    "terminal": pl.String,
    "ref": pl.Int64,
    "details": pl.String,
}
# One row per event before grouping (lists of subjects and fields).
_RAW_SCHEMA: dict[str, Any] = {
    "subjects": pl.List(pl.String),
    "fields": pl.List(pl.String),
    "channel": pl.String,
    "actor": pl.String,
    "terminal": pl.String,
    "job": pl.String,
    "at": _UTC_US,
    "ref": pl.Int64,
    "masked": pl.Boolean,
}
_KEYS = ["subject", "field", "channel", "actor", "terminal", "job", "via"]
EXPOSURE_SCHEMA: dict[str, Any] = {
    "subject": pl.String,
    "field": pl.String,
    "channel": pl.String,
    "actor": pl.String,
    "terminal": pl.String,
    "job": pl.String,
    "via": pl.String,  # the subject whose document named this one, or null
    "first_at": _UTC_US,
    "last_at": _UTC_US,
    "count": pl.Int64,
    "first_ref": pl.Int64,  # the lowest ledger seq (input position) among the events
    "masked_only": pl.Boolean,
    "outside_count": pl.Int64,  # events among `count` that no task explains
}


@dataclass(frozen=True, slots=True)
class OutsideTask:
    """The accesses no task explains: (ledger ref, subject) pairs, and refs whose every
    subject is outside (a copier job matched to no explained print)."""

    pairs: frozenset[tuple[int, str]] = frozenset()
    refs: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open interval [start, end) of aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        check_aware(self.start, "period start")
        check_aware(self.end, "period end")
        if self.end < self.start:
            raise InvalidInput(
                f"the period ends ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()})",
                message_ja="期間の終了が開始より前です。",
            )


@dataclass(frozen=True, slots=True)
class PrintJob:
    """A print or copy job through ryoken: which subjects, which document, who, where."""

    job: str
    subjects: tuple[str, ...]
    document: str
    fields: tuple[str, ...] = ()  # the fields the event named, if any (else the document's)
    actor: str = ""
    ref: int = -1


@dataclass(frozen=True)
class Exposures:
    """Aggregated exposure rows (`EXPOSURE_SCHEMA`) and what the reading found."""

    frame: pl.DataFrame
    events_read: int
    unmatched_copier_jobs: tuple[int, ...]
    unknown_documents: tuple[str, ...]


EventSource = Iterable[Event] | Iterable[tuple[int, Event]] | pl.DataFrame | pl.LazyFrame


# --- normalising the input ------------------------------------------------------------------


def _details_json(details: Mapping[str, object]) -> str | None:
    kept = {k: details[k] for k in _DETAIL_KEYS if k in details}
    return json.dumps(kept, separators=(",", ":"), sort_keys=True) if kept else None


def events_frame(events: Iterable[Event] | Iterable[tuple[int, Event]]) -> pl.DataFrame:
    """The normalised frame of `events`: each an Event (its position is its reference) or a
    (seq, Event) pair as read from the ledger (the seq is)."""
    cols: dict[str, list[Any]] = {name: [] for name in EVENT_SCHEMA}
    for position, item in enumerate(events):
        pair: object = item
        if isinstance(pair, Event):
            ref, event = position, pair
        elif (
            isinstance(pair, tuple)
            and len(pair) == 2
            and isinstance(pair[0], int)
            and isinstance(pair[1], Event)
        ):
            ref, event = pair
        else:
            raise InvalidInput(f"item {position} is not an event or a (seq, event) pair")
        cols["code"].append(event.code.value)
        cols["at"].append(event.at.astimezone(UTC))
        cols["actor"].append(event.actor)
        cols["subjects"].append(list(event.subjects))
        cols["fields"].append(list(event.fields))
        cols["terminal"].append(event.terminal)
        cols["ref"].append(ref)
        cols["details"].append(_details_json(event.details))
    return pl.DataFrame(cols, schema=EVENT_SCHEMA)


def frame_of(source: EventSource) -> pl.LazyFrame:
    """`source` as a lazy frame with `EVENT_SCHEMA`."""
    if isinstance(source, pl.LazyFrame | pl.DataFrame):
        return _normalise_frame(source.lazy())
    return events_frame(source).lazy()


def _normalise_frame(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Accept a frame with the docs/events.md columns (plus an optional `seq`)."""
    schema = frame.collect_schema()
    missing = {"code", "at", "actor"} - set(schema.names())
    if missing:
        raise InvalidInput(f"the event frame lacks the columns {sorted(missing)}")
    at_type = schema["at"]
    if not isinstance(at_type, pl.Datetime) or at_type.time_zone is None:
        raise InvalidInput("the event frame's `at` must be a timezone-aware Datetime column")
    cols: list[pl.Expr] = [
        pl.col("code").cast(pl.String),
        pl.col("at").dt.convert_time_zone("UTC").dt.cast_time_unit("us"),
        pl.col("actor").cast(pl.String),
    ]
    for name in ("subjects", "fields"):
        if name in schema:
            cols.append(pl.col(name).cast(pl.List(pl.String)))
        else:
            cols.append(pl.lit([], dtype=pl.List(pl.String)).alias(name))
    if "terminal" in schema:
        cols.append(pl.col("terminal").cast(pl.String))
    else:
        cols.append(pl.lit(None, dtype=pl.String).alias("terminal"))
    ref = pl.col("seq") if "seq" in schema else pl.int_range(pl.len())
    cols.append(ref.cast(pl.Int64).alias("ref"))
    details = schema.get("details")
    if details is None:
        cols.append(pl.lit(None, dtype=pl.String).alias("details"))
    elif isinstance(details, pl.Struct):
        cols.append(pl.col("details").struct.json_encode().alias("details"))
    else:
        cols.append(pl.col("details").cast(pl.String))
    return frame.select(cols)


# --- print jobs -----------------------------------------------------------------------------


def print_jobs_of(source: EventSource) -> dict[str, PrintJob]:
    """Every print and copy job in `source`, by job id (to link copier logs to them)."""
    return _jobs_of(frame_of(source))


def _job_id(details: Mapping[str, Any], ref: int) -> str:
    job = details.get("job")
    return str(job) if job else f"ref:{ref}"


def _jobs_of(frame: pl.LazyFrame) -> dict[str, PrintJob]:
    rows = frame.filter(pl.col("code").is_in(_JOB_CODES)).collect()
    jobs: dict[str, PrintJob] = {}
    for row in rows.iter_rows(named=True):
        details = json.loads(row["details"]) if row["details"] else {}
        job_id = _job_id(details, row["ref"])
        jobs[job_id] = PrintJob(
            job=job_id,
            subjects=tuple(row["subjects"] or ()),
            document=str(details.get("document") or ""),
            fields=tuple(row["fields"] or ()),
            actor=row["actor"],
            ref=row["ref"],
        )
    return jobs


@dataclass
class _Documents:
    documents: Mapping[str, Sequence[str]]
    roles: Mapping[str, Collection[str]]
    unknown: set[str] = field(default_factory=set)

    def fields_of(self, job: PrintJob, subject: str) -> list[str]:
        if job.fields:
            return list(job.fields)
        known = self.documents.get(job.document)
        if known is not None:
            return list(known)
        self.unknown.add(job.document or "(none)")
        held: dict[str, None] = {}
        for role in self.roles.get(subject) or (SubjectRole.APPLICANT.value,):
            held.update(dict.fromkeys(FIELDS_BY_ROLE.get(SubjectRole(role), ())))
        return list(held)


def _job_rows(
    slice_: pl.DataFrame, jobs: Mapping[str, PrintJob], documents: _Documents
) -> tuple[pl.DataFrame, list[int]]:
    """Raw rows for print, copy and copier events (few: plain Python is fine)."""
    rows = slice_.filter(pl.col("code").is_in([*_JOB_CODES, _COPIER_CODE]))
    out: dict[str, list[Any]] = {name: [] for name in _RAW_SCHEMA}
    unmatched: list[int] = []

    def add(job: PrintJob, channel: Channel, row: Mapping[str, Any]) -> None:
        for subject in job.subjects:
            out["subjects"].append([subject])
            out["fields"].append(documents.fields_of(job, subject))
            out["channel"].append(channel.value)
            out["actor"].append(row["actor"])
            out["terminal"].append(row["terminal"])
            out["job"].append(job.job)
            out["at"].append(row["at"])
            out["ref"].append(row["ref"])
            out["masked"].append(False)

    for row in rows.iter_rows(named=True):
        details = json.loads(row["details"]) if row["details"] else {}
        if row["code"] in _JOB_CODES:
            job_id = _job_id(details, row["ref"])
            declared = jobs.get(job_id) or PrintJob(
                job=job_id,
                subjects=tuple(row["subjects"] or ()),
                document=str(details.get("document") or ""),
                fields=tuple(row["fields"] or ()),
            )
            add(declared, Channel(row["code"]), row)
            continue
        linked = details.get("job") or details.get("print_job")
        job = jobs.get(str(linked)) if linked else None
        if job is None:
            unmatched.append(row["ref"])
            continue
        add(job, Channel.PRINT if details.get("kind") == "print" else Channel.COPY, row)
    return pl.DataFrame(out, schema=_RAW_SCHEMA), unmatched


# --- exposures ------------------------------------------------------------------------------


def _screen_rows(slice_: pl.LazyFrame, include_masked: bool) -> pl.LazyFrame:
    rows = slice_.filter(pl.col("code").is_in([*_SCREEN_CODES, _SCAN_CODE])).select(
        "subjects",
        "fields",
        pl.when(pl.col("code") == _SCAN_CODE)
        .then(pl.lit(Channel.DOCUMENT_IMAGE.value))
        .otherwise(pl.lit(Channel.SCREEN.value))
        .alias("channel"),
        "actor",
        "terminal",
        pl.lit(None, dtype=pl.String).alias("job"),
        "at",
        "ref",
        pl.col("details").str.contains(_MASKED, literal=True).fill_null(False).alias("masked"),
    )
    return rows if include_masked else rows.filter(~pl.col("masked"))


def _mark_outside(rows: pl.LazyFrame, outside: OutsideTask | None) -> pl.LazyFrame:
    """Rows with one subject each (`subjects`), marked `outside` when no task explains them."""
    if outside is None or not (outside.pairs or outside.refs):
        return rows.with_columns(pl.lit(False).alias("outside"))
    pairs = pl.LazyFrame(
        {
            "ref": [r for r, _ in outside.pairs],
            "subjects": [s for _, s in outside.pairs],
            "_out": [True] * len(outside.pairs),
        },
        schema={"ref": pl.Int64, "subjects": pl.String, "_out": pl.Boolean},
    )
    refs = pl.Series("refs", sorted(outside.refs), dtype=pl.Int64)
    return (
        rows.join(pairs, on=["ref", "subjects"], how="left")
        .with_columns(outside=pl.col("_out").fill_null(False) | pl.col("ref").is_in(refs.implode()))
        .drop("_out")
    )


def _aggregate(raw: pl.LazyFrame, outside: OutsideTask | None = None) -> pl.LazyFrame:
    """Raw rows → EXPOSURE_SCHEMA rows: group by the fields list, explode, group again."""
    stage1 = (
        _mark_outside(raw.explode("subjects"), outside)
        .group_by(["subjects", "fields", "channel", "actor", "terminal", "job"])
        .agg(
            pl.col("at").min().alias("first_at"),
            pl.col("at").max().alias("last_at"),
            pl.len().cast(pl.Int64).alias("count"),
            pl.col("ref").min().alias("first_ref"),
            pl.col("masked").all().alias("masked_only"),
            pl.col("outside").sum().cast(pl.Int64).alias("outside_count"),
        )
    )
    exploded = (
        stage1.explode("fields")
        .rename({"subjects": "subject", "fields": "field"})
        .drop_nulls(["subject", "field"])
        .with_columns(pl.lit(None, dtype=pl.String).alias("via"))
    )
    return combine(exploded, _KEYS)


def combine(rows: pl.LazyFrame, keys: Sequence[str]) -> pl.LazyFrame:
    """Merge exposure rows that share `keys`: earliest first, latest last, counts summed, the
    lowest reference (the first ledger entry), masked only if all were."""
    return rows.group_by(list(keys)).agg(
        pl.col("first_at").min(),
        pl.col("last_at").max(),
        pl.col("count").sum(),
        pl.col("first_ref").min(),
        pl.col("masked_only").all(),
        pl.col("outside_count").sum(),
    )


def _named_rows(
    rows: pl.LazyFrame, named_in: Mapping[str, Sequence[str]], named_fields: Sequence[str]
) -> pl.LazyFrame:
    """The people named in each exposed document image, with what the document shows."""
    links = pl.DataFrame(
        {
            "via": [s for s, names in named_in.items() for _ in names],
            "named": [n for names in named_in.values() for n in names],
        },
        schema={"via": pl.String, "named": pl.String},
    ).lazy()
    return (
        rows.filter(pl.col("field").is_in(IMAGE_FIELDS) & pl.col("via").is_null())
        .drop("via")
        .rename({"subject": "via"})
        .join(links, on="via", how="inner")
        .filter(pl.col("named") != pl.col("via"))
        .with_columns(
            pl.col("named").alias("subject"),
            pl.lit(list(named_fields), dtype=pl.List(pl.String)).alias("field"),
        )
        .explode("field")
        .select(list(EXPOSURE_SCHEMA))
    )


def exposures(
    source: EventSource,
    *,
    staff: Collection[str] | None = None,
    period: Period | None = None,
    documents: Mapping[str, Sequence[str]] = DEFAULT_DOCUMENTS,
    jobs: Mapping[str, PrintJob] | None = None,
    roles: Mapping[str, Collection[str]] | None = None,
    named_in: Mapping[str, Sequence[str]] | None = None,
    named_fields: Sequence[str] = DEFAULT_NAMED_FIELDS,
    include_masked: bool = True,
    outside: OutsideTask | None = None,
) -> Exposures:
    """Aggregated exposures of `staff` (default: every actor but `system` and `kiosk`) in
    `period` (default: all time).

    `jobs` adds print jobs that are not in `source` (a copier job in the slice may copy a job
    printed by someone else, or before the period). `roles` (subject → SubjectRole values)
    decides the fields of an unknown document.
    """
    frame = frame_of(source)
    slice_ = frame
    if staff is not None:
        slice_ = slice_.filter(pl.col("actor").is_in(list(staff)))
    else:
        slice_ = slice_.filter(~pl.col("actor").is_in(list(NON_STAFF_ACTORS)))
    if period is not None:
        start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
        slice_ = slice_.filter((pl.col("at") >= start) & (pl.col("at") < end))
    read = slice_.collect()
    all_jobs = _jobs_of(frame)
    all_jobs.update(jobs or {})
    docs = _Documents(documents, roles or {})
    printed, unmatched = _job_rows(read, all_jobs, docs)
    raw = pl.concat([_screen_rows(read.lazy(), include_masked), printed.lazy()])
    rows = _aggregate(raw, outside).select(list(EXPOSURE_SCHEMA))
    if named_in:
        rows = pl.concat([rows, _named_rows(rows, named_in, named_fields)])
        rows = combine(rows, _KEYS).select(list(EXPOSURE_SCHEMA))
    return Exposures(
        frame=rows.collect(),
        events_read=read.height,
        unmatched_copier_jobs=tuple(sorted(unmatched)),
        unknown_documents=tuple(sorted(docs.unknown)),
    )
