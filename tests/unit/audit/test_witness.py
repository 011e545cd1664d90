"""The tlog-witness add-checkpoint decision and the log's cosignature checks (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ryoken.audit import checkpoints as cps
from ryoken.audit import merkle, notes
from ryoken.audit import witness as wit
from ryoken.audit.signers import KeyFileSigner, verifier_key
from ryoken.errors import InvalidInput

ORIGIN = "passport.example.lg.jp/ryoken"
LOG = KeyFileSigner(Ed25519PrivateKey.from_private_bytes(b"\x01" * 32), ORIGIN)
WITNESS = KeyFileSigner(Ed25519PrivateKey.from_private_bytes(b"\x02" * 32), "pref.example/w")
AT = datetime(2026, 12, 7, tzinfo=UTC)
LEAVES = [f"entry {i}".encode() for i in range(40)]


class MemoryState:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, bytes]] = {}

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        return self.rows.get(origin)

    def record(self, origin: str, size: int, root: bytes, note: str) -> None:
        self.rows[origin] = (size, root)


def checkpoint(size: int, leaves: list[bytes] = LEAVES) -> tuple[cps.Checkpoint, str]:
    cp = cps.sign_note_checkpoint(LOG, size, merkle.root_hash(leaves[:size]), AT)
    return cp, cps.checkpoint_note(cp, LOG.public_key())


def submit(w: wit.Witness, old: int, size: int, leaves: list[bytes] = LEAVES) -> wit.Response:
    _, note = checkpoint(size, leaves)
    proof = merkle.consistency_proof(leaves[:size], old) if 0 < old < size else []
    return w.add_checkpoint(wit.format_add_checkpoint(old, proof, note), now=1_765_000_000)


@pytest.fixture
def witness() -> wit.Witness:
    return wit.Witness(WITNESS, {ORIGIN: [verifier_key(LOG)]}, MemoryState())


def test_it_cosigns_a_first_checkpoint_and_then_a_consistent_one(witness: wit.Witness) -> None:
    first = submit(witness, 0, 10)
    assert first.status == 200
    cp, _ = checkpoint(10)
    text = cps.checkpoint_message(cp.size, cp.root, cp.at, ORIGIN).decode()
    [(sig, ts)] = wit.parse_cosignatures(first.body, text, witness.verifier_key())
    assert ts == 1_765_000_000 and sig.name == "pref.example/w"
    assert submit(witness, 10, 25).status == 200
    assert witness.state.latest(ORIGIN) == (25, merkle.root_hash(LEAVES[:25]))


def test_it_answers_409_with_its_size_when_the_old_size_is_not_its_own(
    witness: wit.Witness,
) -> None:
    assert submit(witness, 0, 10).status == 200
    conflict = submit(witness, 0, 20)
    assert conflict.status == 409 and conflict.content_type == "text/x.tlog.size"
    assert wit.parse_conflict(conflict.body) == 10


def test_it_refuses_a_rewritten_history(witness: wit.Witness) -> None:
    assert submit(witness, 0, 10).status == 200
    rewritten = [b"forged", *LEAVES[1:]]
    assert submit(witness, 10, 20, rewritten).status == 422
    # the same size with another root is a conflict, never a cosignature
    assert submit(witness, 10, 10, rewritten).status == 409
    assert witness.state.latest(ORIGIN) == (10, merkle.root_hash(LEAVES[:10]))


def test_it_refuses_unknown_logs_and_bad_signatures(witness: wit.Witness) -> None:
    stranger = KeyFileSigner(
        Ed25519PrivateKey.from_private_bytes(b"\x03" * 32), "other.example/log"
    )
    cp = cps.sign_note_checkpoint(stranger, 1, merkle.root_hash(LEAVES[:1]), AT)
    body = wit.format_add_checkpoint(0, [], cps.checkpoint_note(cp, stranger.public_key()))
    assert witness.add_checkpoint(body, now=1).status == 404
    impostor = KeyFileSigner(Ed25519PrivateKey.from_private_bytes(b"\x04" * 32), ORIGIN)
    cp = cps.sign_note_checkpoint(impostor, 1, merkle.root_hash(LEAVES[:1]), AT)
    body = wit.format_add_checkpoint(0, [], cps.checkpoint_note(cp, impostor.public_key()))
    assert witness.add_checkpoint(body, now=1).status == 403
    _, note = checkpoint(5)
    tampered = note.replace("\n5\n", "\n6\n")
    assert witness.add_checkpoint(wit.format_add_checkpoint(0, [], tampered), now=1).status == 403
    assert witness.state.latest(ORIGIN) is None


@pytest.mark.parametrize(
    "body",
    [b"", b"old 01\n\nx", b"new 1\n\nx", b"old 1\nnot-a-hash\n\nx", b"old 3\n\nno note\n"],
)
def test_it_answers_400_to_a_malformed_request(witness: wit.Witness, body: bytes) -> None:
    assert witness.add_checkpoint(body, now=1).status == 400


def test_it_answers_400_when_the_old_size_is_beyond_the_checkpoint(witness: wit.Witness) -> None:
    _, note = checkpoint(5)
    assert witness.add_checkpoint(wit.format_add_checkpoint(9, [], note), now=1).status == 400


def test_the_log_finds_missing_forged_and_lagging_cosignatures() -> None:
    state = MemoryState()
    w = wit.Witness(WITNESS, {ORIGIN: [verifier_key(LOG)]}, state)
    wkey = w.verifier_key()
    cps10, _ = checkpoint(10)
    cps20, _ = checkpoint(20)
    stored = []
    for cp, old in ((cps10, 0), (cps20, 10)):
        answer = submit(w, old, cp.size)
        text = cps.checkpoint_message(cp.size, cp.root, cp.at, ORIGIN).decode()
        [(sig, _)] = wit.parse_cosignatures(answer.body, text, wkey)
        stored.append(wit.StoredCosignature(cp.size, sig.name, sig.key_id, sig.signature))
    assert wit.check_cosignatures([cps10, cps20], stored, [wkey]) == []
    lagging = wit.check_cosignatures([cps10, cps20], stored[:1], [wkey])
    assert "cosigned up to size 10 only" in lagging[0]
    none = wit.check_cosignatures([cps10, cps20], [], [wkey])
    assert "has cosigned no checkpoint" in none[0]
    rebuilt, _ = checkpoint(20, [b"forged", *LEAVES[1:]])
    forged = wit.check_cosignatures([cps10, rebuilt], stored, [wkey])
    assert any("does not verify" in p for p in forged)
    deleted = wit.check_cosignatures([cps20], stored, [wkey])
    assert any("no longer holds" in p for p in deleted)


def test_the_log_ignores_other_witnesses_lines_but_refuses_a_bad_one() -> None:
    wkey = notes.VerifierKey.of(WITNESS.name, WITNESS.public_key(), notes.COSIGNATURE_V1)
    cp, _ = checkpoint(3)
    text = cps.checkpoint_message(cp.size, cp.root, cp.at, ORIGIN).decode()
    other = notes.make_cosignature("x.example/w", LOG.public_key(), LOG.sign, text, 5)
    with pytest.raises(InvalidInput, match="no cosignature"):
        wit.parse_cosignatures(other.line().encode(), text, wkey)
    mine = notes.make_cosignature(WITNESS.name, WITNESS.public_key(), WITNESS.sign, text, 5)
    bad = notes.NoteSignature(mine.name, mine.key_id, mine.signature[:-1] + b"\x00")
    with pytest.raises(InvalidInput, match="does not verify"):
        wit.parse_cosignatures((other.line() + bad.line()).encode(), text, wkey)


def test_it_cosigns_the_empty_tree_only_with_the_empty_root(witness: wit.Witness) -> None:
    """`ryoken init` signs the empty ledger: size 0 has one possible root."""
    empty = cps.sign_note_checkpoint(LOG, 0, merkle.EMPTY_ROOT, AT)
    body = wit.format_add_checkpoint(0, [], cps.checkpoint_note(empty, LOG.public_key()))
    assert witness.add_checkpoint(body, now=1).status == 200
    assert witness.state.latest(ORIGIN) == (0, merkle.EMPTY_ROOT)
    bogus = cps.sign_note_checkpoint(LOG, 0, b"\x07" * 32, AT)
    body = wit.format_add_checkpoint(0, [], cps.checkpoint_note(bogus, LOG.public_key()))
    assert witness.add_checkpoint(body, now=1).status == 409
    assert submit(witness, 0, 10).status == 200  # every tree extends the empty one


def test_the_log_requires_a_cosignature_even_of_the_empty_ledger() -> None:
    empty = cps.sign_note_checkpoint(LOG, 0, merkle.EMPTY_ROOT, AT)
    wkey = notes.VerifierKey.of(WITNESS.name, WITNESS.public_key(), notes.COSIGNATURE_V1)
    [problem] = wit.check_cosignatures([empty], [], [wkey])
    assert "has cosigned no checkpoint, but the latest checkpoint is at size 0" in problem
