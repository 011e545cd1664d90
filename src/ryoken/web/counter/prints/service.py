"""Print and copy jobs: every paper copy of personal data goes through here, with a reason.

`do_print` records the job (a `PrintJob` row with a short watermark id) and its ledger event
in one transaction; only after that commits does `render_pdf` produce the PDF, and every
sheet carries the watermark id, the staff id and the time (in the footer and faintly across
the sheet). A paper that turns up somewhere it should not is traced from its watermark id to
the job, the grant, the ticket and the clerk. A copier (MFP) copy is declared the same way
before copying; the screen gives the watermark id to stamp on the copy.

What each document says is `text.py`; the PDF and its font are the one builder every
document uses (`ryoken.web.documents`: Noto Sans CJK JP cut to the document's characters
and embedded, so 𠮷, 𩸽, 髙 and 﨑 print as they show on screen).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.models import Application
from ryoken.web.counter.models import PrintJob
from ryoken.web.counter.prints import text
from ryoken.web.counter.prints.text import PrintDocument
from ryoken.web.documents import pdf
from ryoken.web.documents.pdf import OnPage, Sheet
from ryoken.web.ledger import store as ledger

# No 0/O, 1/I/L: a watermark id is read off paper and typed back in.
WATERMARK_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
WATERMARK_LENGTH = 8
MAX_PAGES = 200
MAX_REASON = 500


class CopyDocument(StrEnum):
    IDENTITY_DOCUMENT = "identity_document"
    KOSEKI = "koseki"
    APPLICATION_FORM = "application_form"
    LOSS_REPORT_FORM = "loss_report_form"
    OLD_PASSPORT = "old_passport"
    OTHER = "other"


def new_watermark_id(choice: Callable[[str], str] = secrets.choice) -> str:
    return "".join(choice(WATERMARK_ALPHABET) for _ in range(WATERMARK_LENGTH))


def _documents_for(kind: str) -> frozenset[str]:
    if kind == PrintJob.Kind.PRINT:
        return frozenset(PrintDocument)
    if kind == PrintJob.Kind.COPY:
        return frozenset(CopyDocument)
    raise InvalidInput(
        f"unknown job kind {kind!r}", message_ja=gettext_noop("印刷か複写かを選んでください。")
    )


def _open_grant_of(staff: Staff, grant: Grant | None, at: datetime) -> Grant:
    """The staff member's own open grant, or AccessDenied: no work, no paper."""
    if grant is None:
        raise AccessDenied(
            "a print or copy needs the grant of the current work",
            message_ja=gettext_noop("窓口の受付や担当業務がない状態では印刷・複写できません。"),
        )
    try:
        return grants.access_grant(staff, grant.grant_id, at)
    except AccessDenied:
        raise AccessDenied(
            "the grant is not this staff member's open grant",
            message_ja=gettext_noop(
                "この業務は終了しているか、ご自身の業務ではないため印刷・複写できません。"
            ),
        ) from None


def _application_in_grant(application: Application, grant: Grant) -> bool:
    """On the ticket, the assigned review's, or an application of a person the grant covers
    (an application created during the visit need not be on the ticket yet)."""
    if grant.ticket is not None and grant.ticket.applications.filter(pk=application.pk).exists():
        return True
    if grant.review is not None and grant.review.application_id == application.pk:
        return True
    return grant.subjects.filter(subject=application.applicant).exists()


def application_in_work(grant: Grant, application_id: int) -> Application | None:
    """The application if this grant's work covers it, else None (the view answers 404)."""
    application = Application.objects.filter(pk=application_id).first()
    if application is None or not _application_in_grant(application, grant):
        return None
    return application


