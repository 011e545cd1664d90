"""The incident steps, shared by `ryoken incident` and the privacy-office screens.

Every step is itself a ledger event: opening an incident and placing a hold (`hold.place`),
every export of evidence or scoping (`export.evidence`), and every read of a person's name
and address for the notices (a disclosure through the gateway, under a break-glass grant the
supervisor's review will see). The pure work — scoping, attribution, the APPI decision and
documents, the bundle — is `ryoken.incident`; this module reads the ledger slice through
the (actor, at) index and hands it over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from ryoken import clock
from ryoken.audit.events import DetailValue, Event, EventCode, decode_entry
from ryoken.audit.tree import inclusion_proofs_at
from ryoken.errors import AccessDenied, InvalidInput, RuleViolation
from ryoken.incident import appi, documents, exports
from ryoken.incident.attribution import Attribution, Canary, ExposureTable, attribute
from ryoken.incident.bundle import build_bundle
from ryoken.incident.exposures import NON_STAFF_ACTORS, Channel, Period, exposures
from ryoken.incident.leaks import TokenMatcher, match_rows, read_leaked_csv
from ryoken.incident.scope import OutsideTask, Scope, scope
from ryoken.incident.tasks import outside_task
from ryoken.privacy.policy import Step
from ryoken.web.accounts.models import Role, Staff
from ryoken.web.casework.models import ApplicationPerson
from ryoken.web.incident.models import Hold, Incident
from ryoken.web.ledger import checkpoints, signing
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry, EntrySubject
from ryoken.web.vault import gateway, keys
from ryoken.web.vault.models import Subject, Token, Value
from ryoken.web.watch.ledger_frame import frame_of, read_frame
from ryoken.web.watch.service import detect_config

PURPOSE = "incident response"
CHUNK = 500
OFFICE = documents.Office(
    name="東京都生活文化局都民生活部旅券課",
    head="東京都知事",
    desk_name="旅券課 個人情報お問い合わせ窓口",
    desk_phone="03-0000-0000",
    desk_hours="平日9時から17時まで",
)
SCREEN_CODES = frozenset(
    {
        EventCode.DISCLOSURE.value,
        EventCode.MATCH.value,
        EventCode.PRINT.value,
        EventCode.COPY.value,
        EventCode.DOCUMENT_SCAN.value,
    }
)


# --- incidents ------------------------------------------------------------------------------


def _officer_event(
    code: EventCode, officer: Staff, *, subjects: Sequence[str] = (), **details: DetailValue
) -> Event:
    return Event(
        code=code,
        at=clock.now(),
        actor=officer.staff_id,
        subjects=tuple(subjects),
        purpose=PURPOSE,
        details=details,
    )


def open_incident(
    *,
    title: str,
    learned_on: date,
    suspects: Sequence[str],
    start: datetime,
    end: datetime,
    officer: Staff,
    unlawful_purpose: bool = True,
    case_id: int | None = None,
) -> Incident:
    """Open an incident on the suspects' period (checked: the staff must exist)."""
    title = title.strip()
    if not title:
        raise InvalidInput("an incident needs a title", message_ja="件名を入力してください。")
    ids = sorted({s.strip() for s in suspects if s.strip()})
    if not ids:
        raise InvalidInput("name at least one staff member", message_ja="職員を指定してください。")
    known = set(Staff.objects.filter(staff_id__in=ids).values_list("staff_id", flat=True))
    missing = [s for s in ids if s not in known]
    if missing:
        raise InvalidInput(
            f"no staff member {', '.join(missing)}",
            message_ja=f"職員 {'、'.join(missing)} は登録されていません。",
        )
    period = Period(start, end)  # refuses an end before the start
    if case_id is not None:
        confirmed_case(case_id)
    now = clock.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title[:200],
            learned_on=learned_on,
            suspects=ids,
            period_start=period.start,
            period_end=period.end,
            unlawful_purpose=unlawful_purpose,
            case_id=case_id,
            created_by=officer.staff_id,
            created_at=now,
        )
        # Opening is a step of the response like the others: in the ledger, or not at all.
        ledger.record_in_transaction(
            _officer_event(
                EventCode.INCIDENT_CHANGE,
                officer,
                incident=incident.pk,
                change="opened",
                suspects=",".join(ids),
                case=case_id if case_id is not None else 0,
            )
        )
    return incident


