"""What the privacy office screens show, prepared from the ledger and the last run.

Ledger entries are shown as the ledger holds them: codes, times, the staff id, pseudonymous
subject ids, field names, the grant, ticket and window — never a person's data, which the
ledger does not hold.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import zip_longest
from typing import Any

from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ryoken.audit.events import Event, decode_entry
from ryoken.web.accounts.models import Role, Staff
from ryoken.web.i18n import bilingual
from ryoken.web.ledger.frames import iter_entries
from ryoken.web.ledger.models import Entry, EntrySubject
from ryoken.web.watch.models import CanaryPlacement, Case, WatchState
from ryoken.web.watch.service import EXPOSURE_METRICS

MAX_EVIDENCE_ROWS = 400
MAX_TIMELINE_ROWS = 3000
MAX_TOUCHES = 50
ACTIVE = (Case.Status.OPEN, Case.Status.INVESTIGATING)
SHOWN_DETAILS = (
    "kind", "ticket", "window", "step", "grant_kind", "form", "reason", "result", "review",
    "job", "watermark", "document", "pages", "justified", "added", "why", "found", "copier",
    "door", "direction", "unmatched", "case", "from", "to", "action",
)  # fmt: skip

METRIC_LABELS: dict[str, Promise] = {
    "reveals": _("表示（理由付き）"),
    "matches": _("照合"),
    "prints": _("印刷"),
    "copies": _("複写"),
    "undeclared_copies": _("申告のない複合機ジョブ"),
}
GROUP_LABELS: dict[str, Promise] = {
    "employer_kind": _("雇用形態"),
    "vendor": _("委託業者名"),
    "tenure_band": _("勤続年数"),
    "prefecture": _("都道府県職員"),
    "contractor": _("委託業者の職員"),
    "unknown": _("不明"),
    "(none)": _("（委託業者ではない）"),
    "under 1 year": _("1年未満"),
    "1-3 years": _("1年以上3年未満"),
    "3 years or more": _("3年以上"),
    "role": _("役割"),
    "role_employer": _("役割×雇用形態"),
}


def _group_label(dimension: str, group: str) -> str | Promise:
    """A group's label; a role is labelled by its role name, role × employer by both."""
    if dimension == "role":
        return _role_label(group)
    if dimension == "role_employer":
        role, _sep, employer = group.partition(" / ")
        return f"{_role_label(role)} / {GROUP_LABELS.get(employer, employer)}"
    return GROUP_LABELS.get(group, group)


def _role_label(role: str) -> str | Promise:
    return Role(role).label if role in Role.values else GROUP_LABELS.get(role, role)


