"""Load a simulated office's run (`ryoken simulate --out DIR`) into this database, as if it
had happened here: for tests, demonstrations and drills, never a production office.

    load_run(DIR)   staff (staff.csv), data subjects into the vault (persons.jsonl),
                    applications and the persons they name (applications.jsonl), canary
                    placements (truth.json), and the run's events into the ledger

The web app's own events (disclosures, grants, print jobs, …) are appended exactly as the
simulator wrote them, in time order, in one transaction with the staff, vault and casework
rows. `ryoken events import` refuses them on purpose (a file must not forge a disclosure),
so they come in only through this loader, which refuses anything but a run the simulator
marked synthetic. The external events (copier logs, door badges) then go through the
importer itself, as an office would bring in its copier's log: they are appended after the
web app's events (their times say when they happened; scoping reads times, not positions).

The staff, persons and applications files are checked before anything is written; the
events are checked line by line as they are appended inside that one transaction, so a bad
line leaves nothing behind (the ledger's rows roll back with the rest), and the external
lines are checked by the importer's own rules before it runs. A run whose staff or subjects
already exist here is refused (it was loaded before, or it would mix with real data). The
vault writes are ledgered as usual (`subject.write` by `system`, purpose
"replay"), next to the simulator's own `subject.write` events of the same persons.
"""

from __future__ import annotations

import csv
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from ryoken.audit.events import Event, EventCode, decode_event
from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.fields import FIELDS_BY_NAME, SubjectRole
from ryoken.errors import InvalidInput, RuleViolation
from ryoken.web.accounts.models import Employer, Role, Staff
from ryoken.web.accounts.services import create_staff
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.ledger import checkpoints
from ryoken.web.ledger import store as ledger
from ryoken.web.vault import writes
from ryoken.web.vault.models import Subject
from ryoken.web.watch import importer
from ryoken.web.watch.models import CanaryPlacement

JST = ZoneInfo("Asia/Tokyo")
FILES = ("truth.json", "staff.csv", "persons.jsonl", "applications.jsonl", "events.jsonl")
BATCH = 2_000
SUBJECTS_PER_BATCH = 1_000
ACTOR = "system"
PURPOSE = "replay"
EXTERNAL = "external."


@dataclass(frozen=True)
class ReplaySummary:
    staff: int
    subjects: int
    applications: int
    canaries: int
    events: int  # the web app's events, appended by the loader
    external: int  # external events, appended by the importer
    first: datetime | None
    last: datetime | None
    scenario: str | None
    insiders: tuple[str, ...]


def _bad(path: Path, line: int, problem: str) -> InvalidInput:
    return InvalidInput(
        f"{path.name} line {line}: {problem}; nothing loaded",
        message_ja=f"{path.name} の{line}行目が正しくありません。何も取り込んでいません。",
    )


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip(b"\r\n")
            if line.strip():
                yield number, line


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in _lines(path):
        try:
            obj = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _bad(path, number, f"not JSON ({error})") from None
        if not isinstance(obj, dict) or obj.get("synthetic") is not True:
            raise _bad(path, number, "not a synthetic record of `ryoken simulate`")
        yield number, obj


# --- reading and checking the run -----------------------------------------------------------


@dataclass
class _Run:
    directory: Path
    truth: dict[str, Any]
    staff: list[dict[str, str]]
    subjects: list[str]


@dataclass
class _Events:
    """What one pass over events.jsonl found, beside appending the office's events."""

    states: dict[str, str]  # application id → its last workflow state
    count: int
    external: list[bytes]  # external.* lines, checked by the importer's rules, for it
    first: datetime | None = None
    last: datetime | None = None


def _read_staff(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, start=2):
        if row.get("role") not in Role.values:
            raise _bad(path, number, f"unknown role {row.get('role')!r}")
        if not row.get("staff_id") or len(row["staff_id"]) > 20:
            raise _bad(path, number, "a staff id of 1 to 20 characters is needed")
        for key in ("hired_on", "contract_end", "notice_given_on"):
            if row.get(key):
                try:
                    date.fromisoformat(row[key])
                except ValueError:
                    raise _bad(path, number, f"{key} is not a date") from None
    return rows


