"""Loss reports (紛失届・焼失届) at the loss window.

The person present gives their name in kana and their birth date; the vault's blind indexes
find the passport holder by equality (`find_subjects`), without anyone reading records. The
clerk sees only how many were found and, to tell them apart, facts about their applications
that are not personal values (when and what they applied for). Only the person the clerk
chooses is added to the grant; then the name and photo on file are shown to confirm them.

Filing needs a police report number or a 罹災証明書 and a photo (FACTS.md). The photo goes
into the vault; the report becomes an `Application` of kind loss_report, filed → accepted in
one transaction: the passport lapses on the report, which cannot be withdrawn (the accepted
state is final). A new application can be made on the same visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain.applications import (
    ApplicationKind,
    Channel,
    LossReportState,
    initial_state,
)
from ryoken.domain.documents import loss_report_evidence_sufficient
from ryoken.domain.fields import SubjectRole
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.privacy import normalise
from ryoken.privacy.policy import Step
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.applications.numbers import reception_numbers
from ryoken.web.applications.services import do_transition
from ryoken.web.counter import match_limits
from ryoken.web.counter.prints.text import KIND_LABELS_JA
from ryoken.web.i18n import state_label
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import gateway, search, writes

MAX_CANDIDATES = 5
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


def access_loss_grant(staff: Staff, grant_id: str, now: datetime | None = None) -> Grant:
    """The caller's own open grant at the loss window (AccessDenied otherwise)."""
    grant = grants.access_grant(staff, grant_id, now)
    if grant.step != Step.LOSS_REPORT or grant.ticket is None:
        raise AccessDenied("not a loss-report grant")
    return grant


def holder_of(grant: Grant) -> str | None:
    """The passport holder chosen for this visit (the grant's only person), if any."""
    subjects = list(grant.subjects.values_list("subject", flat=True)[:2])
    return subjects[0] if len(subjects) == 1 else None


def report_of(grant: Grant) -> Application | None:
    """The loss report already filed on this visit, if any."""
    if grant.ticket is None:
        return None
    return grant.ticket.applications.filter(kind=ApplicationKind.LOSS_REPORT.value).first()


# --- finding the holder ------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One person found: no personal values, only what tells candidates apart."""

    index: int
    applications: int
    latest_date: date | None
    latest_kind_ja: str
    latest_state_ja: str


def find_holders(
    *, grant: Grant, name_kana: str, birth_date: str, passport_number: str = ""
) -> list[str]:
    """Persons whose kana reading and birth date (and passport number, if given) equal these.

    Only applicants count (a family member named in a 戸籍謄本 holds no passport of ours).
    The search is a ledger event: which indexes, how many found, and who.
    """
    kana = normalise.name_kana(name_kana)
    born = normalise.birth_date(birth_date)
    at = clock.now()
    match_limits.check_allowance(grant, None, at=at, purpose="loss_report:find_holder")
    found = set(search.find_subjects("name_kana", kana)) & set(
        search.find_subjects("birth_date", born)
    )
    kinds = "name_kana+birth_date"
    if passport_number.strip() and found:
        found &= set(
            search.find_subjects("passport_number", normalise.passport_number(passport_number))
        )
        kinds += "+passport_number"
    holders = sorted(
        set(
            ApplicationPerson.objects.filter(
                subject__in=found, role=SubjectRole.APPLICANT.value
            ).values_list("subject", flat=True)
        )
    )
    ledger.record(
        Event(
            code=EventCode.SEARCH,
            at=at,
            actor=grant.staff.staff_id,
            subjects=tuple(holders),
            fields=(),
            purpose="loss_report:find_holder",
            grant=grant.grant_id,
            terminal=grant.window.code if grant.window else None,
            # schema v2: a result list under the task that searched; it lists no personal
            # field of the persons found (fields []), only facts about their applications
            details={"kind": "holder_lookup", "kinds": kinds, "found": len(holders), "reason": ""},
        )
    )
    if not holders:
        match_limits.alert_on_misses(grant, None, at)
    return holders


def describe(candidates: list[str]) -> list[Candidate]:
    out = []
    for index, subject in enumerate(candidates):
        apps = Application.objects.filter(applicant=subject).exclude(
            kind=ApplicationKind.LOSS_REPORT.value
        )
        latest = apps.order_by("-application_date", "-pk").first()
        # Shown on the loss screen: in the staff member's language despite the names.
        state_ja = state_label(latest.state) if latest is not None else ""
        out.append(
            Candidate(
                index=index,
                applications=apps.count(),
                latest_date=latest.application_date if latest else None,
                latest_kind_ja=gettext(KIND_LABELS_JA[latest.kind])
                if latest and latest.kind in KIND_LABELS_JA
                else (latest.kind if latest else ""),
                latest_state_ja=state_ja,
            )
        )
    return out


def choose_holder(grant: Grant, subject_id: str) -> None:
    """The clerk chose this person: only now does the grant cover them."""
    if holder_of(grant) is not None or grant.subjects.exists():
        raise RuleViolation(
            "a holder was already chosen on this visit",
            message_ja=gettext_noop("この受付では既に届出人を選択しています。"),
        )
    grants.add_subjects(grant, [subject_id], via="search")


