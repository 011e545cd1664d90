from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ryoken.audit import merkle, tree
from ryoken.errors import InvalidInput, LedgerError

MAX = 300


def leaves_of(n: int) -> list[bytes]:
    return [f"event {i}".encode() for i in range(n)]


def build(n: int) -> tuple[list[bytes], tree.DictNodeReader]:
    leaves = leaves_of(n)
    store = tree.DictNodeReader()
    frontier = tree.Frontier()
    for data in leaves:
        store.store(frontier.append(merkle.leaf_hash(data)))
    return leaves, store


LEAVES, STORE = build(MAX)


class CountingReader:
    """Records each batched read, to show a proof costs one read of O(log n) keys."""

    def __init__(self, inner: tree.DictNodeReader) -> None:
        self.inner = inner
        self.batches: list[Sequence[tuple[int, int]]] = []

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        self.batches.append(list(keys))
        return self.inner.get_nodes(keys)


def log_bound(n: int) -> int:
    return 2 * max(1, math.ceil(math.log2(n + 1))) + 2


@given(st.integers(min_value=0, max_value=MAX))
def test_it_gives_the_same_root_as_the_in_memory_tree(size: int) -> None:
    reader = CountingReader(STORE)
    assert tree.root_at(reader, size) == merkle.root_hash(LEAVES[:size])
    assert len(reader.batches) <= 1
    assert all(len(b) <= log_bound(size) for b in reader.batches)


@given(st.integers(min_value=1, max_value=MAX), st.data())
def test_it_gives_the_same_inclusion_proof_from_one_read(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    reader = CountingReader(STORE)
    proof = tree.inclusion_proof_at(reader, index, size)
    assert proof == merkle.inclusion_proof(LEAVES[:size], index)
    assert len(reader.batches) <= 1
    assert all(len(b) <= log_bound(size) for b in reader.batches)


@given(st.integers(min_value=1, max_value=MAX), st.data())
def test_it_gives_many_inclusion_proofs_from_one_read(size: int, data: st.DataObject) -> None:
    indexes = data.draw(st.lists(st.integers(min_value=0, max_value=size - 1), max_size=40))
    reader = CountingReader(STORE)
    proofs = tree.inclusion_proofs_at(reader, indexes, size)
    assert proofs == [merkle.inclusion_proof(LEAVES[:size], i) for i in indexes]
    assert len(reader.batches) <= 1
    with pytest.raises(InvalidInput):
        tree.inclusion_proofs_at(reader, [*indexes, size], size)


@given(st.integers(min_value=1, max_value=MAX), st.data())
def test_it_gives_the_same_consistency_proof_from_one_read(
    new_size: int, data: st.DataObject
) -> None:
    old_size = data.draw(st.integers(min_value=1, max_value=new_size))
    reader = CountingReader(STORE)
    proof = tree.consistency_proof_at(reader, old_size, new_size)
    assert proof == merkle.consistency_proof(LEAVES[:new_size], old_size)
    assert len(reader.batches) <= 1
    assert all(len(b) <= log_bound(new_size) for b in reader.batches)


@settings(max_examples=50)
@given(st.integers(min_value=0, max_value=MAX - 1), st.integers(min_value=1, max_value=40))
def test_it_resumes_appending_from_storage_exactly_where_it_left_off(size: int, more: int) -> None:
    _, store = build(size)
    frontier = tree.Frontier.from_reader(store, size)
    assert frontier.size == size
    assert frontier.root() == merkle.root_hash(LEAVES[:size])
    extra = leaves_of(size + more)[size:]
    for data in extra:
        formed = frontier.append(merkle.leaf_hash(data))
        assert formed[0] == (0, frontier.size - 1, merkle.leaf_hash(data))
        store.store(formed)
    assert frontier.root() == merkle.root_hash(leaves_of(size + more))
    assert tree.root_at(store, size + more) == frontier.root()


def test_it_stores_every_complete_subtree_and_nothing_else() -> None:
    _, store = build(11)
    # 11 leaves: 11 at level 0, 5 at level 1, 2 at level 2, 1 at level 3.
    levels = sorted({level for level, _ in store.nodes})
    assert [sum(1 for key in store.nodes if key[0] == lv) for lv in levels] == [11, 5, 2, 1]
    assert store.nodes[(3, 0)] == merkle.root_hash(leaves_of(8))


def test_it_extends_in_batches_as_it_appends_one_by_one() -> None:
    hashes = [merkle.leaf_hash(d) for d in leaves_of(37)]
    one = tree.Frontier()
    formed_one = [node for h in hashes for node in one.append(h)]
    many = tree.Frontier()
    assert many.extend(hashes) == formed_one
    assert many == one and many.root() == merkle.root_hash(leaves_of(37))


def test_it_can_be_copied_so_a_rolled_back_append_leaves_no_trace() -> None:
    frontier = tree.Frontier.from_reader(STORE, 5)
    snapshot = copy.deepcopy(frontier)
    frontier.append(merkle.leaf_hash(b"rolled back"))
    assert snapshot.size == 5 and snapshot.root() == merkle.root_hash(LEAVES[:5])
    assert frontier.copy() == frontier


def test_it_fails_closed_when_a_stored_node_is_missing() -> None:
    _, store = build(12)
    del store.nodes[(2, 1)]  # the hash of leaves 4..7: a sibling on leaf 0's path
    with pytest.raises(LedgerError, match=r"\(2, 1\)"):
        tree.inclusion_proof_at(store, 0, 12)
    del store.nodes[(3, 0)]  # the hash of leaves 0..7: part of every root from size 8 to 15
    with pytest.raises(LedgerError, match=r"\(3, 0\)"):
        tree.root_at(store, 12)
    with pytest.raises(LedgerError):
        tree.Frontier.from_reader(store, 12)
    assert tree.root_at(store, 5) == merkle.root_hash(LEAVES[:5])  # needs neither node
    _, store = build(12)
    with pytest.raises(LedgerError):
        tree.Frontier.from_reader(store, 13)  # beyond what was stored


def test_it_refuses_impossible_requests() -> None:
    with pytest.raises(InvalidInput):
        tree.inclusion_proof_at(STORE, 5, 5)
    with pytest.raises(InvalidInput):
        tree.consistency_proof_at(STORE, 0, 5)
    with pytest.raises(InvalidInput):
        tree.consistency_proof_at(STORE, 6, 5)
    with pytest.raises(InvalidInput):
        tree.root_at(STORE, -1)
    with pytest.raises(InvalidInput):
        tree.Frontier(3, [b"\x00" * 32])


def test_it_needs_few_keys_even_for_a_huge_ledger() -> None:
    size = 10_000_000_007
    for index in (0, size // 3, size - 1):
        keys = {k for lo, hi in tree.inclusion_ranges(index, size) for k in tree.edge_keys(lo, hi)}
        assert len(keys) <= log_bound(size)
    keys = {
        k for lo, hi in tree.consistency_ranges(size // 7, size) for k in tree.edge_keys(lo, hi)
    }
    assert len(keys) <= log_bound(size)


def test_it_answers_the_empty_tree_without_reading() -> None:
    reader = CountingReader(STORE)
    assert tree.root_at(reader, 0) == merkle.root_hash([])
    assert tree.Frontier.from_reader(reader, 0).root() == merkle.root_hash([])
    assert reader.batches == []
