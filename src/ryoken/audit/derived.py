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

from collections.abc import Callable, Sequence
from json.encoder import encode_basestring

from ryoken.audit.events import ENTRY_HEADER_SIZE, Event, decode_entry, format_time
from ryoken.audit.grants import EXPOSURE_CODES, WATCHED_CODES, GrantLedger
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