# --- filing ----------------------------------------------------------------------------------


def sniff_photo(data: bytes) -> str:
    """The image type from its first bytes (PNG or JPEG), or InvalidInput."""
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(
            "the photo is larger than 5 MB",
            message_ja=gettext_noop("写真のファイルは5MB以下にしてください。"),
        )
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    raise InvalidInput(
        "the photo is not a PNG or JPEG image",
        message_ja=gettext_noop("写真はPNGまたはJPEG形式の画像を選んでください。"),
    )


@dataclass(frozen=True)
class LossEvidence:
    police_report_number: str
    disaster_certificate: bool
    photo: bytes | None
    lost_passport_number: str = ""


def check_evidence(evidence: LossEvidence) -> None:
    """A police report number or a 罹災証明書, and a photo (PNG/JPEG, ≤5 MB)."""
    check = loss_report_evidence_sufficient(
        police_report_number=evidence.police_report_number,
        disaster_certificate=evidence.disaster_certificate,
        photo=bool(evidence.photo),
    )
    if not check.ok:
        raise InvalidInput(check.reason, message_ja=check.reason_ja + "。")
    assert evidence.photo is not None  # noqa: S101 - checked just above
    sniff_photo(evidence.photo)


def _lost_number_matches(grant: Grant, subject_id: str, number: str) -> bool | None:
    if not number.strip():
        return None
    at = clock.now()
    purpose = "loss_report:lost_passport"
    match_limits.check_allowance(grant, subject_id, at=at, purpose=purpose)
    matched = gateway.match(
        actor=grant.staff.staff_id,
        subject_id=subject_id,
        field_name="passport_number",
        presented=normalise.passport_number(number),
        purpose=purpose,
        grant=grant.grant_id,
        terminal=grant.window.code if grant.window else None,
    )
    if not matched:
        match_limits.alert_on_misses(grant, subject_id, at)
    return matched


def file_loss_report(
    *, staff: Staff, grant: Grant, evidence: LossEvidence, now: datetime | None = None
) -> tuple[Application, bool | None]:
    """File and accept the report; the lost passport lapses now. Returns the report and
    whether the lost passport's number (if given) matched the number on file."""
    at = now or clock.now()
    today = timezone.localdate(at)
    holder = holder_of(grant)
    if holder is None:
        raise RuleViolation(
            "choose the passport holder first",
            message_ja=gettext_noop("先に届出人（旅券の名義人）を選んでください。"),
        )
    if report_of(grant) is not None:
        raise RuleViolation(
            "a loss report was already filed on this visit",
            message_ja=gettext_noop("この受付で紛失届は既に受理しています。"),
        )
    check_evidence(evidence)
    assert evidence.photo is not None  # noqa: S101 - check_evidence refuses a missing photo
    # A durable match event cannot run inside the transaction below: do it first.
    matched = _lost_number_matches(grant, holder, evidence.lost_passport_number)
    kind = ApplicationKind.LOSS_REPORT
    evidence_note = (
        f"警察署受理番号 {evidence.police_report_number.strip()}"
        if evidence.police_report_number.strip()
        else "罹災証明書"
    )
    if evidence.police_report_number.strip() and evidence.disaster_certificate:
        evidence_note += "・罹災証明書"
    lost = {None: "旅券番号不明", True: "旅券番号一致", False: "旅券番号不一致"}[matched]
    with transaction.atomic():
        writes.store(
            actor=staff.staff_id,
            subject_id=holder,
            values={"face_photo": evidence.photo},
            purpose="loss_report:photo",
            grant=grant.grant_id,
        )
        report = Application.objects.create(
            office=grant.window.office if grant.window else staff.office,
            kind=kind.value,
            channel=Channel.PAPER.value,
            state=str(initial_state(kind)),
            applicant=holder,
            application_date=today,
            created_at=at,
        )
        report.reception_number = str(reception_numbers(report.office).allocate(today))
        report.save(update_fields=["reception_number"])
        ApplicationPerson.objects.create(
            application=report, subject=holder, role=SubjectRole.APPLICANT.value
        )
        assert grant.ticket is not None  # noqa: S101 - access_loss_grant guarantees it
        grant.ticket.applications.add(report)
        report = do_transition(
            report,
            LossReportState.ACCEPTED,
            acting_staff=staff,
            grant=grant.grant_id,
            note=f"紛失届受理・旅券失効（{evidence_note}、{lost}）",
            now=at,
            accepted_at=at,
            accepted_by=staff.staff_id,
            lapsed_on=today,
        )
    return report, matched


def seed_demo_tickets(count: int = 2, *, now: datetime | None = None) -> int:
    """Loss-report tickets waiting for the loss window in the demo's day (the seed calls it)."""
    from ryoken.web.counter.queue import service as queue

    for _ in range(count):
        queue.issue_ticket("loss_report", now=now)
    return count
