"""What an applicant must bring, by kind and channel (FACTS.md: documents).

The checklist is split by visit: a paper application needs two visits (application and
pickup); an online application (マイナポータル) needs one, the pickup, and no 戸籍謄本.
Issuance is in person only, even for newborns. 住民票 is normally not needed and never
appears. Since 2023-03-27 the old passport is returned at pickup, not at application.

Document freshness uses the calendar convention of validity.py: "within 6 months" of a date
means up to and including the same day of month six months later.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ryoken.domain import validity
from ryoken.domain.applications import Application, ApplicationKind, Channel
from ryoken.errors import RuleViolation

OLD_PASSPORT_RETURNED_AT_PICKUP_FROM = date(2023, 3, 27)
KOSEKI_MAX_AGE_MONTHS = 6
PHOTO_MAX_AGE_MONTHS = 6
PHOTO_HEIGHT_MM = 45.0
PHOTO_WIDTH_MM = 35.0
FACE_HEIGHT_MM = 34.0
FACE_TOLERANCE_MM = 2.0

# Kinds that need a 戸籍謄本 on paper: everything but a renewal without changes (a renewal
# with changes is filed as a record change) and the loss report itself.
KOSEKI_KINDS = frozenset(
    {
        ApplicationKind.NEW,
        ApplicationKind.RECORD_CHANGE,
        ApplicationKind.RECORD_CHANGE_SAME_EXPIRY,
    }
)
WITH_CURRENT_PASSPORT = frozenset(
    {
        ApplicationKind.RENEWAL,
        ApplicationKind.RECORD_CHANGE,
        ApplicationKind.RECORD_CHANGE_SAME_EXPIRY,
    }
)


class Visit(StrEnum):
    APPLICATION = "application"  # 申請
    PICKUP = "pickup"  # 交付


class Item(StrEnum):
    APPLICATION_FORM = "application_form"
    LOSS_REPORT_FORM = "loss_report_form"
    KOSEKI = "koseki"
    PHOTO = "photo"
    IDENTITY = "identity"
    CURRENT_PASSPORT = "current_passport"
    LEGAL_REPRESENTATIVE_SIGNATURE = "legal_representative_signature"
    LOSS_EVIDENCE = "loss_evidence"
    RECEIPT = "receipt"
    FEE = "fee"
    APPLICANT_IN_PERSON = "applicant_in_person"


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    item: Item
    visit: Visit
    label_ja: str
    label_en: str
    note_ja: str = ""
    note_en: str = ""


_LABELS: dict[Item, tuple[str, str, str, str]] = {
    Item.APPLICATION_FORM: ("一般旅券発給申請書", "Passport application form", "", ""),
    Item.LOSS_REPORT_FORM: ("紛失一般旅券等届出書", "Lost passport report form", "", ""),
    Item.KOSEKI: (
        "戸籍謄本（全部事項証明書）",
        "Family register certificate (all entries)",
        "発行から6か月以内のもの",
        "issued within the last 6 months",
    ),
    Item.PHOTO: (
        "顔写真",
        "Face photo",
        "縦45mm×横35mm、顔の長さ34mm±2mm、6か月以内に撮影",
        "45×35 mm, face 34±2 mm, taken within the last 6 months",
    ),
    Item.IDENTITY: (
        "本人確認書類",
        "Identity documents",
        "A欄の書類1点、またはA欄を含む2点（B欄のみ2点は不可）",
        "one from list A, or two including one from list A (two from list B are not enough)",
    ),
    Item.CURRENT_PASSPORT: ("現在お持ちの旅券", "Current passport", "", ""),
    Item.LEGAL_REPRESENTATIVE_SIGNATURE: (
        "法定代理人の署名",
        "Signature of the legal representative",
        "申請者が未成年の場合",
        "the applicant is a minor",
    ),
    Item.LOSS_EVIDENCE: (
        "警察署の受理番号または消防署の罹災証明書",
        "Police report number or fire-department disaster certificate (罹災証明書)",
        "",
        "",
    ),
    Item.RECEIPT: ("受理票（申請時にお渡しした控え）", "Receipt given at application", "", ""),
    Item.FEE: ("手数料", "Fee", "受取時にお支払いください", "paid at pickup"),
    Item.APPLICANT_IN_PERSON: (
        "申請者本人の来所",
        "The applicant in person",
        "乳幼児を含め、本人でなければ受け取れません",
        "only the applicant can collect it, newborns included",
    ),
}


def _entry(item: Item, visit: Visit, note_ja: str = "", note_en: str = "") -> ChecklistItem:
    ja, en, default_ja, default_en = _LABELS[item]
    return ChecklistItem(item, visit, ja, en, note_ja or default_ja, note_en or default_en)


def checklist(
    kind: ApplicationKind,
    channel: Channel,
    *,
    application_date: date,
    applicant_minor: bool = False,
) -> tuple[ChecklistItem, ...]:
    """What to bring, visit by visit, for an application of `kind` through `channel`."""
    app, pickup = Visit.APPLICATION, Visit.PICKUP
    if kind is ApplicationKind.LOSS_REPORT:
        if channel is Channel.ONLINE:
            raise RuleViolation(
                "a loss report is made in person", message_ja="紛失届は窓口で届け出ます。"
            )
        return (
            _entry(Item.LOSS_REPORT_FORM, app),
            _entry(Item.LOSS_EVIDENCE, app),
            _entry(Item.PHOTO, app),
            _entry(Item.IDENTITY, app),
        )
    items: list[ChecklistItem] = []
    paper = channel is Channel.PAPER
    returned_at_pickup = application_date >= OLD_PASSPORT_RETURNED_AT_PICKUP_FROM
    if paper:
        items.append(_entry(Item.APPLICATION_FORM, app))
        if kind in KOSEKI_KINDS:
            items.append(_entry(Item.KOSEKI, app))
        items.append(_entry(Item.PHOTO, app))
        if kind in WITH_CURRENT_PASSPORT:
            if returned_at_pickup:
                note = ("提示のみ（お持ち帰りください）", "shown only; you keep it until pickup")
            else:
                note = ("失効処理をして申請時に返却", "invalidated and returned at application")
            items.append(_entry(Item.CURRENT_PASSPORT, app, *note))
        else:
            items.append(_entry(Item.IDENTITY, app))
        if applicant_minor:
            items.append(_entry(Item.LEGAL_REPRESENTATIVE_SIGNATURE, app))
        items.append(_entry(Item.RECEIPT, pickup))
    items.append(_entry(Item.FEE, pickup))
    if kind in WITH_CURRENT_PASSPORT and (returned_at_pickup or not paper):
        note = ("失効処理をして返却します", "invalidated and returned to you")
        items.append(_entry(Item.CURRENT_PASSPORT, pickup, *note))
    items.append(_entry(Item.APPLICANT_IN_PERSON, pickup))
    return tuple(items)


def checklist_for(app: Application) -> tuple[ChecklistItem, ...]:
    minor = not validity.may_have_ten_years(app.birth_date, app.application_date)
    return checklist(
        app.kind, app.channel, application_date=app.application_date, applicant_minor=minor
    )


def visits_required(kind: ApplicationKind, channel: Channel) -> int:
    """Office visits: a loss report one; online one (pickup); paper two."""
    if kind is ApplicationKind.LOSS_REPORT or channel is Channel.ONLINE:
        return 1
    return 2


# --- checks a clerk makes --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """The answer to a clerk's check; unpacks as `ok, reason` (English)."""

    ok: bool
    reason: str = ""  # empty when ok
    reason_ja: str = ""

    def __iter__(self) -> Iterator[bool | str]:
        return iter((self.ok, self.reason))


