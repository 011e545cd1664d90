"""Building a ready application and a called ticket, and reading PDFs and the ledger back."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.utils import timezone

from ryoken.audit.events import decode_entry
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import writes

# A tiny PNG signature and body: enough for the magic-byte sniffing and for round trips.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(64))

HOLDER = {
    "name_kanji": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "name_romaji": "YAMADA TARO",
    "birth_date": "1985-04-02",
    "passport_number": "TK1234567",
    "previous_passport": "TR7654321 2015-03-01",
    "address": "東京都豊島区東池袋1-2-3",
}

_made = {"n": 0}


def make_person(values: dict[str, str] | None = None, photo: bytes = PNG) -> str:
    data: dict[str, str | bytes] = dict(values or HOLDER)
    data["face_photo"] = photo
    return writes.create_subject(actor="system", values=data, purpose="test seed")


def make_application(
    subject: str,
    *,
    state: str = "ready",
    kind: str = "renewal",
    channel: str = "paper",
    validity: int | None = 10,
    applied: date | None = None,
    issue_date: date | None = None,
    family: tuple[str, ...] = (),
) -> Application:
    today = timezone.localdate()
    _made["n"] += 1
    applied = applied or today - timedelta(days=20)
    app = Application.objects.create(
        reception_number=f"13IKB-{applied:%Y%m%d}-{900000 + _made['n']:06d}",
        kind=kind,
        channel=channel,
        state=state,
        applicant=subject,
        application_date=applied,
        created_at=timezone.now(),
        requested_validity=validity,
        validity_years=validity,
        issue_date=issue_date
        or (today - timedelta(days=10) if state in ("ready", "issued") else None),
    )
    ApplicationPerson.objects.create(application=app, subject=subject, role="applicant")
    for member in family:
        ApplicationPerson.objects.create(application=app, subject=member, role="family_member")
    return app


def call_pickup(app: Application, clerk, window_code: str = "P01"):
    """The person takes a pickup ticket at the kiosk; the clerk calls it to the window."""
    from ryoken.web.accounts.models import Window
    from ryoken.web.counter.queue import service as queue

    queue.issue_ticket("pickup", reception_number=app.reception_number)
    called = queue.call_next(clerk, Window.objects.get(code=window_code))
    assert called is not None
    return called


def call_loss(clerk, window_code: str = "L01"):
    from ryoken.web.accounts.models import Window
    from ryoken.web.counter.queue import service as queue

    queue.issue_ticket("loss_report")
    called = queue.call_next(clerk, Window.objects.get(code=window_code))
    assert called is not None
    return called


def ledger_events(code: str, **where):
    """Decoded ledger events with this code (optionally filtered on the Entry columns)."""
    rows = Entry.objects.filter(code=code, **where).order_by("seq").values_list("data", flat=True)
    return [decode_entry(bytes(data))[1] for data in rows]


def pdf_text(pdf: bytes) -> str:
    """All the text drawn in a PDF, page after page (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
