"""The law's documents: the report to the PPC, the notices, the publication, the desk script.

Each document is built as JSON-able data first, then laid out as pages of blocks (a
`Printable`) that the web layer's one PDF builder renders (`ryoken.web.documents.pdf`), so
the structured JSON and the PDF always say the same thing.

- The report (漏えい等報告) has the nine items of FACTS.md; for a 行政機関等 the data is
  保有個人情報. Items ② (the data items) and ③ (the number of persons) are filled from the
  scoping result and from nothing else; the other items are the privacy officer's text
  (`IncidentFacts`).
- One notice per person (本人への通知) with items ①②④⑤⑨, where ② lists only that person's
  own exposed items. The notice's JSON holds the subject id, never a name; the name and
  address to print come from a callback into the vault and exist only in the rendered PDF.
  All notices are one mail-merge PDF, one page each, in subject-id order.
- Where a person cannot be notified (no address, returned mail), the publication (公表) and
  an enquiry desk (問い合わせ窓口) take the notice's place: the publication text and a script
  for the desk staff, neither naming anyone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ryoken.domain.fields import FIELDS_BY_NAME, FieldClass, SubjectRole
from ryoken.errors import InvalidInput
from ryoken.incident.appi import REPORT_LABEL_JA, Deadlines, ReportDecision, ReportKind
from ryoken.incident.scope import UNKNOWN_ROLE, Scope

Block = tuple[str, str]  # (style, text), as ryoken.web.documents.pdf sets it; text is plain

FORMAT_VERSION = 1
MARKS = "①②③④⑤⑥⑦⑧⑨"
ITEM_TITLES: Mapping[int, str] = {
    1: "概要",
    2: "漏えい等が発生し、又は発生したおそれがある保有個人情報の項目",
    3: "漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数",
    4: "原因",
    5: "二次被害又はそのおそれの有無及びその内容",
    6: "本人への対応の実施状況",
    7: "公表の実施状況",
    8: "再発防止のための措置",
    9: "その他参考となる事項",
}
NOTICE_ITEMS = (1, 2, 4, 5, 9)
CLASS_LABELS: Mapping[FieldClass, str] = {
    FieldClass.IDENTITY: "基本情報（氏名・生年月日・旅券番号等）",
    FieldClass.CONTACT: "連絡先（住所・電話番号・メールアドレス等）",
    FieldClass.FAMILY: "家族関係（続柄）",
    FieldClass.DOCUMENT_IMAGE: "提出書類の画像（戸籍謄本等）",
    FieldClass.BIOMETRIC: "顔写真・署名",
    FieldClass.SENSITIVE: "機微な情報（刑罰等関係・外国籍）",
}
ROLE_LABELS: Mapping[str, str] = {
    SubjectRole.APPLICANT.value: "申請者",
    SubjectRole.FAMILY_MEMBER.value: "家族（戸籍謄本に記載の方）",
    SubjectRole.LEGAL_REPRESENTATIVE.value: "法定代理人",
    SubjectRole.EMERGENCY_CONTACT.value: "緊急連絡先",
    UNKNOWN_ROLE: "役割不明",
}


@dataclass(frozen=True, slots=True)
class Printable:
    """A document laid out for print: pages of blocks (each page on its own sheet)."""

    pages: tuple[tuple[Block, ...], ...]
    title: str
    author: str


@dataclass(frozen=True, slots=True)
class Office:
    name: str  # e.g. 東京都生活文化局都民生活部旅券課
    head: str  # who reports, e.g. 東京都知事
    desk_name: str  # the enquiry desk
    desk_phone: str
    desk_hours: str


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the privacy officer writes; items ② and ③ are never typed, they are scoped."""

    office: Office
    learned_on: date
    summary: str  # ①
    cause: str  # ④
    secondary_harm: str  # ⑤
    response_to_persons: str  # ⑥
    publication: str  # ⑦
    recurrence_measures: str  # ⑧
    other: str = ""  # ⑨
    notice_summary: str = ""  # ① as the persons read it; defaults to `summary`


@dataclass(frozen=True, slots=True)
class Addressee:
    """Plaintext from the vault, for rendering only: never in the JSON."""

    name: str
    postcode: str
    address: str


