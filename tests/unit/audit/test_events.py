from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ryoken.audit import merkle
from ryoken.audit.events import (
    Event,
    EventCode,
    canonical_bytes,
    decode_entry,
    decode_event,
    entry_bytes,
    entry_seq,
)
from ryoken.errors import InvalidInput

JST = timezone(timedelta(hours=9))
AT = datetime(2025, 4, 1, 9, 30, 0, 123456, tzinfo=JST)

# The codes as first released. Ledger entries keep these strings forever: a code may be
# added, never renamed, removed or given to another meaning.
RELEASED_CODES = [
    "auth.login", "auth.login_failed", "auth.logout", "grant.open", "grant.close",
    "breakglass.open", "disclosure", "match", "disclosure.refused", "workflow.transition",
    "print", "copy", "document.scan", "key.create", "key.rotate", "key.shred", "retention.run",
    "checkpoint", "external.copier", "external.badge", "external.queue", "alert.triage",
    "case.transition", "hold.place", "export.evidence", "staff.change", "ticket.issue",
    "ticket.call", "ticket.close", "subject.write", "search", "application.import",
    "breakglass.review", "production.order", "production.import", "review.assign",
    "review.qa_check", "api_client.change", "watchlist.change",
]  # fmt: skip


def disclosure(**changes: object) -> Event:
    base: dict[str, object] = {
        "code": EventCode.DISCLOSURE,
        "at": AT,
        "actor": "staff-0042",
        "subjects": ("p-7f3a", "p-19c2"),
        "fields": ("name_kanji", "birth_date"),
        "purpose": "counter.acceptance",
        "grant": "g-881",
        "terminal": "win-03",
        "details": {"ticket": 117, "masked": False, "note": "本人確認", "window": None},
    }
    base.update(changes)
    return Event(**base)  # type: ignore[arg-type]


def test_it_keeps_every_released_code_with_its_meaning() -> None:
    values = [code.value for code in EventCode]
    assert values[: len(RELEASED_CODES)] == RELEASED_CODES
    assert len(set(values)) == len(values)


def test_it_encodes_an_event_in_the_documented_canonical_form() -> None:
    # Hashes in every ledger depend on these exact bytes.
    want = (
        '{"actor":"staff-0042","at":"2025-04-01T00:30:00.123456Z","code":"disclosure",'
        '"details":{"masked":false,"note":"本人確認","ticket":117,"window":null},'
        '"fields":["name_kanji","birth_date"],"grant":"g-881","purpose":"counter.acceptance",'
        '"subjects":["p-7f3a","p-19c2"],"terminal":"win-03"}'
    ).encode()
    assert canonical_bytes(disclosure()) == want


def test_it_writes_the_same_bytes_for_the_same_instant_in_any_timezone() -> None:
    assert canonical_bytes(disclosure()) == canonical_bytes(disclosure(at=AT.astimezone(UTC)))


def test_it_refuses_a_naive_time() -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        disclosure(at=datetime(2025, 4, 1, 9, 30))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "disclosure.peek"}, "unknown event code"),
        ({"actor": ""}, "actor"),
        ({"subjects": "p-1"}, "subjects"),
        ({"fields": ("name", 3)}, "fields"),
        ({"details": {"ratio": 0.5}}, "ratio"),
        ({"details": {"Bad Key": 1}}, "key"),
        ({"details": {"n": 2**63}}, "64-bit"),
        ({"grant": ""}, "grant"),
        ({"purpose": "\ud800"}, "UTF-8"),
    ],
)
def test_it_refuses_events_it_could_not_encode_faithfully(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        disclosure(**changes)


def test_it_accepts_a_code_given_as_text() -> None:
    assert disclosure(code="ticket.call").code is EventCode.TICKET_CALL


def test_it_makes_details_read_only() -> None:
    details = {"ticket": 1}
    event = disclosure(details=details)
    details["ticket"] = 2
    assert event.details["ticket"] == 1
    with pytest.raises(TypeError):
        event.details["ticket"] = 3  # type: ignore[index]


text = st.text(min_size=1, max_size=12).filter(
    lambda s: not any(0xD800 <= ord(c) < 0xE000 for c in s)
)
detail_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(max_size=12).filter(lambda s: not any(0xD800 <= ord(c) < 0xE000 for c in s)),
)
events = st.builds(
    Event,
    code=st.sampled_from(EventCode),
    at=st.datetimes(
        min_value=datetime(1990, 1, 1),  # noqa: DTZ001
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, JST, timezone(timedelta(hours=-5, minutes=-30))]),
    ),
    actor=text,
    subjects=st.lists(text, max_size=4).map(tuple),
    fields=st.lists(text, max_size=4).map(tuple),
    purpose=st.one_of(st.just(""), text),
    grant=st.none() | text,
    terminal=st.none() | text,
    details=st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_.]{0,8}", fullmatch=True), detail_value),
)


@given(events)
def test_it_decodes_exactly_what_it_encoded(event: Event) -> None:
    data = canonical_bytes(event)
    decoded = decode_event(data)
    assert decoded == event
    assert canonical_bytes(decoded) == data


@given(
    events,
    st.sampled_from([(", ", ": "), (",", ":")]),
    st.booleans(),
    st.booleans(),
)
def test_it_accepts_only_the_canonical_spelling(
    event: Event, separators: tuple[str, str], sort_keys: bool, ensure_ascii: bool
) -> None:
    variant = json.loads(canonical_bytes(event))
    if not sort_keys:
        variant = dict(reversed(list(variant.items())))
    data = json.dumps(variant, separators=separators, ensure_ascii=ensure_ascii).encode()
    try:
        decoded = decode_event(data)
    except InvalidInput:
        return
    assert canonical_bytes(decoded) == data


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff",
        b"[]",
        b'{"actor":"a"}',
        b'{"actor":"a","actor":"b"}',
        canonical_bytes(disclosure()).replace(b"117", b"117.0"),
        canonical_bytes(disclosure()).replace(b".123456Z", b"Z"),
        canonical_bytes(disclosure()).replace(b"2025-04-01", b"2025-02-30"),
        canonical_bytes(disclosure()).replace(b'"disclosure"', b'"unknown"'),
        canonical_bytes(disclosure()) + b" ",
    ],
)
def test_it_refuses_bytes_that_are_not_a_canonical_event(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        decode_event(data)


def test_it_binds_the_position_into_the_leaf() -> None:
    event = disclosure()
    first, second = entry_bytes(7, event), entry_bytes(8, event)
    assert merkle.leaf_hash(first) != merkle.leaf_hash(second)
    assert entry_seq(first) == 7
    assert decode_entry(second) == (8, event)


def test_it_refuses_an_entry_without_a_header() -> None:
    with pytest.raises(InvalidInput, match="header"):
        entry_seq(canonical_bytes(disclosure()))
    with pytest.raises(InvalidInput):
        entry_bytes(-1, disclosure())
