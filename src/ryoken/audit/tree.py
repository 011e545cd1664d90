"""Persistent Merkle tree storage: roots and proofs in O(log n) reads.

The store keeps the hash of every *complete* subtree: node (level, i) covers the leaves
[i * 2^level, (i + 1) * 2^level), level 0 being the leaf hashes. Nodes never change once
written, so the store is append-only like the ledger itself (about 2n hashes for n leaves).

Every range an RFC 9162 proof needs is either one complete node or a range [lo, size) on the
tree's right edge, which is the few complete nodes of (size - lo)'s binary decomposition.
So a root or proof names at most ~2 log2(n) keys, fetched in ONE `NodeReader.get_nodes`
call (one SQL query in the Django layer), then assembled here without further reads.

`Frontier` is the right edge of a tree: the complete subtrees of size's binary
decomposition. Appending a leaf merges equal-sized subtrees and returns each node it forms, so
the caller stores them in the same transaction as the entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from ryoken.audit.merkle import EMPTY_ROOT, split_point
from ryoken.errors import InvalidInput, LedgerError

NodeKey = tuple[int, int]
"""(level, index) of a complete subtree."""

_sha256 = hashlib.sha256


class NodeReader(Protocol):
    """Batched reads of stored complete-subtree hashes.

    Return a hash for every key asked for; a key that is missing from the result makes the
    caller raise LedgerError (fail closed: no root or proof is ever built from a guess).
    """

    def get_nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]: ...


class DictNodeReader:
    """An in-memory store: for tests, benchmarks and small tools."""

    def __init__(self, nodes: dict[NodeKey, bytes] | None = None) -> None:
        self.nodes: dict[NodeKey, bytes] = {} if nodes is None else nodes
        self.calls = 0

    def get_nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        self.calls += 1
        nodes = self.nodes
        return {key: nodes[key] for key in keys if key in nodes}

    def store(self, formed: Iterable[tuple[int, int, bytes]]) -> None:
        for level, index, digest in formed:
            self.nodes[(level, index)] = digest


def edge_keys(lo: int, hi: int) -> list[NodeKey]:
    """The complete nodes covering [lo, hi), largest first.

    `lo` must be aligned so that this is a subtree of the RFC split (true for every range a
    proof or root needs): each piece then starts at a multiple of its own size.
    """
    keys: list[NodeKey] = []
    width = hi - lo
    while width:
        level = width.bit_length() - 1
        keys.append((level, lo >> level))
        lo += 1 << level
        width -= 1 << level
    return keys


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Root of adjacent complete subtrees given largest first (right-to-left fold)."""
    digest = hashes[-1]
    for left in reversed(hashes[:-1]):
        digest = _sha256(b"\x01" + left + digest).digest()
    return digest


def _check_sizes(size: int, *, what: str = "size") -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidInput(f"tree {what} must be a non-negative integer, not {size!r}")


