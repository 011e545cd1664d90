"""`ryoken events import`: external events (copier/MFP logs, door badges, a queue system)
from a JSON Lines file into the ledger.

Every line is validated first, with the rules of docs/events.md (the detection core's own
`validate_record`, which builds a ledger `Event`), and only `external.*` codes are accepted:
a file cannot forge a disclosure or a grant. A bad line is reported with its number and
nothing from the file is imported, unless `skip_bad` is given, which imports the good lines
and reports the bad ones. Events are appended with `ledger.record` in batches; each carries
the file's SHA-256 prefix and its line number, and the same file is never imported twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from ryoken import clock
from ryoken.audit.events import Event
from ryoken.detect.load import loads_line, validate_record
from ryoken.domain.lines import unsafe_characters
from ryoken.errors import InvalidInput, LedgerError, RuleViolation
from ryoken.web.ledger import store as ledger
from ryoken.web.watch.models import ImportedFile

BATCH = 1_000
MAX_REPORTED = 20
MAX_ACTOR = 64
EXTERNAL_PREFIX = "external."


@dataclass
class ImportResult:
    imported: int
    sha256: str
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


def parse_line(text: str) -> Event:
    """One line as an external event; raises InvalidInput saying what is wrong."""
    obj = loads_line(text)  # as the detection reader parses it (hostile lines refused too)
    validate_record(obj)  # the schema's rules: keys, types, a time with a zone, known code
    code = obj["code"]
    if not code.startswith(EXTERNAL_PREFIX):
        raise InvalidInput(f"code {code!r} may not be imported: only external.* events")
    check_as_the_api(obj)
    return Event(
        code=code,
        at=datetime.fromisoformat(obj["at"]),
        actor=obj["actor"],
        subjects=tuple(obj.get("subjects") or ()),
        fields=tuple(obj.get("fields") or ()),
        purpose=obj.get("purpose") or "",
        grant=obj.get("grant"),
        terminal=obj.get("terminal"),
        details=obj.get("details") or {},
    )


def check_as_the_api(obj: dict[str, object]) -> None:
    """The rules the device API applies (api/batches.py, `SAFE_ID`): an actor of at most 64
    characters with no control (NUL) or bidirectional-override characters, and no persons
    or fields — a device's log names a user and a job, never whose data it held."""
    actor = obj["actor"]
    if not isinstance(actor, str) or len(actor) > MAX_ACTOR or unsafe_characters(actor):
        raise InvalidInput(
            "actor must be at most 64 characters, without control or bidirectional characters"
        )
    if obj.get("subjects") or obj.get("fields"):
        raise InvalidInput("external events name no persons or fields (subjects, fields)")


def parse_events(data: bytes) -> tuple[list[tuple[int, Event]], list[tuple[int, str]]]:
    """(line number, event) for every good line and (line number, problem) for every bad one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [], [(line, "not UTF-8 text")]
    good: list[tuple[int, Event]] = []
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            good.append((number, parse_line(line)))
        except InvalidInput as error:
            bad.append((number, error.message))
    return good, bad


def describe_bad(bad: list[tuple[int, str]]) -> str:
    shown = "; ".join(f"line {n}: {msg}" for n, msg in bad[:MAX_REPORTED])
    more = f" (and {len(bad) - MAX_REPORTED} more)" if len(bad) > MAX_REPORTED else ""
    return shown + more


def import_events(
    data: bytes, *, name: str, skip_bad: bool = False, actor: str = "system"
) -> ImportResult:
    """Validate the whole file, then append its events to the ledger in batches."""
    digest = hashlib.sha256(data).hexdigest()
    previous = ImportedFile.objects.filter(sha256=digest).first()
    if previous is not None:
        when = timezone.localtime(previous.imported_at)
        raise RuleViolation(
            f"this file was already imported on {when:%Y-%m-%d %H:%M} as {previous.name} "
            f"({previous.events} events); nothing imported",
            message_ja="このファイルは既に取り込まれています。",
        )
    good, bad = parse_events(data)
    if bad and not skip_bad:
        raise InvalidInput(
            f"{len(bad)} bad line(s), nothing imported: {describe_bad(bad)}",
            message_ja=f"不正な行が{len(bad)}行あります（{bad[0][0]}行目など）。取り込みません。",
        )
    if not good:
        raise InvalidInput(
            "the file holds no events to import"
            + (f" ({len(bad)} bad line(s): {describe_bad(bad)})" if bad else ""),
            message_ja="取り込むイベントがありません。",
        )
    events = [_stamped(event, digest, number) for number, event in good]
    done = 0
    for start in range(0, len(events), BATCH):
        batch = events[start : start + BATCH]
        try:
            ledger.record(*batch)
        except LedgerError as error:
            last = good[done - 1][0] if done else 0
            raise LedgerError(
                f"{error.message}; {done} event(s) were imported (through line {last}), "
                "the rest were not",
                message_ja=error.message_ja,
            ) from error
        done += len(batch)
    ImportedFile.objects.create(
        sha256=digest,
        name=name[-255:],
        events=done,
        skipped_lines=len(bad),
        imported_at=clock.now(),
        imported_by=actor,
    )
    return ImportResult(done, digest, bad)


def _stamped(event: Event, digest: str, line: int) -> Event:
    """The event with where it came from: the file's hash prefix and its line number."""
    return Event(
        code=event.code,
        at=event.at,
        actor=event.actor,
        subjects=event.subjects,
        fields=event.fields,
        purpose=event.purpose,
        grant=event.grant,
        terminal=event.terminal,
        details={**event.details, "import_sha256": digest[:16], "import_line": line},
    )
