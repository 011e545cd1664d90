"""`ryoken demo seed`: a synthetic Ikebukuro-like office with a day in progress.

Staff for every role (each with a TOTP device), windows, and a few weeks of applications
from `ryoken.sim` at every stage — issued, ready for pickup, ordered, in review — plus
today's queue. Every person's data goes through the vault (ciphertext, ledgered writes).
Seeding is idempotent: a second run only prints the logins again.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ryoken import clock
from ryoken.domain.applications import ApplicationKind, ApplicationState, LossReportState
from ryoken.domain.fields import FIELDS_BY_NAME, FieldClass
from ryoken.domain.hepburn import to_passport_romaji
from ryoken.domain.validity import expiry_date
from ryoken.errors import ConfigurationError
from ryoken.sim.office import (
    SimApplication,
    SimOffice,
    first_of_business_days_before,
    generate_office,
)
from ryoken.web.accounts.models import Role, Staff
from ryoken.web.accounts.services import create_staff, ensure_windows
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.applications.numbers import reception_numbers
from ryoken.web.counter.models import Ticket
from ryoken.web.vault import keys, writes

DEMO_PASSWORD = "ryoken-demo-2026"  # noqa: S105 - printed for the demo on purpose
OFFICE = "TKY-IKB"
RETENTION_YEARS = 11  # applications are kept beyond one 10-year passport's life (configurable)

PERSONAS = [
    ("counter1", Role.COUNTER_CLERK, "窓口 一郎", "株式会社ミライ窓口サービス", "contractor"),
    ("counter2", Role.COUNTER_CLERK, "窓口 花子", "東京都", "prefecture"),
    ("issue1", Role.ISSUANCE_CLERK, "交付 次郎", "株式会社ミライ窓口サービス", "contractor"),
    ("review1", Role.REVIEWER, "審査 三郎", "東京都", "prefecture"),
    ("super1", Role.SUPERVISOR, "監督 四郎", "東京都", "prefecture"),
    ("privacy1", Role.PRIVACY_OFFICER, "保護 五月", "東京都", "prefecture"),
    ("admin1", Role.ADMINISTRATOR, "管理 六郎", "東京都", "prefecture"),
    ("audit1", Role.AUDITOR, "監査 七海", "東京都監査事務局", "prefecture"),
]

# Where the demo staff live (HR): only the municipality's blind-index token is kept, for the
# neighbourhood detector (a clerk reading a neighbour's record outside a task weighs more).
HOMES = {
    "counter1": "東京都豊島区南長崎3-2-1",
    "counter2": "東京都練馬区豊玉北5-1-1",
    "issue1": "埼玉県川口市本町1-1-1",
    "review1": "東京都板橋区板橋2-66-1",
}


def _romanize(kana: str, kanji: str) -> str:
    return to_passport_romaji(kana, kanji)


def placeholder_image(seed: str, label: str) -> bytes:
    """A small SVG standing in for a scanned photo or document (no personal data drawn)."""
    hue = int(hashlib.sha256(seed.encode()).hexdigest()[:2], 16) * 360 // 256
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="140" height="180" viewBox="0 0 140 180">'
        f'<rect width="140" height="180" fill="hsl({hue},35%,88%)"/>'
        f'<circle cx="70" cy="68" r="34" fill="hsl({hue},25%,55%)"/>'
        f'<rect x="22" y="112" width="96" height="60" rx="30" fill="hsl({hue},25%,55%)"/>'
        f'<text x="70" y="172" font-size="11" text-anchor="middle">{label}</text></svg>'
    )
    return svg.encode()


def _values(person_id: str, fields: dict[str, str]) -> dict[str, str | bytes]:
    out: dict[str, str | bytes] = {}
    for name, value in fields.items():
        if FIELDS_BY_NAME[name].field_class in (FieldClass.BIOMETRIC, FieldClass.DOCUMENT_IMAGE):
            out[name] = placeholder_image(person_id, name)
        else:
            out[name] = value
    return out


WITHDRAWN_AFTER_DAYS = 3
WITHDRAWN_PER_HUNDRED = 4


def _withdraws(app: SimApplication) -> bool:
    """A stable few in a hundred applications, by their id (the seed stays reproducible)."""
    digest = hashlib.blake2b(app.application_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % 100 < WITHDRAWN_PER_HUNDRED


def _state_for(
    app: SimApplication, today: date, days_ago: int
) -> ApplicationState | LossReportState:
    if app.kind == ApplicationKind.LOSS_REPORT:
        return LossReportState.ACCEPTED
    if days_ago >= WITHDRAWN_AFTER_DAYS and _withdraws(app):
        # People withdraw (取下げ) before issuance, a few in a hundred. The office has such
        # applications, so a withdrawn canary (watch/demo_seed.py) is one among many.
        return ApplicationState.WITHDRAWN
    if days_ago >= 18:
        return ApplicationState.ISSUED
    if days_ago >= 12:
        return ApplicationState.READY
    if days_ago >= 8:
        return ApplicationState.ORDERED
    if days_ago >= 4:
        return ApplicationState.APPROVED
    return ApplicationState.IN_REVIEW


def _seed_applications(office: SimOffice, today: date) -> int:
    subject_of: dict[str, str] = {}
    now = clock.now()
    retain = today.replace(year=today.year + RETENTION_YEARS)
    count = 0
    numbers = reception_numbers(OFFICE)
    for app in office.applications:
        for pid in app.person_ids():
            if pid not in subject_of:
                person = office.persons[pid]
                subject_of[pid] = writes.create_subject(
                    actor="system",
                    values=_values(pid, person.fields),
                    purpose="demo seed",
                    retain_until=retain,
                    now=now,
                )
        days_ago = (today - app.application_date).days
        state = _state_for(app, today, days_ago)
        issued = days_ago >= 12 and state != ApplicationState.WITHDRAWN
        issue = app.application_date + timedelta(days=7) if issued else None
        validity = app.requested_validity
        row = Application.objects.create(
            # The office's own sequence, as at the counter: a seeded number looks like any other
            # (and like the canaries', which the watch seeder allocates from it too).
            reception_number=str(numbers.allocate(app.application_date)),
            office=OFFICE,
            kind=str(app.kind),
            channel=str(app.channel),
            state=str(state),
            applicant=subject_of[app.applicant_id],
            application_date=app.application_date,
            created_at=timezone.make_aware(datetime.combine(app.application_date, time(9, 30))),
            accepted_at=timezone.make_aware(datetime.combine(app.application_date, time(9, 45))),
            accepted_by="counter1",
            requested_validity=validity,
            validity_years=validity,
            criminal_record_yes=app.criminal_record_yes,
            proxy=app.proxy,
            romaji_confirmed=True,
            issue_date=issue,
            expiry_date=expiry_date(issue, validity) if issue and validity else None,
            issued_at=(
                timezone.make_aware(datetime.combine(issue + timedelta(days=5), time(14)))
                if issue and state == ApplicationState.ISSUED
                else None
            ),
            issued_by="issue1" if state == ApplicationState.ISSUED else "",
            fee_paid=state == ApplicationState.ISSUED,
            old_passport_returned=state == ApplicationState.ISSUED,
        )
        people = [(app.applicant_id, "applicant", "")]
        people += [(pid, "family_member", "") for pid in app.family_member_ids]
        if app.legal_representative_id:
            people.append(
                (
                    app.legal_representative_id,
                    "legal_representative",
                    app.legal_representative_relation or "",
                )
            )
        if app.emergency_contact_id:
            people.append(
                (
                    app.emergency_contact_id,
                    "emergency_contact",
                    app.emergency_contact_relation or "",
                )
            )
        ApplicationPerson.objects.bulk_create(
            [
                # the relation is in the vault (the person's values), not in plaintext here
                ApplicationPerson(application=row, subject=subject_of[p], role=r)
                for p, r, rel in people
            ],
            ignore_conflicts=True,
        )
        count += 1
    return count


def _seed_queue(today: date) -> int:
    """Today's queue: walk-in applicants waiting, and people come to collect passports."""
    now = clock.now()
    tickets = 0
    for i in range(1, 7):
        Ticket.objects.create(
            number=f"A-{i:03d}", office=OFFICE, purpose=Ticket.Purpose.APPLICATION, issued_at=now
        )
        tickets += 1
    ready = Application.objects.filter(state=ApplicationState.READY).order_by("pk")[:6]
    for i, app in enumerate(ready, start=1):
        ticket = Ticket.objects.create(
            number=f"B-{i:03d}", office=OFFICE, purpose=Ticket.Purpose.PICKUP, issued_at=now
        )
        ticket.applications.add(app)
        tickets += 1
    return tickets


