"""Grant integrity: every exposure is made under a grant its actor holds, while it is open.

A grant (`grant.open` or `breakglass.open`) ties one staff member to a piece of work; it
ends at `grant.close`. Every disclosure, match, print and copy must name a grant that was
opened *for the same actor* earlier in the ledger and not yet closed. The gateway refuses
anything else, so an entry that breaks the rule was not written by it: it was forged into
the database (an INSERT with a correct leaf hash passes the append-only triggers), or the
system has a bug worth knowing about either way.

A supervisor may join a colleague's open grant (`grant.assist`, actor the supervisor, grant
the host's): from then until `grant.assist_end` or the host grant's close, exposures by the
supervisor under that grant are made under it legitimately, as the gateway allows them.

`GrantLedger.feed` is called once per entry, in ledger order (cheap: one set lookup for the
entries that are neither grant events nor exposures), so `ryoken audit verify` and the
privacy office's detection (`ryoken.detect.detectors.grant_integrity`) share one rule.
Detection reads a stretch of the ledger and has its own detector for reads with no task, so
it feeds a `GrantLedger(window=True)`: an entry that names no grant, or a grant first seen
in the stretch, is not reported there (the grant may have been opened before the stretch);
everything else is. Grant expiry is not in the ledger (a grant's
deadline lives in the database), so an exposure after a grant's deadline but before its
`grant.close` is not flagged here; the watcher closes expired grants within a minute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

OPEN_CODES = frozenset({"grant.open", "breakglass.open"})
CLOSE_CODE = "grant.close"
ASSIST_CODE = "grant.assist"
ASSIST_END_CODE = "grant.assist_end"
EXPOSURE_CODES = frozenset({"disclosure", "match", "print", "copy"})
WATCHED_CODES = OPEN_CODES | EXPOSURE_CODES | {CLOSE_CODE, ASSIST_CODE, ASSIST_END_CODE}


@dataclass
class GrantLedger:
    """Which grants are open, for whom, as the ledger is read in order."""

    holders: dict[str, str] = field(default_factory=dict)  # open grant -> its actor
    closed: set[str] = field(default_factory=set)
    assistants: dict[str, set[str]] = field(default_factory=dict)  # open grant -> joined
    window: bool = False  # reading a stretch of the ledger, not all of it (detection)

    def feed(self, code: str, actor: str, grant: str | None) -> str | None:
        """Take the next entry; return what is wrong with it (None when nothing is)."""
        if code not in WATCHED_CODES:
            return None
        if not grant:
            return None if self.window else f"a {code} by {actor} names no grant"
        holder = self.holders.get(grant)
        unseen = self.window and holder is None and grant not in self.closed
        if code in EXPOSURE_CODES:
            if holder == actor or actor in self.assistants.get(grant, ()):
                return None
            if holder is not None:
                return f"a {code} by {actor} under grant {grant}, which was opened for {holder}"
            if grant in self.closed:
                return f"a {code} by {actor} under grant {grant}, which was already closed"
            if unseen:  # opened before the stretch: take the first user as its holder
                self.holders[grant] = actor
                return None
            return f"a {code} by {actor} under grant {grant}, which was never opened"
        if code == ASSIST_CODE:
            if holder == actor:
                return f"{actor} joins their own grant {grant}"
            if holder is None and not unseen:
                state = "was already closed" if grant in self.closed else "is not open"
                return f"{actor} joins grant {grant}, which {state}"
            self.assistants.setdefault(grant, set()).add(actor)
            return None
        if code == ASSIST_END_CODE:
            joined = self.assistants.get(grant, set())
            if actor not in joined and not unseen:
                return f"{actor} leaves grant {grant}, which they had not joined"
            joined.discard(actor)
            return None
        if code == CLOSE_CODE:
            if holder != actor and not unseen:
                return f"{actor} closes grant {grant}, which is not open for them"
            self.holders.pop(grant, None)
            self.assistants.pop(grant, None)
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
