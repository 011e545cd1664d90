"""A small demo office at work, for the privacy office's browser tests.

Seeded through the real services only: `ryoken.web.demo.seed_office` (staff of every role,
applications from `ryoken.sim` with their persons stored through the vault gateway, three
canary applicants planted at W01–W03 by the watch seeder), then a morning at the counter:
tickets called through the queue, persons shown through the gateway under the ticket's
grant, break-glass lookups through the casework service and a supervisor's verdict.

    counter1 (W01)  serves five families and reveals each applicant's phone twice more
                    than the work needs (an in-task skim's footprint), serves the W01
                    canary applicant (on its planted path), then looks up the W02 canary
                    by break-glass: a canary touch off its planted path.
    counter2 (W02)  serves four families; two break-glass lookups, each judged "not
                    justified" by super1.

The plaintext behind the subjects comes from regenerating the same simulated office (the
seed is deterministic), so the tests can write a leaked list the way a finder would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ryoken.sim.office import SimOffice

SEED, DAYS, PER_DAY = 7, 2, 8
FIELDS = ("name_kanji", "birth_date", "address")
SKIM_REVEALS = 2
BREAK_GLASS_REASON = "電話での問い合わせに回答するため申請内容を確認します"


def canary_number(window: str) -> str:
    """The reception number of the canary planted at `window`: an ordinary number from the
    office's sequence, known only through the privacy officer's registry."""
    from ryoken.web.applications.models import Application
    from ryoken.web.watch.models import CanaryPlacement

    subject = CanaryPlacement.objects.get(window=window).subject_id
    return str(Application.objects.get(applicant=subject).reception_number)


@dataclass
class Office:
    sim: SimOffice
    staff: dict[str, object]  # staff id → Staff with .device
    plain: dict[str, dict[str, str]] = field(default_factory=dict)  # subject → sim fields
    served: dict[str, list[str]] = field(default_factory=dict)  # staff id → subjects, in order
    # What each staff member was shown: staff id → subject → fields (the scoping's truth).
    shown: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    canary_w01: str = ""  # the canary counter1 served at W01, on its path
    canary_w01_people: int = 0  # its persons: the applicant, a family member, a contact
    canary_w02: str = ""  # the canary counter1 looked up by break-glass, off its path

    def show(self, staff_id: str, subject: str, fields: tuple[str, ...]) -> None:
        """Record what a screen showed: the fields the person's record holds (a field
        shown empty exposes nothing, and the scoping does not count it)."""
        from ryoken.web.vault.models import Value

        held = set(Value.objects.filter(subject_id=subject).values_list("field", flat=True))
        self.shown.setdefault(staff_id, {}).setdefault(subject, set()).update(
            f for f in fields if f in held
        )

    def __getitem__(self, staff_id: str):
        return self.staff[staff_id]


def _staff(staff_id: str):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ryoken.web.accounts.models import Staff

    member = Staff.objects.get(staff_id=staff_id)
    member.device = TOTPDevice.objects.get(user=member.user, confirmed=True)
    return member


def _serve(office: Office, clerk, window_code: str, app, *, reveals: int) -> None:
    """The next waiting ticket is this applicant's: called to the window, every person's
    name, birth date and address shown, `reveals` extra phone reveals, ticket closed."""
    from ryoken.web.accounts.models import Window
    from ryoken.web.counter.models import Ticket
    from ryoken.web.counter.queue import service as queue
    from ryoken.web.vault import gateway

    waiting = (
        Ticket.objects.filter(status=Ticket.Status.WAITING, purpose=Ticket.Purpose.APPLICATION)
        .order_by("issued_at", "pk")
        .first()
    ) or queue.issue_ticket("application")
    waiting.applications.add(app)
    called = queue.call_next(clerk, Window.objects.get(code=window_code))
    assert called is not None
    ticket, grant = called
    assert ticket.pk == waiting.pk
    for subject in grant.subjects.values_list("subject", flat=True):
        gateway.disclose(
            actor=clerk.staff_id,
            subject_id=subject,
            fields=FIELDS,
            purpose="intake",
            grant=grant.grant_id,
            terminal=window_code,
        )
        office.served.setdefault(clerk.staff_id, []).append(subject)
        office.show(clerk.staff_id, subject, FIELDS)
    for _ in range(reveals):
        gateway.disclose(
            actor=clerk.staff_id,
            subject_id=app.applicant,
            fields=("phone",),
            purpose="intake",
            grant=grant.grant_id,
            terminal=window_code,
            reason="本人確認のため",
        )
        office.show(clerk.staff_id, app.applicant, ("phone",))
    queue.close_ticket(ticket, staff=clerk)


def _break_glass(office: Office, clerk, reception_number: str, cosigner=None):
    from ryoken.web.casework import breakglass
    from ryoken.web.vault import gateway

    grant = breakglass.open_breakglass(
        staff=clerk,
        reason=BREAK_GLASS_REASON,
        target=breakglass.Target(reception_number=reception_number),
        purpose="status_inquiry",
        cosigner=cosigner,  # the demo's counter clerks are a contractor's: never alone
    )
    for subject in grant.subjects.values_list("subject", flat=True):
        gateway.disclose(
            actor=clerk.staff_id,
            subject_id=subject,
            fields=("name_kanji",),
            purpose="break_glass",
            grant=grant.grant_id,
        )
        office.show(clerk.staff_id, subject, ("name_kanji",))
    breakglass.close_breakglass(grant)
    return grant


def seed() -> Office:
    """Seed the demo office and its morning (about two seconds)."""
    from django.utils import timezone

    from ryoken.web.applications.models import Application, ApplicationPerson
    from ryoken.web.casework import breakglass
    from ryoken.web.demo import OFFICE, demo_office, seed_office, seeded_applications

    seed_office(SEED, days=DAYS, per_day=PER_DAY)
    sim = demo_office(SEED, days=DAYS, per_day=PER_DAY, today=timezone.localdate())
    staff = {s: _staff(s) for s in ("counter1", "counter2", "super1", "privacy1", "audit1")}
    office = Office(sim=sim, staff=staff)

    # Plaintext by subject, through the application the demo seeded from each sim application.
    for app, sim_app in seeded_applications(sim):
        people = ApplicationPerson.objects.filter(application=app).order_by("pk")
        family = iter(sim_app.family_member_ids)
        for subject, role in people.values_list("subject", "role"):
            pid = {
                "applicant": sim_app.applicant_id,
                "legal_representative": sim_app.legal_representative_id,
                "emergency_contact": sim_app.emergency_contact_id,
            }.get(role) or next(family)
            office.plain.setdefault(subject, dict(sim.persons[pid].fields))

    apps = list(Application.objects.filter(office=OFFICE, canary=False).order_by("pk"))
    assert len(apps) >= 12, f"the demo seeded only {len(apps)} applications"
    for app in apps[:5]:
        _serve(office, staff["counter1"], "W01", app, reveals=SKIM_REVEALS)
    for app in apps[5:9]:
        _serve(office, staff["counter2"], "W02", app, reveals=0)

    on_path = Application.objects.get(reception_number=canary_number("W01"))
    _serve(office, staff["counter1"], "W01", on_path, reveals=0)
    office.canary_w01 = on_path.applicant
    # A canary is nobody's applicant: its persons (it has a family, like everyone) are not
    # among the people counter1 served.
    planted = set(
        ApplicationPerson.objects.filter(application=on_path).values_list("subject", flat=True)
    )
    office.canary_w01_people = len(planted | {on_path.applicant})
    office.served["counter1"] = [s for s in office.served["counter1"] if s not in planted]
    off_path = Application.objects.get(reception_number=canary_number("W02"))
    _break_glass(office, staff["counter1"], off_path.reception_number, staff["super1"])
    office.canary_w02 = off_path.applicant

    for app in apps[9:12]:  # three persons: break-glass opens the applicant only
        grant = _break_glass(office, staff["counter2"], app.reception_number, staff["super1"])
        breakglass.review_breakglass(
            grant,
            justified=False,
            note="問い合わせの記録がありません",
            acting_staff=staff["super1"],
        )
    return office