def _fetch(reader: NodeReader, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """Hash of each range, from one batched read."""
    per_range = [edge_keys(lo, hi) for lo, hi in ranges]
    wanted = list(dict.fromkeys(key for keys in per_range for key in keys))
    if not wanted:
        return []
    found = reader.get_nodes(wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        raise LedgerError(
            f"the ledger's tree store lacks {len(missing)} node(s), e.g. (level, index) "
            f"{missing[0]}: it is incomplete or was altered; run the ledger verification"
        )
    return [_fold([found[key] for key in keys]) for keys in per_range]


# --- which ranges each proof needs (RFC 9162 definitions, iteratively) ----------------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes make up PATH(index, D[size]), leaf-to-root order."""
    lo, hi = 0, size
    ranges: list[tuple[int, int]] = []
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes make up PROOF(old_size, D[new_size]), in RFC order."""
    lo, hi, m, whole = 0, new_size, old_size, True
    ranges: list[tuple[int, int]] = []
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            m -= k
            whole = False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


# --- reads ----------------------------------------------------------------------------------


def root_at(reader: NodeReader, size: int) -> bytes:
    """MTH of the first `size` leaves from at most log2(size) + 1 stored nodes."""
    _check_sizes(size)
    if size == 0:
        return EMPTY_ROOT
    return _fetch(reader, [(0, size)])[0]


def inclusion_proof_at(reader: NodeReader, index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof for leaf `index` in the tree of the first `size` leaves."""
    _check_sizes(size)
    _check_sizes(index, what="index")
    if index >= size:
        raise InvalidInput(f"leaf index {index} is outside a tree of {size} leaves")
    return _fetch(reader, inclusion_ranges(index, size))


def inclusion_proofs_at(reader: NodeReader, indexes: Sequence[int], size: int) -> list[list[bytes]]:
    """`inclusion_proof_at` for many leaves of one tree, from one batched read: an evidence
    bundle proves thousands of entries to the same checkpoint, and neighbouring proofs share
    most of their nodes."""
    _check_sizes(size)
    per_proof: list[list[list[NodeKey]]] = []
    wanted: dict[NodeKey, None] = {}
    for index in indexes:
        _check_sizes(index, what="index")
        if index >= size:
            raise InvalidInput(f"leaf index {index} is outside a tree of {size} leaves")
        keys = [edge_keys(lo, hi) for lo, hi in inclusion_ranges(index, size)]
        per_proof.append(keys)
        for part in keys:
            wanted.update(dict.fromkeys(part))
    if not wanted:
        return [[] for _ in per_proof]
    found = reader.get_nodes(list(wanted))
    missing = [key for key in wanted if key not in found]
    if missing:
        raise LedgerError(
            f"the ledger's tree store lacks {len(missing)} node(s), e.g. (level, index) "
            f"{missing[0]}: it is incomplete or was altered; run the ledger verification"
        )
    return [[_fold([found[key] for key in part]) for part in keys] for keys in per_proof]


def consistency_proof_at(reader: NodeReader, old_size: int, new_size: int) -> list[bytes]:
    """RFC 9162 consistency proof from the tree of `old_size` leaves to that of `new_size`."""
    _check_sizes(old_size, what="old size")
    _check_sizes(new_size, what="new size")
    if not 0 < old_size <= new_size:
        raise InvalidInput(
            f"a consistency proof needs 0 < old size <= new size; got {old_size} and "
            f"{new_size} (a proof from the empty tree proves nothing)"
        )
    return _fetch(reader, consistency_ranges(old_size, new_size))


# --- appending ------------------------------------------------------------------------------


class Frontier:
    """The right edge of a tree of `size` leaves; appends in amortised O(1) hashes."""

    __slots__ = ("_hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        _check_sizes(size)
        if len(hashes) != size.bit_count():
            raise InvalidInput(
                f"a frontier of size {size} has {size.bit_count()} subtree hashes, "
                f"not {len(hashes)}"
            )
        self.size = size
        # Largest (leftmost) subtree first, as in edge_keys(0, size).
        self._hashes: list[bytes] = list(hashes)

    @classmethod
    def from_reader(cls, reader: NodeReader, size: int) -> Frontier:
        """Load the edge of the stored tree of `size` leaves in one batched read."""
        _check_sizes(size)
        if size == 0:
            return cls()
        keys = edge_keys(0, size)
        found = reader.get_nodes(keys)
        missing = [key for key in keys if key not in found]
        if missing:
            raise LedgerError(
                f"the ledger's tree store lacks node (level, index) {missing[0]} needed to "
                f"append after {size} entries: it is incomplete or was altered"
            )
        return cls(size, [found[key] for key in keys])

    def keys(self) -> list[NodeKey]:
        """The (level, index) of each edge subtree, largest first."""
        return edge_keys(0, self.size)

    def hashes(self) -> list[bytes]:
        return list(self._hashes)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf; return (level, index, hash) of every complete node now formed,
        the leaf itself first, so the caller can store them all."""
        index = self.size
        formed = [(0, index, leaf_hash)]
        digest = leaf_hash
        stack = self._hashes
        level = 0
        while index & 1:
            digest = _sha256(b"\x01" + stack.pop() + digest).digest()
            level += 1
            index >>= 1
            formed.append((level, index, digest))
        stack.append(digest)
        self.size += 1
        return formed

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        """Append many leaves; the formed nodes of all of them, in order."""
        formed: list[tuple[int, int, bytes]] = []
        stack = self._hashes
        size = self.size
        add = formed.append
        for digest in leaf_hashes:
            index = size
            add((0, index, digest))
            level = 0
            while index & 1:
                digest = _sha256(b"\x01" + stack.pop() + digest).digest()
                level += 1
                index >>= 1
                add((level, index, digest))
            stack.append(digest)
            size += 1
        self.size = size
        return formed

    def root(self) -> bytes:
        if not self._hashes:
            return EMPTY_ROOT
        return _fold(self._hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, self._hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frontier):
            return NotImplemented
        return self.size == other.size and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Frontier(size={self.size})"