def do_print(
    *,
    staff: Staff,
    grant: Grant | None,
    kind: str,
    document: str,
    reason: str,
    application: Application | None = None,
    subjects: Iterable[str] = (),
    pages: int = 1,
    reprint_of: str = "",
    now: datetime | None = None,
    watermark_id: Callable[[], str] = new_watermark_id,
) -> PrintJob:
    """Record a print or copy job and its ledger event in one transaction.

    Refused (nothing written) without a reason, outside an open grant of `staff`, or for
    an application or persons the grant does not cover. The returned job has `ledger_seq`.
    """
    at = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "a print or copy needs a reason",
            message_ja=gettext_noop("印刷・複写の理由を入力してください。"),
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            "the reason is too long", message_ja=f"理由は{MAX_REASON}文字以内で入力してください。"
        )
    if document not in _documents_for(kind):
        raise InvalidInput(
            f"unknown document {document!r} for a {kind}",
            message_ja=gettext_noop("印刷・複写する書類の種類が正しくありません。"),
        )
    if not 1 <= pages <= MAX_PAGES:
        raise InvalidInput(
            f"pages must be 1-{MAX_PAGES}", message_ja=f"枚数は1〜{MAX_PAGES}で入力してください。"
        )
    open_grant = _open_grant_of(staff, grant, at)
    subject_ids = sorted(set(subjects) or ({application.applicant} if application else set()))
    if application is not None and not _application_in_grant(application, open_grant):
        raise AccessDenied(
            "the application is not part of this work",
            message_ja=gettext_noop("この申請は現在の業務の対象ではありません。"),
        )
    covered = set(open_grant.subjects.values_list("subject", flat=True))
    if not set(subject_ids) <= covered:
        raise AccessDenied(
            "a person is not part of this work",
            message_ja=gettext_noop("現在の業務の対象ではない方の書類は印刷・複写できません。"),
        )
    code = EventCode.PRINT if kind == PrintJob.Kind.PRINT else EventCode.COPY
    for _ in range(5):  # a watermark collision (31^8 ids) only retries
        mark = watermark_id()
        job_id = "pj_" + secrets.token_hex(8)
        try:
            # durable: the job and its ledger entry are committed when this returns, so no
            # caller can render a PDF whose job might still roll back.
            with transaction.atomic(durable=True):
                job = PrintJob.objects.create(
                    job_id=job_id,
                    watermark=mark,
                    kind=kind,
                    document=document,
                    reason=reason,
                    staff=staff,
                    grant=open_grant,
                    application=application,
                    subjects=" ".join(subject_ids),
                    pages=pages,
                    created_at=at,
                )
                (seq,) = ledger.record_in_transaction(
                    Event(
                        code=code,
                        at=at,
                        actor=staff.staff_id,
                        subjects=tuple(subject_ids),
                        fields=(),
                        purpose=f"{kind}:{document}",
                        grant=open_grant.grant_id,
                        terminal=open_grant.window.code if open_grant.window else None,
                        details={
                            "job": job_id,
                            "watermark": mark,
                            "document": document,
                            "pages": pages,
                            "reason": reason,
                            "application": (
                                str(application.reception_number or application.pk)
                                if application
                                else None
                            ),
                            "reprint_of": reprint_of or None,
                        },
                    )
                )
                job.ledger_seq = seq
                job.save(update_fields=["ledger_seq"])
        except IntegrityError:
            if PrintJob.objects.filter(watermark=mark).exists():
                continue
            raise
        return job
    raise RuleViolation("could not allocate a unique watermark id")  # pragma: no cover


def reprint(*, staff: Staff, job: PrintJob, reason: str, now: datetime | None = None) -> PrintJob:
    """Print a job's document again: a new job (new watermark id), with its own reason."""
    if job.staff_id != staff.pk:
        raise AccessDenied(
            "not this staff member's job", message_ja=gettext_noop("印刷記録が見つかりません。")
        )
    if job.kind != PrintJob.Kind.PRINT:
        raise RuleViolation(
            "only prints can be printed again",
            message_ja=gettext_noop("複写の記録は再印刷できません。"),
        )
    return do_print(
        staff=staff,
        grant=job.grant,
        kind=job.kind,
        document=job.document,
        reason=reason,
        application=job.application,
        subjects=job.subjects.split(),
        pages=job.pages,
        reprint_of=job.job_id,
        now=now,
    )


# --- PDF -------------------------------------------------------------------------------------

PER_SHEET = 40  # lines of a document on one sheet, below its title


def _wrap(text: str, width: int) -> list[str]:
    """Japanese text has no spaces to break at: cut every `width` characters."""
    if not text:
        return [""]
    return [text[i : i + width] for i in range(0, len(text), width)]


def _stamp(job: PrintJob, stamp: str) -> OnPage:
    """The watermark: faint and diagonal across each sheet, and plain in its footer."""

    def draw(c: Any, sheet: Sheet) -> None:
        c.saveState()
        c.setFillColorRGB(0.55, 0.55, 0.55)
        c.setFillAlpha(0.13)
        c.setFont("Helvetica-Bold", 26)
        c.translate(sheet.width / 2, sheet.height / 2)
        c.rotate(35)
        for row in range(-6, 7):
            c.drawCentredString(0, row * 90, f"{job.watermark}   {job.staff.staff_id}")
        c.restoreState()
        c.setFont(sheet.font, 8)
        c.setFillColorRGB(0.2, 0.2, 0.2)
        c.drawString(40, 34, STAMP_LABEL)
        c.setFont("Helvetica", 9)
        c.drawString(40, 22, stamp)
        c.setFont("Helvetica", 8)
        c.drawRightString(sheet.width - 40, 22, f"{sheet.number}/{sheet.count}")

    return draw


STAMP_LABEL = "透かしID / 職員 / 窓口 / 日時 / 印刷番号"


def render_pdf(job: PrintJob, *, lines: Sequence[str] | None = None, title: str = "") -> bytes:
    """The job's PDF. Call only with a recorded job: every sheet names its watermark id."""
    if job.ledger_seq is None or not PrintJob.objects.filter(pk=job.pk).exists():
        raise RuleViolation("a PDF is produced only for a recorded print job")
    if lines is None:
        title, lines = text.document_content(job)
    at = timezone.localtime(job.created_at)
    window = job.grant.window.code if job.grant and job.grant.window else "-"
    stamp = (
        f"{job.watermark} / {job.staff.staff_id} / {window} / {at:%Y-%m-%d %H:%M} / {job.job_id}"
    )
    body = [part for line in lines for part in _wrap(line, 42)]
    chunks = [body[i : i + PER_SHEET] for i in range(0, len(body), PER_SHEET)] or [[]]
    pages = [[("display", title), *(("line", line) for line in chunk)] for chunk in chunks]
    data, _font = pdf.render(
        pages,
        title=f"{title} {job.watermark}",
        author=job.staff.staff_id,
        subject=f"watermark {job.watermark}; job {job.job_id}",
        keywords=(job.watermark, job.job_id),
        on_page=_stamp(job, stamp),
        page_text=STAMP_LABEL + stamp,
    )
    return data
