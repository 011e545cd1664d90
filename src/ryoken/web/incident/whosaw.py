"""Who saw my data: the answer the privacy office hands to a person who asks.

The officer names the person as they would at the desk — a reception number, a passport
number, or name and birth date — and the blind indexes find them (the search is a ledger
event, like every search). The answer has one row per visit: the same staff member's
accesses for the same work on the same day are one row, with the office, the role (never a
name), the purpose in words, the items seen, and whether it was during the person's own
visit. What is left out, and why, is `ryoken.privacy.transparency` (docs/who-saw.md).

Each row names its ledger entries; `proofs` gives for each an RFC 6962 inclusion proof to a
signed checkpoint (`ryoken.web.ledger.audit.prove`), without the entry's bytes (they name
the staff member): the person can check that an entry of that hash sits at that position in
the tree the office signed, and an auditor who is shown the entry can check the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode, decode_entry
from ryoken.errors import InvalidInput
from ryoken.privacy import normalise
from ryoken.privacy.transparency import NamedAs, Told, decide
from ryoken.web.access.models import Grant
from ryoken.web.accounts.models import Role, Staff
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry, EntrySubject
from ryoken.web.vault import search

PURPOSE = "transparency"
# What the ledger calls a look at a person's data (a search is not: it shows no value).
SEEN_CODES = frozenset(
    {
        EventCode.DISCLOSURE.value,
        EventCode.MATCH.value,
        EventCode.PRINT.value,
        EventCode.COPY.value,
        EventCode.DOCUMENT_SCAN.value,
    }
)
COUNTER_ROLES = frozenset({Role.COUNTER_CLERK.value, Role.ISSUANCE_CLERK.value})


@dataclass(frozen=True)
class Lookup:
    """How the officer names the person (one of the three ways)."""

    reception_number: str = ""
    passport_number: str = ""
    name_kanji: str = ""
    birth_date: str = ""

    def way(self) -> str:
        if self.reception_number.strip():
            return "reception_number"
        if self.passport_number.strip():
            return "passport_number"
        if self.name_kanji.strip() and self.birth_date.strip():
            return "name_birth_date"
        raise InvalidInput(
            "name the person: a reception number, a passport number, or name and birth date",
            message_ja=gettext_noop(
                "受理番号、旅券番号、または氏名（漢字）と生年月日のいずれかを入力してください。"
            ),
        )


def find_person(officer: Staff, lookup: Lookup, *, now: datetime | None = None) -> list[str]:
    """The persons `lookup` names (usually one; none if nobody matches). A reception number
    names its applicant. Blind-index searches are ledgered with what they found."""
    way = lookup.way()
    if way == "reception_number":
        number = lookup.reception_number.strip().upper()
        app = Application.objects.filter(reception_number=number).first()
        return [app.applicant] if app is not None else []
    if way == "passport_number":
        kinds: tuple[str, ...] = ("passport_number",)
        found = search.find_subjects(
            "passport_number", normalise.passport_number(lookup.passport_number)
        )
    else:
        kinds = ("name_kanji", "birth_date")
        born = normalise.birth_date(lookup.birth_date)  # also reads 昭和50年1月2日
        by_name = set(search.find_subjects("name_kanji", lookup.name_kanji))
        found = sorted(by_name & set(search.find_subjects("birth_date", born)))
    ledger.record(
        Event(
            code=EventCode.SEARCH,
            at=now or clock.now(),
            actor=officer.staff_id,
            subjects=tuple(found),
            fields=kinds,
            purpose=PURPOSE,
            details={"found": len(found)},
        )
    )
    return list(found)


@dataclass(frozen=True)
class Visit:
    """One row of the answer: one staff member's accesses for one piece of work on a day."""

    start: datetime
    end: datetime
    office: str
    role: str  # a Role value, or "system"
    purpose: str  # the ledger's purpose code (shown in words)
    fields: tuple[str, ...]
    seqs: tuple[int, ...]
    during_visit: bool  # while the person was at the counter for their own visit

    @property
    def outside_visit(self) -> bool:
        """A counter role saw the data while the person was not being served."""
        return not self.during_visit and self.role in COUNTER_ROLES


@dataclass
class Answer:
    subject: str
    visits: list[Visit] = field(default_factory=list)
    withheld: dict[Told, int] = field(default_factory=dict)  # for the officer, never printed

    @property
    def outside_visits(self) -> list[Visit]:
        return [v for v in self.visits if v.outside_visit]


@dataclass(frozen=True)
class _Work:
    named_as: NamedAs
    own_ticket: bool


def _work_of_grants(subject: str, grant_ids: set[str]) -> dict[str, _Work]:
    """For each grant: the person's part in the applications it was opened for."""
    # The ticket's applications and the review's, through the grant's own foreign keys: the
    # counter's tickets and casework's reviews are read by relation, not imported (incident
    # response stands beside those apps, docs/architecture.md).
    apps_of: dict[str, set[int]] = {}
    tickets: dict[str, int | None] = {}
    for grant_id, ticket_id, ticket_app, review_app in Grant.objects.filter(
        grant_id__in=grant_ids
    ).values_list("grant_id", "ticket_id", "ticket__applications", "review__application"):
        apps = apps_of.setdefault(grant_id, set())
        tickets[grant_id] = ticket_id
        apps |= {a for a in (ticket_app, review_app) if a is not None}
    all_apps = set().union(*apps_of.values()) if apps_of else set()
    roles: dict[int, set[str]] = {}
    for app_id, role in ApplicationPerson.objects.filter(
        application_id__in=all_apps, subject=subject
    ).values_list("application_id", "role"):
        roles.setdefault(app_id, set()).add(role)
    for app_id, applicant in Application.objects.filter(pk__in=all_apps).values_list(
        "pk", "applicant"
    ):
        if applicant == subject:
            roles.setdefault(app_id, set()).add("applicant")
    out = {}
    for grant_id, apps in apps_of.items():
        if not apps:
            out[grant_id] = _Work(NamedAs.NONE, own_ticket=False)
        elif any("applicant" in roles.get(a, set()) for a in apps):
            out[grant_id] = _Work(NamedAs.APPLICANT, own_ticket=tickets[grant_id] is not None)
        else:
            out[grant_id] = _Work(NamedAs.OTHER, own_ticket=False)
    return out