def confirmed_case(case_id: int) -> Any:
    """The privacy office's case an incident is opened from: confirmed, and not yet the
    start of another incident (one incident per case)."""
    from ryoken.web.watch.models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise InvalidInput(f"no case {case_id}", message_ja=f"事案 {case_id} はありません。")
    if case.status != Case.Status.CONFIRMED:
        raise RuleViolation(
            f"case {case_id} is not confirmed",
            message_ja=(
                f"事案 {case_id} は事故と確定していません。確定した事案から登録してください。"
            ),
        )
    taken = Incident.objects.filter(case_id=case_id).first()
    if taken is not None:
        raise RuleViolation(
            f"case {case_id} already opened incident #{taken.pk}",
            message_ja=f"事案 {case_id} は既に漏えい等事案 #{taken.pk} として登録されています。",
        )
    return case


def draft_from_case(case_id: int, *, today: date, look_back_days: int = 365) -> dict[str, Any]:
    """What the incident form starts from for a confirmed case: its staff member, and the
    period from their first ledger entry (at most `look_back_days` ago) to today. The
    privacy officer reads and corrects it before opening the incident."""
    case = confirmed_case(case_id)
    earliest = today - timedelta(days=look_back_days)
    zone = timezone.get_current_timezone()
    first = (
        Entry.objects.filter(actor=case.staff_id, at__gte=datetime.combine(earliest, time(), zone))
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    start = timezone.localtime(first).date() if first is not None else earliest
    return {
        "case": case.pk,
        "title": f"{case.incident_ref or case.pk} ({case.staff_id})",
        "staff": case.staff_id,
        "start": start,
        "end": today,
        "learned_on": today,
        "unlawful_purpose": True,
    }


def period_of(incident: Incident) -> Period:
    return Period(incident.period_start, incident.period_end)


def get_incident(incident_id: int) -> Incident:
    found = Incident.objects.filter(pk=incident_id).first()
    if found is None:
        raise InvalidInput(
            f"no incident #{incident_id}", message_ja=f"事案 #{incident_id} はありません。"
        )
    return found


def officer_of(staff_id: str) -> Staff:
    """The privacy officer acting (the CLI names them; the screens know them)."""
    officer = Staff.objects.filter(staff_id=staff_id).first()
    if officer is None or officer.role != Role.PRIVACY_OFFICER:
        raise AccessDenied(
            f"{staff_id} is not a privacy officer",
            message_ja="個人情報保護責任者のみが操作できます。",
        )
    return officer


# --- the ledger slice -----------------------------------------------------------------------


def ledger_slice(staff_ids: Iterable[str], period: Period) -> list[tuple[int, bytes]]:
    """(seq, entry bytes) of the staff's entries in the period, by seq (the actor/at index)."""
    rows = (
        Entry.objects.filter(actor__in=list(staff_ids), at__gte=period.start, at__lt=period.end)
        .order_by("seq")
        .values_list("seq", "data")
    )
    return [(seq, bytes(data)) for seq, data in rows.iterator(chunk_size=2000)]


def _decoded(entries: Iterable[tuple[int, bytes]]) -> list[tuple[int, Event]]:
    return [decode_entry(data) for _, data in entries]


def _roles_and_named(
    subjects: Iterable[str],
) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """Roles of each subject in applications, and who each applicant's documents name: the
    family members of their applications (the 戸籍謄本 names them; a legal representative or
    an emergency contact is on the form, not in a document image)."""
    wanted = sorted(set(subjects))
    app_ids: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        app_ids.update(
            ApplicationPerson.objects.filter(subject__in=wanted[start : start + CHUNK]).values_list(
                "application_id", flat=True
            )
        )
    roles: dict[str, set[str]] = {}
    by_app: dict[int, list[tuple[str, str]]] = {}
    ids = sorted(app_ids)
    for start in range(0, len(ids), CHUNK):
        for app, subject, role in ApplicationPerson.objects.filter(
            application_id__in=ids[start : start + CHUNK]
        ).values_list("application_id", "subject", "role"):
            roles.setdefault(subject, set()).add(role)
            by_app.setdefault(app, []).append((subject, role))
    named: dict[str, list[str]] = {}
    for persons in by_app.values():
        applicants = [s for s, r in persons if r == "applicant"]
        others = [s for s, r in persons if r == "family_member"]
        for applicant in applicants:
            named.setdefault(applicant, []).extend(o for o in others if o != applicant)
    return roles, {k: sorted(set(v)) for k, v in named.items()}


def scope_of(
    staff_ids: Sequence[str], period: Period, *, channels: Sequence[Channel] | None = None
) -> Scope:
    """Every person the staff exposed in the period, from the ledger."""
    events = _decoded(ledger_slice(staff_ids, period))
    seen = {s for _, e in events for s in e.subjects}
    roles, named = _roles_and_named(seen)
    return scope(
        events,
        list(staff_ids),
        period,
        channels=channels,
        roles=roles,
        named_in=named,
        held=held_fields(seen),
        outside=outside_of(events, staff_ids, period),
    )


# Grants are opened before the work they explain; a review of a break-glass comes after it.
GRANT_CONTEXT = timedelta(days=1)
GRANT_CODES = (EventCode.GRANT_OPEN.value, EventCode.GRANT_CLOSE.value, "breakglass.open")


def outside_of(
    events: Sequence[tuple[int, Event]], staff_ids: Sequence[str], period: Period
) -> OutsideTask:
    """The staff's accesses no task explains, as the watcher judges them
    (`ryoken.incident.tasks`): their own entries, with the grants they opened just before
    the period, the hosts' grants they assisted, and every review of a break-glass."""
    parts = [frame_of(list(events))]
    for staff_id in staff_ids:
        parts.append(
            read_frame(
                actor=staff_id,
                since=period.start - GRANT_CONTEXT,
                until=period.start,
                codes=GRANT_CODES,
            )
        )
    assisted = sorted({e.grant for _, e in events if e.code == EventCode.GRANT_ASSIST and e.grant})
    for start in range(0, len(assisted), CHUNK):
        rows = Entry.objects.filter(
            grant__in=assisted[start : start + CHUNK], code__in=GRANT_CODES
        ).values_list("data", flat=True)
        parts.append(frame_of([decode_entry(bytes(d)) for d in rows]))
    parts.append(read_frame(since=period.start, codes=("breakglass.review",)))
    frame = pl.concat([p for p in parts if p.height], how="vertical_relaxed")
    if frame.is_empty():
        return OutsideTask()
    frame = frame.unique(subset="line", keep="first").sort("line")
    return outside_task(frame, detect_config())


def held_fields(subjects: Iterable[str]) -> dict[str, set[str]]:
    """subject → the fields their record holds (which values exist; nothing is decrypted).
    A crypto-shredded person is left out: what their record held is no longer known."""
    wanted = sorted(set(subjects))
    live = set(
        Subject.objects.filter(pk__in=wanted, wrapped_key__isnull=False).values_list(
            "pk", flat=True
        )
    )
    out: dict[str, set[str]] = {s: set() for s in live}
    for start in range(0, len(wanted), CHUNK):
        part = [s for s in wanted[start : start + CHUNK] if s in live]
        for subject, name in Value.objects.filter(subject_id__in=part).values_list(
            "subject_id", "field"
        ):
            out[subject].add(name)
    return out


def incident_scope(incident: Incident, *, channels: Sequence[Channel] | None = None) -> Scope:
    return scope_of(incident.suspects, period_of(incident), channels=channels)


# --- evidence hold --------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldResult:
    hold: Hold
    frozen: tuple[str, ...]
    subjects: int
    entries: int
    bundle: bytes


def _case_json(incident: Incident) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    case: dict[str, Any] = {
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "learned_on": incident.learned_on.isoformat(),
            "suspects": list(incident.suspects),
            "period": {
                "start": incident.period_start.isoformat(),
                "end": incident.period_end.isoformat(),
            },
            "unlawful_purpose": incident.unlawful_purpose,
            "created_by": incident.created_by,
        }
    }
    notes: list[dict[str, Any]] = []
    if incident.case_id is not None:
        try:
            from ryoken.web.watch.models import Case
        except ImportError:  # pragma: no cover - the watch app is absent
            return case, notes
        found = Case.objects.filter(pk=incident.case_id).first()
        if found is not None:
            case["case"] = {
                "id": found.pk,
                "staff_id": found.staff_id,
                "status": found.status,
                "score": found.score,
                "reasons_ja": found.reasons_ja,
                "reasons_en": found.reasons_en,
                "evidence": found.evidence,
            }
            notes = [
                {"at": n.at.isoformat(), "kind": n.kind, "text": getattr(n, "text", "")}
                for n in found.notes.order_by("at")
            ]
    return case, notes


