from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ryoken.audit import merkle
from ryoken.errors import InvalidInput


def rfc_mth(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 section 2.1.1 writes it: the independent oracle."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:])).digest()


def leaves_of(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


def flip(data: bytes, bit: int = 0) -> bytes:
    return bytes([data[0] ^ (1 << bit)]) + data[1:]


@given(st.lists(st.binary(max_size=8), max_size=70))
def test_it_computes_the_same_root_as_the_rfc_definition(leaves: list[bytes]) -> None:
    assert merkle.root_hash(leaves) == rfc_mth(leaves)


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=70), st.data())
def test_it_proves_every_leaf_and_rejects_any_change_to_the_proof(
    size: int, data: st.DataObject
) -> None:
    leaves = leaves_of(size)
    root = merkle.root_hash(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = merkle.inclusion_proof(leaves, index)
    leaf = merkle.leaf_hash(leaves[index])
    assert merkle.verify_inclusion(leaf, index, size, proof, root)

    assert not merkle.verify_inclusion(flip(leaf), index, size, proof, root)
    assert not merkle.verify_inclusion(leaf, index, size, proof, flip(root))
    assert not merkle.verify_inclusion(leaf, index, size, [*proof, leaf], root)
    assert not merkle.verify_inclusion(leaf, size, size, proof, root)
    if proof:
        position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        broken = [*proof]
        broken[position] = flip(broken[position], 3)
        assert not merkle.verify_inclusion(leaf, index, size, broken, root)
        assert not merkle.verify_inclusion(leaf, index, size, proof[:-1], root)
        assert not merkle.verify_inclusion(leaf, index ^ 1, size, proof, root)


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=70), st.data())
def test_it_proves_every_prefix_consistent_and_rejects_a_changed_history(
    new_size: int, data: st.DataObject
) -> None:
    leaves = leaves_of(new_size)
    old_size = data.draw(st.integers(min_value=1, max_value=new_size))
    old_root, new_root = merkle.root_hash(leaves[:old_size]), merkle.root_hash(leaves)
    proof = merkle.consistency_proof(leaves, old_size)
    assert merkle.verify_consistency(old_size, new_size, old_root, new_root, proof)

    rewritten = merkle.root_hash([b"forged", *leaves[1:old_size]])
    assert not merkle.verify_consistency(old_size, new_size, rewritten, new_root, proof)
    assert not merkle.verify_consistency(old_size, new_size, old_root, flip(new_root), proof)
    if proof:
        assert not merkle.verify_consistency(old_size, new_size, old_root, new_root, proof[1:])
        broken = [flip(proof[0], 5), *proof[1:]]
        assert not merkle.verify_consistency(old_size, new_size, old_root, new_root, broken)
    assert not merkle.verify_consistency(old_size, new_size, old_root, new_root, [*proof, old_root])


def test_it_refuses_to_prove_what_is_not_in_the_tree() -> None:
    with pytest.raises(InvalidInput, match="outside"):
        merkle.inclusion_proof(leaves_of(3), 3)
    with pytest.raises(InvalidInput, match="empty tree"):
        merkle.consistency_proof(leaves_of(3), 0)
    with pytest.raises(InvalidInput):
        merkle.consistency_proof(leaves_of(3), 4)


junk = st.one_of(
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.text(max_size=4),
    st.binary(max_size=40),
    st.lists(st.one_of(st.binary(max_size=40), st.none(), st.integers()), max_size=5),
)


@given(junk, junk, junk, junk, junk)
def test_it_answers_false_and_never_raises_on_malformed_inclusion_input(
    leaf: object, index: object, size: object, proof: object, root: object
) -> None:
    assert merkle.verify_inclusion(leaf, index, size, proof, root) is False  # type: ignore[arg-type]


@given(junk, junk, junk, junk, junk)
def test_it_answers_false_and_never_raises_on_malformed_consistency_input(
    old_size: object, new_size: object, old_root: object, new_root: object, proof: object
) -> None:
    verify = merkle.verify_consistency
    result = verify(old_size, new_size, old_root, new_root, proof)  # type: ignore[arg-type]
    # Only equal positive sizes with equal roots and an empty proof can pass on junk.
    assert result is False or (old_size == new_size and old_root == new_root and proof == [])


def test_it_refuses_a_proof_for_a_leaf_beyond_the_tree() -> None:
    leaves = leaves_of(4)
    root = merkle.root_hash(leaves)
    proof = merkle.inclusion_proof(leaves, 3)
    assert not merkle.verify_inclusion(merkle.leaf_hash(leaves[3]), 4, 4, proof, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(leaves[3]), -1, 4, proof, root)


def test_it_refuses_proof_hashes_of_the_wrong_length() -> None:
    leaves = leaves_of(5)
    root = merkle.root_hash(leaves)
    proof = merkle.inclusion_proof(leaves, 2)
    short = [proof[0][:31], *proof[1:]]
    assert not merkle.verify_inclusion(merkle.leaf_hash(leaves[2]), 2, 5, short, root)
