"""Detection over the ledger, and the cases it keeps for the privacy officer.

Two runs:
- `run_detection(now)`: every detector over a rolling window (90 days by default) — the
  footprints of in-task skimming, per-person volume against peers, contract end, bulk,
  credentials — with staff and subjects tables from the database (tables.py).
- `run_quick_checks(now)`: only the ledger entries appended since the last run, with the
  grants that explain them, through the canary and unexplained-access detectors. A canary
  touch or a read outside any task reaches the queue within a minute (`ryoken watch`).

Each alerting staff member becomes (or updates) a `Case`. Evidence joins a case while it is
open or under investigation, and a confirmed case (an incident) keeps collecting it. A
dismissed case is reopened only when the evidence *after* the dismissal raises an alert on
its own (scored alone with the detection core's own scoring), never by what was dismissed.
Raising a case is ledgered as `alert.triage`; reopening it as `case.transition`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from django.db import transaction

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.detect.cases import (
    Detection,
    build_cases,
    case_records,
    detect,
    run_detectors,
    score_signals,
)
from ryoken.detect.config import DetectConfig
from ryoken.detect.detectors import build_context, empty_signals
from ryoken.detect.footprints import task_counts
from ryoken.web.access import grants
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.frames import RollingWindow, read_frame, top_seq
from ryoken.web.watch import tables
from ryoken.web.watch.models import Case, CaseNote, WatchState

WINDOW_DAYS = 90
QUICK_DETECTORS = ("unexplained", "canary")
# What explains the new entries of a quick check: the work they ran under.
CONTEXT_CODES = (
    "grant.open",
    "grant.close",
    "breakglass.open",
    "breakglass.review",
    "ticket.issue",
    "ticket.call",
)
CONTEXT_DAYS = 1  # longer than any grant lasts (a review's is 8 hours)
QUICK_MAX_ENTRIES = 200_000  # new entries one quick pass reads at most
MAX_SEQS_PER_DETECTOR = 100
MAX_SEQS = 400
EXPOSURE_METRICS = ("reveals", "matches", "prints", "copies", "undeclared_copies")
SYSTEM = "system"


def detect_config() -> DetectConfig:
    """The core's defaults, with this office's grant lengths (the same settings the
    counter and break-glass use), so a grant ends for detection when it ends for the clerk."""
    return DetectConfig().with_(grant_minutes=grants.grant_minutes())


@dataclass
class RunResult:
    """What one run saw and did (the watcher prints it)."""

    kind: str  # "full" or "quick"
    events: int = 0
    alerts: int = 0
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    explained_share: float | None = None
    seconds: float = 0.0
    through_seq: int = -1

    def line(self) -> str:
        share = (
            f", explained {100 * self.explained_share:.2f}%"
            if self.explained_share is not None
            else ""
        )
        return (
            f"{self.kind} run: {self.events:,} events through #{self.through_seq}{share}; "
            f"{self.alerts} alerting staff; cases new {len(self.created)}, "
            f"updated {len(self.updated)}, reopened {len(self.reopened)} "
            f"({self.seconds:.2f}s)"
        )


# --- runs -------------------------------------------------------------------------------


def run_detection(
    now: datetime | None = None,
    *,
    days: int = WINDOW_DAYS,
    window: RollingWindow | None = None,
    config: DetectConfig | None = None,
) -> RunResult:
    """Every detector over the last `days` days of the ledger; cases upserted."""
    started = time.perf_counter()
    at = now or clock.now()
    top = top_seq()
    if window is not None:
        window.days = days
        frame = window.refresh(at)
        top = window.through_seq
    else:
        frame = read_frame(since=at - timedelta(days=days), through_seq=top)
    det = detect(
        frame,
        tables.staff_table(),
        tables.subjects_table(tables.subjects_in(frame)),
        config or detect_config(),
    )
    result = RunResult("full", events=frame.height, through_seq=top)
    summary = det.summary()
    summary["exposure"] = exposure_per_served(det)
    summary["window_days"] = days
    summary["through_seq"] = top
    result.explained_share = float(summary["explained_share"])
    WatchState.load()  # the row exists before the pass locks it
    # The cases and the bookmark commit together: a watcher killed mid-pass (kill -9, a
    # power cut) leaves either the whole pass or none of it, never cases without the
    # bookmark that says their entries were scored.
    with transaction.atomic():
        state = WatchState.objects.select_for_update().get(pk=1)
        _apply(det, result, at, newer_than=None)
        result.seconds = time.perf_counter() - started
        state.last_seq = max(state.last_seq, top)
        state.last_full_at = at
        state.last_quick_at = at
        state.last_full_seconds = round(result.seconds, 3)
        state.summary = summary
        state.save()
    return result


def run_quick_checks(
    now: datetime | None = None, *, config: DetectConfig | None = None
) -> RunResult:
    """Canary touches and access outside any task among the entries appended since the last
    run. Cheap: the new entries plus a day of grant events to explain them."""
    started = time.perf_counter()
    at = now or clock.now()
    state = WatchState.load()
    # Bounded: after a long pause the backlog is worked off over several passes.
    top = min(top_seq(), state.last_seq + QUICK_MAX_ENTRIES)
    result = RunResult("quick", through_seq=top)
    detection: Detection | None = None
    if top > state.last_seq:
        new = read_frame(after_seq=state.last_seq, through_seq=top)
        result.events = new.height
        if new.height:
            oldest = new.get_column("at").min()
            assert isinstance(oldest, datetime)  # noqa: S101 - a non-empty Datetime column
            context = read_frame(
                through_seq=state.last_seq,
                since=oldest - timedelta(days=CONTEXT_DAYS),
                codes=CONTEXT_CODES,
            )
            frame = pl.concat([context, new]) if context.height else new
            ctx = build_context(
                frame,
                tables.staff_table(),
                tables.subjects_table(tables.subjects_in(frame)),
                config or detect_config(),
            )
            signals = run_detectors(ctx, QUICK_DETECTORS) if frame.height else empty_signals()
            detection = build_cases(ctx, signals)
    # Cases and bookmark in one transaction (see run_detection). The bookmark is re-read
    # under the lock: if another pass (a "run now" click) moved it meanwhile, this one
    # applies nothing and the next pass starts from where that one stopped.
    with transaction.atomic():
        locked = WatchState.objects.select_for_update().get(pk=1)
        if locked.last_seq == state.last_seq:
            if detection is not None:
                _apply(detection, result, at, newer_than=state.last_seq)
            locked.last_seq = max(locked.last_seq, top)
        else:
            result.events, result.through_seq = 0, locked.last_seq
        locked.last_quick_at = at
        locked.save(update_fields=["last_seq", "last_quick_at"])
    result.seconds = time.perf_counter() - started
    return result


def _apply(det: Detection, result: RunResult, at: datetime, *, newer_than: int | None) -> None:
    """Upsert a case for every alerting staff member (with evidence newer than a sequence
    number, for a quick check)."""
    for record in case_records(det):
        if not record["alert"]:
            continue
        seqs = _record_seqs(record)
        if newer_than is not None and not any(s > newer_than for s in seqs):
            continue
        result.alerts += 1
        outcome, case_id = upsert_case(record, det, now=at)
        if outcome == "created":
            result.created.append(case_id)
        elif outcome == "reopened":
            result.reopened.append(case_id)
        elif outcome == "updated":
            result.updated.append(case_id)


# --- cases ------------------------------------------------------------------------------


def _record_seqs(record: dict[str, Any]) -> list[int]:
    return sorted({int(s) for d in record["detectors"] for s in d["evidence_lines"]})


def _trim(seqs: set[int], cap: int) -> list[int]:
    """At most `cap` sequence numbers: the earliest and the latest half each."""
    ordered = sorted(seqs)
    if len(ordered) <= cap:
        return ordered
    return ordered[: cap // 2] + ordered[-(cap - cap // 2) :]


def merge_evidence(old: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The case's evidence with a new detection record folded in: per detector, the fuller
    account (more signals) and the union of cited ledger entries."""
    by_name: dict[str, dict[str, Any]] = {d["detector"]: d for d in old.get("detectors", [])}
    for d in record["detectors"]:
        name = d["detector"]
        prev = by_name.get(name)
        item = {
            "detector": name,
            "signals": d["signals"],
            "weight": d["weight"],
            "persons": d["persons"],
            "days": d["days"],
            "first_at": d["first_at"],
            "last_at": d["last_at"],
            "reason_ja": d["reason_ja"],
            "reason_en": d["reason_en"],
            "notes": list(d["notes"]),
            "seqs": [int(s) for s in d["evidence_lines"]],
        }
        if prev is not None:
            fuller = prev if prev["signals"] > item["signals"] else item
            item = {
                **fuller,
                "first_at": min(prev["first_at"], item["first_at"]),
                "last_at": max(prev["last_at"], item["last_at"]),
                "seqs": _trim(set(prev["seqs"]) | set(item["seqs"]), MAX_SEQS_PER_DETECTOR),
            }
        by_name[name] = item
    detectors = sorted(by_name.values(), key=lambda d: (-d["weight"], d["detector"]))
    seqs = _trim({s for d in detectors for s in d["seqs"]}, MAX_SEQS)
    return {"detectors": detectors, "seqs": seqs}


