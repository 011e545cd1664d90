"""Scoping: given staff and a period, every data subject exposed, with fields and channels.

The office's first question on the day the police call (issue 6): whose data did this person
see, which items, and how? The answer fills APPI items ② and ③ and addresses the notices,
so it must be exact and reproducible: the same ledger slice always gives the same result in
the same order (subjects by id, fields in catalogue order, channels in enum order).

What counts as an exposure is decided in `ryoken.incident.exposures`; this module filters
by channel, aggregates per subject and counts: persons per field, per field class (APPI
item ②), per role (applicant, family member, legal representative, emergency contact; a
person named in two roles counts in both, and once in the total) and per channel.

The channel filter follows issue 6: `screen`, `print`, `copy`, and `document_image`, which
keeps paper handled at the counter *and* any exposure of a document-image field (a 戸籍謄本
on a screen or printed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
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
    "Period",
    "PrintJob",
    "Scope",
    "scope",
]

UNKNOWN_ROLE = "unknown"
_FIELD_ORDER = {f.name: i for i, f in enumerate(FIELDS)}
_CHANNEL_ORDER = {c: i for i, c in enumerate(Channel)}


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


@dataclass(frozen=True, slots=True)
class ExposedSubject:
    subject: str
    roles: tuple[str, ...]  # SubjectRole values, or ("unknown",)
    fields: tuple[str, ...]  # catalogue order
    exposures: tuple[FieldExposure, ...]  # by field (catalogue order), then channel

    @property
    def field_classes(self) -> tuple[FieldClass, ...]:
        classes = {FIELDS_BY_NAME[f].field_class for f in self.fields if f in FIELDS_BY_NAME}
        return tuple(c for c in FieldClass if c in classes)


@dataclass(frozen=True)
class Scope:
    """Everyone exposed by `staff` in `period`, with counts for APPI items ② and ③."""

    staff: tuple[str, ...]
    period: Period
    channels: tuple[Channel, ...]
    subjects: tuple[ExposedSubject, ...]  # ordered by subject id
    by_field: Mapping[str, int]  # persons per field, catalogue order
    by_field_class: Mapping[FieldClass, int]  # persons per field class
    by_role: Mapping[str, int]  # persons per role (a person with two roles counts in both)
    by_channel: Mapping[Channel, int]  # persons per channel
    events_read: int  # events of the staff in the period
    exposure_events: int  # (event, subject, field) exposures before aggregation
    unmatched_copier_jobs: tuple[int, ...] = ()  # refs of copier jobs with no ryoken job
    unknown_documents: tuple[str, ...] = ()
    unknown_fields: tuple[str, ...] = ()

    @property
    def persons(self) -> int:
        """APPI item ③: the number of persons."""
        return len(self.subjects)

    @cached_property
    def _by_id(self) -> dict[str, ExposedSubject]:
        return {s.subject: s for s in self.subjects}

    def subject(self, subject_id: str) -> ExposedSubject | None:
        return self._by_id.get(subject_id)


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
) -> Scope:
    """Every data subject `staff` exposed in `period`, with fields, channels and counts.

    `source`: events (or (seq, event) pairs), or a Polars frame with the docs/events.md
    columns (`at` a timezone-aware Datetime; `details` a JSON string or a struct; an
    optional `seq` column gives the ledger references). `roles`: subject → roles in
    applications (SubjectRole values). `channels`: keep only these (default: all).
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
    )
    rows = found.frame
    if channels is not None:
        rows = rows.filter(_channel_filter(wanted))
    grouped = (
        combine(rows.lazy(), ["subject", "field", "channel"])
        .select(
            "subject",
            "field",
            "channel",
            "first_at",
            "last_at",
            "count",
            "first_ref",
            "masked_only",
        )
        .collect()
    )
    return _assemble(staff_ids, period, wanted, grouped, role_map, found)


def _assemble(
    staff: tuple[str, ...],
    period: Period,
    channels: tuple[Channel, ...],
    grouped: pl.DataFrame,
    roles: Mapping[str, tuple[str, ...]],
    found: Exposures,
) -> Scope:
    per_subject: dict[str, list[FieldExposure]] = {}
    for subject, name, channel, first_at, last_at, count, first_ref, masked in grouped.iter_rows():
        per_subject.setdefault(subject, []).append(
            FieldExposure(name, Channel(channel), first_at, last_at, count, first_ref, masked)
        )
    subjects: list[ExposedSubject] = []
    by_field: Counter[str] = Counter()
    by_class: Counter[FieldClass] = Counter()
    by_role: Counter[str] = Counter()
    by_channel: Counter[Channel] = Counter()
    unknown_fields: set[str] = set()
    for subject in sorted(per_subject):
        items = sorted(
            per_subject[subject], key=lambda e: (_field_key(e.field), _CHANNEL_ORDER[e.channel])
        )
        names = tuple(dict.fromkeys(e.field for e in items))
        exposed = ExposedSubject(
            subject, roles.get(subject) or (UNKNOWN_ROLE,), names, tuple(items)
        )
        subjects.append(exposed)
        by_field.update(names)
        by_class.update(exposed.field_classes)
        by_role.update(exposed.roles)
        by_channel.update({e.channel for e in items})
        unknown_fields.update(n for n in names if n not in FIELDS_BY_NAME)
    role_order = [r.value for r in SubjectRole] + [UNKNOWN_ROLE]
    return Scope(
        staff=staff,
        period=period,
        channels=channels,
        subjects=tuple(subjects),
        by_field=MappingProxyType({n: by_field[n] for n in sorted(by_field, key=_field_key)}),
        by_field_class=MappingProxyType({c: by_class[c] for c in FieldClass if by_class[c]}),
        by_role=MappingProxyType({r: by_role[r] for r in role_order if by_role[r]}),
        by_channel=MappingProxyType({c: by_channel[c] for c in Channel if by_channel[c]}),
        events_read=found.events_read,
        exposure_events=int(grouped["count"].sum()),
        unmatched_copier_jobs=found.unmatched_copier_jobs,
        unknown_documents=found.unknown_documents,
        unknown_fields=tuple(sorted(unknown_fields)),
    )