@dataclass(frozen=True)
class Notice:
    subject: str
    fields: tuple[str, ...]  # this person's exposed fields, catalogue order
    items: tuple[Mapping[str, Any], ...]
    addressee: Addressee = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "fields": list(self.fields), "items": list(self.items)}


@dataclass(frozen=True)
class Notices:
    notices: tuple[Notice, ...]  # deliverable, subject-id order
    undeliverable: tuple[str, ...]  # subjects without an address: publication and desk instead
    prepared_on: date
    office: Office

    def to_json(self) -> dict[str, Any]:
        return {
            "document": "appi_notices",
            "format": FORMAT_VERSION,
            "prepared_on": self.prepared_on.isoformat(),
            "notices": [n.to_json() for n in self.notices],
            "undeliverable": list(self.undeliverable),
        }


def to_json_bytes(document: Mapping[str, Any]) -> bytes:
    """Stable JSON: sorted keys, UTF-8, two-space indent, trailing newline."""
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def _label(name: str) -> str:
    known = FIELDS_BY_NAME.get(name)
    return known.label_ja if known else name


def _item(no: int, text: str, **extra: Any) -> dict[str, Any]:
    return {"no": no, "mark": MARKS[no - 1], "title": ITEM_TITLES[no], "text": text, **extra}


