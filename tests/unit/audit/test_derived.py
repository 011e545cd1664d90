"""Stored columns and subject links checked against the hashed entry; grant integrity."""

from __future__ import annotations

import random
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


def _check(
    rows: list[derived.Row], sqlite: bool = True, *, chunk: bool = False
) -> list[tuple[str, int]]:
    """What the row-by-row path finds; with `chunk`, what the chunk path finds, after
    checking that it finds exactly the same."""
    found: list[tuple[str, int]] = []
    times = derived.SQLITE_TIMES if sqlite else derived.CANONICAL_TIMES
    derived.DerivedChecker(lambda m, s: found.append((m, s)), times).check_rows(rows, GrantLedger())
    if chunk:
        fast: list[tuple[str, int]] = []
        checker = derived.DerivedChecker(lambda m, s: fast.append((m, s)), times)
        checker.check_chunk(rows, derived.columns(rows), GrantLedger())
        assert fast == found
    return found


@pytest.mark.parametrize("sqlite", [True, False])
def test_it_passes_honest_rows(sqlite: bool) -> None:
    rows = [_row(i, _event(i), sqlite) for i in range(6)]
    rows.append(_row(6, _event(6, at=datetime(2026, 11, 26, 9, tzinfo=UTC)), sqlite))  # µs 0
    login = _event(7, actor="窓口 一郎", grant=None, code=EventCode.AUTH_LOGIN)
    rows.append(_row(7, login, sqlite))
    assert _check(rows, sqlite, chunk=True) == []


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
    found = _check(rows, chunk=True)
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
    rows.append(_row(5, _event(5, actor="counter2")))
    found = _check(rows, chunk=True)
    assert [s for _, s in found] == [4, 5]
    assert "under grant gr_1, which was opened for counter1" in found[0][0]


@pytest.mark.parametrize(
    "stored", ["2026-11-26 09:00:00.000000", "2026-11-26T09:00:00", "2026-11-26 09:00:00Z"]
)
def test_it_refuses_another_spelling_of_a_whole_second(stored: str) -> None:
    whole = _event(1, at=datetime(2026, 11, 26, 9, tzinfo=UTC))
    assert _check([_row(0, _event(0)), _row(1, whole)], chunk=True) == []
    found = _check([_row(0, _event(0)), _row(1, whole, at=stored)], chunk=True)
    assert [s for _, s in found] == [1]


def test_it_lists_grant_violations_for_detection() -> None:
    from ryoken.audit.grants import grant_violations

    state = GrantLedger()
    first = [(0, "grant.open", "c1", "g1"), (1, "disclosure", "c1", "g1")]
    assert grant_violations(first, state) == []
    later = [(2, "disclosure", "c2", "g1"), (3, "grant.close", "c1", "g1")]
    later.append((4, "print", "c1", "g1"))
    assert [seq for seq, _ in grant_violations(later, state)] == [2, 4]


_ACTORS = ["counter1", "counter2", 'say "hi"', "back\\slash", "窓口 一郎", "tab\there"]
_CODES = ["grant.open", "disclosure", "disclosure", "match", "grant.close", "auth.login", "print"]


def _random_rows(rng: random.Random, n: int, sqlite: bool, odd: bool) -> list[derived.Row]:
    rows = []
    for seq in range(n):
        code = rng.choice(_CODES)
        subjects = tuple(rng.sample(["ds_a", "ds_b", "ds_c"], rng.randrange(3)))
        event = _event(
            seq,
            code=code,
            actor=rng.choice(_ACTORS if odd else _ACTORS[:2]),
            at=T0 + timedelta(microseconds=rng.choice([0, 1, 123_456]) - 123_456, seconds=seq),
            subjects=subjects,
            grant=None if code == "auth.login" else rng.choice(["gr_1", "gr_2", "gr_decoy"]),
            details=rng.choice([{}, {"grant": "gr_2", "purpose": "x"}, {"note": 'a ","b'}]),
        )
        stored: dict[str, str] = {}
        if rng.random() < 0.08:
            column = rng.choice(["actor", "at", "code", "grant", "subjects"])
            stored[column] = rng.choice(
                [
                    "counter2",
                    "",
                    "gr_2",
                    "ds_a",
                    "ds_a ds_b",
                    "2026-11-26T09:00:01.123456",
                    "2026-11-26 09:00:01.000000",
                    "disclosure",
                ]
            )
        rows.append(_row(seq, event, sqlite, **stored))
    return rows


@pytest.mark.parametrize("seed", range(40))
def test_the_chunk_path_finds_exactly_what_the_row_path_finds(seed: int) -> None:
    """Random ledgers (odd actors, whole seconds, decoy details, no subjects, no grant) with
    random column edits: the C-level chunk path reports the same (message, seq) list."""
    rng = random.Random(seed)
    sqlite, odd = seed % 2 == 0, seed % 4 == 1
    rows = _random_rows(rng, 60, sqlite, odd)
    _check(rows, sqlite, chunk=True)
    agreeing = derived.DerivedChecker(
        lambda m, s: None, derived.SQLITE_TIMES if sqlite else derived.CANONICAL_TIMES
    ).agreeing(derived.columns(rows))
    # The fast path ran unless odd text or a time spelt with a `T` (SQLite) or a zero
    # fraction sends the chunk down the row path.
    text = " ".join(str(value) for row in rows for value in row[3:])
    times = " ".join(str(row[4]) for row in rows)
    plain = not odd and '"' not in text and not (sqlite and ("T" in times or ".000000" in times))
    assert (agreeing is not None) == plain


def test_the_chunk_path_gives_links_like_the_row_path() -> None:
    checker = derived.DerivedChecker(lambda m, s: None, derived.SQLITE_TIMES)
    for rows in (
        [_row(i, _event(i)) for i in range(6)],
        [_row(i, _event(i * 2)) for i in range(6)],
    ):
        assert checker.chunk_links(rows, derived.columns(rows)) == checker.expected_links(rows)
    none = [_row(i, _event(i, subjects=())) for i in range(3)]
    assert checker.chunk_links(none, derived.columns(none)) == []


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
