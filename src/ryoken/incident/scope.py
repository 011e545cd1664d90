"""Scoping: given staff and a period, every data subject exposed, with fields and channels.

The office's first question on the day the police call (issue 6): whose data did this person
see, which items, and how? The answer fills APPI items ② and ③ and addresses the notices,
so it must be exact and reproducible: the same ledger slice always gives the same result in
the same order (subjects by id, fields in catalogue order, channels in enum order).

What counts as an exposure is decided in `ryoken.incident.exposures`; this module filters
by channel, aggregates per subject and counts: persons per field, per field class (APPI
item ②), per role (applicant, family member, legal representative, emergency contact; a
person named in two roles counts in both, and once in the total) and per channel.

Speed: the counts are computed in Polars over the aggregated rows, and the per-subject
objects (`Scope.subjects`) are built only when asked for, so a clerk's three years (a
million events, tens of thousands of people) scope in well under a second; the notices and
exports then pay for the objects they use.

The channel filter follows issue 6: `screen`, `print`, `copy`, and `document_image`, which
keeps paper handled at the counter *and* any exposure of a document-image field (a 戸籍謄本
on a screen or printed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import groupby
from types import MappingProxyType

import polars as pl

from ryoken.domain.fields import FIELDS, FIELDS_BY_NAME, FieldClass, SubjectRole
from ryoken.errors import InvalidInput
from ryoken.incident.exposures import (
    DEFAULT_DOCUMENTS,
    DEFAULT_NAMED_FIELDS,
    IMAGE_FIELDS,
    Channel,
    EventSource,
    Exposures,
    OutsideTask,
    Period,
    PrintJob,
    combine,
    exposures,
)

__all__ = [
    "UNKNOWN_ROLE",
    "Channel",
    "ExposedSubject",
    "FieldExposure",
    "OutsideTask",
    "Period",
    "PrintJob",
    "Scope",
    "scope",
]

UNKNOWN_ROLE = "unknown"
_FIELD_ORDER = {f.name: i for i, f in enumerate(FIELDS)}
_CHANNEL_ORDER = {c.value: i for i, c in enumerate(Channel)}
_CLASS_OF = {f.name: f.field_class.value for f in FIELDS}
_ROW_COLUMNS = (
    "subject",
    "field",
    "channel",
    "first_at",
    "last_at",
    "count",
    "first_ref",
    "masked_only",
    "outside_count",
)


@dataclass(frozen=True, slots=True)
class FieldExposure:
    """One field of one subject, through one channel: when first and last, how often."""

    field: str
    channel: Channel
    first_at: datetime
    last_at: datetime
    count: int
    first_ref: int  # the first ledger entry (lowest seq, or input position) among them
    masked_only: bool  # every exposure was a masked form
    outside: int = 0  # how many of `count` no task explains (when the scope was marked)

    @property
    def within_task(self) -> bool:
        """Every event of this exposure ran under a task that explains it."""
        return self.outside == 0


@dataclass(frozen=True, slots=True)
class ExposedSubject:
    subject: str
    roles: tuple[str, ...]  # SubjectRole values, or ("unknown",)
    fields: tuple[str, ...]  # catalogue order
    exposures: tuple[FieldExposure, ...]  # by field (catalogue order), then channel

    @property
    def outside_task(self) -> bool:
        """Some exposure of this person was outside any task."""
        return any(e.outside for e in self.exposures)

    @property
    def field_classes(self) -> tuple[FieldClass, ...]:
        classes = {FIELDS_BY_NAME[f].field_class for f in self.fields if f in FIELDS_BY_NAME}
        return tuple(c for c in FieldClass if c in classes)


@dataclass(frozen=True, eq=False)
class Scope:
    """Everyone exposed by `staff` in `period`, with counts for APPI items ② and ③."""

    staff: tuple[str, ...]
    period: Period
    channels: tuple[Channel, ...]
    persons: int  # APPI item ③: the number of persons
    by_field: Mapping[str, int]  # persons per field, catalogue order
    by_field_class: Mapping[FieldClass, int]  # persons per field class
    by_role: Mapping[str, int]  # persons per role (a person with two roles counts in both)
    by_channel: Mapping[Channel, int]  # persons per channel
    events_read: int  # events of the staff in the period
    exposure_events: int  # (event, subject, field) exposures before aggregation
    unmatched_copier_jobs: tuple[int, ...]  # refs of copier jobs with no ryoken job
    unknown_documents: tuple[str, ...]
    unknown_fields: tuple[str, ...]
    # One row per (subject, field, channel) (`_ROW_COLUMNS`), in no particular order.
    rows: pl.DataFrame = field(repr=False)
    roles: Mapping[str, tuple[str, ...]] = field(repr=False)
    # Whether each exposure was judged within a task or outside any (`outside` given), and
    # how many persons had at least one exposure outside any task.
    marked: bool = False
    persons_outside_task: int = 0

    @cached_property
    def subjects(self) -> tuple[ExposedSubject, ...]:
        """Every person exposed, by subject id (built on first use)."""
        return tuple(self._build(_in_order(self.rows)))

    def subject(self, subject_id: str) -> ExposedSubject | None:
        if "subjects" in self.__dict__:
            return self._by_id.get(subject_id)
        found = self._build(_in_order(self.rows.filter(pl.col("subject") == subject_id)))
        return found[0] if found else None

    @cached_property
    def _by_id(self) -> dict[str, ExposedSubject]:
        return {s.subject: s for s in self.subjects}

    def _build(self, rows: pl.DataFrame) -> list[ExposedSubject]:
        out = []
        for subject, group in groupby(rows.iter_rows(), key=lambda r: r[0]):
            items = tuple(
                FieldExposure(name, Channel(channel), first, last, count, ref, masked, out)
                for _, name, channel, first, last, count, ref, masked, out in group
            )
            names = tuple(dict.fromkeys(e.field for e in items))
            roles = self.roles.get(subject) or (UNKNOWN_ROLE,)
            out.append(ExposedSubject(subject, roles, names, items))
        return out


# --- scoping --------------------------------------------------------------------------------


def _channel_filter(channels: Collection[Channel]) -> pl.Expr:
    wanted = [c.value for c in channels]
    expr = pl.col("channel").is_in(wanted)
    if Channel.DOCUMENT_IMAGE in channels:
        expr = expr | pl.col("field").is_in(IMAGE_FIELDS)
    return expr


def _field_key(name: str) -> tuple[int, str]:
    return (_FIELD_ORDER.get(name, len(_FIELD_ORDER)), name)


def scope(
    source: EventSource,
    staff: str | Collection[str],
    period: Period,
    *,
    channels: Collection[Channel] | None = None,
    roles: Mapping[str, Collection[SubjectRole | str]] | None = None,
    documents: Mapping[str, Sequence[str]] = DEFAULT_DOCUMENTS,
    jobs: Mapping[str, PrintJob] | None = None,
    named_in: Mapping[str, Sequence[str]] | None = None,
    named_fields: Sequence[str] = DEFAULT_NAMED_FIELDS,
    include_masked: bool = True,
    held: Mapping[str, Collection[str]] | None = None,
    outside: OutsideTask | None = None,
) -> Scope:
    """Every data subject `staff` exposed in `period`, with fields, channels and counts.

    `source`: events (or (seq, event) pairs), or a Polars frame with the docs/events.md
    columns (`at` a timezone-aware Datetime; `details` a JSON string or a struct; an
    optional `seq` column gives the ledger references). `roles`: subject → roles in
    applications (SubjectRole values). `channels`: keep only these (default: all).
    `held`: subject → the fields their record holds; an exposure of a field a person's
    record does not hold (別名 for a person who has none: a form shown empty) is dropped,
    so the report and the notices count only what was there to see. A subject missing from
    `held` keeps every exposure (nothing is known about their record). `outside`: the
    accesses no task explains (`ryoken.detect.explain`); with it, every exposure is marked
    within a task or outside any task (`FieldExposure.outside`, `Scope.marked`).
    """
    staff_ids = (staff,) if isinstance(staff, str) else tuple(sorted(set(staff)))
    if not staff_ids or not all(isinstance(s, str) and s for s in staff_ids):
        raise InvalidInput(
            "scoping needs at least one staff id", message_ja="職員を指定してください。"
        )
    role_map = {
        s: tuple(sorted({SubjectRole(r).value for r in rs})) for s, rs in (roles or {}).items()
    }
    wanted = tuple(Channel) if channels is None else tuple(c for c in Channel if c in channels)
    found = exposures(
        source,
        staff=staff_ids,
        period=period,
        documents=documents,
        jobs=jobs,
        roles=role_map,
        named_in=named_in,
        named_fields=named_fields,
        include_masked=include_masked,
        outside=outside,
    )
    rows = found.frame.lazy()
    if channels is not None:
        rows = rows.filter(_channel_filter(wanted))
    if held is not None:
        rows = _only_held(rows, held)
    merged = combine(rows, ["subject", "field", "channel"]).select(_ROW_COLUMNS).collect()
    return _count(staff_ids, period, wanted, merged, role_map, found, marked=outside is not None)


def _only_held(rows: pl.LazyFrame, held: Mapping[str, Collection[str]]) -> pl.LazyFrame:
    pairs = pl.LazyFrame(
        [(s, f) for s, fields in held.items() for f in fields],
        schema={"subject": pl.String, "field": pl.String},
        orient="row",
    )
    known = pl.Series("known", sorted(held), dtype=pl.String)
    return pl.concat(
        [
            rows.filter(~pl.col("subject").is_in(known.implode())),
            rows.join(pairs, on=["subject", "field"], how="semi"),
        ]
    )


def _in_order(rows: pl.DataFrame) -> pl.DataFrame:
    """Subjects by id, fields in catalogue order, channels in enum order."""
    return (
        rows.with_columns(
            pl.col("field").replace_strict(_FIELD_ORDER, default=len(_FIELD_ORDER)).alias("_f"),
            pl.col("channel")
            .replace_strict(_CHANNEL_ORDER, default=len(_CHANNEL_ORDER))
            .alias("_c"),
        )
        .sort(["subject", "_f", "field", "_c"])
        .select(_ROW_COLUMNS)
    )


def _persons_by(rows: pl.LazyFrame, key: pl.Expr) -> pl.LazyFrame:
    return rows.group_by(key.alias("key")).agg(pl.col("subject").n_unique().alias("n"))


def _as_dict(counted: pl.DataFrame) -> dict[str, int]:
    return dict(zip(counted["key"].to_list(), counted["n"].to_list(), strict=True))


def _count(
    staff: tuple[str, ...],
    period: Period,
    channels: tuple[Channel, ...],
    rows: pl.DataFrame,
    roles: Mapping[str, tuple[str, ...]],
    found: Exposures,
    *,
    marked: bool,
) -> Scope:
    lazy = rows.lazy()
    fields, classes, channels_, people_frame, outside_frame = pl.collect_all(
        [
            _persons_by(lazy, pl.col("field")),
            _persons_by(lazy, pl.col("field").replace_strict(_CLASS_OF, default=None)),
            _persons_by(lazy, pl.col("channel")),
            lazy.select(pl.col("subject").unique()),
            lazy.filter(pl.col("outside_count") > 0).select(pl.col("subject").n_unique()),
        ]
    )
    by_field, by_class, by_channel = _as_dict(fields), _as_dict(classes), _as_dict(channels_)
    people = people_frame["subject"].to_list()
    by_role: Counter[str] = Counter()
    for subject in people:
        by_role.update(roles.get(subject) or (UNKNOWN_ROLE,))
    role_order = [r.value for r in SubjectRole] + [UNKNOWN_ROLE]
    return Scope(
        staff=staff,
        period=period,
        channels=channels,
        persons=len(people),
        by_field=MappingProxyType({n: by_field[n] for n in sorted(by_field, key=_field_key)}),
        by_field_class=MappingProxyType(
            {c: by_class[c.value] for c in FieldClass if by_class.get(c.value)}
        ),
        by_role=MappingProxyType({r: by_role[r] for r in role_order if by_role[r]}),
        by_channel=MappingProxyType(
            {c: by_channel[c.value] for c in Channel if by_channel.get(c.value)}
        ),
        events_read=found.events_read,
        exposure_events=int(rows["count"].sum()),
        unmatched_copier_jobs=found.unmatched_copier_jobs,
        unknown_documents=found.unknown_documents,
        unknown_fields=tuple(sorted(n for n in by_field if n not in FIELDS_BY_NAME)),
        rows=rows,
        roles=MappingProxyType({s: roles[s] for s in people if s in roles}),
        marked=marked,
        persons_outside_task=int(outside_frame.item()) if outside_frame.height else 0,
    )
