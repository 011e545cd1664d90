"""Grant integrity: every exposure is made under a grant its actor holds, while it is open.

A grant (`grant.open` or `breakglass.open`) ties one staff member to a piece of work; it
ends at `grant.close`. Every disclosure, match, print and copy must name a grant that was
opened *for the same actor* earlier in the ledger and not yet closed. The gateway refuses
anything else, so an entry that breaks the rule was not written by it: it was forged into
the database (an INSERT with a correct leaf hash passes the append-only triggers), or the
system has a bug worth knowing about either way.

`GrantLedger.feed` is called once per entry, in ledger order (cheap: one set lookup for the
entries that are neither grant events nor exposures), so `ryoken audit verify` and the
privacy office's detection can share it. Grant expiry is not in the ledger (a grant's
deadline lives in the database), so an exposure after a grant's deadline but before its
`grant.close` is not flagged here; the watcher closes expired grants within a minute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

OPEN_CODES = frozenset({"grant.open", "breakglass.open"})
CLOSE_CODE = "grant.close"
EXPOSURE_CODES = frozenset({"disclosure", "match", "print", "copy"})
WATCHED_CODES = OPEN_CODES | EXPOSURE_CODES | {CLOSE_CODE}


@dataclass
class GrantLedger:
    """Which grants are open, for whom, as the ledger is read in order."""

    holders: dict[str, str] = field(default_factory=dict)  # open grant -> its actor
    closed: set[str] = field(default_factory=set)

    def feed(self, code: str, actor: str, grant: str | None) -> str | None:
        """Take the next entry; return what is wrong with it (None when nothing is)."""
        if code not in WATCHED_CODES:
            return None
        if code in EXPOSURE_CODES:
            if not grant:
                return f"a {code} by {actor} names no grant"
            holder = self.holders.get(grant)
            if holder == actor:
                return None
            if holder is not None:
                return f"a {code} by {actor} under grant {grant}, which was opened for {holder}"
            if grant in self.closed:
                return f"a {code} by {actor} under grant {grant}, which was already closed"
            return f"a {code} by {actor} under grant {grant}, which was never opened"
        if not grant:
            return f"a {code} by {actor} names no grant"
        holder = self.holders.get(grant)
        if code == CLOSE_CODE:
            if holder != actor:
                return f"{actor} closes grant {grant}, which is not open for them"
            del self.holders[grant]
            self.closed.add(grant)
            return None
        if holder is not None and holder != actor:
            return f"{actor} opens grant {grant}, which is open for {holder}"
        if grant in self.closed:
            return f"{actor} opens grant {grant} again after it was closed"
        self.holders[grant] = actor
        return None


def grant_violations(
    entries: Iterable[tuple[int, str, str, str | None]], state: GrantLedger | None = None
) -> list[tuple[int, str]]:
    """(seq, what is wrong) for every entry that breaks grant integrity.

    For detection: `entries` are (seq, code, actor, grant) in ledger order. Pass the same
    `state` to successive calls to follow the ledger incrementally (the watcher); a window
    that starts mid-ledger must start from a state that has seen the grants opened before
    it, or exposures under those grants read as "never opened".
    """
    ledger = state if state is not None else GrantLedger()
    found = []
    for seq, code, actor, grant in entries:
        problem = ledger.feed(code, actor, grant)
        if problem is not None:
            found.append((seq, problem))
    return found
