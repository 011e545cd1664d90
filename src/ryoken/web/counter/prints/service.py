"""Print and copy jobs: every paper copy of personal data goes through here, with a reason.

`do_print` records the job (a `PrintJob` row with a short watermark id) and its ledger event
in one transaction; only after that commits does `render_pdf` produce the PDF, and every page
carries the watermark id, the staff id and the time (in the footer and faintly across the
page). A paper that turns up somewhere it should not is traced from its watermark id to the
job, the grant, the ticket and the clerk. A copier (MFP) copy is declared the same way before
copying; the screen gives the watermark id to stamp on the copy.

Fonts: Noto Sans CJK JP cut to the document's characters and embedded (ryoken.incident.fonts,
the same as the incident documents), so 𠮷, 𩸽, 髙 and 﨑 print as they show on screen; the
built-in CID font `HeiseiKakuGo-W5` (not embedded, no character beyond the BMP) only when
Noto is missing. A TrueType-outline font can be configured with
`RYOKEN_PDF_FONT=/path/to/font.ttf` and is embedded instead.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.documents import Visit, checklist
from ryoken.domain.validity import pickup_deadline
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.incident import fonts
from ryoken.incident.fonts import CID_FONT, FontChoice
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.models import Staff, Window
from ryoken.web.applications.models import Application
from ryoken.web.counter.models import PrintJob
from ryoken.web.env import env_str
from ryoken.web.i18n import ja_date, yen
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import gateway

# No 0/O, 1/I/L: a watermark id is read off paper and typed back in.
WATERMARK_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
WATERMARK_LENGTH = 8
MAX_PAGES = 200
MAX_REASON = 500


class PrintDocument(StrEnum):
    RECEIPT = "receipt"  # 受理票
    PICKUP_RECORD = "pickup_record"  # 交付記録


class CopyDocument(StrEnum):
    IDENTITY_DOCUMENT = "identity_document"
    KOSEKI = "koseki"
    APPLICATION_FORM = "application_form"
    LOSS_REPORT_FORM = "loss_report_form"
    OLD_PASSPORT = "old_passport"
    OTHER = "other"


KIND_LABELS_JA: dict[str, str] = {
    ApplicationKind.NEW: gettext_noop("新規"),
    ApplicationKind.RENEWAL: gettext_noop("切替"),
    ApplicationKind.RECORD_CHANGE: gettext_noop("記載事項変更"),
    ApplicationKind.RECORD_CHANGE_SAME_EXPIRY: gettext_noop("記載事項変更（残存有効期間同一旅券）"),
    ApplicationKind.LOSS_REPORT: gettext_noop("紛失届"),
}

LAPSE_WARNING_JA = (
    "旅券は発行日から6か月以内にお受け取りください。期限までに受け取らない場合、旅券は失効し"
    "（旅券法第18条第1項第2号）、その後5年以内に申請するときは手数料が加算されます。"
)


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


# --- what a document says --------------------------------------------------------------------


def _applicant_name(job: PrintJob) -> str:
    """The one personal value a document carries, disclosed through the gateway (ledgered)."""
    if job.application is None or job.grant is None:
        return ""
    values = gateway.disclose(
        actor=job.staff.staff_id,
        subject_id=job.application.applicant,
        fields=["name_kanji"],
        purpose=f"print:{job.document}",
        grant=job.grant.grant_id,
        terminal=job.grant.window.code if job.grant.window else None,
    )
    name = values.get("name_kanji")
    return name if isinstance(name, str) else ""


def _pickup_windows(office: str) -> str:
    labels = Window.objects.filter(kind=Window.Kind.PICKUP, office=office).order_by("code")
    return "、".join(f"{w.label}（{w.code}）" for w in labels) or "交付窓口"


def _receipt_lines(job: PrintJob, app: Application) -> list[str]:
    kind = ApplicationKind(app.kind)
    if kind is ApplicationKind.LOSS_REPORT:
        raise RuleViolation(
            "a loss report has no receipt for pickup",
            message_ja=gettext_noop("紛失届には受理票（受取用）はありません。"),
        )
    items = checklist(kind, Channel(app.channel), application_date=app.application_date)
    lines = [
        f"受理番号　{app.reception_number or '-'}",
        f"申請の種類　{KIND_LABELS_JA.get(app.kind, app.kind)}",
        f"申請日　{ja_date(app.application_date)}",
        f"申請者氏名　{_applicant_name(job)} 様",
        f"受取窓口　{_pickup_windows(app.office)}",
    ]
    if app.issue_date is not None:
        lines.append(f"受取期限　{ja_date(pickup_deadline(app.issue_date))}")
    lines += ["", "受取時にお持ちいただくもの"]
    for item in items:
        if item.visit is Visit.PICKUP:
            note = f"（{item.note_ja}）" if item.note_ja else ""
            lines.append(f"・{item.label_ja}{note}")
    lines += ["", "ご注意", LAPSE_WARNING_JA]
    return lines


def _pickup_record_lines(job: PrintJob, app: Application) -> list[str]:
    if app.state != "issued":
        raise RuleViolation(
            "the pickup record is printed after issuance",
            message_ja=gettext_noop("交付記録は交付の後に印刷できます。"),
        )
    from ryoken.web.counter.pickup.service import identity_checks  # pickup imports this module

    checks = identity_checks(job.grant, app.applicant) if job.grant else {}

    def result(name: str) -> str:
        value = checks.get(name)
        return "未照合" if value is None else ("一致" if value else "不一致")

    total = (app.fee_national or 0) + (app.fee_prefectural or 0)
    issued = timezone.localtime(app.issued_at) if app.issued_at else None
    return [
        f"受理番号　{app.reception_number or '-'}",
        f"申請の種類　{KIND_LABELS_JA.get(app.kind, app.kind)}",
        f"申請者氏名　{_applicant_name(job)} 様",
        f"交付日時　{ja_date(issued.date())} {issued:%H:%M}" if issued else "交付日時　-",
        f"交付担当　{app.issued_by}",
        f"発行日　{ja_date(app.issue_date)}" if app.issue_date else "発行日　-",
        f"有効期間満了日　{ja_date(app.expiry_date)}" if app.expiry_date else "",
        f"手数料　{yen(total, japanese=True)}（国 {yen(app.fee_national or 0, japanese=True)}"
        f"・都道府県 {yen(app.fee_prefectural or 0, japanese=True)}）"
        f"　{'受領済' if app.fee_paid else '未受領'}",
        f"旧旅券の返納　{'あり' if app.old_passport_returned else 'なし'}",
        f"本人確認　生年月日 {result('birth_date')}・旅券番号 {result('passport_number')}",
    ]


def document_content(job: PrintJob) -> tuple[str, list[str]]:
    """The title and lines of a job's document (the applicant's name via the gateway)."""
    app = job.application
    if app is None:
        raise InvalidInput(
            "this document needs an application",
            message_ja=gettext_noop("申請が指定されていません。"),
        )
    if job.document == PrintDocument.RECEIPT:
        return "受理票", _receipt_lines(job, app)
    if job.document == PrintDocument.PICKUP_RECORD:
        return "交付記録", _pickup_record_lines(job, app)
    raise InvalidInput(
        f"{job.document} is not printed by the system",
        message_ja=gettext_noop("この書類は印刷できません。"),
    )


def check_printable(document: str, application: Application | None) -> None:
    """Refuse before recording a job whose document cannot be produced."""
    if application is None:
        raise InvalidInput(
            "choose an application", message_ja=gettext_noop("申請が指定されていません。")
        )
    if document == PrintDocument.RECEIPT and application.kind == ApplicationKind.LOSS_REPORT:
        raise RuleViolation(
            "a loss report has no receipt",
            message_ja=gettext_noop("紛失届には受理票（受取用）はありません。"),
        )
    if document == PrintDocument.PICKUP_RECORD and application.state != "issued":
        raise RuleViolation(
            "the pickup record is printed after issuance",
            message_ja=gettext_noop("交付記録は交付の後に印刷できます。"),
        )


# --- PDF -------------------------------------------------------------------------------------


def font_for(text: str) -> FontChoice:
    """A font that shows every character of `text`: a configured TrueType font, else Noto
    CJK cut to the text (with its fallback chain; see ryoken.incident.fonts), which keeps
    𠮷, 𩸽, 髙 and 﨑 in names; the built-in CID font only if neither can be used."""
    configured = japanese_font() if env_str("RYOKEN_PDF_FONT", "") else ""
    if configured and configured != CID_FONT:
        return FontChoice(configured, embedded=True, source=env_str("RYOKEN_PDF_FONT", ""))
    return fonts.font_for(text)


@lru_cache(maxsize=1)
def japanese_font() -> str:
    """The configured font (RYOKEN_PDF_FONT), else the built-in CID font's name."""
    from reportlab.pdfbase import pdfmetrics

    path = env_str("RYOKEN_PDF_FONT", "")
    if path:
        from reportlab.pdfbase.ttfonts import TTFError, TTFont

        try:
            pdfmetrics.registerFont(TTFont("RyokenJapanese", path, subfontIndex=0))
            return "RyokenJapanese"
        except (TTFError, OSError):
            pass  # e.g. CFF outlines, which ReportLab cannot embed: fall back below
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    return "HeiseiKakuGo-W5"