def evidence_bundle(incident: Incident) -> tuple[bytes, int, int]:
    """A signed bundle of the suspects' ledger slice with proofs to the latest checkpoint.

    Returns (bytes, entries, checkpoint size). Entries after the checkpoint are not in it:
    sign a checkpoint first (`place_hold` does).
    """
    row = checkpoints.latest()
    if row is None:
        raise InvalidInput(
            "the ledger has no checkpoint yet", message_ja="チェックポイントがありません。"
        )
    checkpoint = checkpoints.to_audit_checkpoint(row)
    entries = [
        (seq, data)
        for seq, data in ledger_slice(incident.suspects, period_of(incident))
        if seq < checkpoint.size
    ]
    proofs = inclusion_proofs_at(
        ledger.DbNodeReader(), [seq for seq, _ in entries], checkpoint.size
    )
    case, notes = _case_json(incident)
    data = build_bundle(
        entries,
        proofs,
        checkpoint,
        case,
        notes,
        signing.signer(),  # the ledger's signer: a key file or the HSM
        created_at=clock.now(),
    )
    return data, len(entries), checkpoint.size


def place_hold(incident: Incident, *, officer: Staff) -> HoldResult:
    """The one action: freeze the suspects, hold their exposed subjects, sign a checkpoint,
    export the signed evidence bundle. Each step is in the ledger."""
    exposed = [s.subject for s in incident_scope(incident).subjects]
    now = clock.now()
    with transaction.atomic():
        Staff.objects.filter(staff_id__in=incident.suspects).update(frozen=True)
        for start in range(0, len(exposed), CHUNK):
            Subject.objects.filter(pk__in=exposed[start : start + CHUNK]).update(legal_hold=True)
        hold = Hold.objects.create(
            incident=incident,
            staff_id=" ".join(incident.suspects)[:20],
            subjects=exposed,
            placed_at=now,
            placed_by=officer.staff_id,
        )
        incident.status = Incident.Status.HELD
        incident.save(update_fields=["status"])
        ledger.record_in_transaction(
            _officer_event(
                EventCode.HOLD_PLACE,
                officer,
                subjects=exposed,
                incident=incident.pk,
                hold=hold.pk,
                frozen=" ".join(incident.suspects),
                persons=len(exposed),
            )
        )
    checkpoints.create_checkpoint()
    data, count, size = evidence_bundle(incident)
    digest = hashlib.sha256(data).hexdigest()
    hold.bundle = data
    hold.bundle_sha256 = digest
    hold.checkpoint_size = size
    hold.save(update_fields=["bundle", "bundle_sha256", "checkpoint_size"])
    ledger.record(
        _officer_event(
            EventCode.EXPORT_EVIDENCE,
            officer,
            incident=incident.pk,
            what="evidence_bundle",
            entries=count,
            checkpoint=size,
            sha256=digest,
        )
    )
    return HoldResult(hold, tuple(incident.suspects), len(exposed), count, data)


