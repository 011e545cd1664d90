"""The APPI report: the items the privacy officer writes (`Incident.facts`, each change in
the ledger) and the report to the commission with ② and ③ from the scoping (recorded)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import InvalidInput
from ryoken.incident import appi, documents
from ryoken.web.accounts.models import Staff
from ryoken.web.documents.pdf import render_document
from ryoken.web.incident.incidents import PURPOSE, officer_event
from ryoken.web.incident.models import Incident
from ryoken.web.incident.scoping import incident_scope
from ryoken.web.ledger import store as ledger

OFFICE = documents.Office(
    name="東京都生活文化局都民生活部旅券課",
    head="東京都知事",
    desk_name="旅券課 個人情報お問い合わせ窓口",
    desk_phone="03-0000-0000",
    desk_hours="平日9時から17時まで",
)


# The items of the report the privacy officer writes (`Incident.facts`), in report order;
# ② and ③ are never typed. (name, item number, required)
FACT_ITEMS: tuple[tuple[str, int, bool], ...] = (
    ("summary", 1, True),  # ① 概要: what happened, how the office learned of it
    ("cause", 4, True),  # ④ 原因
    ("secondary_harm", 5, True),  # ⑤ 二次被害又はそのおそれ
    ("response_to_persons", 6, True),  # ⑥ 本人への対応
    ("publication", 7, True),  # ⑦ 公表
    ("recurrence_measures", 8, True),  # ⑧ 再発防止のための措置 (taken and planned)
    ("other", 9, False),  # ⑨ その他参考となる事項 (also printed on the notices)
    ("notice_summary", 1, False),  # ① as the notices say it (blank: as the report's ①)
)
FACT_NAMES = tuple(name for name, _, _ in FACT_ITEMS)
MAX_FACT_CHARS = 4_000


def default_facts(incident: Incident) -> dict[str, str]:
    """The draft the report starts from until the privacy officer writes each item."""
    return {
        "summary": f"{incident.title}。"
        "当課の職員が業務上取り扱った個人情報を持ち出したおそれがあります。",
        "cause": "職員による業務上取り扱った個人情報の持ち出し（調査中）。",
        "secondary_harm": "現時点で二次被害は確認されていません。",
        "response_to_persons": "対象となる方に個別に通知します。",
        "publication": "当課ホームページで公表します。",
        "recurrence_measures": "アクセスの業務への限定、台帳の常時監視、職員研修を実施します。",
        "other": "",
        "notice_summary": "",
    }


def current_facts(incident: Incident) -> dict[str, str]:
    """Each item as the report will print it: the officer's text, else the draft."""
    stored = incident.facts if isinstance(incident.facts, dict) else {}
    out = default_facts(incident)
    for name in FACT_NAMES:
        value = stored.get(name)
        if isinstance(value, str):  # required items are never stored empty
            out[name] = value
    return out


def written_facts(incident: Incident) -> set[str]:
    """The items the privacy officer has written (the rest are the draft)."""
    stored = incident.facts if isinstance(incident.facts, dict) else {}
    return {name for name in FACT_NAMES if isinstance(stored.get(name), str)}


def update_facts(incident: Incident, values: dict[str, str], *, officer: Staff) -> list[str]:
    """Write the report's free-text items (all or some); the change and a digest of the new
    text are in the ledger, in the same transaction. Returns the items that changed."""
    unknown = sorted(set(values) - set(FACT_NAMES))
    if unknown:
        raise InvalidInput(
            f"unknown report item(s): {', '.join(unknown)}",
            message_ja="報告書にない項目が指定されました。",
        )
    cleaned: dict[str, str] = {}
    for name, number, required in FACT_ITEMS:
        if name not in values:
            continue
        text = values[name]
        if not isinstance(text, str):
            raise InvalidInput(
                f"item {name} must be text", message_ja="記載事項は文字で入力してください。"
            )
        text = text.replace("\r\n", "\n").strip()
        mark = documents.MARKS[number - 1]
        if required and not text:
            raise InvalidInput(
                f"item {mark} ({name}) may not be empty",
                message_ja=f"{mark}{documents.ITEM_TITLES[number]}を入力してください。",
            )
        if len(text) > MAX_FACT_CHARS:
            raise InvalidInput(
                f"item {name} is longer than {MAX_FACT_CHARS} characters",
                message_ja=f"記載事項は{MAX_FACT_CHARS}字以内で入力してください。",
            )
        cleaned[name] = text
    stored = dict(incident.facts) if isinstance(incident.facts, dict) else {}
    changed = [name for name in FACT_NAMES if name in cleaned and stored.get(name) != cleaned[name]]
    if not changed:
        return []
    stored.update(cleaned)
    digest = hashlib.sha256(
        json.dumps(stored, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()
    now = clock.now()
    with transaction.atomic():
        incident.facts = stored
        incident.facts_updated_at = now
        incident.facts_updated_by = officer.staff_id
        incident.save(update_fields=["facts", "facts_updated_at", "facts_updated_by"])
        ledger.record_in_transaction(
            Event(
                code=EventCode.INCIDENT_CHANGE,
                at=now,
                actor=officer.staff_id,
                purpose=PURPOSE,
                details={
                    "incident": incident.pk,
                    "change": "facts",
                    "items": ",".join(changed),
                    "sha256": digest,
                },
            )
        )
    return changed


def facts_of(incident: Incident) -> documents.IncidentFacts:
    facts = current_facts(incident)
    return documents.IncidentFacts(
        office=OFFICE,
        learned_on=incident.learned_on,
        summary=facts["summary"],
        cause=facts["cause"],
        secondary_harm=facts["secondary_harm"],
        response_to_persons=facts["response_to_persons"],
        publication=facts["publication"],
        recurrence_measures=facts["recurrence_measures"],
        other=facts["other"],
        notice_summary=facts["notice_summary"],
    )


@dataclass(frozen=True)
class ReportBundle:
    report: dict[str, Any]
    pdf: bytes
    decision: appi.ReportDecision
    deadlines: appi.Deadlines
    reminders: list[appi.Reminder]
    publication: dict[str, Any]
    enquiry: dict[str, Any]


def report_of(incident: Incident, *, officer: Staff, today: date | None = None) -> ReportBundle:
    """The report to the commission with ② and ③ from the scoping (recorded)."""
    day = today or clock.today()
    found = incident_scope(incident)
    decision = appi.assess_scope(
        found, learned_on=incident.learned_on, unlawful_purpose=incident.unlawful_purpose
    )
    due = appi.deadlines(incident.learned_on, unlawful_purpose=incident.unlawful_purpose)
    kind = appi.ReportKind.PRELIMINARY if day <= due.preliminary_due else appi.ReportKind.FINAL
    facts = facts_of(incident)
    report = documents.build_report(
        found, decision, facts, kind=kind, prepared_on=day, deadlines=due
    )
    remind = appi.reminders(
        incident.learned_on,
        max(day, incident.learned_on),
        unlawful_purpose=incident.unlawful_purpose,
    )
    report["reminders"] = [
        {"report": r.report.value, "due": r.due.isoformat(), "message_ja": r.message_ja}
        for r in remind
    ]
    pdf = render_document(documents.report_printable(report))
    ledger.record(
        officer_event(
            EventCode.EXPORT_EVIDENCE,
            officer,
            incident=incident.pk,
            what="appi_report",
            persons=found.persons,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
    )
    return ReportBundle(
        report,
        pdf,
        decision,
        due,
        remind,
        documents.build_publication(found, facts, prepared_on=day),
        documents.build_enquiry_script(found, facts),
    )