def _login_lines() -> list[str]:
    lines = [
        "",
        "Demo logins (password for all: " + DEMO_PASSWORD + "):",
        "  the second factor is a TOTP code: `ryoken demo code USER` prints the current one,",
        "  or add the secret to an authenticator app.",
        "",
        f"  {'user':<10} {'role':<18} {'TOTP secret (base32)'}",
    ]
    for username, role, *_ in PERSONAS:
        device = TOTPDevice.objects.filter(user__username=username).first()
        secret = base64.b32encode(device.bin_key).decode() if device else "-"
        lines.append(f"  {username:<10} {role.value:<18} {secret}")
    return lines


def seed_office(seed: int, *, days: int = 24, per_day: int = 25) -> list[str]:
    if Staff.objects.filter(staff_id="counter1").exists():
        return ["demo office already seeded", *_login_lines()]
    today = clock.today()
    office = demo_office(seed, days=days, per_day=per_day, today=today)
    with transaction.atomic():
        ensure_windows()
        for username, role, name, employer, kind in PERSONAS:
            create_staff(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                display_name=name,
                employer=employer,
                employer_kind=kind,
                area_token=keys.municipality_token(HOMES[username]) if username in HOMES else "",
            )
        applications = _seed_applications(office, today)
        tickets = _seed_queue(today)
    # Each area seeds what its screens need in the demo (idempotent).
    from ryoken.web.casework.demo_seed import seed_backoffice
    from ryoken.web.counter.loss.service import seed_demo_tickets

    backoffice = seed_backoffice()
    tickets += seed_demo_tickets(count=2)
    from ryoken.web.watch.demo_seed import seed_watch

    watch = seed_watch()
    return [
        f"demo office seeded (seed {seed}): {applications} applications, "
        f"{len(office.persons)} persons, {tickets} tickets waiting",
        *backoffice,
        *watch,
        *_login_lines(),
        *_visitor_cards(office),
    ]


