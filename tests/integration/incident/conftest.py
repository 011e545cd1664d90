"""A small office at work through the real services: a clerk serves ten families at a
window (names, birth dates and addresses shown through the gateway), a colleague serves
others; the privacy officer then opens an incident on the clerk."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

NUMBERS = itertools.count(1)
FIELDS = ("name_kanji", "birth_date", "address")


@pytest.fixture
def office(ledger_db, personas, make_staff):
    from django.utils import timezone

    from ryoken.web.accounts.models import Window
    from ryoken.web.applications.models import Application, ApplicationPerson
    from ryoken.web.counter.queue import service as queue
    from ryoken.web.vault import gateway, writes

    class Office:
        clerk = personas["counter_clerk"]
        colleague = make_staff("counter_clerk", username="colleague")
        officer = personas["privacy_officer"]
        values: dict[str, dict[str, str]] = {}  # noqa: RUF012 - the test's ground truth
        shown: dict[str, set[str]] = {}  # noqa: RUF012 - who was shown what, by staff id

        def person(self) -> str:
            n = next(NUMBERS)
            values = {
                "name_kanji": f"試験 {n}郎",
                "birth_date": f"19{60 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "postcode": f"170-{n:04d}",
                "address": f"東京都豊島区東池袋{n}丁目{n}番{n}号",
                "phone": f"050-0000-{n:04d}",
            }
            subject = writes.create_subject(actor="system", values=values, purpose="test")
            self.values[subject] = values
            return subject

        def application(self, family: int = 1) -> Application:
            applicant = self.person()
            app = Application.objects.create(
                reception_number=f"13IKB-T-{next(NUMBERS):06d}",
                kind="new",
                channel="paper",
                state="in_review",
                applicant=applicant,
                application_date=timezone.localdate(),
                created_at=timezone.now(),
            )
            ApplicationPerson.objects.create(application=app, subject=applicant, role="applicant")
            for _ in range(family):
                ApplicationPerson.objects.create(
                    application=app, subject=self.person(), role="family_member", relation="子"
                )
            return app

        def serve(self, clerk, app, window_code: str = "W01") -> list[str]:
            window = Window.objects.get(code=window_code)
            ticket = queue.issue_ticket("application")
            ticket.applications.add(app)
            called = queue.call_next(clerk, window)
            assert called is not None
            ticket, grant = called
            subjects = list(grant.subjects.values_list("subject", flat=True))
            for subject in subjects:
                gateway.disclose(
                    actor=clerk.staff_id,
                    subject_id=subject,
                    fields=FIELDS,
                    purpose="intake",
                    grant=grant.grant_id,
                    terminal=window_code,
                )
                self.shown.setdefault(clerk.staff_id, set()).add(subject)
            queue.close_ticket(ticket, staff=clerk)
            return subjects

        def incident(self):
            from ryoken.web.incident import incidents

            now = timezone.now()
            return incidents.open_incident(
                title="池袋での持ち出し",
                learned_on=timezone.localdate(),
                suspects=[self.clerk.staff_id],
                start=now - timedelta(days=1),
                end=now + timedelta(minutes=5),
                officer=self.officer,
            )

    made = Office()
    for _ in range(5):
        made.serve(made.clerk, made.application(family=1))
    for _ in range(3):
        made.serve(made.colleague, made.application(family=0))
    return made
