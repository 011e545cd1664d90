"""Counter intake use cases: each write is one `do_*` function in one transaction.

    do_call_next(staff, window)           call the next applicant to the window (opens a grant)
    do_close(grant, staff, no_show=...)   the applicant leaves: the ticket and grant close
    do_intake(grant, staff, data)         every person into the vault, the draft application
    do_confirm_romaji(...)                the passport spelling, confirmed by the clerk
    do_store_scans(...)                   document images into the vault (document.scan)
    do_accept(...)                        受理: reception number, draft → accepted → in_review

Persons are created through the vault gateway only, and added to the clerk's grant, so the
clerk can see them while (and only while) the applicant is at the window. Reading back goes
through the gateway with the grant: every value on a screen is in the ledger.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain import applications as rules
from ryoken.domain import validity
from ryoken.domain.applications import (
    ApplicationKind,
    ApplicationState,
    Channel,
    HeldPassport,
    ProxyRelation,
    RecordChange,
)
from ryoken.domain.documents import KOSEKI_KINDS, ChecklistItem, Visit, checklist
from ryoken.domain.fields import SubjectRole
from ryoken.domain.people import Person, SubjectId, new_subject_id
from ryoken.errors import ConfigurationError, InvalidInput, RuleViolation
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.models import Staff, Window
from ryoken.web.applications.fees import fee_quote
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.applications.numbers import reception_numbers
from ryoken.web.applications.services import do_transition
from ryoken.web.counter.models import IntakeRecord, Ticket
from ryoken.web.counter.queue import service as queue
from ryoken.web.i18n import bilingual, staff_message
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import gateway, writes

# Applications (and everyone named in them) are kept 11 years from the application date:
# beyond the life of a 10-year passport, for lapse surcharges and fraud checks.
RETENTION_YEARS = 11
PURPOSE = "intake"
# A placeholder subject id for checking the rules before anyone is written to the vault.
_CHECK_ID = SubjectId("ds_" + "0" * 26)

# Document scans: form field → (vault field, label, whose document).
SCAN_DOCUMENTS: dict[str, tuple[str, str | Promise, SubjectRole]] = {
    "koseki": ("koseki_image", _("戸籍謄本"), SubjectRole.APPLICANT),
    "photo": ("face_photo", _("顔写真"), SubjectRole.APPLICANT),
    "signature": ("signature_image", _("申請者の署名"), SubjectRole.APPLICANT),
    "representative_signature": (
        "signature_image",
        _("法定代理人の署名"),
        SubjectRole.LEGAL_REPRESENTATIVE,
    ),
}


@dataclass(frozen=True)
class PersonInput:
    """One person as the form names them: catalogue field → value, and their relation."""

    role: SubjectRole
    values: dict[str, str]
    relation: str = ""  # to the applicant (ApplicationPerson.relation)

    @property
    def key(self) -> tuple[str, str]:
        return (self.values.get("name_kanji", ""), self.values.get("name_kana", ""))


@dataclass(frozen=True)
class IntakeInput:
    """A paper application as entered at the window, cleaned by the forms."""

    kind: ApplicationKind
    applicant: PersonInput
    birth_date: date
    criminal_record_yes: bool
    requested_validity: int | None = None
    proxy: ProxyRelation | None = None
    record_changes: frozenset[RecordChange] = frozenset()
    current_passport_issued: date | None = None
    current_passport_expiry: date | None = None
    visa_pages_full: bool = False
    passport_damaged: bool = False
    ic_chip_failed: bool = False
    others: tuple[PersonInput, ...] = field(default_factory=tuple)

    def has(self, role: SubjectRole) -> bool:
        return any(p.role is role for p in self.others)


# --- rules, before anything is written ---------------------------------------------------


def _domain_application(
    data: IntakeInput, today: date, *, non_hepburn: bool = False
) -> rules.Application:
    held = None
    if data.current_passport_expiry is not None:
        issued = data.current_passport_issued or data.current_passport_expiry
        # The number is personal data and plays no part in the rules: it stays in the vault.
        held = HeldPassport("", issued, data.current_passport_expiry)
    return rules.Application(
        kind=data.kind,
        channel=Channel.PAPER,
        applicant=Person(
            _CHECK_ID, data.applicant.values["name_kanji"], birth_date=data.birth_date
        ),
        application_date=today,
        requested_validity_years=data.requested_validity,
        current_passport=held,
        record_changes=data.record_changes,
        criminal_record_answer=data.criminal_record_yes,
        proxy=data.proxy,
        non_hepburn=non_hepburn,
        passport_damaged=data.passport_damaged,
        visa_pages_full=data.visa_pages_full,
        ic_chip_failed=data.ic_chip_failed,
    )


def applicant_is_minor(birth_date: date, on: date) -> bool:
    return not validity.may_have_ten_years(birth_date, on)


def rule_errors(data: IntakeInput, today: date) -> dict[str, str]:
    """The passport rules' objections, by form field, in the staff member's language."""
    errors: dict[str, str] = {}
    if data.kind is not ApplicationKind.RECORD_CHANGE_SAME_EXPIRY:
        try:
            validity.validity_years(
                birth_date=data.birth_date,
                application_date=today,
                requested_years=data.requested_validity,
            )
        except (RuleViolation, InvalidInput) as error:
            errors["requested_validity"] = staff_message(error)
    if applicant_is_minor(data.birth_date, today) and not data.has(
        SubjectRole.LEGAL_REPRESENTATIVE
    ):
        errors["representative"] = gettext("未成年の申請者には法定代理人の記入が必要です。")
    try:
        app = _domain_application(data, today)
    except (InvalidInput, RuleViolation) as error:
        errors.setdefault("kind", staff_message(error))
        return errors
    if data.proxy is not None:
        result = rules.proxy_eligibility(app)
        if not result.allowed:
            labels = [rules.PROXY_REFUSAL_LABELS[r] for r in result.refusals]
            why = bilingual(
                "、".join(ja for _en, ja in labels), "; ".join(en for en, _ja in labels)
            )
            errors["proxy"] = gettext(
                "この申請は代理提出できません（%(why)s）。申請者本人が提出してください。"
            ) % {"why": why}
    if data.kind is ApplicationKind.RENEWAL:
        renewal = rules.renewal_eligibility_of(app)
        if not renewal.eligible:
            held = app.current_passport
            if held is None or not validity.is_valid_on(held.expiry, today):
                errors["kind"] = gettext(
                    "有効な旅券がないため、切替ではなく新規で申請してください。"
                )
            else:
                errors["kind"] = gettext(
                    "残存有効期間が1年以上あり、切替の理由（査証欄の余白なし・著しい損傷・"
                    "ICチップの不具合）にも当たりません。"
                )
    if data.kind is ApplicationKind.RECORD_CHANGE_SAME_EXPIRY:
        try:
            rules.passport_term(app)
        except (RuleViolation, InvalidInput) as error:
            errors["current_passport_expiry"] = staff_message(error)
    return errors


# --- the queue -----------------------------------------------------------------------------


def do_call_next(staff: Staff, window: Window) -> tuple[Ticket, Grant] | None:
    """Call the next applicant to `window`: refused if a colleague is serving there."""
    queue.expire_grants()
    busy = (
        Grant.objects.filter(window=window, closed_at__isnull=True, expires_at__gt=clock.now())
        .exclude(staff=staff)
        .exists()
    )
    if busy:
        raise RuleViolation(
            f"window {window.code} is in use by a colleague",
            message_ja=f"{window.label}は他の職員が対応中です。別の窓口を選んでください。",
        )
    return queue.call_next(staff, window)


def do_close(grant: Grant, *, staff: Staff, no_show: bool = False) -> None:
    """The applicant leaves the window (or never came): the ticket closes, the grant ends."""
    if grant.ticket is None:
        raise InvalidInput("this work has no queue ticket")
    queue.close_ticket(grant.ticket, staff=staff, no_show=no_show)


# --- intake --------------------------------------------------------------------------------


def _merged_people(data: IntakeInput) -> list[tuple[dict[str, str], list[PersonInput]]]:
    """One data subject per person, however many roles the form names them in.

    A mother named in the 戸籍謄本, as legal representative and as emergency contact is one
    person (same name and reading): one subject with three roles, counted once in a report.
    """
    people: list[tuple[dict[str, str], list[PersonInput]]] = [
        (dict(data.applicant.values), [data.applicant])
    ]
    for person in data.others:
        for values, named in people[1:]:
            if named[0].key == person.key:
                for name, value in person.values.items():
                    values.setdefault(name, value)
                named.append(person)
                break
        else:
            people.append((dict(person.values), [person]))
    return people


def _workflow_event(
    grant: Grant, staff: Staff, app: Application, subjects: Iterable[str], **details: object
) -> Event:
    return Event(
        code=EventCode.WORKFLOW_TRANSITION,
        at=clock.now(),
        actor=staff.staff_id,
        subjects=tuple(subjects),
        fields=(),
        purpose=PURPOSE,
        grant=grant.grant_id,
        terminal=grant.window.code if grant.window else None,
        details={
            "application": str(app.reception_number or app.pk),
            **{k: v for k, v in details.items() if isinstance(v, str | int | bool) or v is None},
        },  # type: ignore[dict-item]
    )


def do_intake(
    *, grant: Grant, staff: Staff, data: IntakeInput, now: datetime | None = None
) -> Application:
    """Everyone named in the application into the vault, the draft application, in one go.

    Any refusal (rules, vault, ledger) rolls the whole intake back: no person, no
    application, no grant subject, no ledger entry is left half-written.
    """
    at = now or clock.now()
    today = timezone.localdate(at)
    errors = rule_errors(data, today)
    if errors:
        raise InvalidInput(
            "the application breaks the passport rules: " + "; ".join(errors),
            message_ja=" ".join(errors.values()),
        )
    if grant.ticket is None:
        raise InvalidInput("intake needs the ticket called to the window")
    retain = validity.add_years(today, RETENTION_YEARS)
    years = None
    if data.kind is not ApplicationKind.RECORD_CHANGE_SAME_EXPIRY:
        years = validity.validity_years(
            birth_date=data.birth_date,
            application_date=today,
            requested_years=data.requested_validity,
        )
    with transaction.atomic():
        rows: list[tuple[str, PersonInput]] = []
        for values, named in _merged_people(data):
            subject = writes.create_subject(
                actor=staff.staff_id,
                values=values,
                purpose=PURPOSE,
                retain_until=retain,
                subject_id=new_subject_id(os.urandom),
                now=at,
            )
            rows.extend((subject, person) for person in named)
        subjects = [s for s, _ in rows]
        grants.add_subjects(grant, subjects)
        app = Application.objects.create(
            office=grant.ticket.office,
            kind=str(data.kind),
            channel=str(Channel.PAPER),
            state=str(ApplicationState.DRAFT),
            applicant=rows[0][0],
            application_date=today,
            created_at=at,
            requested_validity=data.requested_validity,
            validity_years=years,
            criminal_record_yes=data.criminal_record_yes,
            proxy=data.proxy is not None,
            expiry_date=(
                data.current_passport_expiry
                if data.kind is ApplicationKind.RECORD_CHANGE_SAME_EXPIRY
                else None
            ),
        )
        named = dict.fromkeys((s, str(p.role)) for s, p in rows)  # a row twice is once
        # The relation is in the vault with the person's other values, never in this column.
        ApplicationPerson.objects.bulk_create(
            ApplicationPerson(application=app, subject=s, role=r) for s, r in named
        )
        IntakeRecord.objects.create(
            application=app,
            created_by=staff.staff_id,
            created_at=at,
            applicant_minor=applicant_is_minor(data.birth_date, today),
            proxy_relation=str(data.proxy or ""),
            record_changes=",".join(sorted(data.record_changes)),
            passport_damaged=data.passport_damaged,
            visa_pages_full=data.visa_pages_full,
            ic_chip_failed=data.ic_chip_failed,
            current_passport_issued=data.current_passport_issued,
            current_passport_expiry=data.current_passport_expiry,
        )
        grant.ticket.applications.add(app)
        ledger.record_in_transaction(
            _workflow_event(
                grant,
                staff,
                app,
                sorted(set(subjects)),
                to=str(ApplicationState.DRAFT),
                ticket=grant.ticket.number,
                persons=len(set(subjects)),
            )
        )
    return app


# --- romaji --------------------------------------------------------------------------------


def do_confirm_romaji(
    *,
    grant: Grant,
    staff: Staff,
    application: Application,
    spelling: str,
    non_hepburn: bool,
    rule: str,
) -> None:
    """Store the confirmed passport spelling; a non-Hepburn one cannot come by proxy."""
    if application.state != ApplicationState.DRAFT:
        raise RuleViolation(
            "the application was already accepted",
            message_ja=gettext_noop("受理済みの申請は変更できません。"),
        )
    if non_hepburn and application.proxy:
        raise RuleViolation(
            "a non-Hepburn spelling cannot be requested by proxy",
            message_ja=gettext_noop(
                "非ヘボン式の綴りは代理提出では申請できません。申請者本人が提出してください。"
            ),
        )
    with transaction.atomic():
        writes.store(
            actor=staff.staff_id,
            subject_id=application.applicant,
            values={"name_romaji": spelling},
            purpose=f"{PURPOSE}:romaji",
            grant=grant.grant_id,
        )
        Application.objects.filter(pk=application.pk).update(romaji_confirmed=True)
        IntakeRecord.objects.filter(application=application).update(
            non_hepburn=non_hepburn, romaji_rule=rule[:40]
        )
    application.romaji_confirmed = True


# --- scans ---------------------------------------------------------------------------------


def subject_in_role(application: Application, role: SubjectRole) -> str | None:
    return (
        ApplicationPerson.objects.filter(application=application, role=str(role))
        .values_list("subject", flat=True)
        .first()
    )


def do_store_scans(
    *,
    grant: Grant,
    staff: Staff,
    application: Application,
    contents: dict[str, tuple[bytes, str]],
) -> list[str]:
    """Each scanned document into the vault (encrypted), with a document.scan event.

    The file name is never kept: it often names the person. The event carries the content
    type, size and SHA-256 of the image, so a leaked copy can be matched to this scan.
    """
    if application.state != ApplicationState.DRAFT:
        raise RuleViolation(
            "the application was already accepted",
            message_ja=gettext_noop("受理済みの申請は変更できません。"),
        )
    stored: list[str] = []
    with transaction.atomic():
        record = IntakeRecord.objects.select_for_update().get(application=application)
        for name, (content, mime) in contents.items():
            vault_field, label, role = SCAN_DOCUMENTS[name]
            subject = subject_in_role(application, role)
            if subject is None:
                raise InvalidInput(
                    f"no {role} in this application for {name}",
                    message_ja=f"{label}を取り込む対象の方がこの申請にいません。",
                )
            writes.store(
                actor=staff.staff_id,
                subject_id=subject,
                values={vault_field: content},
                purpose=f"{PURPOSE}:scan",
                grant=grant.grant_id,
            )
            ledger.record_in_transaction(
                Event(
                    code=EventCode.DOCUMENT_SCAN,
                    at=clock.now(),
                    actor=staff.staff_id,
                    subjects=(subject,),
                    fields=(vault_field,),
                    purpose=f"{PURPOSE}:scan",
                    grant=grant.grant_id,
                    terminal=grant.window.code if grant.window else None,
                    details={
                        "document": name,
                        "application": str(application.pk),
                        "content_type": mime,
                        "bytes": len(content),
                        "sha256": hashlib.sha256(content).hexdigest(),
                    },
                )
            )
            stored.append(name)
        record.scanned = ",".join(sorted(record.scanned_set() | set(stored)))
        record.save(update_fields=["scanned"])
    return stored


# --- review and acceptance ---------------------------------------------------------------


def checklist_of(application: Application) -> tuple[ChecklistItem, ...]:
    record = application.intake  # type: ignore[attr-defined]
    return checklist(
        ApplicationKind(application.kind),
        Channel(application.channel),
        application_date=application.application_date,
        applicant_minor=record.applicant_minor,
    )


def application_items(application: Application) -> list[ChecklistItem]:
    return [i for i in checklist_of(application) if i.visit is Visit.APPLICATION]


def required_scans(application: Application) -> list[str]:
    """The documents that must be in the vault before acceptance."""
    record: IntakeRecord = application.intake  # type: ignore[attr-defined]
    needed = ["photo", "signature"]
    if ApplicationKind(application.kind) in KOSEKI_KINDS:
        needed.insert(0, "koseki")
    if record.applicant_minor:
        needed.append("representative_signature")
    return needed


def missing_scans(application: Application) -> list[str]:
    record: IntakeRecord = application.intake  # type: ignore[attr-defined]
    done = record.scanned_set()
    return [name for name in required_scans(application) if name not in done]


def _held_passport(record: IntakeRecord) -> HeldPassport | None:
    if record.current_passport_expiry is None:
        return None
    issued = record.current_passport_issued or record.current_passport_expiry
    return HeldPassport("", issued, record.current_passport_expiry)


def do_accept(
    *,
    grant: Grant,
    staff: Staff,
    application: Application,
    ticked: Iterable[str],
    now: datetime | None = None,
) -> Application:
    """受理: check what acceptance needs, allocate the 受理番号, move draft → in review.

    The applicant's birth date is read through the gateway (under this grant, so in the
    ledger) for the rules that depend on age: the passport term and the fee.
    """
    at = now or clock.now()
    if application.state != ApplicationState.DRAFT:
        raise RuleViolation(
            "the application was already accepted",
            message_ja=gettext_noop("この申請はすでに受理されています。"),
        )
    # Refused with every reason at once; the screen shows them in the staff member's language.
    problems: list[str] = []
    if not application.romaji_confirmed:
        problems.append(gettext("ローマ字氏名が確認されていません。"))
    labels = {n: SCAN_DOCUMENTS[n][1] for n in SCAN_DOCUMENTS}
    missing = missing_scans(application)
    if missing:
        problems.append(
            gettext("取り込まれていない書類があります：%(documents)s")
            % {"documents": gettext("、").join(str(labels[n]) for n in missing)}
        )
    unticked = {str(i.item) for i in application_items(application)} - set(ticked)
    if unticked:
        problems.append(gettext("確認されていない提出書類があります。"))
    if problems:
        raise RuleViolation("the application is not ready to accept", message_ja=" ".join(problems))
    record: IntakeRecord = application.intake  # type: ignore[attr-defined]
    birth = gateway.disclose(
        actor=staff.staff_id,
        subject_id=application.applicant,
        fields=["birth_date"],
        purpose=f"{PURPOSE}:accept",
        grant=grant.grant_id,
        terminal=grant.window.code if grant.window else None,
    )["birth_date"]
    if not isinstance(birth, str):
        raise InvalidInput(
            "the applicant's birth date is missing",
            message_ja=gettext_noop("生年月日がありません。"),
        )
    domain_app = rules.Application(
        kind=ApplicationKind(application.kind),
        channel=Channel(application.channel),
        applicant=Person(_CHECK_ID, "-", birth_date=date.fromisoformat(birth)),
        application_date=application.application_date,
        requested_validity_years=application.requested_validity,
        current_passport=_held_passport(record),
        record_changes=frozenset(RecordChange(c) for c in record.record_changes.split(",") if c),
        criminal_record_answer=application.criminal_record_yes,
        proxy=ProxyRelation(record.proxy_relation) if record.proxy_relation else None,
        non_hepburn=record.non_hepburn,
        passport_damaged=record.passport_damaged,
        visa_pages_full=record.visa_pages_full,
        ic_chip_failed=record.ic_chip_failed,
    )
    rules.advance(domain_app, ApplicationState.ACCEPTED)  # refuses a forbidden proxy
    term = rules.passport_term(domain_app)
    changes: dict[str, object] = {"validity_years": term.years}
    try:
        quote = fee_quote(application, domain_app.birth_date)
        changes.update(fee_national=quote.national, fee_prefectural=quote.prefectural)
    except ConfigurationError:
        pass  # an UNVERIFIED fee: the office sets it before pickup, acceptance goes on
    with transaction.atomic():
        number = reception_numbers(application.office).allocate(timezone.localdate(at))
        app = do_transition(
            application,
            ApplicationState.ACCEPTED,
            acting_staff=staff,
            grant=grant.grant_id,
            now=at,
            note="checked: " + ",".join(sorted(set(ticked))),
            reception_number=str(number),
            accepted_at=at,
            accepted_by=staff.staff_id,
            **changes,
        )
        app = do_transition(
            app, ApplicationState.IN_REVIEW, acting_staff=staff, grant=grant.grant_id, now=at
        )
    return app