def _aware(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _alerts_alone(det: Detection, staff: str, after: datetime) -> bool:
    """Whether the staff member's signals after `after`, scored alone, raise an alert."""
    later = det.signals.filter((pl.col("staff") == staff) & (pl.col("at") > after))
    if later.is_empty():
        return False
    scored = score_signals(later.drop("score", "crossing", strict=False), det.config)
    return bool(scored.get_column("crossing").any())


def _ledger_event(code: EventCode, actor: str, at: datetime, **details: object) -> Event:
    return Event(
        code=code,
        at=at,
        actor=actor,
        purpose="privacy_office",
        details={k: v for k, v in details.items() if isinstance(v, str | int | bool) or v is None},  # type: ignore[misc]
    )


def upsert_case(record: dict[str, Any], det: Detection | None, *, now: datetime) -> tuple[str, int]:
    """Create or update the staff member's case from one alerting detection record.

    `det` None is an immediate alert (`alerts.raise_alert`): new by construction, so it
    reopens a dismissed case.
    Returns (outcome, case id); outcome is created, updated, reopened or unchanged."""
    staff = record["staff"]
    first_alert = _aware(record["first_alert_at"] or record["first_signal_at"])
    first_signal = _aware(record["first_signal_at"])
    last_signal = _aware(record["last_signal_at"])
    WatchState.load()  # the row exists before it is locked
    with transaction.atomic():
        # One writer of cases at a time (the watcher, a "run now" click): two runs must not
        # both find no case for a staff member and open two.
        WatchState.objects.select_for_update().filter(pk=1).first()
        case = Case.objects.select_for_update().filter(staff_id=staff).order_by("-pk").first()
        if case is None:
            evidence = merge_evidence({}, record)
            case = Case.objects.create(
                staff_id=staff,
                score=float(record["score"]),
                first_alert_at=first_alert,
                first_signal_at=first_signal,
                last_signal_at=last_signal,
                detectors=",".join(d["detector"] for d in evidence["detectors"])[:300],
                reasons_ja=[d["reason_ja"] for d in evidence["detectors"]],
                reasons_en=[d["reason_en"] for d in evidence["detectors"]],
                evidence=evidence,
                created_at=now,
                updated_at=now,
            )
            seq = ledger.record_in_transaction(
                _ledger_event(
                    EventCode.ALERT_TRIAGE,
                    SYSTEM,
                    now,
                    action="raised",
                    case=case.pk,
                    staff=staff,
                    score=round(case.score),
                    detectors=case.detectors,
                    to="open",
                )
            )[0]
            CaseNote.objects.create(
                case=case,
                at=now,
                author=SYSTEM,
                kind=CaseNote.Kind.SYSTEM,
                to_status=Case.Status.OPEN,
                ledger_seq=seq,
            )
            return "created", case.pk
        outcome = "updated"
        if case.status == Case.Status.DISMISSED:
            if det is not None and not _alerts_alone(det, staff, case.last_signal_at):
                return "unchanged", case.pk
            seq = ledger.record_in_transaction(
                _ledger_event(
                    EventCode.CASE_TRANSITION,
                    SYSTEM,
                    now,
                    case=case.pk,
                    staff=staff,
                    to="open",
                    why="new evidence after dismissal",
                    **{"from": "dismissed"},
                )
            )[0]
            CaseNote.objects.create(
                case=case,
                at=now,
                author=SYSTEM,
                kind=CaseNote.Kind.TRANSITION,
                from_status=Case.Status.DISMISSED,
                to_status=Case.Status.OPEN,
                ledger_seq=seq,
            )
            case.status = Case.Status.OPEN
            outcome = "reopened"
        evidence = merge_evidence(case.evidence, record)
        score = max(case.score, float(record["score"]))
        if (
            outcome == "updated"
            and evidence == case.evidence
            and score == case.score
            and last_signal <= case.last_signal_at
        ):
            return "unchanged", case.pk
        case.score = score
        case.first_alert_at = min(case.first_alert_at, first_alert)
        case.first_signal_at = min(case.first_signal_at, first_signal)
        case.last_signal_at = max(case.last_signal_at, last_signal)
        case.evidence = evidence
        case.detectors = ",".join(d["detector"] for d in evidence["detectors"])[:300]
        case.reasons_ja = [d["reason_ja"] for d in evidence["detectors"]]
        case.reasons_en = [d["reason_en"] for d in evidence["detectors"]]
        case.updated_at = now
        case.save()
        return outcome, case.pk


# --- figures for the screens -------------------------------------------------------------


def exposure_per_served(det: Detection) -> dict[str, dict[str, float]]:
    """Per staff member over the window: persons served and reveals, matches, prints,
    copies and copier jobs with no declared job — the footprints of in-task skimming."""
    counts = task_counts(det.context)
    if counts.is_empty():
        return {}
    served = (
        counts.filter(pl.col("metric") == "reveals").group_by("actor").agg(served=pl.col("n").sum())
    )
    totals = (
        counts.filter(pl.col("metric").is_in(EXPOSURE_METRICS))
        .group_by("actor", "metric")
        .agg(o=pl.col("o").sum())
    )
    out: dict[str, dict[str, float]] = {}
    for row in served.iter_rows(named=True):
        out[row["actor"]] = {"served": float(row["served"])} | {m: 0.0 for m in EXPOSURE_METRICS}
    for row in totals.iter_rows(named=True):
        out.setdefault(row["actor"], {"served": 0.0} | {m: 0.0 for m in EXPOSURE_METRICS})
        out[row["actor"]][row["metric"]] = float(row["o"])
    return out
