"""Stored columns and subject links checked against the hashed entry; grant integrity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ryoken.audit import derived
from ryoken.audit.events import Event, EventCode, entry_bytes, format_time
from ryoken.audit.grants import GrantLedger
from ryoken.audit.merkle import leaf_hash

T0 = datetime(2026, 11, 26, 9, 0, 0, 123456, tzinfo=UTC)


def _event(i: int, **changes: object) -> Event:
    base: dict[str, object] = {
        "code": EventCode.GRANT_OPEN if i == 0 else EventCode.DISCLOSURE,
        "at": T0 + timedelta(seconds=i),
        "actor": "counter1",
        "subjects": ("ds_a", "ds_b") if i % 2 else ("ds_a",),
        "fields": ("name_kanji",),
        "purpose": "intake",
        "grant": "gr_1",
        "terminal": "W01",
        "details": {"grant": "gr_decoy", "form": "shown"},  # a detail key named like a column
    }
    base.update(changes)
    return Event(**base)  # type: ignore[arg-type]


def _row(seq: int, ev: Event, sqlite: bool = True, **stored: str) -> derived.Row:
    data = entry_bytes(seq, ev)
    canonical = format_time(ev.at)
    columns = {
        "actor": ev.actor,
        "at": derived.sqlite_time(canonical) if sqlite else canonical,
        "code": ev.code.value,
        "grant": ev.grant or "",
        "subjects": " ".join(ev.subjects),
    }
    columns.update(stored)
    return (
        seq,
        data,
        leaf_hash(data),
        columns["actor"],
        columns["at"],
        columns["code"],
        columns["grant"],
        columns["subjects"],
    )


def _check(rows: list[derived.Row], sqlite: bool = True) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    times = derived.SQLITE_TIMES if sqlite else derived.CANONICAL_TIMES
    derived.DerivedChecker(lambda m, s: found.append((m, s)), times).check_rows(rows, GrantLedger())
    return found


@pytest.mark.parametrize("sqlite", [True, False])
def test_it_passes_honest_rows(sqlite: bool) -> None:
    rows = [_row(i, _event(i), sqlite) for i in range(6)]
    rows.append(_row(6, _event(6, at=datetime(2026, 11, 26, 9, tzinfo=UTC)), sqlite))  # µs 0
    login = _event(7, actor="窓口 一郎", grant=None, code=EventCode.AUTH_LOGIN)
    rows.append(_row(7, login, sqlite))
    assert _check(rows, sqlite) == []


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "counter2"),
        ("at", "2020-01-06 09:00:00.123456"),
        ("at", "2026-11-26T09:00:03.123456"),  # the same instant, spelt another way
        ("code", "auth.login"),
        ("grant", "gr_decoy"),
        ("grant", ""),
        ("subjects", "ds_a"),
        ("subjects", "ds_b ds_a"),
    ],
)
def test_it_names_the_entry_and_the_column_that_disagree(column: str, value: str) -> None:
    rows = [_row(i, _event(i)) for i in range(6)]
    rows[3] = _row(3, _event(3), **{column: value})
    found = _check(rows)
    assert [s for _, s in found] == [3]
    assert found[0][0].startswith(f"entry 3: the stored {column} {value!r}")


def test_it_compares_links_in_the_order_they_were_written() -> None:
    rows = [_row(i, _event(i)) for i in range(6)]
    found: list[tuple[str, int]] = []
    checker = derived.DerivedChecker(lambda m, s: found.append((m, s)), derived.SQLITE_TIMES)
    expected = checker.expected_links(rows)
    assert expected[:3] == [(0, "ds_a"), (1, "ds_a"), (1, "ds_b")]
    assert checker.check_links(expected, list(expected))
    missing = [link for link in expected if link[0] != 4]
    assert not checker.check_links(expected, missing)
    added = [*expected[:2], (1, "ds_z"), *expected[2:]]
    assert not checker.check_links(expected, added)
    assert [s for _, s in found] == [4, 1]


def test_it_follows_grants_through_the_ledger() -> None:
    grants = GrantLedger()
    assert grants.feed("disclosure", "c1", "g1") == (
        "a disclosure by c1 under grant g1, which was never opened"
    )
    assert grants.feed("grant.open", "c1", "g1") is None
    assert grants.feed("match", "c1", "g1") is None
    assert "opened for c1" in (grants.feed("print", "c2", "g1") or "")
    assert "open for c1" in (grants.feed("grant.open", "c2", "g1") or "")
    assert "not open for them" in (grants.feed("grant.close", "c2", "g1") or "")
    assert grants.feed("grant.close", "c1", "g1") is None
    assert "already closed" in (grants.feed("copy", "c1", "g1") or "")
    assert "again after it was closed" in (grants.feed("grant.open", "c1", "g1") or "")
    assert "names no grant" in (grants.feed("disclosure", "c1", None) or "")
    assert grants.feed("auth.login", "c1", None) is None


def test_it_flags_an_exposure_under_another_clerks_grant_in_the_rows() -> None:
    rows = [_row(i, _event(i)) for i in range(4)]
    rows.append(_row(4, _event(4, actor="counter2")))
    found = _check(rows)
    assert [s for _, s in found] == [4]
    assert "under grant gr_1, which was opened for counter1" in found[0][0]


@pytest.mark.parametrize(
    "stored", ["2026-11-26 09:00:00.000000", "2026-11-26T09:00:00", "2026-11-26 09:00:00Z"]
)
def test_it_refuses_another_spelling_of_a_whole_second(stored: str) -> None:
    whole = _event(1, at=datetime(2026, 11, 26, 9, tzinfo=UTC))
    assert _check([_row(0, _event(0)), _row(1, whole)]) == []
    found = _check([_row(0, _event(0)), _row(1, whole, at=stored)])
    assert [s for _, s in found] == [1]


def test_it_lists_grant_violations_for_detection() -> None:
    from ryoken.audit.grants import grant_violations

    state = GrantLedger()
    first = [(0, "grant.open", "c1", "g1"), (1, "disclosure", "c1", "g1")]
    assert grant_violations(first, state) == []
    later = [(2, "disclosure", "c2", "g1"), (3, "grant.close", "c1", "g1")]
    later.append((4, "print", "c1", "g1"))
    assert [seq for seq, _ in grant_violations(later, state)] == [2, 4]


def test_it_lets_a_supervisor_who_joined_expose_under_the_host_grant() -> None:
    grants = GrantLedger()
    assert grants.feed("grant.open", "c1", "g1") is None
    assert "which was opened for c1" in (grants.feed("disclosure", "sup", "g1") or "")
    assert grants.feed("grant.assist", "sup", "g1") is None
    assert grants.feed("disclosure", "sup", "g1") is None
    assert grants.feed("grant.assist_end", "sup", "g1") is None
    assert "which was opened for c1" in (grants.feed("print", "sup", "g1") or "")
    assert grants.feed("grant.assist", "sup", "g1") is None
    assert grants.feed("grant.close", "c1", "g1") is None  # the close ends the assist too
    assert "already closed" in (grants.feed("disclosure", "sup", "g1") or "")
    assert grants.feed("grant.open", "c1", "g2") is None
    assert "joins their own grant" in (grants.feed("grant.assist", "c1", "g2") or "")
    assert "is not open" in (grants.feed("grant.assist", "sup", "g9") or "")
    assert "had not joined" in (grants.feed("grant.assist_end", "c2", "g1") or "")


def test_a_window_leaves_grants_opened_before_it_and_reads_with_no_grant() -> None:
    grants = GrantLedger(window=True)
    assert grants.feed("disclosure", "c1", None) is None
    assert grants.feed("disclosure", "c1", "g_before") is None  # opened before the stretch
    assert "opened for c1" in (grants.feed("disclosure", "c2", "g_before") or "")
    assert grants.feed("grant.close", "c1", "g_other_before") is None
    assert "already closed" in (grants.feed("match", "c1", "g_other_before") or "")