# --- exports --------------------------------------------------------------------------------


def export_scope(
    incident: Incident, fmt: str, *, officer: Staff, channels: Sequence[Channel] | None = None
) -> bytes:
    """The scoping as CSV or Excel, for the police and the commission (recorded)."""
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(f"unknown export format {fmt!r}", message_ja="形式が不明です。")
    found = incident_scope(incident, channels=channels)
    now = clock.now()
    data = exports.to_csv(found) if fmt == "csv" else exports.to_xlsx(found, generated_at=now)
    ledger.record(
        _officer_event(
            EventCode.EXPORT_EVIDENCE,
            officer,
            incident=incident.pk,
            what=f"scope_{fmt}",
            persons=found.persons,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    )
    return data


# --- attribution ----------------------------------------------------------------------------


def _lookup() -> Any:
    fields_of: dict[str, list[str]] = {}
    for name, kind in gateway.INDEX_KIND.items():
        fields_of.setdefault(kind, []).append(name)

    def lookup(kind: str, token: str) -> frozenset[str]:
        rows = Token.objects.filter(kind__in=fields_of.get(kind, [kind]), token=token)
        return frozenset(rows.values_list("subject_id", flat=True))

    return lookup


def _canaries(frame: Any) -> list[Canary]:
    """Planted subjects and the path each was shown along: the watch registry's placement
    when there is one, else the one staff member who was ever exposed to it."""
    placed: dict[str, Canary] = {}
    try:
        from ryoken.web.watch.models import CanaryPlacement
    except ImportError:  # pragma: no cover - the watch app is absent
        pass
    else:
        for row in CanaryPlacement.objects.all():
            placed[row.subject_id] = Canary(
                row.subject_id, staff=row.staff_id or None, window=row.window or None
            )
    for subject in Subject.objects.filter(canary=True).values_list("pk", flat=True):
        if subject in placed:
            continue
        actors = set(frame.filter(frame["subject"] == subject)["actor"].to_list())
        if len(actors) == 1:
            placed[subject] = Canary(subject, staff=actors.pop())
    return list(placed.values())


def attribute_leak(data: bytes, period: Period, *, officer: Staff) -> Attribution:
    """Rank staff, windows and print jobs as the source of a leaked list (recorded)."""
    rows = read_leaked_csv(data)
    matches = match_rows(rows, TokenMatcher(keys.blind_indexer(), _lookup()))
    entries = Entry.objects.filter(at__gte=period.start, at__lt=period.end, code__in=SCREEN_CODES)
    entries = entries.exclude(actor__in=list(NON_STAFF_ACTORS)).order_by("seq")
    events = [decode_entry(bytes(d)) for d in entries.values_list("data", flat=True)]
    # The response's own reads (names and addresses for the notices) are not a source.
    events = [(seq, e) for seq, e in events if e.purpose != PURPOSE]
    found = exposures(events, period=period)
    table = ExposureTable(found.frame)
    result = attribute(matches, table, canaries=_canaries(found.frame))
    ledger.record(
        _officer_event(
            EventCode.EXPORT_EVIDENCE,
            officer,
            what="attribution",
            rows=len(rows),
            resolved=len(result.leaked_subjects),
            top=result.staff[0].agent if result.staff else None,
        )
    )
    return result


# --- APPI documents -------------------------------------------------------------------------


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
    pdf = documents.render_report_pdf(report)
    ledger.record(
        _officer_event(
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


ADDRESS_FIELDS = ("name_kanji", "postcode", "address")


@dataclass(frozen=True)
class NoticeStatus:
    """What happens to one scoped person's notice, known without reading their data."""

    subject: str
    roles: tuple[str, ...]
    status: str  # "mail", "no_address" or "erased"


NOTICE_STATUSES = ("mail", "no_address", "erased")


def notice_accounting(found: Scope) -> list[NoticeStatus]:
    """Every scoped person and their notice: mailed (a notice is written), no address on
    record, or data erased (crypto-shredded). From which vault values exist, not their text;
    the same rule `notices_of` meets when it reads the addresses (a person whose stored
    address turns out empty is also left without a notice there)."""
    subjects = [s.subject for s in found.subjects]
    live = set(
        Subject.objects.filter(pk__in=subjects, wrapped_key__isnull=False).values_list(
            "pk", flat=True
        )
    )
    with_address = set(
        Value.objects.filter(subject_id__in=list(live), field="address").values_list(
            "subject_id", flat=True
        )
    )
    out = []
    for person in found.subjects:
        if person.subject not in live:
            status = "erased"
        elif person.subject not in with_address:
            status = "no_address"
        else:
            status = "mail"
        out.append(NoticeStatus(person.subject, tuple(found.roles.get(person.subject, ())), status))
    return out


def notices_of(
    incident: Incident, *, officer: Staff, today: date | None = None
) -> tuple[documents.Notices, bytes]:
    """One notice per person (only their own data) as one mail-merge PDF.

    Names and addresses come through the gateway under a break-glass grant of the officer's,
    so every read is in the ledger and in the supervisor's break-glass review.
    """
    from ryoken.web.counter.grants import close_grant, open_grant
    from ryoken.web.counter.models import Grant

    day = today or clock.today()
    found = incident_scope(incident)
    subjects = [s.subject for s in found.subjects]
    grant = open_grant(
        staff=officer,
        kind="break_glass",
        step=Step.BREAK_GLASS,
        subjects=subjects,
        minutes=30,
        reason=f"漏えい等事案 #{incident.pk} の本人への通知書の作成（宛名と住所の読出し）",
    )
    Grant.objects.filter(pk=grant.pk).update(purpose="appi_notice")  # the address only
    grant.purpose = "appi_notice"

    def addressee_of(subject: str) -> documents.Addressee | None:
        if Subject.objects.filter(pk=subject, wrapped_key__isnull=True).exists():
            return None  # crypto-shredded: no address to write to
        values = gateway.disclose(
            actor=officer.staff_id,
            subject_id=subject,
            fields=ADDRESS_FIELDS,
            purpose=PURPOSE,
            grant=grant.grant_id,
        )
        name, address = values.get("name_kanji"), values.get("address")
        if not isinstance(name, str) or not isinstance(address, str) or not address:
            return None
        postcode = values.get("postcode")
        return documents.Addressee(name, postcode if isinstance(postcode, str) else "", address)

    try:
        notices = documents.build_notices(found, facts_of(incident), addressee_of, prepared_on=day)
    finally:
        close_grant(grant, why="notices written")
    pdf = documents.render_notices_pdf(notices)
    ledger.record(
        _officer_event(
            EventCode.EXPORT_EVIDENCE,
            officer,
            incident=incident.pk,
            what="appi_notices",
            persons=len(notices.notices),
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
    )
    return notices, pdf


# --- transparency ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    seq: int
    at: datetime
    code: str
    office: str
    role: str  # a Role value, or "system"
    purpose: str
    fields: tuple[str, ...]
    outside_visit: bool


def who_saw(subject_id: str) -> list[Access]:
    """Who saw this person's data: office, role, time, purpose (roles, never names), and
    whether it was outside the days of their visits."""
    seqs = list(
        EntrySubject.objects.filter(subject=subject_id)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    entries = Entry.objects.filter(seq__in=seqs, code__in=SCREEN_CODES).order_by("seq")
    staff = {s.staff_id: s for s in Staff.objects.all().only("staff_id", "role", "office")}
    visit_days = _visit_days(subject_id)
    out = []
    for seq, data in entries.values_list("seq", "data"):
        _, event = decode_entry(bytes(data))
        member = staff.get(event.actor)
        local = timezone.localtime(event.at)
        out.append(
            Access(
                seq=seq,
                at=local,
                code=event.code.value,
                office=member.office if member else "",
                role=member.role if member else "system",
                purpose=event.purpose,
                fields=event.fields,
                outside_visit=member is not None
                and member.role in (Role.COUNTER_CLERK, Role.ISSUANCE_CLERK)
                and local.date() not in visit_days,
            )
        )
    return out


def _visit_days(subject_id: str) -> set[date]:
    from ryoken.web.counter.models import Ticket

    apps = ApplicationPerson.objects.filter(subject=subject_id).values_list(
        "application_id", flat=True
    )
    tickets = Ticket.objects.filter(applications__in=list(apps)).values_list("issued_at", flat=True)
    return {timezone.localtime(t).date() for t in tickets}
