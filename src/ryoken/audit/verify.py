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
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any, Literal

from ryoken.audit.checkpoints import Checkpoint, Ed25519PublicKey, verify_checkpoint
from ryoken.audit.events import ENTRY_HEADER_SIZE, ENTRY_VERSION, decode_entry, format_time
from ryoken.audit.merkle import EMPTY_ROOT
from ryoken.errors import InvalidInput

PublicKeys = Ed25519PublicKey | Mapping[str, Ed25519PublicKey]
sha256 = hashlib.sha256
_CHUNK = 4096
_HEADER = ENTRY_VERSION << 64  # the header of entry `seq`, as an integer, is _HEADER + seq


NodeSink = Callable[[int, int, list[bytes]], None]  # (level, first index, hashes)


def _headers(first: int, n: int) -> Iterator[bytes]:
    """The 9-byte headers of entries first .. first + n - 1 (a C-level map)."""
    big: Literal["big"] = "big"
    return map(int.to_bytes, range(_HEADER + first, _HEADER + first + n), repeat(9), repeat(big))


class _Frontier:
    """The RFC 6962 tree's frontier: the complete subtrees, largest first.

    Leaves are added a run at a time: the run is cut into aligned power-of-two blocks, each
    hashed level by level (a list comprehension per level), then merged into the frontier.
    The same hashes as adding them one by one, with less interpreter work per leaf.
    """

    def __init__(self, on_nodes: NodeSink | None = None) -> None:
        self.stack: list[bytes] = []
        self.count = 0
        self.on_nodes = on_nodes  # told every complete subtree above the leaves, in order

    def add(self, leaves: Sequence[bytes]) -> None:
        i, n = 0, len(leaves)
        stack = self.stack
        while i < n:
            count = self.count
            size = count & -count if count else 1 << 62  # the largest aligned block here
            while size > n - i:
                size >>= 1
            level = leaves[i : i + size]
            height = 0
            while len(level) > 1:
                level = [
                    sha256(b"\x01" + left + right).digest()
                    for left, right in zip(level[::2], level[1::2], strict=True)
                ]
                height += 1
                if self.on_nodes is not None:
                    self.on_nodes(height, count >> height, level)
            digest = level[0]
            merged = count // size
            while merged & 1:
                digest = sha256(b"\x01" + stack.pop() + digest).digest()
                merged >>= 1
                height += 1
                if self.on_nodes is not None:
                    self.on_nodes(height, merged, [digest])
            stack.append(digest)
            self.count = count + size
            i += size

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        root = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            root = sha256(b"\x01" + left + root).digest()
        return root


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
    signed_size: int = 0  # entries covered by both a database and a witness checkpoint


@dataclass
class Findings:
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
    cps: Sequence[Checkpoint], where: str, keys: PublicKeys, findings: Findings
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
    entries: Iterable[Sequence[Any]],
    checkpoints: Sequence[Checkpoint],
    witness: Sequence[Checkpoint],
    public_key: PublicKeys,
    **options: Any,
) -> VerifyReport:
    """`verify_chunks` over entries one by one (grouped into chunks here)."""
    entries = iter(entries)
    chunks = iter(lambda: list(itertools.islice(entries, _CHUNK)), [])
    return verify_chunks(chunks, checkpoints, witness, public_key, **options)


def verify_chunks(
    chunks: Iterable[Sequence[Sequence[Any]]],
    checkpoints: Sequence[Checkpoint],
    witness: Sequence[Checkpoint],
    public_key: PublicKeys,
    *,
    decode_events: bool = False,
    max_problems: int = 100,
    require_witness: bool = False,
    findings: Findings | None = None,
    on_nodes: NodeSink | None = None,
) -> VerifyReport:
    """Check every entry, every checkpoint and every witness line; see the module docstring.

    `public_key` is the ledger's key, or a mapping key id -> key when keys were rotated.
    With `require_witness` (what `ryoken audit verify` runs), the witness and the database
    must each hold at least one checkpoint and the same set of checkpoint sizes: a missing,
    emptied, truncated or lagging witness fails, and so do deleted database checkpoints.
    `findings` lets a caller add problems it found in the same pass (stored columns), and
    `on_nodes` is told every complete subtree hash above the leaves as the tree is rebuilt,
    level by level in index order (to compare with a stored tree).
    """
    findings = findings if findings is not None else Findings(limit=max_problems)
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

    tree = _Frontier(on_nodes)
    expected = 0
    for rows in chunks:  # (seq, data, leaf hash, ...): stored columns may follow
        if not rows:
            continue
        all_seqs, all_datas, all_stored = (tuple(map(itemgetter(k), rows)) for k in range(3))
        n = len(all_datas)
        start = 0
        while start < n:  # one segment per signed size inside the chunk, in order
            stop = n if next_size < 0 else min(n, start + next_size - tree.count)
            seqs, datas = all_seqs[start:stop], all_datas[start:stop]
            stored = all_stored[start:stop]
            digests = [sha256(b"\x00" + data).digest() for data in datas]
            if _segment_agrees(seqs, datas, stored, digests, expected):
                expected += len(datas)
            else:
                expected = _chunk_problems(seqs, datas, stored, digests, expected, findings)
            if decode_events:
                for seq, data in zip(seqs, datas, strict=True):
                    _decode_check(seq, data, findings)
            tree.add(digests)
            start = stop
            if tree.count == next_size:
                reach(next_size, tree.root())
                next_size = next(size_iter, -1)
    count = tree.count
    root = tree.root()

    _beyond_end(count, sizes, targets, findings)
    if require_witness:
        _witness_required(count, db_good, witness_good, findings)
    db_sizes = {cp.size for cp in db_good}
    both = [cp.size for cp in witness_good if cp.size in db_sizes and cp.size <= count]
    return VerifyReport(
        ok=not findings.problems and not findings.omitted,
        entries_checked=count,
        first_bad_seq=findings.first_bad_seq,
        problems=findings.problems,
        root=root,
        checkpoints_checked=len(checkpoints),
        witness_checked=len(witness),
        problems_omitted=findings.omitted,
        signed_size=max(both, default=0),
    )