def _check_persons(path: Path) -> list[str]:
    ids: list[str] = []
    for number, obj in _json_lines(path):
        subject, fields = obj.get("subject_id"), obj.get("fields")
        if not isinstance(subject, str) or not subject or len(subject) > 40:
            raise _bad(path, number, "no subject_id")
        if not isinstance(fields, dict) or not fields:
            raise _bad(path, number, "no fields")
        unknown = [k for k in fields if k not in FIELDS_BY_NAME]
        if unknown or not all(isinstance(v, str) for v in fields.values()):
            raise _bad(path, number, f"unknown field(s) {unknown} or a value that is not text")
        ids.append(subject)
    if len(set(ids)) != len(ids):
        raise InvalidInput(f"{path.name} repeats a subject id; nothing loaded")
    return ids


def _check_applications(path: Path, subjects: set[str]) -> None:
    roles = {r.value for r in SubjectRole}
    for number, obj in _json_lines(path):
        try:
            ApplicationKind(obj["kind"])
            Channel(obj["channel"])
            date.fromisoformat(obj["application_date"])
            persons = obj["persons"]
            ok = (
                isinstance(obj["application_id"], str)
                and persons
                and persons[0]["role"] == "applicant"
                and all(p["role"] in roles and p["subject"] in subjects for p in persons)
            )
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise _bad(path, number, "not an application of known persons")


def read_run(directory: Path | str) -> _Run:
    """Check every file of the run; raises InvalidInput naming the first problem."""
    folder = Path(directory)
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise InvalidInput(
            f"{folder} is not a run of `ryoken simulate`: missing {', '.join(missing)}",
            message_ja="シミュレーションの出力ディレクトリではありません。",
        )
    try:
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"truth.json is not JSON ({error}); nothing loaded") from None
    if not isinstance(truth, dict) or truth.get("synthetic") is not True:
        raise InvalidInput(
            "truth.json does not mark the run synthetic: only simulated offices are replayed",
            message_ja="模擬データ以外は取り込めません。",
        )
    staff = _read_staff(folder / "staff.csv")
    subjects = _check_persons(folder / "persons.jsonl")
    _check_applications(folder / "applications.jsonl", set(subjects))
    return _Run(folder, truth, staff, subjects)


# --- writing --------------------------------------------------------------------------------


def _refuse_existing(run: _Run) -> None:
    ids = [row["staff_id"] for row in run.staff]
    if Staff.objects.filter(staff_id__in=ids).exists():
        raise RuleViolation(
            "staff of this run already exist here (loaded before?); nothing loaded",
            message_ja="この実行の職員は既に登録されています。何も取り込んでいません。",
        )
    for start in range(0, len(run.subjects), 900):
        if Subject.objects.filter(pk__in=run.subjects[start : start + 900]).exists():
            raise RuleViolation(
                "data subjects of this run already exist here; nothing loaded",
                message_ja="この実行のデータ主体は既に登録されています。何も取り込んでいません。",
            )


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _load_staff(rows: list[dict[str, str]]) -> None:
    for row in rows:
        contractor = row["employer_kind"] == Employer.Kind.CONTRACTOR
        staff, _ = create_staff(
            username=row["staff_id"],
            password=secrets.token_urlsafe(24),  # nobody logs in as a simulated member
            role=row["role"],
            display_name=f"模擬職員 {row['staff_id']}",
            employer=row["vendor"] if contractor and row["vendor"] else "東京都",
            employer_kind=Employer.Kind.CONTRACTOR if contractor else Employer.Kind.PREFECTURE,
            contract_start=_day(row["hired_on"]),
            contract_end=_day(row["contract_end"]),
            actor=ACTOR,
        )
        staff.office = row["office"] or staff.office
        staff.notice_given_on = _day(row["notice_given_on"])
        staff.save(update_fields=["office", "notice_given_on"])


def _load_subjects(path: Path, canaries: set[str]) -> None:
    batch: list[writes.NewSubject] = []
    for _, obj in _json_lines(path):
        subject = obj["subject_id"]
        batch.append(writes.NewSubject(subject, obj["fields"], canary=subject in canaries))
        if len(batch) >= SUBJECTS_PER_BATCH:
            writes.create_subjects(batch, actor=ACTOR, purpose=PURPOSE)
            batch = []
    if batch:
        writes.create_subjects(batch, actor=ACTOR, purpose=PURPOSE)


