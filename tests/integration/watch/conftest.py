"""A small office at work, through the real services: tickets served at windows, a canary
applicant planted at one window, and break-glass lookups that a supervisor judges."""

from __future__ import annotations

import itertools

import pytest

NAMES = itertools.count(1)


@pytest.fixture
def office(ledger_db, personas, make_staff):
    """Helpers that make ledger history the way the office makes it."""
    from django.utils import timezone

    from ryoken.web.accounts.models import Window
    from ryoken.web.applications.models import Application, ApplicationPerson
    from ryoken.web.casework import breakglass
    from ryoken.web.counter.queue import service as queue
    from ryoken.web.vault import gateway, writes
    from ryoken.web.watch.models import CanaryPlacement

    class Office:
        def person(self, *, canary: bool = False) -> str:
            n = next(NAMES)
            return writes.create_subject(
                actor="system",
                values={"name_kanji": f"試験 {n}郎", "phone": f"050-0000-{n:04d}"},
                purpose="test",
                canary=canary,
            )

        def application(self, *, family: int = 0, canary: bool = False) -> Application:
            applicant = self.person(canary=canary)
            app = Application.objects.create(
                reception_number=f"13IKB-T-{next(NAMES):06d}",
                kind="new",
                channel="paper",
                state="in_review",
                applicant=applicant,
                application_date=timezone.localdate(),
                created_at=timezone.now(),
                canary=canary,
            )
            ApplicationPerson.objects.create(application=app, subject=applicant, role="applicant")
            for _ in range(family):
                ApplicationPerson.objects.create(
                    application=app, subject=self.person(), role="family_member", relation="子"
                )
            return app

        def serve(self, clerk, window_code: str, app: Application, *, reveals: int = 0) -> None:
            """A ticket called to the window, the persons' names shown (and `reveals` extra
            reveals of the applicant's phone, each with a typed reason), the ticket closed."""
            window = Window.objects.get(code=window_code)
            ticket = queue.issue_ticket("application")
            ticket.applications.add(app)
            called = queue.call_next(clerk, window)
            assert called is not None
            ticket, grant = called
            for subject in grant.subjects.values_list("subject", flat=True):
                gateway.disclose(
                    actor=clerk.staff_id,
                    subject_id=subject,
                    fields=("name_kanji",),
                    purpose="intake",
                    grant=grant.grant_id,
                    terminal=window_code,
                )
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
            queue.close_ticket(ticket, staff=clerk)

        def break_glass(
            self, clerk, app: Application, *, judged_by=None, justified=True, cosigner=None
        ):
            """Break-glass by reception number; every person on it read; optionally judged."""
            grant = breakglass.open_breakglass(
                staff=clerk,
                reason="電話での問い合わせに回答するため申請内容を確認します",
                target=breakglass.Target(reception_number=app.reception_number),
                purpose="status_inquiry",
                cosigner=cosigner,
            )
            for subject in grant.subjects.values_list("subject", flat=True):
                gateway.disclose(
                    actor=clerk.staff_id,
                    subject_id=subject,
                    fields=("name_kanji",),
                    purpose="break_glass",
                    grant=grant.grant_id,
                )
            breakglass.close_breakglass(grant)
            if judged_by is not None:
                breakglass.review_breakglass(
                    grant,
                    justified=justified,
                    note="" if justified else "問い合わせの記録がありません",
                    acting_staff=judged_by,
                )
            return grant

        def canary(self, window: str = "W02", staff_id: str = "") -> Application:
            app = self.application(canary=True)
            CanaryPlacement.objects.create(
                subject_id=app.applicant,
                window=window,
                staff_id=staff_id,
                planted_at=timezone.now(),
                planted_by="privacyoffi",
            )
            return app

    return Office()


@pytest.fixture
def officer(personas):
    return personas["privacy_officer"]


def ledger_codes(after: int = -1) -> list[str]:
    from ryoken.web.ledger.models import Entry

    return list(Entry.objects.filter(seq__gt=after).order_by("seq").values_list("code", flat=True))


def last_event(code: str):
    from ryoken.audit.events import decode_entry
    from ryoken.web.ledger.models import Entry

    entry = Entry.objects.filter(code=code).order_by("-seq").first()
    assert entry is not None, f"no {code} in the ledger"
    return decode_entry(bytes(entry.data))[1]
