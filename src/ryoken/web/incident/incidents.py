"""Opening an incident, and what every step of the response shares.

Every step is itself a ledger event (`officer_event`, purpose "incident response"): opening
an incident, placing a hold (`evidence.py`), every export of evidence or scoping, and every
read of a person's name and address for the notices. The pure work is `ryoken.incident`;
the steps read the ledger slice through the (actor, at) index and hand it over:
`scoping.py` (who was exposed), `evidence.py` (the hold and the signed bundle),
`attribution.py` (the source of a leaked list), `reports.py` (the facts and the report to
the commission), `notification.py` (the notices to the persons); `whosaw.py` answers a
person who asks. They are shared by `ryoken incident` and the privacy-office screens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ryoken import clock
from ryoken.audit.events import DetailValue, Event, EventCode
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.incident.exposures import Period
from ryoken.web.accounts.models import Role, Staff
from ryoken.web.incident.models import Incident
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry

PURPOSE = "incident response"
CHUNK = 500
SCREEN_CODES = frozenset(
    {
        EventCode.DISCLOSURE.value,
        EventCode.MATCH.value,
        EventCode.PRINT.value,
        EventCode.COPY.value,
        EventCode.DOCUMENT_SCAN.value,
    }
)


def officer_event(
    code: EventCode, officer: Staff, *, subjects: Sequence[str] = (), **details: DetailValue
) -> Event:
    """An event of the response, by the privacy officer, for the incident-response purpose."""
    return Event(
        code=code,
        at=clock.now(),
        actor=officer.staff_id,
        subjects=tuple(subjects),
        purpose=PURPOSE,
        details=details,
    )


def open_incident(
    *,
    title: str,
    learned_on: date,
    suspects: Sequence[str],
    start: datetime,
    end: datetime,
    officer: Staff,
    unlawful_purpose: bool = True,
    case_id: int | None = None,
) -> Incident:
    """Open an incident on the suspects' period (checked: the staff must exist)."""
    title = title.strip()
    if not title:
        raise InvalidInput("an incident needs a title", message_ja="件名を入力してください。")
    ids = sorted({s.strip() for s in suspects if s.strip()})
    if not ids:
        raise InvalidInput("name at least one staff member", message_ja="職員を指定してください。")
    known = set(Staff.objects.filter(staff_id__in=ids).values_list("staff_id", flat=True))
    missing = [s for s in ids if s not in known]
    if missing:
        raise InvalidInput(
            f"no staff member {', '.join(missing)}",
            message_ja=f"職員 {'、'.join(missing)} は登録されていません。",
        )
    period = Period(start, end)  # refuses an end before the start
    if case_id is not None:
        confirmed_case(case_id)
    now = clock.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title[:200],
            learned_on=learned_on,
            suspects=ids,
            period_start=period.start,
            period_end=period.end,
            unlawful_purpose=unlawful_purpose,
            case_id=case_id,
            created_by=officer.staff_id,
            created_at=now,
        )
        # Opening is a step of the response like the others: in the ledger, or not at all.
        ledger.record_in_transaction(
            officer_event(
                EventCode.INCIDENT_CHANGE,
                officer,
                incident=incident.pk,
                change="opened",
                suspects=",".join(ids),
                case=case_id if case_id is not None else 0,
            )
        )
    return incident


def confirmed_case(case_id: int) -> Any:
    """The privacy office's case an incident is opened from: confirmed, and not yet the
    start of another incident (one incident per case)."""
    from ryoken.web.watch.models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise InvalidInput(f"no case {case_id}", message_ja=f"事案 {case_id} はありません。")
    if case.status != Case.Status.CONFIRMED:
        raise RuleViolation(
            f"case {case_id} is not confirmed",
            message_ja=(
                f"事案 {case_id} は事故と確定していません。確定した事案から登録してください。"
            ),
        )
    taken = Incident.objects.filter(case_id=case_id).first()
    if taken is not None:
        raise RuleViolation(
            f"case {case_id} already opened incident #{taken.pk}",
            message_ja=f"事案 {case_id} は既に漏えい等事案 #{taken.pk} として登録されています。",
        )
    return case


def draft_from_case(case_id: int, *, today: date, look_back_days: int = 365) -> dict[str, Any]:
    """What the incident form starts from for a confirmed case: its staff member, and the
    period from their first ledger entry (at most `look_back_days` ago) to today. The
    privacy officer reads and corrects it before opening the incident."""
    case = confirmed_case(case_id)
    earliest = today - timedelta(days=look_back_days)
    zone = timezone.get_current_timezone()
    first = (
        Entry.objects.filter(actor=case.staff_id, at__gte=datetime.combine(earliest, time(), zone))
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    start = timezone.localtime(first).date() if first is not None else earliest
    return {
        "case": case.pk,
        "title": f"{case.incident_ref or case.pk} ({case.staff_id})",
        "staff": case.staff_id,
        "start": start,
        "end": today,
        "learned_on": today,
        "unlawful_purpose": True,
    }


def period_of(incident: Incident) -> Period:
    return Period(incident.period_start, incident.period_end)


def get_incident(incident_id: int) -> Incident:
    found = Incident.objects.filter(pk=incident_id).first()
    if found is None:
        raise InvalidInput(
            f"no incident #{incident_id}", message_ja=f"事案 #{incident_id} はありません。"
        )
    return found


def officer_of(staff_id: str) -> Staff:
    """The privacy officer acting (the CLI names them; the screens know them)."""
    officer = Staff.objects.filter(staff_id=staff_id).first()
    if officer is None or officer.role != Role.PRIVACY_OFFICER:
        raise AccessDenied(
            f"{staff_id} is not a privacy officer",
            message_ja="個人情報保護責任者のみが操作できます。",
        )
    return officer