def _wrap(text: str, width: int) -> list[str]:
    """Japanese text has no spaces to break at: cut every `width` characters."""
    if not text:
        return [""]
    return [text[i : i + width] for i in range(0, len(text), width)]


def _stamp_page(c: Any, job: PrintJob, font: str, stamp: str) -> None:
    """The watermark: faint and diagonal across the page, and plain in the footer."""
    from reportlab.lib.pagesizes import A4

    width, height = A4
    c.saveState()
    c.setFillColorRGB(0.55, 0.55, 0.55)
    c.setFillAlpha(0.13)
    c.setFont("Helvetica-Bold", 26)
    c.translate(width / 2, height / 2)
    c.rotate(35)
    for row in range(-6, 7):
        c.drawCentredString(0, row * 90, f"{job.watermark}   {job.staff.staff_id}")
    c.restoreState()
    c.setFont(font, 8)
    c.setFillColorRGB(0.2, 0.2, 0.2)
    c.drawString(40, 34, "透かしID / 職員 / 窓口 / 日時 / 印刷番号")
    c.setFont("Helvetica", 9)
    c.drawString(40, 22, stamp)


def render_pdf(job: PrintJob, *, lines: Sequence[str] | None = None, title: str = "") -> bytes:
    """The job's PDF. Call only with a recorded job: every page names its watermark id."""
    if job.ledger_seq is None or not PrintJob.objects.filter(pk=job.pk).exists():
        raise RuleViolation("a PDF is produced only for a recorded print job")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    if lines is None:
        title, lines = document_content(job)
    at = timezone.localtime(job.created_at)
    window = job.grant.window.code if job.grant and job.grant.window else "-"
    stamp = (
        f"{job.watermark} / {job.staff.staff_id} / {window} / {at:%Y-%m-%d %H:%M} / {job.job_id}"
    )
    choice = font_for(title + "".join(lines) + stamp)
    font = choice.name
    title, lines = choice.prepare(title), [choice.prepare(line) for line in lines]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{title} {job.watermark}")
    canvas.setAuthor(job.staff.staff_id)
    canvas.setSubject(f"watermark {job.watermark}; job {job.job_id}")
    canvas.setKeywords([job.watermark, job.job_id])
    width, height = A4
    body = [part for line in lines for part in _wrap(line, 42)]
    per_page = 44
    chunks = [body[i : i + per_page] for i in range(0, len(body), per_page)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        _stamp_page(canvas, job, font, stamp)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont(font, 18)
        canvas.drawString(50, height - 70, title)
        canvas.setFont(font, 11)
        y = height - 110
        for line in chunk:
            canvas.drawString(50, y, line)
            y -= 16
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(width - 40, 22, f"{number}/{len(chunks)}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
