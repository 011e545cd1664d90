"""One catalogue of labels: every code a person might read, in words, in both languages.

Screens show the label; the code may appear beside it as secondary detail, never alone.
Kinds: ledger event codes, purposes (step and detail), fields, staff roles, the roles a
person is named in, field classes, exposure channels, offices, and grant kinds. Japanese is
the msgid (English comes from locale/en, like every other screen text); the pure core's
Japanese labels (field classes, named roles, channels) are reused as they are and
translated here, so there is one Japanese wording, not two.

`label(kind, code)` is what screens call; `CATALOGUE` is what the check in
tests/integration/web/test_labels.py walks: no rendered page may show a code of it alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from ryoken.audit.events import EventCode
from ryoken.domain.fields import FIELDS_BY_NAME, FieldClass
from ryoken.incident.documents import CLASS_LABELS, ROLE_LABELS
from ryoken.incident.exports import CHANNEL_LABELS
from ryoken.web.accounts.models import Role, Window
from ryoken.web.i18n import bilingual

# The documents the counter prints and copies, by code (counter.prints.text's PrintDocument,
# counter.prints.service's CopyDocument; tests/integration/web/test_label_catalogue.py keeps
# them in step). Japanese (the printed documents are Japanese); marked for the catalog,
# translated on screens.
DOCUMENT_LABELS_JA: dict[str, str] = {
    "receipt": gettext_noop("受理票"),
    "pickup_record": gettext_noop("交付記録"),
    "identity_document": gettext_noop("本人確認書類"),
    "koseki": gettext_noop("戸籍謄本"),
    "application_form": gettext_noop("申請書"),
    "loss_report_form": gettext_noop("紛失一般旅券等届出書"),
    "old_passport": gettext_noop("旧旅券（失効処理済）"),
    "other": gettext_noop("その他の書類"),
}

EVENTS: Mapping[str, Promise] = {
    EventCode.AUTH_LOGIN: _("ログイン"),
    EventCode.AUTH_LOGIN_FAILED: _("ログイン失敗"),
    EventCode.AUTH_LOGOUT: _("ログアウト"),
    EventCode.GRANT_OPEN: _("業務の開始（閲覧権限の付与）"),
    EventCode.GRANT_CLOSE: _("業務の終了（閲覧権限の終了）"),
    EventCode.BREAKGLASS_OPEN: _("緊急閲覧の開始"),
    EventCode.DISCLOSURE: _("画面表示"),
    EventCode.MATCH: _("照合"),
    EventCode.DISCLOSURE_REFUSED: _("表示の拒否"),
    EventCode.WORKFLOW_TRANSITION: _("手続の進行"),
    EventCode.PRINT: _("印刷"),
    EventCode.COPY: _("複写"),
    EventCode.DOCUMENT_SCAN: _("書類の読取"),
    EventCode.KEY_CREATE: _("鍵の作成"),
    EventCode.KEY_ROTATE: _("鍵の更新"),
    EventCode.KEY_SHRED: _("鍵の消去（保存期間満了）"),
    EventCode.RETENTION_RUN: _("保存期間満了の処理"),
    EventCode.CHECKPOINT: _("台帳の署名（チェックポイント）"),
    EventCode.EXTERNAL_COPIER: _("複合機の記録"),
    EventCode.EXTERNAL_BADGE: _("入退室の記録"),
    EventCode.EXTERNAL_QUEUE: _("発券機の記録"),
    EventCode.ALERT_TRIAGE: _("警告の確認"),
    EventCode.CASE_TRANSITION: _("事案の状態変更"),
    EventCode.HOLD_PLACE: _("証拠保全"),
    EventCode.EXPORT_EVIDENCE: _("証拠・資料の書出し"),
    EventCode.STAFF_CHANGE: _("職員情報の変更"),
    EventCode.TICKET_ISSUE: _("整理券の発行"),
    EventCode.TICKET_CALL: _("整理券の呼出し"),
    EventCode.TICKET_CLOSE: _("整理券の終了"),
    EventCode.SUBJECT_WRITE: _("個人情報の登録・更新"),
    EventCode.SEARCH: _("検索"),
    EventCode.APPLICATION_IMPORT: _("申請データの取込"),
    EventCode.BREAKGLASS_REVIEW: _("緊急閲覧の事後確認"),
    EventCode.PRODUCTION_ORDER: _("旅券作製の発注"),
    EventCode.PRODUCTION_IMPORT: _("作製結果の取込"),
    EventCode.REVIEW_ASSIGN: _("審査の割当て"),
    EventCode.REVIEW_QA_CHECK: _("品質確認の完了"),
    EventCode.API_CLIENT_CHANGE: _("端末の登録・取消し"),
    EventCode.WATCHLIST_CHANGE: _("要注意リストの変更"),
    EventCode.INCIDENT_CHANGE: _("漏えい等事案の記録"),
    EventCode.GRANT_ASSIST: _("同僚の業務への応援"),
    EventCode.GRANT_ASSIST_END: _("応援の終了"),
    EventCode.ACCESS_DENIED: _("拒否された閲覧要求"),
}

# The purpose a ledger entry names: "step" or "step:detail".
PURPOSE_STEPS: dict[str, Promise] = {
    **{str(kind): kind.label for kind in Window.Kind},
    # casework's Review.Kind (kept in step by tests/integration/web/test_label_catalogue.py)
    "review": _("審査"),
    "senior_review": _("上級審査"),
    "qa_review": _("品質確認"),
    "production": _("旅券作製の発注"),
    "production.import": _("作製結果の取込"),
    "loss_report": Window.Kind.LOSS.label,
    "break_glass": _("緊急閲覧"),
    "breakglass.review": _("緊急閲覧の事後確認"),
    "print": _("印刷"),
    "application.import": _("申請データの取込"),
    "incident response": _("漏えい等への対応"),
    "transparency": _("本人への閲覧記録の開示"),
    "watch": _("不正アクセスの監視"),
    "queue": _("整理券"),
    "police_inquiry": _("捜査機関からの照会"),
    "court_order": _("裁判所の命令"),
    "access": _("個人情報の画面への要求"),
    "inquiry": _("電話照会・状況確認"),
}
PURPOSE_DETAILS: dict[str, Promise] = {
    "reveal": _("理由を付けた表示"),
    "romaji": _("ローマ字表記の確認"),
    "scan": _("書類の読取"),
    "accept": _("受理"),
    "photo": _("写真"),
    "identify": _("本人確認"),
    "confirm": _("名義の確認"),
    "find_holder": _("名義人の検索"),
    "lost_passport": _("紛失旅券の確認"),
    "assist": _("応援（同僚の業務）"),
    # printed and copied documents ("print:receipt"): the counter's own labels
    **{str(code): _(text) for code, text in DOCUMENT_LABELS_JA.items()},
}

OFFICES: dict[str, Promise] = {
    "TKY-IKB": _("東京都旅券課 池袋分室"),
    "TKY-YRK": _("東京都旅券課 有楽町旅券窓口"),
    "TKY-TCK": _("東京都旅券課 立川分室"),
}

GRANT_KINDS: dict[str, Promise] = {
    "counter": _("窓口"),
    "review": _("審査"),
    "qa": _("品質確認"),
    "production": _("発注"),
    "break_glass": _("緊急アクセス"),
    "inquiry": _("照会"),
}

# An MRZ's failed checks, by the domain's check name (ryoken.domain.mrz.Problem.check): the
# Japanese screen words them; the English one shows the domain's own English message.
MRZ_CHECKS: dict[str, Promise] = {
    "line 1 length": _("1行目が44文字ではありません"),
    "line 2 length": _("2行目が44文字ではありません"),
    "line 1 characters": _("1行目に使えない文字があります（A〜Z、0〜9、< のみ）"),
    "line 2 characters": _("2行目に使えない文字があります（A〜Z、0〜9、< のみ）"),
    "document code": _("文書コードが P で始まっていません"),
    "issuing state": _("発行国が英字3文字の国コードではありません"),
    "nationality": _("国籍が英字3文字の国コードではありません"),
    "name": _("氏名欄が英字で始まっていないか、数字を含んでいます"),
    "sex": _("性別が M、F、< のいずれでもありません"),
    "document number check digit": _("旅券番号のチェックデジットが合いません"),
    "birth date check digit": _("生年月日のチェックデジットが合いません"),
    "expiry date check digit": _("有効期間満了日のチェックデジットが合いません"),
    "optional data check digit": _("任意記載事項のチェックデジットが合いません"),
    "composite check digit": _("全体のチェックデジットが合いません"),
    "birth date": _("生年月日が過去の日付ではありません"),
    "expiry date": _("有効期間満了日が正しくありません"),
}


def mrz_check(code: str) -> str:
    """A failed MRZ check in words; an unknown one as words with its code beside them."""
    found = MRZ_CHECKS.get(code)
    if found is not None:
        return str(found)
    return gettext("確認できない項目（%(code)s）") % {"code": code}


# The core's Japanese labels, marked for the catalog (their English is in locale/en).
_CORE = (
    *(gettext_noop(text) for text in CLASS_LABELS.values()),
    *(gettext_noop(text) for text in ROLE_LABELS.values()),
    *(gettext_noop(text) for text in CHANNEL_LABELS.values()),
)


def _core(text: str) -> str:
    return gettext(text)


def event(code: str) -> str:
    found = EVENTS.get(code)
    return str(found) if found is not None else code


def purpose(code: str) -> str:
    """A purpose in words, e.g. "intake:reveal" -> "申請受付（理由を付けた表示）"; unknown
    parts are shown as recorded."""
    step, _sep, detail = code.partition(":")
    text = str(PURPOSE_STEPS.get(step, step))
    if detail:
        text += bilingual("（{}）", " ({})").format(PURPOSE_DETAILS.get(detail, detail))
    return text


# Fields about an application a screen shows and the ledger names, not held in the vault
# (`ryoken.privacy.policy.RECORD_FIELDS`).
RECORD_FIELDS: dict[str, Promise] = {"application_status": _("申請の状況")}


def field(name: str) -> str:
    known = FIELDS_BY_NAME.get(name)
    if known is None and name in RECORD_FIELDS:
        return str(RECORD_FIELDS[name])
    return bilingual(known.label_ja, known.label_en) if known else name


def fields(names: tuple[str, ...] | list[str]) -> str:
    return bilingual("、", ", ").join(field(n) for n in names)


def staff_role(code: str) -> str:
    if code in Role.values:
        return str(Role(code).label)
    return gettext("システム（自動処理）") if code == "system" else code


def named_role(code: str) -> str:
    """The part a person has in an application (applicant, family member, ...)."""
    text = ROLE_LABELS.get(code)
    return _core(text) if text else code


def field_class(code: str) -> str:
    try:
        return _core(CLASS_LABELS[FieldClass(code)])
    except ValueError:
        return code


def channel(code: str) -> str:
    text = CHANNEL_LABELS.get(code)
    return _core(text) if text else code


def office(code: str) -> str:
    if not code:
        return gettext("（システム）")
    found = OFFICES.get(code)
    return str(found) if found is not None else code


def grant_kind(code: str) -> str:
    found = GRANT_KINDS.get(code)
    return str(found) if found is not None else code


LABELLERS = {
    "event": event,
    "purpose": purpose,
    "field": field,
    "staff_role": staff_role,
    "named_role": named_role,
    "field_class": field_class,
    "channel": channel,
    "office": office,
    "grant_kind": grant_kind,
}


def label(kind: str, code: str) -> str:
    """The label of `code` of `kind` in the active language (the code if unknown)."""
    return LABELLERS[kind](code)


def catalogue() -> dict[str, set[str]]:
    """Every code the catalogue labels, by kind (for the check that none is shown alone)."""
    return {
        "event": {str(c) for c in EVENTS},
        "purpose": set(PURPOSE_STEPS),
        "field": set(FIELDS_BY_NAME) | set(RECORD_FIELDS),
        "staff_role": set(Role.values),
        "named_role": set(ROLE_LABELS),
        "field_class": {c.value for c in FieldClass},
        "channel": set(CHANNEL_LABELS),
        "office": set(OFFICES),
        "grant_kind": set(GRANT_KINDS),
    }
