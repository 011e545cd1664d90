"""Check the columns stored beside each ledger entry against the entry itself.

The database keeps copies of some of an entry's values so that scope, who-saw and the
watcher can find entries by index: actor, time, code, grant, subjects, and one link row per
(entry, subject). Only the entry's bytes are hashed into the Merkle tree, so a database
owner could change a copy (move a disclosure to another clerk, back-date it, delete the link
that lets who-saw find it) and every hash would still verify. This module compares every
copy with the hashed bytes.

It does so without parsing JSON: the canonical encoding (`ryoken.audit.events`) fixes the
order of the keys, so the expected bytes can be built from the stored values and compared
in place. `actor`, `at` and `code` are the first three keys, so they form a prefix; `grant`
and `subjects` come after variable-length values, and are found from the right (nothing
after them can hold an unescaped `,"grant":` or `,"subjects":[`). Encoded pieces are cached
per distinct value, so a row costs a few C-level bytes operations.

A row is `(seq, data, leaf_hash, actor, at, code, grant, subjects)`, with `at` spelled as the
database stores it; `spell_time` turns the entry's canonical time into that spelling. Link
rows are `(seq, subject)` in the order they were written (one append writes the links of its
entries in entry order and subject order).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from itertools import chain, compress, repeat
from json.encoder import encode_basestring
from typing import cast

from ryoken.audit.events import ENTRY_HEADER_SIZE, Event, decode_entry, format_time
from ryoken.audit.grants import EXPOSURE_CODES, OPEN_CODES, WATCHED_CODES, GrantLedger
from ryoken.errors import InvalidInput

Row = tuple[int, bytes, bytes, str, str, str, str, str]
Report = Callable[[str, int], None]
_CACHE_LIMIT = 50_000
_WHOLE_SECOND = b".000000Z"  # SQLite spells a whole second without the fraction


def canonical_time(at: str) -> str:
    """Identity: for a database whose query spells time canonically (PostgreSQL's to_char)."""
    return at


def sqlite_time(canonical: str) -> str:
    """How Django (and the ledger's own insert) spell an aware time in SQLite: naive UTC,
    a space between date and time, microseconds only when not zero."""
    text = canonical[:10] + " " + canonical[11:26]
    return text[:19] if text.endswith(".000000") else text


def from_sqlite_time(at: str) -> str | None:
    """The canonical time that `sqlite_time` spells as `at`, or None for any other text."""
    if at[10] != " ":
        return None
    if len(at) == 19:
        return f"{at[:10]}T{at[11:]}.000000Z"
    if len(at) == 26 and at[19] == "." and not at.endswith("000000"):
        return f"{at[:10]}T{at[11:]}Z"
    return None


def from_canonical_time(at: str) -> str | None:
    return at if len(at) == 27 and at[10] == "T" and at[26] == "Z" else None


SQLITE_TIMES = (sqlite_time, from_sqlite_time)
CANONICAL_TIMES = (canonical_time, from_canonical_time)
TimeSpelling = tuple[Callable[[str], str], Callable[[str], "str | None"]]


_OPEN_OR_EXPOSURE = OPEN_CODES | EXPOSURE_CODES


def columns(rows: Sequence[Row]) -> tuple[list[object], ...]:
    """The chunk transposed: one list per column (C-level maps)."""
    return tuple(list(map(operator.itemgetter(k), rows)) for k in range(8))


def _quoted(value: str) -> str:
    quoted: str = encode_basestring(value)
    return quoted


class DerivedChecker:
    """Compares stored columns and subject links with the entries, chunk by chunk."""

    def __init__(self, report: Report, times: TimeSpelling = CANONICAL_TIMES):
        self.report = report
        self.spell_time, self.read_time = times
        self._actors: dict[str, bytes] = {}
        self._codes: dict[str, bytes] = {}
        self._grants: dict[str, bytes] = {}
        self._subjects: dict[str, bytes] = {}

    def expected_links(self, rows: Sequence[Row]) -> list[tuple[int, str]]:
        """The link rows the chunk's entries must have, in the order they were written."""
        return [
            (row[0], subject)
            for row in rows
            if row[7]
            for subject in row[7].split(" ")  # the subjects column, checked against the entry
        ]

    def chunk_links(
        self, rows: Sequence[Row], columns: Sequence[Sequence[object]]
    ) -> list[tuple[int, str]]:
        """`expected_links` without a loop per entry when every entry names one subject."""
        seqs, subjects = columns[0], columns[7]
        try:
            one_each = " " not in "".join(subjects)  # type: ignore[arg-type]
        except TypeError:
            one_each = False
        if not one_each:
            return self.expected_links(rows)
        return list(compress(zip(seqs, subjects, strict=True), subjects))  # type: ignore[arg-type]

    def agreeing(self, columns: Sequence[Sequence[object]]) -> list[bool] | None:
        """Per row, True when its stored columns are exactly what its entry says; None when
        the chunk holds a value this fast path does not handle (check it with `check_rows`).

        `columns` is the chunk transposed: (seqs, datas, leaf hashes, actors, ats, codes,
        grants, subjects). Every step is a C-level map over the chunk. Exact, because the
        chunk is first checked to hold only text that JSON writes unescaped and times in
        the one spelling the database uses, so putting the stored text between quotes gives
        the entry's bytes exactly (an empty grant is `null`, no subjects is `[]`).
        """
        datas = cast(list[bytes], columns[1])
        actors, ats, codes, grants, subjects = (cast(list[str], c) for c in columns[3:8])
        sqlite = self.read_time is from_sqlite_time
        add, encode = operator.add, str.encode
        try:
            text = "".join(chain(actors, codes, grants, subjects))
            if '"' in text or "\\" in text or not text.isprintable():
                return None
            times = "\n".join(ats)
            if sqlite:
                # No `T` and no zero fraction in the column: then the column with its space
                # made a `T` equals the entry's time only if it is the entry's time as
                # SQLite spells it (a whole second, stored without a fraction, takes the
                # exact path row by row).
                if "T" in times or ".000000" in times:
                    return None
                ats = list(map(str.replace, ats, repeat(" "), repeat("T")))
                after_at = 'Z","code":"'
            else:
                after_at = '","code":"'
            prefixes = map(
                add,
                map(add, map(add, map(add, repeat('{"actor":"'), actors), repeat('","at":"')), ats),
                map(add, repeat(after_at), codes),
            )
            prefix_ok = map(
                bytes.startswith,
                datas,
                map(encode, map(add, prefixes, repeat('","details":'))),
                repeat(ENTRY_HEADER_SIZE),
            )
            grant_at = list(map(bytes.rfind, datas, repeat(b',"grant":')))
            tails = map(
                encode,
                map(
                    str.replace,
                    map(add, map(add, repeat(',"grant":"'), grants), repeat('","purpose":')),
                    repeat('"grant":"",'),
                    repeat('"grant":null,'),
                ),
            )
            grant_ok = map(bytes.startswith, datas, tails, grant_at)
            listed = map(
                encode,
                map(
                    str.replace,
                    map(
                        add,
                        map(
                            add,
                            repeat(',"subjects":["'),
                            map(str.replace, subjects, repeat(" "), repeat('","')),
                        ),
                        repeat('"],"terminal":'),
                    ),
                    repeat('[""]'),
                    repeat("[]"),
                ),
            )
            # After the grant only the purpose (a string) comes before the subjects, so the
            # first match after it is the top-level key.
            subjects_ok = map(operator.gt, map(bytes.find, datas, listed, grant_at), repeat(0))
            return list(map(operator.and_, map(operator.and_, prefix_ok, grant_ok), subjects_ok))
        except (TypeError, ValueError, UnicodeError, AttributeError):
            return None

    def check_chunk(
        self, rows: Sequence[Row], columns: Sequence[Sequence[object]], grants: GrantLedger | None
    ) -> None:
        """`check_rows` for a whole chunk, with the per-row work only where it is needed:
        rows whose columns disagree, and the grant events and exposures whose grant state
        the previous row does not already settle."""
        agree = self.agreeing(columns)
        if agree is None:
            self.check_rows(rows, grants)
            return
        if grants is None:
            if not all(agree):
                self.check_rows([row for row, ok in zip(rows, agree, strict=True) if not ok])
            return
        _, _, _, actors, _, codes, grant_ids, _ = columns
        watched = list(map(WATCHED_CODES.__contains__, codes))
        if not any(watched) and all(agree):
            return
        # A row is settled by the row before it when both agree with their entries, it is an
        # exposure, and the row before is an exposure or an opening by the same actor under
        # the same grant: if that row was fine, the grant is open for the actor, and an
        # exposure changes nothing. Every other watched or disagreeing row is fed in order.
        exposure = list(map(EXPOSURE_CODES.__contains__, codes))
        after = list(map(_OPEN_OR_EXPOSURE.__contains__, codes))
        same = map(
            operator.and_,
            map(operator.eq, actors[1:], actors[:-1]),
            map(operator.eq, grant_ids[1:], grant_ids[:-1]),
        )
        settled = [
            False,
            *map(
                all,
                zip(
                    same,
                    exposure[1:],
                    after[:-1],
                    agree[1:],
                    agree[:-1],
                    grant_ids[1:],
                    strict=True,
                ),
            ),
        ]
        need = [(w and not s) or not a for w, s, a in zip(watched, settled, agree, strict=True)]
        index = list(compress(range(len(rows)), need))
        index.append(len(rows))
        for k, i in enumerate(index[:-1]):
            if not agree[i]:
                self.check_rows([rows[i]], grants)
                continue
            row = rows[i]
            code, actor, grant = row[5], row[3], row[6] or None
            problem = grants.feed(code, actor, grant)
            if problem is None:
                continue
            self.report(f"entry {row[0]}: {problem}; the gateway never writes that", row[0])
            for j in range(i + 1, index[k + 1]):  # the rows it settled share its fault
                later = rows[j]
                self._grant(grants, later[0], later[5], later[3], later[6] or None)

    def check_rows(self, rows: Sequence[Row], grants: GrantLedger | None = None) -> None:
        """Report every row whose stored columns disagree with its entry, and (with
        `grants`) every exposure made under a grant its actor did not hold.

        The hot loop of `ryoken audit verify`: a handful of C-level bytes operations per row.
        The time is compared in place: the canonical time is 27 bytes at a known offset, and
        SQLite's spelling of it differs only by a space for the `T`, the missing `Z`, and no
        fraction at all for a whole second.
        """
        if len(self._grants) > _CACHE_LIMIT or len(self._actors) > _CACHE_LIMIT:
            for cache in (self._actors, self._codes, self._grants, self._subjects):
                cache.clear()
        actors, codes, grants_of, subjects_of = (
            self._actors,
            self._codes,
            self._grants,
            self._subjects,
        )
        sqlite = self.read_time is from_sqlite_time
        holders = grants.holders if grants is not None else {}
        for row in rows:
            try:
                _, data, _, actor, at, code, grant, subjects = row
                head = actors.get(actor)
                if head is None:
                    head = actors[actor] = f'{{"actor":{_quoted(actor)},"at":"'.encode()
                mid = codes.get(code)
                if mid is None:
                    mid = codes[code] = f'","code":{_quoted(code)},"details":'.encode()
                tail = grants_of.get(grant)
                if tail is None:
                    value = _quoted(grant) if grant else "null"
                    tail = grants_of[grant] = f',"grant":{value},"purpose":'.encode()
                listed = subjects_of.get(subjects)
                if listed is None:
                    inner = ",".join(_quoted(s) for s in subjects.split(" ")) if subjects else ""
                    listed = subjects_of[subjects] = f',"subjects":[{inner}],"terminal":'.encode()
                at_offset = ENTRY_HEADER_SIZE + len(head)
                if sqlite:
                    size = len(at)
                    time_agrees = (
                        at[10] == " "
                        and data.startswith(at.replace(" ", "T", 1).encode(), at_offset)
                        and (
                            # ...ffffffZ, never ".000000" (SQLite drops a zero fraction)
                            (size == 26 and data[at_offset + 26] == 90 and at[20:] != "000000")
                            or (size == 19 and data.startswith(_WHOLE_SECOND, at_offset + 19))
                        )
                    )
                else:
                    time_agrees = len(at) == 27 and data.startswith(at.encode(), at_offset)
                grant_at = data.rfind(b',"grant":')
                agree = (
                    time_agrees
                    and data.startswith(head, ENTRY_HEADER_SIZE)
                    and data.startswith(mid, at_offset + 27)
                    and data.startswith(tail, grant_at)
                    # After the grant only the purpose (a string) comes before the subjects,
                    # so the first match after it is the top-level key.
                    and data.find(listed, grant_at) > 0
                )
            except (TypeError, ValueError, AttributeError, UnicodeError, IndexError):
                agree = False
            if not agree:
                event = self._explain(row)
                if grants is not None and event is not None:
                    self._grant(grants, row[0], event.code.value, event.actor, event.grant)
            elif (
                grants is not None
                and code in WATCHED_CODES
                and not (code in EXPOSURE_CODES and grant and holders.get(grant) == actor)
            ):
                self._grant(grants, row[0], code, actor, grant or None)

    def _grant(
        self, grants: GrantLedger, seq: int, code: str, actor: str, grant: str | None
    ) -> None:
        problem = grants.feed(code, actor, grant)
        if problem is not None:
            self.report(f"entry {seq}: {problem}; the gateway never writes that", seq)

    def _explain(self, row: Row) -> Event | None:
        """The slow path: decode the entry and name the columns that disagree."""
        seq = row[0]
        try:
            _, event = decode_entry(bytes(row[1]))
        except (InvalidInput, TypeError):
            self.report(f"entry {seq} does not decode as an event", seq)
            return None
        expected = {
            "actor": event.actor,
            "at": self.spell_time(format_time(event.at)),
            "code": event.code.value,
            "grant": event.grant or "",
            "subjects": " ".join(event.subjects),
        }
        stored = dict(zip(("actor", "at", "code", "grant", "subjects"), row[3:8], strict=False))
        wrong = [
            f"{name} {stored.get(name)!r} (the entry says {value!r})"
            for name, value in expected.items()
            if stored.get(name) != value
        ]
        if wrong:
            self.report(f"entry {seq}: the stored {'; '.join(wrong)}", seq)
        return event

    def check_links(
        self, expected: Sequence[tuple[int, str]], stored: Sequence[tuple[int, str]]
    ) -> bool:
        """Compare a chunk's link rows with what its entries say; report the first entry
        that disagrees. Returns False when they disagree (the caller re-aligns)."""
        if expected == stored:
            return True
        for want, got in zip(expected, stored, strict=False):
            if want != got:
                seq = min(want[0], got[0]) if isinstance(got[0], int) else want[0]
                break
        else:
            longer = expected if len(expected) > len(stored) else stored
            seq = longer[min(len(expected), len(stored))][0]
        self.report(
            f"entry {seq}: its subject links (ledger_entry_subject) do not match the subjects "
            "it names: link rows were deleted, added or changed",
            seq,
        )
        return False
