"""Ledger events and their canonical bytes.

An event says who did what to whose data, when, where and why — never the personal data
itself: subjects are pseudonymous ids and fields are field names, so erasing a person never
requires rewriting the ledger.

Canonical bytes (what is hashed): JSON with keys sorted, no whitespace, UTF-8 (non-ASCII kept
as is), integers only (no floats), `at` in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`. For the
values we allow (ASCII detail keys, no floats) this is exactly RFC 8785 (JCS) output, so
another language can reproduce it. `subjects` and `fields` keep the order the caller gave:
the record says what the caller said, and the encoder stays a pure function of the event.
`decode_event` accepts only canonical bytes, so decode(b) re-encodes to b exactly.

A ledger entry binds the sequence number into the leaf (`entry_bytes`):

    0x01 (format version) || seq (8 bytes, big-endian) || canonical_bytes(event)

so moving an entry to another position changes its leaf hash, even for identical events,
and a verifier can check positions with a 9-byte prefix comparison instead of parsing JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from json.encoder import encode_basestring as _quote  # json's escaper (C)
from types import MappingProxyType
from typing import Any

from ryoken.errors import InvalidInput

ENTRY_VERSION = 1
ENTRY_HEADER_SIZE = 9
MAX_SEQ = 2**64 - 1
_INT_LIMIT = 2**63  # details integers fit in a signed 64-bit column in any language

DetailValue = str | int | bool | None


class EventCode(StrEnum):
    """Stable event codes. Values are never reused or renamed: add new ones at the end."""

    AUTH_LOGIN = "auth.login"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOGOUT = "auth.logout"
    GRANT_OPEN = "grant.open"
    GRANT_CLOSE = "grant.close"
    BREAKGLASS_OPEN = "breakglass.open"
    DISCLOSURE = "disclosure"
    MATCH = "match"
    DISCLOSURE_REFUSED = "disclosure.refused"
    WORKFLOW_TRANSITION = "workflow.transition"
    PRINT = "print"
    COPY = "copy"
    DOCUMENT_SCAN = "document.scan"
    KEY_CREATE = "key.create"
    KEY_ROTATE = "key.rotate"
    KEY_SHRED = "key.shred"
    RETENTION_RUN = "retention.run"
    CHECKPOINT = "checkpoint"
    EXTERNAL_COPIER = "external.copier"
    EXTERNAL_BADGE = "external.badge"
    EXTERNAL_QUEUE = "external.queue"
    ALERT_TRIAGE = "alert.triage"
    CASE_TRANSITION = "case.transition"
    HOLD_PLACE = "hold.place"
    EXPORT_EVIDENCE = "export.evidence"
    STAFF_CHANGE = "staff.change"
    TICKET_ISSUE = "ticket.issue"
    TICKET_CALL = "ticket.call"
    TICKET_CLOSE = "ticket.close"
    SUBJECT_WRITE = "subject.write"  # personal data stored or replaced (never the values)
    SEARCH = "search"  # a blind-index lookup: which kind, how many found
    APPLICATION_IMPORT = "application.import"
    BREAKGLASS_REVIEW = "breakglass.review"
    PRODUCTION_ORDER = "production.order"
    PRODUCTION_IMPORT = "production.import"
    REVIEW_ASSIGN = "review.assign"  # a review or a QA sample assigned to a staff member
    REVIEW_QA_CHECK = "review.qa_check"  # a sampled QA review marked checked, with its note
    API_CLIENT_CHANGE = "api_client.change"  # a device token added or revoked
    WATCHLIST_CHANGE = "watchlist.change"  # a person put on or taken off the watchlist
    INCIDENT_CHANGE = "incident.change"  # an incident's report text written or changed
    GRANT_ASSIST = "grant.assist"  # a second staff member joins a colleague's open task
    GRANT_ASSIST_END = "grant.assist_end"  # ... and leaves it before it closes
    ACCESS_DENIED = "access.denied"  # a refused request for personal data (403/404, limits)


_CODES = frozenset(code.value for code in EventCode)
_DETAIL_KEY = re.compile(r"[a-z0-9_][a-z0-9_.\-]{0,63}\Z", re.ASCII)
_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z\Z", re.ASCII)
_KEYS = frozenset(
    {"actor", "at", "code", "details", "fields", "grant", "purpose", "subjects", "terminal"}
)


def _text(value: object, what: str, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"event {what} must be text, not {type(value).__name__}")
    if not value and not empty:
        raise InvalidInput(f"event {what} must not be empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"event {what} contains characters UTF-8 cannot encode") from None
    return value


def _texts(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, tuple | list):
        raise InvalidInput(f"event {what} must be a tuple of text")
    return tuple(_text(v, what) for v in value)


def _details(value: object) -> Mapping[str, DetailValue]:
    if not isinstance(value, Mapping):
        raise InvalidInput("event details must be a mapping")
    out: dict[str, DetailValue] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not _DETAIL_KEY.match(key):
            raise InvalidInput(f"event detail key {key!r} must be 1-64 of a-z, 0-9, '_', '.', '-'")
        if isinstance(item, bool) or item is None:
            pass
        elif isinstance(item, int):
            if not -_INT_LIMIT <= item < _INT_LIMIT:
                raise InvalidInput(f"event detail {key!r} is outside the 64-bit integer range")
        elif isinstance(item, str):
            _text(item, f"detail {key!r}", empty=True)
        else:
            raise InvalidInput(
                f"event detail {key!r} must be text, an integer, true/false or null, "
                f"not {type(item).__name__}"
            )
        out[key] = item
    return MappingProxyType(out)


def format_time(at: datetime) -> str:
    """UTC, microseconds, `Z`: one spelling per instant, the year zero-padded to four digits
    (what `isoformat(timespec="microseconds")` writes, at half its cost)."""
    u = at.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031 - the fastest spelling
        u.year,
        u.month,
        u.day,
        u.hour,
        u.minute,
        u.second,
        u.microsecond,
    )


def parse_time(text: str) -> datetime:
    """Inverse of `format_time`; anything else is refused."""
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput(f"time {text!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        year, month, day, hour, minute, second, micro = (int(g) for g in match.groups())
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError as error:
        raise InvalidInput(f"time {text!r} is not a real instant: {error}") from None


def check_aware(at: object, what: str = "time") -> datetime:
    if not isinstance(at, datetime):
        raise InvalidInput(f"{what} must be a datetime, not {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(f"{what} {at.isoformat()} has no timezone; give an aware datetime")
    try:
        at.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput(f"{what} {at.isoformat()} cannot be expressed in UTC") from None
    return at


@dataclass(frozen=True)
class Event:
    """One security event. Validated on creation; `details` is stored read-only."""

    code: EventCode
    at: datetime
    actor: str
    subjects: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    purpose: str = ""
    grant: str | None = None
    terminal: str | None = None
    details: Mapping[str, DetailValue] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        code: object = self.code
        if not isinstance(code, EventCode):
            if not isinstance(code, str) or code not in _CODES:
                raise InvalidInput(f"unknown event code {code!r}")
            code = EventCode(code)
        set_ = object.__setattr__
        set_(self, "code", code)
        check_aware(self.at, "event time")
        _text(self.actor, "actor")
        set_(self, "subjects", _texts(self.subjects, "subjects"))
        set_(self, "fields", _texts(self.fields, "fields"))
        _text(self.purpose, "purpose", empty=True)
        for name in ("grant", "terminal"):
            value = getattr(self, name)
            if value is not None:
                _text(value, name)
        set_(self, "details", _details(self.details))


def _detail_json(value: DetailValue) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)  # what json writes for an int (and for an IntEnum)
    return _quote(value)


def canonical_bytes(event: Event) -> bytes:
    """The deterministic encoding of `event` (see the module docstring).

    The event's shape is fixed and validated (keys known, detail keys ASCII, no floats), so
    the JSON is assembled directly, each string escaped by the json module's own escaper;
    about twice as fast as building a dict for `json.JSONEncoder(sort_keys=True, ...)`, and
    byte-identical to it (tests/unit/audit/test_canonical_encoder.py compares the two over
    random events). The keys below are in sorted order.
    """
    return _canonical(event, format_time(event.at))


_QUOTED_CODES = {code: _quote(code.value) for code in EventCode}


def _canonical(event: Event, at: str) -> bytes:
    details = event.details
    grant, terminal = event.grant, event.terminal
    return (
        # %-formatting: the JSON's own braces need no escaping.
        '{"actor":%s,"at":"%s","code":%s,"details":{%s},"fields":[%s],"grant":%s,'  # noqa: UP031
        '"purpose":%s,"subjects":[%s],"terminal":%s}'
        % (
            _quote(event.actor),
            at,
            _QUOTED_CODES[event.code],
            ",".join(_quote(k) + ":" + _detail_json(details[k]) for k in sorted(details))
            if details
            else "",
            ",".join(map(_quote, event.fields)),
            "null" if grant is None else _quote(grant),
            _quote(event.purpose),
            ",".join(map(_quote, event.subjects)),
            "null" if terminal is None else _quote(terminal),
        )
    ).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise InvalidInput("event JSON repeats a key")
    return out


def _refuse_float(text: str) -> float:
    raise InvalidInput(f"event JSON holds a non-integer number {text}")


def decode_event(data: bytes) -> Event:
    """Parse canonical bytes back into the event. Raises InvalidInput on anything else."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidInput("event data must be bytes")
    raw = bytes(data)
    try:
        obj = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_float,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InvalidInput(f"event data is not UTF-8 JSON: {error}") from None
    if not isinstance(obj, dict) or set(obj) != _KEYS:
        raise InvalidInput(f"event JSON must be an object with exactly the keys {sorted(_KEYS)}")
    for name in ("subjects", "fields"):
        if not isinstance(obj[name], list):
            raise InvalidInput(f"event {name} must be a JSON array")
    event = Event(
        code=obj["code"],
        at=parse_time(obj["at"]),
        actor=obj["actor"],
        subjects=tuple(obj["subjects"]),
        fields=tuple(obj["fields"]),
        purpose=obj["purpose"],
        grant=obj["grant"],
        terminal=obj["terminal"],
        details=obj["details"],
    )
    if canonical_bytes(event) != raw:
        raise InvalidInput("event data is valid JSON but not in canonical form")
    return event


