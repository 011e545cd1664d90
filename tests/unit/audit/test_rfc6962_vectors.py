"""Every vector in the shared RFC 6962 / RFC 9162 conformance file.

The file lives beside the repository (`<repo>/../shared/vectors/rfc6962.json`), as in CI,
where the repository is cloned into a folder with `shared/` next to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ryoken.audit import merkle, tree

VECTORS = Path(__file__).parents[3].parent / "shared" / "vectors" / "rfc6962.json"

pytestmark = pytest.mark.skipif(
    not VECTORS.is_file(), reason=f"conformance vectors not found at {VECTORS}"
)


def _load() -> dict[str, Any]:
    if not VECTORS.is_file():
        return {}
    return json.loads(VECTORS.read_text(encoding="utf-8"))


V = _load()


def _h(text: str | None) -> bytes:
    return bytes.fromhex(text or "")


def _proof(items: list[str] | None) -> list[bytes]:
    return [bytes.fromhex(x) for x in items or []]


def _cases(section: str, key: str) -> list[Any]:
    return V.get(section, {}).get(key, []) if V else []


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c.get("file", c.get("desc", "")) or str(i) for i, c in enumerate(cases)]


def _leaves() -> list[bytes]:
    return [bytes.fromhex(x) for x in V["leaves_hex"]]


def _tree_store() -> tree.DictNodeReader:
    store = tree.DictNodeReader()
    frontier = tree.Frontier()
    store.store(frontier.extend(merkle.leaf_hash(d) for d in _leaves()))
    return store


@pytest.mark.parametrize("kat", V.get("hasher_kats", []), ids=lambda k: k["desc"])
def test_it_hashes_leaves_nodes_and_the_empty_tree_as_the_rfc_does(kat: dict[str, Any]) -> None:
    if kat["kind"] == "empty_root":
        got = merkle.root_hash([])
    elif kat["kind"] == "leaf":
        got = merkle.leaf_hash(_h(kat["leaf_hex"]))
    else:
        got = merkle.node_hash(_h(kat["left_hex"]), _h(kat["right_hex"]))
    assert got.hex() == kat["want"]


def test_it_computes_every_stored_subtree_hash() -> None:
    store = _tree_store()
    for level, hashes in enumerate(V["node_hashes_by_level"]["levels"]):
        for index, want in enumerate(hashes):
            assert store.nodes[(level, index)].hex() == want


def test_it_computes_the_root_of_every_tree_size_in_memory_and_from_storage() -> None:
    leaves = _leaves()
    store = _tree_store()
    for size_text, want in V["root_hashes_by_tree_size"].items():
        size = int(size_text)
        assert merkle.root_hash(leaves[:size]).hex() == want
        assert tree.root_at(store, size).hex() == want


@pytest.mark.parametrize(
    "case",
    _cases("inclusion_proofs_golden", "vectors"),
    ids=lambda c: f"leaf{c['leaf_index']}-of-{c['tree_size']}",
)
def test_it_builds_and_accepts_the_golden_inclusion_proofs(case: dict[str, Any]) -> None:
    leaves = _leaves()[: case["tree_size"]]
    want = _proof(case["proof"])
    index, size = case["leaf_index"], case["tree_size"]
    assert merkle.inclusion_proof(leaves, index) == want
    assert tree.inclusion_proof_at(_tree_store(), index, size) == want
    assert merkle.verify_inclusion(_h(case["leaf_hash"]), index, size, want, _h(case["root"]))


@pytest.mark.parametrize(
    "case",
    _cases("consistency_proofs_golden", "vectors"),
    ids=lambda c: f"{c['size1']}-to-{c['size2']}",
)
def test_it_builds_and_accepts_the_golden_consistency_proofs(case: dict[str, Any]) -> None:
    leaves = _leaves()[: case["size2"]]
    want = _proof(case["proof"])
    size1, size2 = case["size1"], case["size2"]
    assert merkle.consistency_proof(leaves, size1) == want
    assert tree.consistency_proof_at(_tree_store(), size1, size2) == want
    assert merkle.verify_consistency(size1, size2, _h(case["root1"]), _h(case["root2"]), want)


@pytest.mark.parametrize(
    "probe", _cases("inclusion_probes", "probes"), ids=_ids(_cases("inclusion_probes", "probes"))
)
def test_it_answers_every_inclusion_probe_as_transparency_dev_does(probe: dict[str, Any]) -> None:
    ok = merkle.verify_inclusion(
        _h(probe["leafHash"]),
        probe["leafIdx"],
        probe["treeSize"],
        _proof(probe["proof"]),
        _h(probe["root"]),
    )
    assert ok is (not probe["wantErr"])


@pytest.mark.parametrize(
    "probe",
    _cases("consistency_probes", "probes"),
    ids=_ids(_cases("consistency_probes", "probes")),
)
def test_it_answers_every_consistency_probe_as_transparency_dev_does(
    probe: dict[str, Any],
) -> None:
    ok = merkle.verify_consistency(
        probe["size1"],
        probe["size2"],
        _h(probe["root1"]),
        _h(probe["root2"]),
        _proof(probe["proof"]),
    )
    assert ok is (not probe["wantErr"])


def test_it_accepts_a_real_certificate_transparency_log_proof() -> None:
    case = V["real_ct_log_inclusion"]
    digest = merkle.leaf_hash(_h(case["leaf_hex"]))
    assert digest.hex() == case["leaf_hash"]
    proof = _proof(case["proof"])
    index, size, root = case["leaf_index"], case["tree_size"], _h(case["root"])
    assert merkle.verify_inclusion(digest, index, size, proof, root)
    assert not merkle.verify_inclusion(digest, index + 1, size, proof, root)


def test_it_found_every_section_of_the_vector_file() -> None:
    # A renamed section would silently parametrize nothing; make that visible.
    assert len(_cases("inclusion_probes", "probes")) > 50
    assert len(_cases("consistency_probes", "probes")) > 50
    assert _cases("inclusion_proofs_golden", "vectors")
    assert _cases("consistency_proofs_golden", "vectors")
    assert V["hasher_kats"]
