"""The ledger and an external witness (C2SP tlog-witness) talking over real HTTP.

The witness is `ryoken witness` as the prefecture's audit bureau would run it: its own
directory and key, set up with the CLI, served on a loopback port by the stdlib server.
"""

from __future__ import annotations

import json

import pytest

from ryoken.audit import checkpoints as cps
from ryoken.audit import notes
from ryoken.cli import main
from ryoken.web.ledger import audit, checkpoints, signing, store
from ryoken.web.ledger.models import Cosignature

from .ledger_helpers import as_dba, event

pytestmark = pytest.mark.django_db(transaction=True)


def record(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        store.record(event(i))


def test_it_prints_a_vkey_that_verifies_the_printed_note(ledger_db, origin, capsys):
    record(12)
    assert main(["audit", "checkpoint"]) == 0
    capsys.readouterr()
    assert main(["audit", "vkey"]) == 0
    key = notes.parse_vkey(capsys.readouterr().out.strip())
    assert key.name == origin and key.sig_type == notes.ED25519
    assert main(["audit", "note"]) == 0
    text, sigs = notes.parse_note(capsys.readouterr().out)
    assert text.startswith(f"{origin}\n12\n")
    assert notes.verify_signature(key, text, sigs[0])
    # `ryoken audit prove` carries the same note beside the RFC 6962 proof
    proof_text, proof_sigs = notes.parse_note(audit.prove(4)["checkpoint"]["note"])
    assert proof_text == text and notes.verify_signature(key, proof_text, proof_sigs[0])


def test_the_witness_cosigns_each_checkpoint_and_verify_checks_it(bureau, capsys):
    record(10)
    assert main(["audit", "checkpoint"]) == 0
    assert "audit.pref.example/w1: cosigned size 10 (from 0)" in capsys.readouterr().out
    record(15, start=10)
    assert main(["audit", "checkpoint"]) == 0
    assert "cosigned size 25 (from 10)" in capsys.readouterr().out  # with a consistency proof
    report = audit.verify()
    assert report.ok, report.problems
    assert report.cosigners_checked == 1
    state = json.loads((bureau / "state.json").read_text())
    assert state["passport.pref.example.lg.jp/ryoken"]["size"] == 25
    # the note an auditor receives carries the log's signature and the cosignature
    assert main(["audit", "note"]) == 0
    _text, sigs = notes.parse_note(capsys.readouterr().out)
    assert {s.name for s in sigs} == {"passport.pref.example.lg.jp/ryoken", "audit.pref.example/w1"}


def test_verify_fails_when_cosignatures_are_deleted_and_recovers_through_409(bureau, capsys):
    record(10)
    assert main(["audit", "checkpoint"]) == 0
    as_dba("DELETE FROM ledger_cosignature")
    report = audit.verify()
    assert not report.ok
    assert any("has cosigned no checkpoint" in p for p in report.problems)
    # asking again: our side says old 0, the witness answers 409 with 10, we resend
    capsys.readouterr()
    record(5, start=10)
    assert main(["audit", "checkpoint"]) == 0
    assert "cosigned size 15 (from 10)" in capsys.readouterr().out
    assert audit.verify().ok


def test_the_witness_refuses_a_rewritten_ledger_and_verify_says_so(bureau, capsys):
    record(10)
    assert main(["audit", "checkpoint"]) == 0
    # a DBA holding the signing key rewrites history: new entries, new nodes, re-signed
    as_dba("DELETE FROM ledger_cosignature")
    as_dba("DELETE FROM ledger_checkpoint")
    as_dba("DELETE FROM ledger_node")
    as_dba("DELETE FROM ledger_entry_subject")
    as_dba("DELETE FROM ledger_entry")
    store.forget_frontier()
    checkpoints.reset_state()
    for i in range(12):
        store.record(event(i, actor="someone-else"))
    capsys.readouterr()
    assert main(["audit", "checkpoint"]) == 1
    out = capsys.readouterr().out
    assert "refused with HTTP 422" in out
    assert Cosignature.objects.count() == 0
    problems = audit.verify().problems
    assert any("has cosigned no checkpoint" in p for p in problems)


def test_an_unreachable_witness_fails_the_command_and_verify(
    ledger_db, origin, monkeypatch, capsys
):
    key = notes.VerifierKey.of(
        "audit.pref.example/w1", signing.signer().public_key(), notes.COSIGNATURE_V1
    )
    monkeypatch.setenv("RYOKEN_WITNESSES", f"http://127.0.0.1:9/w {key.text()}")
    record(3)
    assert main(["audit", "checkpoint"]) == 1
    assert "unreachable" in capsys.readouterr().out
    assert any("has cosigned no checkpoint" in p for p in audit.verify().problems)


def test_a_forged_cosignature_row_is_caught(bureau):
    record(10)
    assert main(["audit", "checkpoint"]) == 0
    row = Cosignature.objects.get()
    forged = bytes(row.signature[:8]) + bytes(64)
    as_dba("UPDATE ledger_cosignature SET signature = %s", [forged])
    problems = audit.verify().problems
    assert any("does not verify" in p for p in problems)


def test_legacy_checkpoints_keep_verifying_beside_note_checkpoints(ledger_db, origin):
    record(5)
    key = checkpoints.load_signing_key()
    # what an earlier release wrote: origin "ryoken ledger", key id = 16 hex digits
    old = cps.sign_checkpoint(key, cps.key_id_of(key.public_key()), 5, _root(5), event(5).at)
    from ryoken.web.ledger.models import Checkpoint

    Checkpoint.objects.create(
        size=old.size, root=old.root, at=old.at, key_id=old.key_id, signature=old.signature
    )
    checkpoints.append_witness(old)
    record(5, start=5)
    assert checkpoints.create_checkpoint() is not None  # a note checkpoint at size 10
    report = audit.verify()
    assert report.ok, report.problems
    assert report.checkpoints_checked == 2


def _root(size: int) -> bytes:
    from ryoken.audit.tree import root_at

    return root_at(store.DbNodeReader(), size)


def test_verify_asks_the_witness_and_catches_a_restored_older_copy(bureau):
    record(10)
    assert main(["audit", "checkpoint"]) == 0
    record(5, start=10)
    assert main(["audit", "checkpoint"]) == 0
    assert audit.verify().ok
    # the DBA puts back the database as it was at size 10, cosignature and all
    as_dba("DELETE FROM ledger_cosignature WHERE size > 10")
    as_dba("DELETE FROM ledger_checkpoint WHERE size > 10")
    as_dba("DELETE FROM ledger_entry_subject WHERE seq >= 10")
    as_dba("DELETE FROM ledger_entry WHERE seq >= 10")
    as_dba("DELETE FROM ledger_node WHERE (idx + 1) * (1 << level) > 10")
    problems = audit.verify().problems
    assert any(
        "witness audit.pref.example/w1 has cosigned a checkpoint at size 15, but the "
        "database's latest is at size 10" in p
        for p in problems
    ), problems


def test_the_checkpoint_timer_asks_the_witness_to_cosign(bureau):
    """On a quiet server the timer signs the tail and has it cosigned: nobody has to run
    `ryoken audit cosign`. A tick with nothing new asks the witness nothing."""
    from ryoken.web.ledger import timer

    record(7)  # below RYOKEN_CHECKPOINT_EVERY: nothing signed yet
    assert not Cosignature.objects.exists()
    clock = timer.CheckpointTimer(3600)  # ticked by hand, not on its thread

    class Counting:
        def __init__(self) -> None:
            from ryoken.web.ledger.witnesses import UrllibTransport

            self.inner, self.asked = UrllibTransport(), 0

        def post(self, url: str, body: bytes, timeout: float) -> tuple[int, str, bytes]:
            self.asked += 1
            return self.inner.post(url, body, timeout)

    clock.transport = counting = Counting()
    clock.cosign()  # what tick() runs after signing (tick also closes the connection)
    assert checkpoints.latest() is None or counting.asked == 0
    checkpoints.create_checkpoint()
    clock.cosign()
    assert list(Cosignature.objects.values_list("size", flat=True)) == [7]
    asked = counting.asked
    clock.cosign()
    assert counting.asked == asked  # already cosigned: not asked again
    report = audit.verify()
    assert report.ok, report.problems
