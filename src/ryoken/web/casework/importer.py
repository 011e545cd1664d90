"""Importing online applications: the whole file, or nothing (`ryoken applications import`).

The lines are parsed and validated by the pure `online_lines.parse_lines`; a submission id
imported before is refused too, so re-running an import never duplicates an application.
If any line is bad, `ImportRejected` lists every bad line with its number and nothing is
written. Otherwise, in ONE transaction, for each application: its persons into the vault
(`writes.create_subject`), the application accepted with a reception number
(`applications.numbers`), its persons and its online-submission record, an
`application.import` event, and the move to review (`do_transition`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain import validity
from ryoken.domain.applications import ApplicationState, Channel
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.applications.numbers import reception_numbers
from ryoken.web.applications.services import do_transition
from ryoken.web.casework.models import OnlineSubmission
from ryoken.web.casework.online_lines import (
    ImportRejected,
    LineProblem,
    OnlineApplication,
    file_digest,
    parse_lines,
    read_lines,
)
from ryoken.web.env import env_int
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import writes

PURPOSE = "application.import"


def retention_years() -> int:
    """Applications are kept beyond one 10-year passport's life (as the demo seeds them)."""
    return env_int("RYOKEN_RETENTION_YEARS", 11)


@dataclass(frozen=True)
class ImportSummary:
    imported: int
    reception_numbers: tuple[str, ...]
    file_sha256: str


def import_file(
    data: bytes,
    *,
    actor: str,
    today: date,
    office: str = "TKY-IKB",
    now: datetime | None = None,
) -> ImportSummary:
    """Import every application of a JSON Lines file, or none (ImportRejected says why)."""
    at = now or clock.now()
    parsed = parse_lines(read_lines(data), today=today)
    problems = list(parsed.problems)
    done = dict(
        OnlineSubmission.objects.filter(
            submission_id__in=[a.submission_id for a in parsed.applications]
        ).values_list("submission_id", "application__reception_number")
    )
    for app in parsed.applications:
        if app.submission_id in done:
            problems.append(
                LineProblem(
                    app.line,
                    f"submission {app.submission_id} was imported before "
                    f"({done[app.submission_id]})",
                    "この申請は既に取り込まれています。",
                )
            )
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.line))
    digest = file_digest(data)
    with transaction.atomic():
        numbers = tuple(_write(app, actor, office, digest, at) for app in parsed.applications)
    return ImportSummary(len(numbers), numbers, digest)


def _write(app: OnlineApplication, actor: str, office: str, digest: str, at: datetime) -> str:
    retain = validity.add_years(timezone.localdate(at), retention_years())
    subjects = [
        (
            person,
            writes.create_subject(
                actor=actor, values=person.values, purpose=PURPOSE, retain_until=retain, now=at
            ),
        )
        for person in app.persons
    ]
    applicant = subjects[0][1]
    number = str(reception_numbers(office).allocate(timezone.localdate(at)))
    row = Application.objects.create(
        reception_number=number,
        office=office,
        kind=str(app.kind),
        channel=str(Channel.ONLINE),
        state=str(ApplicationState.ACCEPTED),
        applicant=applicant,
        application_date=app.application_date,
        created_at=at,
        accepted_at=at,
        accepted_by=actor[:20],
        requested_validity=app.requested_validity,
        validity_years=app.validity_years,
        criminal_record_yes=app.criminal_record_yes,
        romaji_confirmed=app.romaji_confirmed,
        fee_national=app.fee_national,
        fee_prefectural=app.fee_prefectural,
        expiry_date=app.same_expiry,  # a same-expiry passport keeps the current one's expiry
    )
    ApplicationPerson.objects.bulk_create(
        ApplicationPerson(application=row, subject=s, role=str(p.role))  # relation: in the vault
        for p, s in subjects
    )
    OnlineSubmission.objects.create(
        submission_id=app.submission_id,
        application=row,
        line_number=app.line,
        file_sha256=digest,
        imported_at=at,
        imported_by=actor[:20],
        applicant_minor=app.minor,
        non_hepburn=app.non_hepburn,
        romaji_rule=app.romaji_rule,
        record_changes=",".join(app.record_changes),
        current_passport_issued=app.current_passport_issued,
        current_passport_expiry=app.current_passport_expiry,
    )
    ledger.record_in_transaction(
        Event(
            code=EventCode.APPLICATION_IMPORT,
            at=at,
            actor=actor,
            subjects=tuple(s for _, s in subjects),
            fields=(),
            purpose=PURPOSE,
            grant=None,
            terminal=None,
            details={
                "application": number,
                "submission": app.submission_id,
                "line": app.line,
                "file_sha256": digest,
                "channel": str(Channel.ONLINE),
            },
        )
    )
    do_transition(row, ApplicationState.IN_REVIEW, acting_staff=None, note="online import", now=at)
    return number