def _within_months(issued: date, on: date, months: int) -> bool:
    return issued <= on <= validity.add_months(issued, months)


def koseki_is_current(issued_on: date, application_date: date) -> Check:
    if _within_months(issued_on, application_date, KOSEKI_MAX_AGE_MONTHS):
        return Check(True)
    return Check(
        False,
        "the 戸籍謄本 must have been issued within 6 months of the application",
        "戸籍謄本は発行から6か月以内のものが必要です。",
    )


def photo_meets_spec(
    *,
    height_mm: float,
    width_mm: float,
    face_mm: float,
    taken_on: date,
    application_date: date,
    measuring_tolerance_mm: float = 0.0,
) -> Check:
    """45×35 mm, face 34±2 mm, taken within 6 months (FACTS.md). Every problem is named."""
    tol = measuring_tolerance_mm
    problems: list[str] = []
    problems_ja: list[str] = []
    if abs(height_mm - PHOTO_HEIGHT_MM) > tol or abs(width_mm - PHOTO_WIDTH_MM) > tol:
        problems.append(f"the photo is {height_mm}×{width_mm} mm, not 45×35 mm")
        problems_ja.append("写真の大きさが縦45mm×横35mmではありません")
    if abs(face_mm - FACE_HEIGHT_MM) > FACE_TOLERANCE_MM + tol:
        problems.append(f"the face is {face_mm} mm, not 32–36 mm")
        problems_ja.append("顔の長さが34mm±2mmの範囲にありません")
    if not _within_months(taken_on, application_date, PHOTO_MAX_AGE_MONTHS):
        problems.append("the photo was not taken within the last 6 months")
        problems_ja.append("6か月以内に撮影された写真ではありません")
    return Check(not problems, "; ".join(problems), "。".join(problems_ja))


class IdentityList(StrEnum):
    A = "A"  # one is enough
    B = "B"  # only together with one from list A


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    name_ja: str
    list: IdentityList


# Common examples only; the office's full list is configuration held outside the core.
IDENTITY_EXAMPLES: tuple[IdentityDocument, ...] = (
    IdentityDocument("マイナンバーカード", IdentityList.A),
    IdentityDocument("運転免許証", IdentityList.A),
    IdentityDocument("日本国旅券", IdentityList.A),
    IdentityDocument("健康保険証", IdentityList.B),
    IdentityDocument("年金手帳", IdentityList.B),
    IdentityDocument("写真付き学生証", IdentityList.B),
)


def identity_documents_sufficient(docs: Iterable[IdentityDocument]) -> Check:
    """One from list A, or two as A+A or A+B; B alone (B+B included) is not enough.

    As FACTS.md states it, every accepted combination contains a list-A document, so the
    rule is "at least one from list A"; the reason names what is missing.
    """
    lists = [d.list for d in docs]
    if IdentityList.A in lists:
        return Check(True)
    if not lists:
        return Check(False, "no identity document was shown", "本人確認書類が提示されていません。")
    return Check(
        False,
        "list B documents are not enough on their own (B+B is not accepted): add one from list A",
        "B欄の書類のみでは確認できません（B＋Bは不可）。A欄の書類を1点追加してください。",
    )


def loss_report_evidence_sufficient(
    *, police_report_number: str | None, disaster_certificate: bool, photo: bool
) -> Check:
    """A loss report needs a police report number or a 罹災証明書, and a photo."""
    problems: list[str] = []
    problems_ja: list[str] = []
    if not (police_report_number and police_report_number.strip()) and not disaster_certificate:
        problems.append("a police report number or a 罹災証明書 is required")
        problems_ja.append("警察署の受理番号または罹災証明書が必要です")
    if not photo:
        problems.append("a photo is required")
        problems_ja.append("顔写真が必要です")
    return Check(not problems, "; ".join(problems), "。".join(problems_ja))
