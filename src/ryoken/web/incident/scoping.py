"""Scoping: every person the suspects exposed in the period, from their ledger slice; the
accesses no task explains; and the scoping's export for the police and the commission
(recorded)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import timedelta

import polars as pl

from ryoken import clock
from ryoken.audit.events import Event, EventCode, decode_entry
from ryoken.detect.config import DetectConfig
from ryoken.errors import InvalidInput
from ryoken.incident import exports
from ryoken.incident.exposures import Channel, Period
from ryoken.incident.scope import OutsideTask, Scope, scope
from ryoken.incident.tasks import outside_task
from ryoken.web.access import grants
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.models import ApplicationPerson
from ryoken.web.incident.incidents import CHUNK, officer_event, period_of
from ryoken.web.incident.models import Incident
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.frames import frame_of, read_frame
from ryoken.web.ledger.models import Entry
from ryoken.web.vault.models import Subject, Value


def ledger_slice(staff_ids: Iterable[str], period: Period) -> list[tuple[int, bytes]]:
    """(seq, entry bytes) of the staff's entries in the period, by seq (the actor/at index)."""
    rows = (
        Entry.objects.filter(actor__in=list(staff_ids), at__gte=period.start, at__lt=period.end)
        .order_by("seq")
        .values_list("seq", "data")
    )
    return [(seq, bytes(data)) for seq, data in rows.iterator(chunk_size=2000)]


def _decoded(entries: Iterable[tuple[int, bytes]]) -> list[tuple[int, Event]]:
    return [decode_entry(data) for _, data in entries]


def _roles_and_named(
    subjects: Iterable[str],
) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """Roles of each subject in applications, and who each applicant's documents name: the
    family members of their applications (the 戸籍謄本 names them; a legal representative or
    an emergency contact is on the form, not in a document image)."""
    wanted = sorted(set(subjects))
    app_ids: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        app_ids.update(
            ApplicationPerson.objects.filter(subject__in=wanted[start : start + CHUNK]).values_list(
                "application_id", flat=True
            )
        )
    roles: dict[str, set[str]] = {}
    by_app: dict[int, list[tuple[str, str]]] = {}
    ids = sorted(app_ids)
    for start in range(0, len(ids), CHUNK):
        for app, subject, role in ApplicationPerson.objects.filter(
            application_id__in=ids[start : start + CHUNK]
        ).values_list("application_id", "subject", "role"):
            roles.setdefault(subject, set()).add(role)
            by_app.setdefault(app, []).append((subject, role))
    named: dict[str, list[str]] = {}
    for persons in by_app.values():
        applicants = [s for s, r in persons if r == "applicant"]
        others = [s for s, r in persons if r == "family_member"]
        for applicant in applicants:
            named.setdefault(applicant, []).extend(o for o in others if o != applicant)
    return roles, {k: sorted(set(v)) for k, v in named.items()}


def scope_of(
    staff_ids: Sequence[str], period: Period, *, channels: Sequence[Channel] | None = None
) -> Scope:
    """Every person the staff exposed in the period, from the ledger."""
    events = _decoded(ledger_slice(staff_ids, period))
    seen = {s for _, e in events for s in e.subjects}
    roles, named = _roles_and_named(seen)
    return scope(
        events,
        list(staff_ids),
        period,
        channels=channels,
        roles=roles,
        named_in=named,
        held=held_fields(seen),
        outside=outside_of(events, staff_ids, period),
    )


# Grants are opened before the work they explain; a review of a break-glass comes after it.
GRANT_CONTEXT = timedelta(days=1)
GRANT_CODES = (EventCode.GRANT_OPEN.value, EventCode.GRANT_CLOSE.value, "breakglass.open")


def outside_of(
    events: Sequence[tuple[int, Event]], staff_ids: Sequence[str], period: Period
) -> OutsideTask:
    """The staff's accesses no task explains, as the watcher judges them
    (`ryoken.incident.tasks`): their own entries, with the grants they opened just before
    the period, the hosts' grants they assisted, and every review of a break-glass."""
    parts = [frame_of(list(events))]
    for staff_id in staff_ids:
        parts.append(
            read_frame(
                actor=staff_id,
                since=period.start - GRANT_CONTEXT,
                until=period.start,
                codes=GRANT_CODES,
            )
        )
    assisted = sorted({e.grant for _, e in events if e.code == EventCode.GRANT_ASSIST and e.grant})
    for start in range(0, len(assisted), CHUNK):
        rows = Entry.objects.filter(
            grant__in=assisted[start : start + CHUNK], code__in=GRANT_CODES
        ).values_list("data", flat=True)
        parts.append(frame_of([decode_entry(bytes(d)) for d in rows]))
    parts.append(read_frame(since=period.start, codes=("breakglass.review",)))
    frame = pl.concat([p for p in parts if p.height], how="vertical_relaxed")
    if frame.is_empty():
        return OutsideTask()
    frame = frame.unique(subset="line", keep="first").sort("line")
    # The watcher's settings (watch.service.detect_config): this office's grant lengths.
    return outside_task(frame, DetectConfig().with_(grant_minutes=grants.grant_minutes()))


def held_fields(subjects: Iterable[str]) -> dict[str, set[str]]:
    """subject → the fields their record holds (which values exist; nothing is decrypted).
    A crypto-shredded person is left out: what their record held is no longer known."""
    wanted = sorted(set(subjects))
    live = set(
        Subject.objects.filter(pk__in=wanted, wrapped_key__isnull=False).values_list(
            "pk", flat=True
        )
    )
    out: dict[str, set[str]] = {s: set() for s in live}
    for start in range(0, len(wanted), CHUNK):
        part = [s for s in wanted[start : start + CHUNK] if s in live]
        for subject, name in Value.objects.filter(subject_id__in=part).values_list(
            "subject_id", "field"
        ):
            out[subject].add(name)
    return out


def incident_scope(incident: Incident, *, channels: Sequence[Channel] | None = None) -> Scope:
    return scope_of(incident.suspects, period_of(incident), channels=channels)


def export_scope(
    incident: Incident, fmt: str, *, officer: Staff, channels: Sequence[Channel] | None = None
) -> bytes:
    """The scoping as CSV or Excel, for the police and the commission (recorded)."""
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(f"unknown export format {fmt!r}", message_ja="形式が不明です。")
    found = incident_scope(incident, channels=channels)
    now = clock.now()
    data = exports.to_csv(found) if fmt == "csv" else exports.to_xlsx(found, generated_at=now)
    ledger.record(
        officer_event(
            EventCode.EXPORT_EVIDENCE,
            officer,
            incident=incident.pk,
            what=f"scope_{fmt}",
            persons=found.persons,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    )
    return data