def _load_applications(path: Path, states: dict[str, str], canaries: set[str]) -> int:
    count = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        apps = Application.objects.bulk_create(
            Application(
                reception_number=obj["application_id"],
                kind=obj["kind"],
                channel=obj["channel"],
                state=states.get(obj["application_id"], "draft"),
                applicant=obj["persons"][0]["subject"],
                application_date=date.fromisoformat(obj["application_date"]),
                created_at=datetime.combine(
                    date.fromisoformat(obj["application_date"]), time(9), JST
                ),
                requested_validity=obj.get("requested_validity"),
                criminal_record_yes=bool(obj.get("criminal_record_yes")),
                proxy=bool(obj.get("proxy")),
                canary=obj["persons"][0]["subject"] in canaries,
            )
            for obj in batch
        )
        ApplicationPerson.objects.bulk_create(
            ApplicationPerson(
                application=app,
                subject=p["subject"],
                role=p["role"],  # the relation is in the vault, with the person's values
            )
            for app, obj in zip(apps, batch, strict=True)
            for p in {(q["subject"], q["role"]): q for q in obj["persons"]}.values()
        )
        batch.clear()

    for _, obj in _json_lines(path):
        batch.append(obj)
        count += 1
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return count


def _load_canaries(truth: dict[str, Any]) -> int:
    rows = [c for c in truth.get("canaries") or [] if isinstance(c, dict) and c.get("subject")]
    CanaryPlacement.objects.bulk_create(
        CanaryPlacement(
            subject_id=c["subject"],
            window=str(c.get("window") or "")[:20],
            staff_id=str(c.get("staff") or "")[:64],
            planted_at=datetime.combine(date.fromisoformat(c["day"]), time(8), JST),
            planted_by="simulator",
            note="ryoken simulate",
        )
        for c in rows
    )
    return len(rows)


def _load_events(path: Path) -> _Events:
    """Append the office's events in batches (inside the caller's transaction: a bad line
    raises and nothing stays), and set the external ones aside for the importer, each
    checked by its rules now so that the import cannot fail half-way through the run."""
    found = _Events(states={}, count=0, external=[])
    batch: list[Event] = []
    for number, line in _lines(path):
        try:
            event = decode_event(line)
            if event.code.value.startswith(EXTERNAL):
                importer.parse_line(line.decode("utf-8"))
                found.external.append(line)
                continue
        except InvalidInput as error:
            raise _bad(path, number, error.message) from None
        found.count += 1
        found.first = found.first or event.at
        found.last = event.at
        if event.code is EventCode.WORKFLOW_TRANSITION:
            app, to = event.details.get("application"), event.details.get("to")
            if isinstance(app, str) and isinstance(to, str):
                found.states[app] = to
        batch.append(event)
        if len(batch) >= BATCH:
            ledger.record_in_transaction(*batch)
            batch = []
    if batch:
        ledger.record_in_transaction(*batch)
    return found


def load_run(directory: Path | str) -> ReplaySummary:
    """Check the run, then load it (one transaction), then import its external events."""
    run = read_run(directory)
    _refuse_existing(run)
    canaries = {str(c["subject"]) for c in run.truth.get("canaries") or [] if isinstance(c, dict)}
    with transaction.atomic():
        _load_staff(run.staff)
        _load_subjects(run.directory / "persons.jsonl", canaries)
        events = _load_events(run.directory / "events.jsonl")
        applications = _load_applications(
            run.directory / "applications.jsonl", events.states, canaries
        )
        placed = _load_canaries(run.truth)
    external = 0
    if events.external:
        result = importer.import_events(
            b"\n".join(events.external) + b"\n",
            name=f"{run.directory.name}/events.jsonl (external.*)",
            actor=ACTOR,
        )
        external = result.imported
    checkpoints.create_checkpoint()
    scenario = run.truth.get("scenario")
    return ReplaySummary(
        staff=len(run.staff),
        subjects=len(run.subjects),
        applications=applications,
        canaries=placed,
        events=events.count,
        external=external,
        first=events.first,
        last=events.last,
        scenario=scenario if isinstance(scenario, str) else None,
        insiders=tuple(str(s) for s in run.truth.get("insiders") or ()),
    )