def entry_header(seq: int) -> bytes:
    """The 9-byte prefix of the entry at position `seq`."""
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
        raise InvalidInput(f"sequence number {seq!r} must be an integer from 0 to 2^64-1")
    return bytes((ENTRY_VERSION,)) + seq.to_bytes(8, "big")


def entry_bytes(seq: int, event: Event) -> bytes:
    """The ledger leaf data for `event` at position `seq` (the leaf index, from 0)."""
    return entry_header(seq) + canonical_bytes(event)


def encode_entries(start: int, events: Sequence[Event]) -> tuple[list[bytes], list[str]]:
    """`entry_bytes` of `events` at positions start, start+1, ..., and each event's time as
    `format_time` spells it (the append path stores it beside the entry): the time is
    formatted once per event instead of twice."""
    entry_header(start)
    entry_header(start + max(len(events) - 1, 0))
    version = bytes((ENTRY_VERSION,))
    datas: list[bytes] = []
    times: list[str] = []
    for seq, event in enumerate(events, start):
        at = format_time(event.at)
        datas.append(version + seq.to_bytes(8, "big") + _canonical(event, at))
        times.append(at)
    return datas, times


def entry_seq(data: bytes) -> int:
    """The sequence number an entry claims, from its header alone."""
    if len(data) <= ENTRY_HEADER_SIZE or data[0] != ENTRY_VERSION:
        raise InvalidInput("ledger entry does not start with a version 1 header")
    return int.from_bytes(data[1:ENTRY_HEADER_SIZE], "big")


def decode_entry(data: bytes) -> tuple[int, Event]:
    """(seq, event) of a ledger entry; raises InvalidInput if it is not one."""
    seq = entry_seq(data)
    return seq, decode_event(bytes(data[ENTRY_HEADER_SIZE:]))