def _date_ja(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- items ② and ③, from the scoping only ---------------------------------------------------


def fields_item(scope: Scope) -> dict[str, Any]:
    """Item ②: every exposed item with its number of persons, grouped by class."""
    fields = [
        {
            "field": name,
            "label_ja": _label(name),
            "class": FIELDS_BY_NAME[name].field_class.value if name in FIELDS_BY_NAME else None,
            "persons": count,
        }
        for name, count in scope.by_field.items()
    ]
    classes = [
        {"class": c.value, "label_ja": CLASS_LABELS[c], "persons": n}
        for c, n in scope.by_field_class.items()
    ]
    text = "、".join(f"{f['label_ja']}（{f['persons']:,}人）" for f in fields) or "なし"
    return _item(2, text, fields=fields, classes=classes)


def persons_item(scope: Scope) -> dict[str, Any]:
    """Item ③: the number of persons, with the roles they are named in."""
    roles = [
        {"role": r, "label_ja": ROLE_LABELS[r], "persons": n} for r, n in scope.by_role.items()
    ]
    breakdown = "、".join(f"{r['label_ja']} {r['persons']:,}人" for r in roles)
    text = f"{scope.persons:,}人" + (
        f"（内訳：{breakdown}。複数の役割の方は各欄に計上）" if breakdown else ""
    )
    extra: dict[str, Any] = {}
    if scope.marked:
        outside = scope.persons_outside_task
        text += (
            f"。うち業務の外での閲覧等があった方 {outside:,}人"
            f"、業務の中での閲覧等のみの方 {scope.persons - outside:,}人"
        )
        extra = {"persons_outside_task": outside}
    return _item(3, text, persons=scope.persons, by_role=roles, **extra)


# --- the report -----------------------------------------------------------------------------


def build_report(
    scope: Scope,
    decision: ReportDecision,
    facts: IncidentFacts,
    *,
    kind: ReportKind,
    prepared_on: date,
    deadlines: Deadlines | None = None,
) -> dict[str, Any]:
    """The report to the PPC (速報 or 確報) as structured data."""
    if decision.persons != scope.persons:
        raise InvalidInput(
            f"the decision counts {decision.persons} persons but the scoping found "
            f"{scope.persons}: assess the same scoping result you report"
        )
    label = REPORT_LABEL_JA[kind]
    items = [
        _item(1, facts.summary),
        fields_item(scope),
        persons_item(scope),
        _item(4, facts.cause),
        _item(5, facts.secondary_harm),
        _item(6, facts.response_to_persons),
        _item(7, facts.publication),
        _item(8, facts.recurrence_measures),
        _item(9, facts.other),
    ]
    report: dict[str, Any] = {
        "document": "appi_leak_report",
        "format": FORMAT_VERSION,
        "kind": kind.value,
        "title": f"保有個人情報の漏えい等報告書（{label}）",
        "addressee": "個人情報保護委員会 御中",
        "reporter": facts.office.head,
        "office": facts.office.name,
        "prepared_on": prepared_on.isoformat(),
        "learned_on": facts.learned_on.isoformat(),
        "period": {
            "start": scope.period.start.isoformat(),
            "end": scope.period.end.isoformat(),
        },
        "decision": {
            "required": decision.required,
            "reasons": [{"code": r.code.value, "text_ja": r.text_ja} for r in decision.reasons],
            "basis": decision.rules.source,
        },
        "items": items,
    }
    if deadlines is not None:
        report["deadlines"] = {
            "preliminary_due": deadlines.preliminary_due.isoformat(),
            "final_due": deadlines.final_due.isoformat(),
            "final_days": deadlines.final_days,
        }
    return report


def _report_page(report: Mapping[str, Any]) -> list[Block]:
    blocks: list[Block] = [
        ("right", _date_ja(date.fromisoformat(report["prepared_on"]))),
        ("body", report["addressee"]),
        ("right", f"{report['reporter']}\n（{report['office']}）"),
        ("title", report["title"]),
        ("body", f"事態を知った日：{_date_ja(date.fromisoformat(report['learned_on']))}"),
    ]
    reasons = report["decision"]["reasons"]
    if reasons:
        blocks.append(("body", "報告対象となる理由：" + "".join(r["text_ja"] for r in reasons)))
    for item in report["items"]:
        blocks.append(("heading", f"{item['mark']} {item['title']}"))
        blocks.append(("indent", item["text"] or "（記載なし）"))
        if item["no"] == 2 and item.get("classes"):
            classes = "、".join(f"{c['label_ja']} {c['persons']:,}人" for c in item["classes"])
            blocks.append(("small", f"分類別の本人の数：{classes}"))
    return blocks


def report_printable(report: Mapping[str, Any]) -> Printable:
    """The report as one page of blocks."""
    return Printable(
        (tuple(_report_page(report)),), title=str(report["title"]), author=str(report["office"])
    )


# --- notices --------------------------------------------------------------------------------


def build_notices(
    scope: Scope,
    facts: IncidentFacts,
    addressee_of: Callable[[str], Addressee | None],
    *,
    prepared_on: date,
) -> Notices:
    """One notice per exposed person, each with only that person's own items.

    `addressee_of(subject_id)` reads the name and address from the vault (the web layer
    records that read); None means the person cannot be reached by mail.
    """
    desk = facts.office
    contact = f"{desk.desk_name}　電話 {desk.desk_phone}（{desk.desk_hours}）" + (
        f"\n{facts.other}" if facts.other else ""
    )
    notices: list[Notice] = []
    undeliverable: list[str] = []
    for person in scope.subjects:
        addressee = addressee_of(person.subject)
        if addressee is None:
            undeliverable.append(person.subject)
            continue
        own = "、".join(_label(f) for f in person.fields)
        items = (
            _item(1, facts.notice_summary or facts.summary),
            _item(2, f"あなたの{own}", fields=list(person.fields)),
            _item(4, facts.cause),
            _item(5, facts.secondary_harm),
            _item(9, contact),
        )
        notices.append(Notice(person.subject, person.fields, items, addressee))
    return Notices(tuple(notices), tuple(undeliverable), prepared_on, facts.office)


def _notice_page(notice: Notice, notices: Notices) -> list[Block]:
    who = notice.addressee
    office = notices.office
    blocks: list[Block] = [
        ("address", f"〒{who.postcode}\n{who.address}\n{who.name} 様"),
        ("right", f"{_date_ja(notices.prepared_on)}\n{office.name}"),
        ("title", "個人情報の漏えい等に関するお知らせとお詫び"),
        (
            "body",
            "旅券の申請に際してお預かりした、あなたの個人情報について、漏えい等が発生し、又は"
            "発生したおそれがあることが判明しました。深くお詫び申し上げます。内容は次のとおりです。",
        ),
    ]
    for item in notice.items:
        blocks.append(("heading", f"{item['mark']} {item['title']}"))
        blocks.append(("indent", item["text"] or "（記載なし）"))
    blocks.append(("small", f"整理番号：{notice.subject}"))
    return blocks


def notices_printable(notices: Notices) -> Printable:
    """All notices as one document, one page per person, for mail merge."""
    if not notices.notices:
        raise InvalidInput("there is no one to notify by mail", message_ja="通知対象者がいません。")
    return Printable(
        tuple(tuple(_notice_page(n, notices)) for n in notices.notices),
        title="個人情報の漏えい等に関するお知らせ",
        author=notices.office.name,
    )


# --- publication and the enquiry desk -------------------------------------------------------


def build_publication(
    scope: Scope, facts: IncidentFacts, *, prepared_on: date, undeliverable: int = 0
) -> dict[str, Any]:
    """The public statement: no names, the scale and the items, the desk's number."""
    desk = facts.office
    paragraphs = [
        facts.summary,
        f"漏えい等が発生し、又は発生したおそれがある方は{scope.persons:,}人です。",
        "対象となる情報の項目：" + fields_item(scope)["text"],
        f"原因：{facts.cause}",
        f"二次被害又はそのおそれ：{facts.secondary_harm}",
        f"再発防止のための措置：{facts.recurrence_measures}",
        "対象となる方には個別にお知らせしています。"
        + (
            f"ご連絡先が確認できない{undeliverable:,}人の方については、本公表及び下記の窓口を"
            "もって通知に代えさせていただきます。"
            if undeliverable
            else ""
        ),
        f"お問い合わせ：{desk.desk_name}　電話 {desk.desk_phone}（{desk.desk_hours}）",
    ]
    return {
        "document": "appi_publication",
        "format": FORMAT_VERSION,
        "title": "個人情報の漏えい等について（お詫び）",
        "office": desk.name,
        "prepared_on": prepared_on.isoformat(),
        "persons": scope.persons,
        "undeliverable": undeliverable,
        "paragraphs": paragraphs,
    }


def build_enquiry_script(scope: Scope, facts: IncidentFacts) -> dict[str, Any]:
    """What the desk says and does when a person calls, in order."""
    items = fields_item(scope)["text"]
    steps = [
        "お詫びを述べ、窓口名（" + facts.office.desk_name + "）と担当者名を名乗る。",
        "ご本人であることを確認する：氏名、生年月日、住所を伺い、ryoken の本人照会で照合する。"
        "こちらから個人情報を読み上げて確認を求めてはならない。",
        "ご本人でない方（ご家族等）には、対象か否かを含め個別の情報は答えない。"
        "ご本人からの連絡を依頼し、必要に応じ通知の再送を案内する。",
        "対象の方には、ryoken の照会結果に表示される「その方ご自身の」漏えい等の項目のみを伝える"
        "（他の方の情報や人数の内訳は伝えない）。",
        f"全体の状況を尋ねられた場合は公表内容のとおり答える：対象 {scope.persons:,}人、"
        f"項目 {items}。",
        f"原因：{facts.cause}",
        f"二次被害のおそれ：{facts.secondary_harm}"
        "不審な電話や郵便物があれば、応じずに警察又は当窓口へ相談するよう案内する。",
        "住所変更等で通知が届いていない方には、確認のうえ通知を再送する。",
        "対応内容（日時、対象か否か、案内した事項）を記録する。個人情報は記録票に書かない。",
        "答えられない質問や苦情は、責任者に引き継ぐ。",
    ]
    return {
        "document": "appi_enquiry_script",
        "format": FORMAT_VERSION,
        "title": "問い合わせ窓口対応要領",
        "office": facts.office.name,
        "persons": scope.persons,
        "steps": steps,
    }


def text_printable(document: Mapping[str, Any]) -> Printable:
    """The publication or the desk script as one page of blocks."""
    blocks: list[Block] = [("right", str(document["office"])), ("title", str(document["title"]))]
    if "paragraphs" in document:
        blocks += [("body", str(p)) for p in document["paragraphs"]]
    else:
        blocks += [("indent", f"{n}. {s}") for n, s in enumerate(document["steps"], start=1)]
    return Printable((tuple(blocks),), title=str(document["title"]), author=str(document["office"]))
