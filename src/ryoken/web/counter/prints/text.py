"""What the counter's printed documents say: the receipt (受理票) and the pickup record (交付記録).

Each document is a title and lines of text; `service.render_pdf` sets them on the job's
watermarked sheets through the one PDF builder (`ryoken.web.documents`). The one personal
value a document carries, the applicant's name, is read through the gateway, so the read is
in the ledger under the job's grant and purpose.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext_noop

from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.documents import Visit, checklist
from ryoken.domain.validity import pickup_deadline
from ryoken.errors import InvalidInput, RuleViolation
from ryoken.web.accounts.models import Window
from ryoken.web.applications.models import Application
from ryoken.web.counter.models import PrintJob
from ryoken.web.i18n import ja_date, yen
from ryoken.web.vault import gateway


class PrintDocument(StrEnum):
    RECEIPT = "receipt"  # 受理票
    PICKUP_RECORD = "pickup_record"  # 交付記録


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
    from ryoken.web.counter.pickup.service import identity_checks  # pickup imports the prints

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