def ranked_cases(*, show_all: bool = False) -> QuerySet[Case]:
    """The queue: cases still to be settled (open or under investigation) by score, then
    confirmed ones, then dismissed ones."""
    order = When_(
        When(status__in=ACTIVE, then=Value(0)),
        When(status=Case.Status.CONFIRMED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    query = Case.objects.all() if show_all else Case.objects.filter(status__in=ACTIVE)
    return query.annotate(priority=order).order_by("priority", "-score", "first_alert_at", "pk")


def reasons_of(case: Case) -> list[str]:
    """The case's reasons in the staff member's language."""
    return [
        bilingual(ja, en) for ja, en in zip_longest(case.reasons_ja, case.reasons_en, fillvalue="")
    ]


@dataclass
class EventRow:
    seq: int
    at: datetime
    actor: str
    code: str
    subjects: tuple[str, ...]
    fields: tuple[str, ...]
    purpose: str
    grant: str
    terminal: str
    details: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, seq: int, event: Event) -> EventRow:
        return cls(
            seq=seq,
            at=timezone.localtime(event.at),
            actor=event.actor,
            code=str(event.code),
            subjects=event.subjects,
            fields=event.fields,
            purpose=event.purpose,
            grant=event.grant or "",
            terminal=event.terminal or "",
            details=[
                (key, _detail(event.details[key]))
                for key in SHOWN_DETAILS
                if event.details.get(key) is not None
            ],
        )


def _detail(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = "" if value is None else str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def events_at(seqs: Iterable[int]) -> list[EventRow]:
    """The ledger entries with these sequence numbers, in order."""
    wanted = sorted(set(seqs))[:MAX_EVIDENCE_ROWS]
    rows: list[EventRow] = []
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        for _seq, data in (
            Entry.objects.filter(seq__in=part).order_by("seq").values_list("seq", "data")
        ):
            seq, event = decode_entry(bytes(data))
            rows.append(EventRow.of(seq, event))
    return rows


@dataclass
class Day:
    day: date
    rows: list[EventRow]


def timeline(staff_id: str, *, end: date, days: int) -> tuple[list[Day], bool]:
    """The staff member's ledger entries by local day over `days` days ending on `end`;
    and whether the list was cut at MAX_TIMELINE_ROWS."""
    tz = timezone.get_current_timezone()
    start_day = end - timedelta(days=days - 1)
    since = datetime.combine(start_day, datetime.min.time(), tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    by_day: dict[date, list[EventRow]] = {}
    count = 0
    cut = False
    for entries in iter_entries(actor=staff_id, since=since, until=until, chunk=1000):
        for seq, event in entries:
            if count >= MAX_TIMELINE_ROWS:
                cut = True
                break
            row = EventRow.of(seq, event)
            by_day.setdefault(row.at.date(), []).append(row)
            count += 1
        if cut:
            break
    return [Day(d, by_day[d]) for d in sorted(by_day)], cut


def day_counts(days: list[Day], *, end: date, span: int) -> list[tuple[str, int]]:
    counts = {d.day: len(d.rows) for d in days}
    first = end - timedelta(days=span - 1)
    return [
        (f"{first + timedelta(days=i):%Y-%m-%d}", counts.get(first + timedelta(days=i), 0))
        for i in range(span)
    ]


# --- exposure per applicant served -------------------------------------------------------


@dataclass
class Exposure:
    served: float
    mine: dict[str, float]
    peers: dict[str, float]
    peer_count: int


def _per_served(row: dict[str, float]) -> dict[str, float]:
    served = row.get("served", 0.0)
    return {m: (row.get(m, 0.0) / served if served else 0.0) for m in EXPOSURE_METRICS}


def exposure_of(staff: Staff) -> Exposure | None:
    """The staff member's rates per person served, and the median of colleagues in the same
    role over the same window (the last full run's figures); None before any run."""
    figures: dict[str, dict[str, float]] = WatchState.load().summary.get("exposure", {})
    if not figures:
        return None
    same_role = set(
        Staff.objects.filter(role=staff.role)
        .exclude(pk=staff.pk)
        .values_list("staff_id", flat=True)
    )
    peer_rates = [
        _per_served(row)
        for sid, row in figures.items()
        if sid in same_role and row.get("served", 0.0) > 0
    ]
    peers = {
        m: (statistics.median(r[m] for r in peer_rates) if peer_rates else 0.0)
        for m in EXPOSURE_METRICS
    }
    mine = figures.get(staff.staff_id, {})
    return Exposure(
        served=mine.get("served", 0.0),
        mine=_per_served(mine),
        peers=peers,
        peer_count=len(peer_rates),
    )


# --- canaries ----------------------------------------------------------------------------


@dataclass
class Canary:
    subject_id: str
    placement: CanaryPlacement | None
    touches: list[tuple[EventRow, int | None]]


def canaries(canary_ids: Iterable[str]) -> list[Canary]:
    """Each canary with where it was planted and every ledger entry that names it, each with
    the case that cites it (if any)."""
    placements = {p.subject_id: p for p in CanaryPlacement.objects.all()}
    cited: dict[int, int] = {}
    for case_id, evidence in Case.objects.filter(detectors__contains="canary").values_list(
        "pk", "evidence"
    ):
        for seq in evidence.get("seqs", []):
            cited.setdefault(int(seq), case_id)
    out = []
    for subject_id in sorted(set(canary_ids) | set(placements)):
        seqs = list(
            EntrySubject.objects.filter(subject=subject_id)
            .order_by("-seq")
            .values_list("seq", flat=True)[:MAX_TOUCHES]
        )
        touches = [(row, cited.get(row.seq)) for row in events_at(seqs)]
        out.append(Canary(subject_id, placements.get(subject_id), touches))
    return out


def group_rates() -> list[dict[str, Any]]:
    """The last full run's alert rates by staff group, labelled in the staff member's language."""
    rows: list[dict[str, Any]] = WatchState.load().summary.get("alert_rates_by_group", [])
    return [
        {
            **row,
            "dimension_label": GROUP_LABELS.get(row["dimension"], row["dimension"]),
            "group_label": _group_label(row["dimension"], str(row["group"])),
        }
        for row in rows
    ]
