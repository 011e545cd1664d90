"""`ryoken audit verify|prove|checkpoint` as an operator runs them."""

from __future__ import annotations

import hashlib
import json

import pytest

from ryoken.cli import main
from ryoken.web.ledger import checkpoints, store
from ryoken.web.ledger.models import Entry

from .ledger_helpers import as_dba, event

pytestmark = pytest.mark.django_db(transaction=True)


def _rfc9162_verify(leaf_hash: bytes, index: int, size: int, path: list[bytes], root: bytes):
    """RFC 9162 section 2.1.3.2, written from the RFC text, independent of ryoken.audit."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def test_it_prints_a_proof_an_independent_verifier_accepts(ledger_db, capsys):
    for i in range(45):
        store.record(event(i))
    for seq in (0, 17, 44):
        assert main(["audit", "prove", str(seq)]) == 0
        proof = json.loads(capsys.readouterr().out)
        data = bytes.fromhex(proof["leaf_data_hex"])
        leaf = hashlib.sha256(b"\x00" + data).digest()
        assert leaf.hex() == proof["leaf_hash_hex"]
        assert _rfc9162_verify(
            leaf,
            proof["leaf_index"],
            proof["tree_size"],
            [bytes.fromhex(h) for h in proof["inclusion_path_hex"]],
            bytes.fromhex(proof["root_hash_hex"]),
        )


def test_it_verifies_and_then_names_the_first_bad_entry(ledger_db, capsys):
    for i in range(30):
        store.record(event(i))
    assert main(["audit", "checkpoint"]) == 0
    assert main(["audit", "verify"]) == 0
    assert "ledger verified: 30 entries" in capsys.readouterr().out
    row = Entry.objects.get(seq=12)
    as_dba(
        "UPDATE ledger_entry SET data = %s WHERE seq = 12",
        [bytes(row.data).replace(b"staff-1", b"staff-7")],
    )
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "first bad entry: 12" in err
    assert "Traceback" not in err


def test_it_refuses_to_prove_an_entry_that_does_not_exist(ledger_db, capsys):
    store.record(event(1))
    checkpoints.create_checkpoint()
    assert main(["audit", "prove", "99"]) == 2
    assert "not in the ledger" in capsys.readouterr().err