def seeded_applications(office: SimOffice) -> list[tuple[Application, SimApplication]]:
    """Each application the demo seeded, beside the simulated one it came from.

    Seeding creates them first and in the simulator's order, so the office's first rows (by
    primary key) are they; the dates are checked so a mismatch fails loudly.
    """
    rows = list(
        Application.objects.filter(office=OFFICE, canary=False).order_by("pk")[
            : len(office.applications)
        ]
    )
    pairs = list(zip(rows, office.applications, strict=True))
    for row, sim in pairs:
        if row.application_date != sim.application_date:
            raise ConfigurationError(
                f"demo application {row.reception_number} is not the simulated one "
                f"({row.application_date} ≠ {sim.application_date})"
            )
    return pairs


def _visitor_cards(office: SimOffice) -> list[str]:
    """What the people holding pickup tickets B-001.. will show at the window (synthetic).

    The pickup screen never shows stored birth dates or passport numbers (match only), so a
    person trying the demo needs to know what the visitor "presents".
    """
    by_reception = {row.reception_number: sim for row, sim in seeded_applications(office)}
    lines = ["", "Pickup visitors waiting (what each presents at the window; synthetic):"]
    tickets = Ticket.objects.filter(purpose=Ticket.Purpose.PICKUP).order_by("number")
    for ticket in tickets:
        app_row = ticket.applications.first()
        sim = by_reception.get(app_row.reception_number or "") if app_row else None
        if sim is None:
            continue
        person = office.persons[sim.applicant_id].fields
        lines.append(
            f"  {ticket.number}: birth date {person.get('birth_date', '-')}, "
            f"new passport {sim.passport_number or '-'}"
        )
    return lines


def demo_office(seed: int, *, days: int, per_day: int, today: date) -> SimOffice:
    """The simulated office the demo seeds: the `days` office days before today.

    Counted back on the office calendar, so a demo seeded on a holiday or during the year-end
    closure still has a full set of applications at every stage.
    """
    start = first_of_business_days_before(today, days)
    office = generate_office(
        seed, start=start, days=days, applications_per_day=per_day, romanize=_romanize
    )
    kept = tuple(a for a in office.applications if a.application_date < today)
    return SimOffice(
        seed=office.seed,
        start=office.start,
        business_days=office.business_days,
        persons=office.persons,
        koseki=office.koseki,
        applications=kept,
    )


def current_code(username: str) -> str:
    from ryoken.web.accounts.services import current_code as code_of

    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None:
        from ryoken.errors import InvalidInput

        raise InvalidInput(f"no demo user {username!r} with a TOTP device")
    return code_of(device)
