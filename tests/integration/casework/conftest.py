"""Back-office fixtures: applications whose persons are in the vault, in any state."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

import pytest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
SIGNATURE = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
KOSEKI = b"%PDF-1.4\n%koseki\n%%EOF\n"

# Values chosen to be unique in a rendered page, so a test can tell whether one leaked.
APPLICANT = {
    "name_kanji": "松浦 一郎",
    "name_kana": "マツウラ イチロウ",
    "name_romaji": "MATSUURA ICHIRO",
    "sex": "M",
    "birth_date": "1990-04-01",
    "honseki": "東京都豊島区南池袋二丁目100番地",
    "address": "東京都豊島区西池袋五丁目17番3号",
    "postcode": "171-0021",
    "phone": "03-3981-7777",
    "mobile": "090-5555-1234",
    "email": "ichiro.matsuura@example.jp",
    "criminal_answers": "yes",
    "other_nationality": "なし",
    "previous_passport": "TK1234567 2016-05-01",
    "face_photo": PNG,
    "signature_image": SIGNATURE,
    "koseki_image": KOSEKI,
}
FAMILY = {
    "name_kanji": "松浦 花子",
    "name_kana": "マツウラ ハナコ",
    "sex": "F",
    "birth_date": "1992-08-08",
    "relation": "妻",
}
CONTACT = {
    "name_kanji": "佐藤 次郎",
    "name_kana": "サトウ ジロウ",
    "relation": "兄",
    "postcode": "150-0001",
    "address": "東京都渋谷区神宮前一丁目1番1号",
    "phone": "03-6666-0000",
}


@pytest.fixture
def make_application(ledger_db):
    """make(state=..., criminal=False, issue_date=None, ...) → an Application in the vault."""
    from django.utils import timezone

    from ryoken.web.applications.models import Application, ApplicationPerson
    from ryoken.web.vault import writes

    numbers = itertools.count(1)

    def make(
        state: str = "in_review",
        *,
        kind: str = "new",
        criminal: bool = False,
        accepted_by: str = "counter9",
        accepted_on: date | None = None,
        issue_date: date | None = None,
        validity: int | None = 10,
        applicant: dict | None = None,
        family: bool = True,
    ) -> Application:
        values = dict(APPLICANT, **(applicant or {}))
        values["criminal_answers"] = "yes" if criminal else "no"
        subject = writes.create_subject(actor="test", values=values, purpose="test")
        day = accepted_on or timezone.localdate()
        n = next(numbers)
        app = Application.objects.create(
            reception_number=f"13IKB-{day:%Y%m%d}-{n:06d}",
            kind=kind,
            channel="paper",
            state=state,
            applicant=subject,
            application_date=day,
            created_at=timezone.now(),
            accepted_at=timezone.make_aware(datetime.combine(day, time(10, 0)))
            + timedelta(minutes=n),
            accepted_by=accepted_by,
            requested_validity=validity,
            validity_years=validity,
            criminal_record_yes=criminal,
            romaji_confirmed=True,
            issue_date=issue_date,
        )
        people = [(subject, "applicant", "")]
        if family:
            people.append(
                (
                    writes.create_subject(actor="test", values=FAMILY, purpose="test"),
                    "family_member",
                    "妻",
                )
            )
            people.append(
                (
                    writes.create_subject(actor="test", values=CONTACT, purpose="test"),
                    "emergency_contact",
                    "兄",
                )
            )
        ApplicationPerson.objects.bulk_create(
            ApplicationPerson(application=app, subject=s, role=r)  # relation: in the vault
            for s, r, _rel in people
        )
        return app

    return make


@pytest.fixture
def senior_qualified():
    """Give a staff member a current senior_review qualification."""
    from django.utils import timezone

    from ryoken.web.accounts.models import Qualification
    from ryoken.web.casework.review import senior_qualification_kind

    def give(staff, until: date | None = None):
        today = timezone.localdate()
        Qualification.objects.create(
            staff=staff,
            kind=senior_qualification_kind(),
            obtained_on=today - timedelta(days=10),
            valid_until=until or today + timedelta(days=365),
        )
        return staff

    return give


def ledger_codes(**filters) -> list[str]:
    from ryoken.web.ledger.models import Entry

    return list(Entry.objects.filter(**filters).order_by("seq").values_list("code", flat=True))
