"""RFC 6962 / RFC 9162 Merkle tree hashes, proofs and their verification (SHA-256).

    leaf  = SHA-256(0x00 || data)
    node  = SHA-256(0x01 || left || right)
    empty = SHA-256("")

A tree of n leaves splits at k, the largest power of two below n: MTH(D[n]) =
node(MTH(D[0:k]), MTH(D[k:n])). Proofs are lists of 32-byte hashes in RFC 9162 order
(from the leaf, or the old tree, up to the root), so any RFC 6962 tool can check ours and we
can check theirs.

This module is the reference: it follows the RFC's recursive definitions over leaves held in
memory, and `ryoken.audit.tree` (which reads stored subtree hashes instead) is tested against
it. Verification follows transparency-dev/merkle (the Go library behind Certificate
Transparency and Go's checksum database) and never raises on bad proof data: a proof that is
malformed in any way is simply not a proof, and the answer is False.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from ryoken.errors import InvalidInput

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """The RFC 6962 hash of one leaf's data."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 hash of an interior node from its two children's hashes."""
    return _sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below n (n >= 2): where RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over leaves given by their leaf hashes, in O(n) time and O(log n) memory.

    Folding a stack of complete subtrees gives the same result as the RFC's recursive split:
    the complete subtrees of n's binary decomposition are exactly the left parts it peels off.
    """
    stack: list[bytes] = []
    for count, digest in enumerate(hashes):
        while count & 1:
            digest = _sha256(b"\x01" + stack.pop() + digest).digest()
            count >>= 1
        stack.append(digest)
    if not stack:
        return EMPTY_ROOT
    digest = stack.pop()
    while stack:
        digest = _sha256(b"\x01" + stack.pop() + digest).digest()
    return digest


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of raw leaf data."""
    return root_of_hashes([leaf_hash(d) for d in leaves])


def _path(index: int, hashes: Sequence[bytes], lo: int, hi: int) -> list[bytes]:
    # RFC 9162 2.1.3.1 PATH(m, D[n]), on the slice [lo, hi) without copying it.
    n = hi - lo
    if n == 1:
        return []
    k = split_point(n)
    if index < k:
        return [*_path(index, hashes, lo, lo + k), root_of_hashes(hashes[lo + k : hi])]
    return [*_path(index - k, hashes, lo + k, hi), root_of_hashes(hashes[lo : lo + k])]


def inclusion_proof_of_hashes(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path for leaf `index` in the tree of the given leaf hashes."""
    if not 0 <= index < len(hashes):
        raise InvalidInput(f"leaf index {index} is outside a tree of {len(hashes)} leaves")
    return _path(index, hashes, 0, len(hashes))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The RFC 9162 inclusion proof (audit path) for leaf `index` of raw leaf data."""
    return inclusion_proof_of_hashes([leaf_hash(d) for d in leaves], index)


def _subproof(m: int, hashes: Sequence[bytes], lo: int, hi: int, whole: bool) -> list[bytes]:
    # RFC 9162 2.1.4.1 SUBPROOF(m, D[n], b), on the slice [lo, hi).
    n = hi - lo
    if m == n:
        return [] if whole else [root_of_hashes(hashes[lo:hi])]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, hashes, lo, lo + k, whole), root_of_hashes(hashes[lo + k : hi])]
    return [*_subproof(m - k, hashes, lo + k, hi, False), root_of_hashes(hashes[lo : lo + k])]


def consistency_proof_of_hashes(hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """The proof that the tree of the first `old_size` hashes is a prefix of all of them."""
    if not 0 < old_size <= len(hashes):
        raise InvalidInput(
            f"a consistency proof needs 0 < old size <= new size; got {old_size} and "
            f"{len(hashes)} (a proof from the empty tree proves nothing)"
        )
    return _subproof(old_size, hashes, 0, len(hashes), True)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """The RFC 9162 consistency proof from the first `old_size` leaves to all of `leaves`."""
    return consistency_proof_of_hashes([leaf_hash(d) for d in leaves], old_size)


# --- verification (after transparency-dev/merkle proof/verify.go) ---------------------------


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _proof_ok(proof: object) -> bool:
    return isinstance(proof, list | tuple) and all(_is_hash(h) for h in proof)


def _decompose(index: int, size: int) -> tuple[int, int]:
    """How many proof hashes lie below the point where the paths of `index` and the last
    leaf part (inner), and how many left siblings lie above it (border)."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes | None:
    """The root that `proof` implies for leaf `index` of a tree of `size`, or None if the
    proof cannot be one (index beyond size, wrong number or length of hashes)."""
    if not (_is_size(index) and _is_size(size) and index < size):
        return None
    if not (_is_hash(leaf_hash) and _proof_ok(proof)):
        return None
    inner, border = _decompose(index, size)
    if len(proof) != inner + border:
        return None
    digest = _chain_inner(leaf_hash, proof[:inner], index)
    return _chain_border_right(digest, proof[inner:])


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True if `proof` shows the leaf with hash `leaf_hash` at `index` in the tree of `size`
    leaves whose root is `root`. Malformed input of any kind gives False."""
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    return computed is not None and _is_hash(root) and hmac.compare_digest(computed, root)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True if `proof` shows the tree (old_size, old_root) is a prefix of (new_size, new_root).

    Policy, as transparency-dev/merkle at HEAD: an old size of 0 is always refused (a proof
    from the empty tree proves nothing); equal sizes need an empty proof and identical roots;
    otherwise the proof must have exactly the expected number of 32-byte hashes.
    """
    if not (_is_size(old_size) and _is_size(new_size)) or old_size > new_size:
        return False
    if not (isinstance(old_root, bytes) and isinstance(new_root, bytes) and _proof_ok(proof)):
        return False
    if old_size == 0:
        return False
    if old_size == new_size:
        return len(proof) == 0 and hmac.compare_digest(old_root, new_root)
    if not proof:
        return False

    inner, border = _decompose(old_size - 1, new_size)
    shift = (old_size & -old_size).bit_length() - 1  # trailing zeros of old_size
    inner -= shift
    # The proof starts with the hash of the complete subtree of 2^shift leaves that ends the
    # old tree, unless the old tree is exactly that subtree: then its root is the seed.
    if old_size == 1 << shift:
        seed, rest = old_root, list(proof)
    else:
        seed, rest = proof[0], list(proof[1:])
    if len(rest) != inner + border:
        return False
    mask = (old_size - 1) >> shift
    old = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if not hmac.compare_digest(old, old_root):
        return False
    new = _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    return hmac.compare_digest(new, new_root)