def _segment_agrees(
    seqs: Sequence[Any],
    datas: Sequence[bytes],
    stored: Sequence[bytes],
    digests: list[bytes],
    expected: int,
) -> bool:
    """Every entry in place, hashing to its stored leaf hash, with its own header: checked
    for the whole run at once (C-level comparisons and maps, no loop per entry here)."""
    n = len(datas)
    try:
        return (
            seqs == tuple(range(expected, expected + n))
            and tuple(digests) == tuple(stored)
            and min(map(len, datas)) > ENTRY_HEADER_SIZE
            and all(map(bytes.startswith, datas, _headers(expected, n)))
        )
    except TypeError:  # a value of the wrong type: the slow path names it
        return False


def _chunk_problems(
    seqs: Sequence[Any],
    datas: Sequence[bytes],
    stored: Sequence[bytes],
    digests: Sequence[bytes],
    expected: int,
    findings: Findings,
) -> int:
    """The chunk disagrees somewhere: check it entry by entry; return the next expected seq."""
    for seq, data, digest, stored_hash in zip(seqs, datas, digests, stored, strict=True):
        if (
            seq != expected
            or digest != stored_hash
            or not isinstance(data, bytes)
            or len(data) <= ENTRY_HEADER_SIZE
            or int.from_bytes(data[:ENTRY_HEADER_SIZE], "big") != _HEADER + seq
        ):
            _entry_problems(seq, expected, data, digest, stored_hash, findings)
            if isinstance(seq, int):
                expected = seq
        expected += 1
    return expected


def _entry_problems(
    seq: object, expected: int, data: bytes, digest: bytes, stored: bytes, findings: Findings
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


def _decode_check(seq: int, data: bytes, findings: Findings) -> None:
    try:
        decode_entry(data)
    except InvalidInput as error:
        findings.add(f"entry {seq} does not decode as an event: {error.message}", seq)


def _beyond_end(
    count: int, sizes: list[int], targets: Mapping[int, list[_Target]], findings: Findings
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


def _witness_required(
    count: int, db: Sequence[Checkpoint], witness: Sequence[Checkpoint], findings: Findings
) -> None:
    """The witness and the database must each hold every checkpoint the other holds."""
    db_sizes = sorted({cp.size for cp in db})
    witness_sizes = sorted({cp.size for cp in witness})
    if not witness_sizes:
        findings.add(
            "the witness holds no valid checkpoint: it is missing or was emptied (a new office "
            "gets its first checkpoint from `ryoken init`); nothing from entry 0 on is "
            "witnessed",
            0 if count else None,
        )
    if not db_sizes:
        findings.add(
            "the database holds no valid checkpoint: its checkpoints were deleted "
            "(`ryoken init` writes the first one)",
            0 if count else None,
        )
    if not witness_sizes or not db_sizes:
        return
    last_witnessed = witness_sizes[-1]
    in_witness = set(witness_sizes)
    for size in db_sizes:
        if size not in in_witness:
            findings.add(
                f"the witness lacks the database's checkpoint at size {size}: the witness was "
                f"truncated or lags (entries from seq {min(last_witnessed, size)} on are not "
                "witnessed)",
                min(last_witnessed, size) if min(last_witnessed, size) < count else None,
            )
            break  # one line says it; the rest follow from it
    in_db = set(db_sizes)
    for size in witness_sizes:
        if size not in in_db:
            before = max((s for s in db_sizes if s < size), default=0)
            findings.add(
                f"the database lacks the witness's checkpoint at size {size}: database "
                f"checkpoints were deleted (entries from seq {before} to {size - 1} lost theirs)",
                before if before < count else None,
            )
            break
