"""Verify a whole ledger in one streaming pass.

Input: the entries as (seq, entry_bytes, stored_leaf_hash) in seq order, seq counting from 0
(the RFC 6962 leaf index); the database's signed checkpoints; and the witness — the auditor's
copy of the checkpoints, kept outside the database.

What is caught, and how:
- an edited entry: its stored leaf hash no longer matches its bytes, or (if the hash was
  recomputed too) the recomputed root no longer matches a signed checkpoint;
- a deleted or reordered entry: a gap or step back in seq, or an entry whose header names
  another position;
- a truncated tail: a checkpoint (in the database or the witness) beyond the last entry;
- a rebuilt ledger with every hash recomputed: its checkpoints are either unsigned by our key
  or (if left alone) disagree with the rebuilt tree, and the witness disagrees;
- a restored older copy of the database: self-consistent, but the witness holds checkpoints
  from after the copy was taken.
What cannot be caught: entries appended after the last checkpoint can be removed unseen, so
checkpoints are signed often (every N events or T seconds).

Memory is the frontier (one hash per level) plus the checkpoints. The hot loop hashes with
hashlib directly and checks each entry's position with a 9-byte header comparison; decoding
every event (`decode_events=True`) is a deeper but ~10x slower check.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ryoken.audit.checkpoints import Checkpoint, Ed25519PublicKey, verify_checkpoint
from ryoken.audit.events import ENTRY_VERSION, decode_entry, format_time
from ryoken.audit.merkle import EMPTY_ROOT
from ryoken.errors import InvalidInput

PublicKeys = Ed25519PublicKey | Mapping[str, Ed25519PublicKey]


@dataclass
class VerifyReport:
    """What verification found. `ok` is True only when `problems` is empty."""

    ok: bool
    entries_checked: int
    first_bad_seq: int | None
    problems: list[str]
    root: bytes = EMPTY_ROOT
    checkpoints_checked: int = 0
    witness_checked: int = 0
    problems_omitted: int = 0
    cosigners_checked: int = 0  # external witnesses whose cosignatures were checked


@dataclass
class _Findings:
    """Problems found so far, and the earliest entry they point at.

    An entry-level problem pins one seq. A root that does not match a signed checkpoint only
    says "something in [last matching size, this size)": that range counts towards
    `first_bad_seq` only if no pinned entry inside it already explains the mismatch.
    """

    limit: int
    problems: list[str] = field(default_factory=list)
    omitted: int = 0
    first_bad_seq: int | None = None
    latest_pin: int = -1

    def add(self, message: str, seq: int | None = None) -> None:
        if seq is not None:
            self.latest_pin = max(self.latest_pin, seq)
            self._lower(seq)
        self._say(message)

    def add_range(self, message: str, lo: int, hi: int) -> None:
        if not lo <= self.latest_pin < hi:
            self._lower(lo)
        self._say(message)

    def _lower(self, seq: int) -> None:
        if self.first_bad_seq is None or seq < self.first_bad_seq:
            self.first_bad_seq = seq

    def _say(self, message: str) -> None:
        if len(self.problems) < self.limit:
            self.problems.append(message)
        else:
            self.omitted += 1


@dataclass
class _Target:
    """A signed root the recomputed tree must reach at `size`."""

    size: int
    root: bytes
    label: str
    witness: bool


def _key_for(keys: PublicKeys, cp: Checkpoint) -> Ed25519PublicKey | None:
    if isinstance(keys, Ed25519PublicKey):
        return keys
    return keys.get(cp.key_id)


def _describe(cp: Checkpoint, where: str) -> str:
    try:
        when = format_time(cp.at)
    except (InvalidInput, AttributeError, TypeError):
        when = "an unreadable time"
    return f"the {where} checkpoint at size {cp.size} (signed {when})"


def _signed(
    cps: Sequence[Checkpoint], where: str, keys: PublicKeys, findings: _Findings
) -> list[Checkpoint]:
    good = []
    for cp in cps:
        key = _key_for(keys, cp)
        if key is None:
            findings.add(f"{_describe(cp, where)} names an unknown key {cp.key_id!r}", None)
        elif not verify_checkpoint(key, cp):
            blame = (
                "the witness file was altered"
                if where == "witness"
                else ("checkpoints were forged or altered, as when a ledger is rebuilt")
            )
            findings.add(f"{_describe(cp, where)} has an invalid signature: {blame}", None)
        else:
            good.append(cp)
    return good


def verify_ledger(
    entries: Iterable[tuple[int, bytes, bytes]],
    checkpoints: Sequence[Checkpoint],
    witness: Sequence[Checkpoint],
    public_key: PublicKeys,
    *,
    decode_events: bool = False,
    max_problems: int = 100,
) -> VerifyReport:
    """Check every entry, every checkpoint and every witness line; see the module docstring.

    `public_key` is the ledger's key, or a mapping key id -> key when keys were rotated.
    """
    findings = _Findings(limit=max_problems)
    db_good = _signed(checkpoints, "database", public_key, findings)
    witness_good = _signed(witness, "witness", public_key, findings)

    db_roots: dict[int, set[bytes]] = defaultdict(set)
    for cp in db_good:
        db_roots[cp.size].add(cp.root)
    for cp in witness_good:
        other = db_roots.get(cp.size)
        if other and cp.root not in other:
            findings.add(
                f"{_describe(cp, 'witness')} has a different root from the database's "
                "checkpoint at that size: the database's checkpoints were replaced",
                None,
            )

    targets: dict[int, list[_Target]] = defaultdict(list)
    for cp in db_good:
        targets[cp.size].append(_Target(cp.size, cp.root, _describe(cp, "database"), False))
    for cp in witness_good:
        targets[cp.size].append(_Target(cp.size, cp.root, _describe(cp, "witness"), True))
    sizes = sorted(targets)
    matched_up_to = 0  # the largest size whose signed roots all matched

    def reach(size: int, root: bytes) -> None:
        nonlocal matched_up_to
        all_match = True
        for target in targets[size]:
            if target.root != root:
                all_match = False
                findings.add_range(
                    f"the first {size} entries do not hash to the root in {target.label}: "
                    f"an entry at or after seq {matched_up_to} and before seq {size} was "
                    "changed, removed, inserted or rebuilt",
                    matched_up_to,
                    size,
                )
        if all_match:
            matched_up_to = size

    size_iter = iter(sizes)
    next_size = next(size_iter, -1)
    if next_size == 0:
        reach(0, EMPTY_ROOT)
        next_size = next(size_iter, -1)

    sha256 = hashlib.sha256
    stack: list[bytes] = []  # the frontier: complete subtrees, largest first
    count = 0
    expected = 0
    header = ENTRY_VERSION << 64  # the header of entry `seq`, as an integer, is header + seq

    for seq, data, stored in entries:
        digest = sha256(b"\x00" + data).digest()
        if (
            seq != expected
            or digest != stored
            or int.from_bytes(data[:9], "big") != header + seq
            or len(data) <= 9
        ):
            _entry_problems(seq, expected, data, digest, stored, findings)
            if isinstance(seq, int):
                expected = seq
        if decode_events:
            _decode_check(seq, data, findings)
        expected += 1
        n = count
        while n & 1:
            digest = sha256(b"\x01" + stack.pop() + digest).digest()
            n >>= 1
        stack.append(digest)
        count += 1
        if count == next_size:
            root = stack[-1]
            for left in reversed(stack[:-1]):
                root = sha256(b"\x01" + left + root).digest()
            reach(count, root)
            next_size = next(size_iter, -1)

    root = EMPTY_ROOT
    if stack:
        root = stack[-1]
        for left in reversed(stack[:-1]):
            root = sha256(b"\x01" + left + root).digest()

    _beyond_end(count, sizes, targets, findings)
    return VerifyReport(
        ok=not findings.problems and not findings.omitted,
        entries_checked=count,
        first_bad_seq=findings.first_bad_seq,
        problems=findings.problems,
        root=root,
        checkpoints_checked=len(checkpoints),
        witness_checked=len(witness),
        problems_omitted=findings.omitted,
    )


def _entry_problems(
    seq: object, expected: int, data: bytes, digest: bytes, stored: bytes, findings: _Findings
) -> None:
    """The slow path: say exactly what is wrong with one entry."""
    if not isinstance(seq, int) or isinstance(seq, bool):
        findings.add(f"after entry {expected - 1} comes an entry with no valid seq", expected)
        return
    if seq > expected:
        missing = f"entry {expected}" if seq == expected + 1 else f"entries {expected}-{seq - 1}"
        findings.add(f"{missing} missing: after entry {expected - 1} comes entry {seq}", expected)
    elif seq < expected:
        findings.add(
            f"entry {seq} is out of order: it comes after entry {expected - 1}", min(seq, expected)
        )
    if digest != stored:
        findings.add(
            f"entry {seq} was altered: its stored leaf hash does not match its contents", seq
        )
    if len(data) <= 9 or data[0] != ENTRY_VERSION:
        findings.add(f"entry {seq} is not a version {ENTRY_VERSION} ledger entry", seq)
    else:
        claimed = int.from_bytes(data[1:9], "big")
        if claimed != seq:
            findings.add(
                f"entry {seq} holds the contents of entry {claimed}: entries were moved or "
                "reordered",
                seq,
            )


def _decode_check(seq: int, data: bytes, findings: _Findings) -> None:
    try:
        decode_entry(data)
    except InvalidInput as error:
        findings.add(f"entry {seq} does not decode as an event: {error.message}", seq)


def _beyond_end(
    count: int, sizes: list[int], targets: Mapping[int, list[_Target]], findings: _Findings
) -> None:
    for size in sizes:
        if size <= count:
            continue
        for target in targets[size]:
            if target.witness:
                cause = "the ledger was truncated or restored from an older copy"
            else:
                cause = "entries were deleted from the end of the ledger"
            findings.add(
                f"{target.label} covers {size} entries but the ledger has only {count}: {cause}",
                count,
            )
