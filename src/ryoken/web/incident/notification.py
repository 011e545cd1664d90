"""The notices to the persons: who gets one (`notice_accounting`, from which values exist)
and the mail-merge PDF (`notices_of`: names and addresses read through the gateway under a
break-glass grant, so every read is in the ledger)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from ryoken import clock
from ryoken.audit.events import EventCode
from ryoken.incident import documents
from ryoken.incident.scope import Scope
from ryoken.privacy.policy import Step
from ryoken.web.accounts.models import Staff
from ryoken.web.documents.pdf import render_document
from ryoken.web.incident.incidents import PURPOSE, officer_event
from ryoken.web.incident.models import Incident
from ryoken.web.incident.reports import facts_of
from ryoken.web.incident.scoping import incident_scope
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import gateway
from ryoken.web.vault.models import Subject, Value

ADDRESS_FIELDS = ("name_kanji", "postcode", "address")


@dataclass(frozen=True)
class NoticeStatus:
    """What happens to one scoped person's notice, known without reading their data."""

    subject: str
    roles: tuple[str, ...]
    status: str  # "mail", "no_address" or "erased"


NOTICE_STATUSES = ("mail", "no_address", "erased")


def notice_accounting(found: Scope) -> list[NoticeStatus]:
    """Every scoped person and their notice: mailed (a notice is written), no address on
    record, or data erased (crypto-shredded). From which vault values exist, not their text;
    the same rule `notices_of` meets when it reads the addresses (a person whose stored
    address turns out empty is also left without a notice there)."""
    subjects = [s.subject for s in found.subjects]
    live = set(
        Subject.objects.filter(pk__in=subjects, wrapped_key__isnull=False).values_list(
            "pk", flat=True
        )
    )
    with_address = set(
        Value.objects.filter(subject_id__in=list(live), field="address").values_list(
            "subject_id", flat=True
        )
    )
    out = []
    for person in found.subjects:
        if person.subject not in live:
            status = "erased"
        elif person.subject not in with_address:
            status = "no_address"
        else:
            status = "mail"
        out.append(NoticeStatus(person.subject, tuple(found.roles.get(person.subject, ())), status))
    return out


def notices_of(
    incident: Incident, *, officer: Staff, today: date | None = None
) -> tuple[documents.Notices, bytes]:
    """One notice per person (only their own data) as one mail-merge PDF.

    Names and addresses come through the gateway under a break-glass grant of the officer's,
    so every read is in the ledger and in the supervisor's break-glass review.
    """
    from ryoken.web.access.grants import close_grant, open_grant
    from ryoken.web.access.models import Grant

    day = today or clock.today()
    found = incident_scope(incident)
    subjects = [s.subject for s in found.subjects]
    grant = open_grant(
        staff=officer,
        kind="break_glass",
        step=Step.BREAK_GLASS,
        subjects=subjects,
        minutes=30,
        reason=f"漏えい等事案 #{incident.pk} の本人への通知書の作成（宛名と住所の読出し）",
    )
    Grant.objects.filter(pk=grant.pk).update(purpose="appi_notice")  # the address only
    grant.purpose = "appi_notice"

    def addressee_of(subject: str) -> documents.Addressee | None:
        if Subject.objects.filter(pk=subject, wrapped_key__isnull=True).exists():
            return None  # crypto-shredded: no address to write to
        values = gateway.disclose(
            actor=officer.staff_id,
            subject_id=subject,
            fields=ADDRESS_FIELDS,
            purpose=PURPOSE,
            grant=grant.grant_id,
        )
        name, address = values.get("name_kanji"), values.get("address")
        if not isinstance(name, str) or not isinstance(address, str) or not address:
            return None
        postcode = values.get("postcode")
        return documents.Addressee(name, postcode if isinstance(postcode, str) else "", address)

    try:
        notices = documents.build_notices(found, facts_of(incident), addressee_of, prepared_on=day)
    finally:
        close_grant(grant, why="notices written")
    pdf = render_document(documents.notices_printable(notices))
    ledger.record(
        officer_event(
            EventCode.EXPORT_EVIDENCE,
            officer,
            incident=incident.pk,
            what="appi_notices",
            persons=len(notices.notices),
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
    )
    return notices, pdf