def _disclose_after(event: Event) -> date | None:
    value = event.details.get("disclose_after")
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def answer(subject: str, *, today: date | None = None) -> Answer:
    """What `subject` is told: one row per visit, and (for the officer) what is withheld."""
    day = today or clock.today()
    seqs = EntrySubject.objects.filter(subject=subject).values_list("seq", flat=True)
    rows = (
        Entry.objects.filter(seq__in=list(seqs), code__in=SEEN_CODES)
        .order_by("seq")
        .values_list("seq", "data")
    )
    events = [(seq, decode_entry(bytes(data))[1]) for seq, data in rows]
    work = _work_of_grants(subject, {e.grant for _, e in events if e.grant})
    staff = {
        s.staff_id: s
        for s in Staff.objects.filter(staff_id__in={e.actor for _, e in events}).only(
            "staff_id", "role", "office"
        )
    }
    out = Answer(subject)
    groups: dict[tuple[str, str, str, date], list[tuple[int, Event, bool]]] = {}
    for seq, event in events:
        done = work.get(event.grant or "", _Work(NamedAs.NONE, own_ticket=False))
        told = decide(event.purpose, done.named_as, on=day, disclose_after=_disclose_after(event))
        if told is not Told.TOLD:
            out.withheld[told] = out.withheld.get(told, 0) + 1
            continue
        local_day = timezone.localtime(event.at).date()
        key = (event.actor, event.grant or "", event.purpose, local_day)
        groups.setdefault(key, []).append((seq, event, done.own_ticket))
    for (actor, _grant, purpose, _day), items in groups.items():
        member = staff.get(actor)
        fields = tuple(dict.fromkeys(f for _, e, _ in items for f in e.fields))
        out.visits.append(
            Visit(
                start=timezone.localtime(items[0][1].at),
                end=timezone.localtime(items[-1][1].at),
                office=member.office if member else "",
                role=member.role if member else "system",
                purpose=purpose,
                fields=fields,
                seqs=tuple(seq for seq, _, _ in items),
                during_visit=items[0][2],
            )
        )
    out.visits.sort(key=lambda v: (v.start, v.seqs[0]))
    return out


def proofs(seqs: Sequence[int]) -> dict[str, Any]:
    """Inclusion proofs of `seqs` to the latest signed checkpoint, as JSON-ready data,
    without the entries' bytes (which name the staff member)."""
    from ryoken.web.ledger.audit import prove

    out: dict[str, Any] = {
        "format": "ryoken-who-saw-proofs/1",
        "hash_algorithm": "",
        "entries": [],
    }
    for seq in seqs:
        proof = dict(prove(seq))
        proof.pop("leaf_data_hex", None)
        out["hash_algorithm"] = proof.pop("hash_algorithm", "")
        out["entries"].append(proof)
    return out


# --- every entry, for `ryoken incident who-saw` ---------------------------------------------


@dataclass(frozen=True)
class Access:
    seq: int
    at: datetime
    code: str
    office: str
    role: str  # a Role value, or "system"
    purpose: str
    fields: tuple[str, ...]
    outside_visit: bool


def who_saw(subject_id: str) -> list[Access]:
    """Every look at this person's data, one row per ledger entry (`ryoken incident
    who-saw`): office, role, time, purpose (roles, never names), and whether it was outside
    the days of their visits."""
    seqs = list(
        EntrySubject.objects.filter(subject=subject_id)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    entries = Entry.objects.filter(seq__in=seqs, code__in=SEEN_CODES).order_by("seq")
    staff = {s.staff_id: s for s in Staff.objects.all().only("staff_id", "role", "office")}
    visit_days = _visit_days(subject_id)
    out = []
    for seq, data in entries.values_list("seq", "data"):
        _, event = decode_entry(bytes(data))
        member = staff.get(event.actor)
        local = timezone.localtime(event.at)
        out.append(
            Access(
                seq=seq,
                at=local,
                code=event.code.value,
                office=member.office if member else "",
                role=member.role if member else "system",
                purpose=event.purpose,
                fields=event.fields,
                outside_visit=member is not None
                and member.role in (Role.COUNTER_CLERK, Role.ISSUANCE_CLERK)
                and local.date() not in visit_days,
            )
        )
    return out


def _visit_days(subject_id: str) -> set[date]:
    apps = ApplicationPerson.objects.filter(subject=subject_id).values_list(
        "application_id", flat=True
    )
    # The days of the tickets the person's applications were served on (Ticket.applications,
    # read from the application's side).
    issued = Application.objects.filter(pk__in=list(apps)).values_list(
        "ticket__issued_at", flat=True
    )
    return {timezone.localtime(t).date() for t in issued if t is not None}
