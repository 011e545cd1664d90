"""The fast canonical encoder writes exactly the bytes of the original one (the leaf hashes
of every ledger ever written depend on it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ryoken.audit.events import Event, EventCode, canonical_bytes, decode_event

# The encoder as it was before the fast path (a dict through json.JSONEncoder).
_REFERENCE = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _reference_time(at: datetime) -> str:
    u = at.astimezone(UTC)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}"
        f".{u.microsecond:06d}Z"
    )


def reference_bytes(event: Event) -> bytes:
    document: dict[str, Any] = {
        "actor": event.actor,
        "at": _reference_time(event.at),
        "code": event.code.value,
        "details": dict(event.details),
        "fields": list(event.fields),
        "grant": event.grant,
        "purpose": event.purpose,
        "subjects": list(event.subjects),
        "terminal": event.terminal,
    }
    return _REFERENCE.encode(document).encode("utf-8")


# Any text UTF-8 can encode: control characters, quotes, backslashes, kana, emoji, U+2028.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
some_text = text.filter(bool)
detail_key = st.from_regex(r"[a-z0-9_][a-z0-9_.\-]{0,20}", fullmatch=True)
detail_value = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), text)
moment = st.datetimes(  # hypothesis takes naive bounds and adds the timezone itself
    min_value=datetime(1, 1, 2),  # noqa: DTZ001
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=st.just(UTC),
)
offset = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))

events = st.builds(
    Event,
    code=st.sampled_from(list(EventCode)),
    at=st.builds(lambda at, tz: at.astimezone(tz), moment, offset),
    actor=some_text,
    subjects=st.lists(some_text, max_size=4).map(tuple),
    fields=st.lists(some_text, max_size=4).map(tuple),
    purpose=text,
    grant=st.none() | some_text,
    terminal=st.none() | some_text,
    details=st.dictionaries(detail_key, detail_value, max_size=6),
)


@settings(max_examples=2000, deadline=None)
@given(events)
def test_it_encodes_byte_for_byte_as_the_original_encoder(event: Event) -> None:
    data = canonical_bytes(event)
    assert data == reference_bytes(event)
    assert decode_event(data) == event


def test_it_encodes_the_awkward_characters_as_json_does() -> None:
    event = Event(
        code=EventCode.DISCLOSURE,
        at=datetime(1, 1, 1, tzinfo=UTC),
        actor='a"b\\c\n\x00\x1f\x7f\u2028山田😀',
        details={"n": -(2**63), "t": True, "z": None, "s": "\t"},
    )
    assert canonical_bytes(event) == reference_bytes(event)
    assert b'"at":"0001-01-01T00:00:00.000000Z"' in canonical_bytes(event)
