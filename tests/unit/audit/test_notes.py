"""C2SP signed notes, vkeys and cosignatures (pure)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ryoken.audit import checkpoints as cps
from ryoken.audit import notes
from ryoken.audit.signers import KeyFileSigner, Signer, verifier_key
from ryoken.errors import InvalidInput, KeyUnavailable

# The example in the documentation of Go's golang.org/x/mod/sumdb/note: a known answer from
# an implementation nobody on the team wrote.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgK"
    "vqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"ledger").digest())
ORIGIN = "passport.example.lg.jp/ryoken"
SIGNER = KeyFileSigner(KEY, ORIGIN)
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ROOT = hashlib.sha256(b"root").digest()


def test_it_verifies_the_go_documentation_note_with_its_vkey() -> None:
    key = notes.parse_vkey(GO_VKEY)
    text, sigs = notes.parse_note(GO_NOTE)
    assert text == GO_TEXT and key.key_id == 0xC74F20A3
    assert notes.verify_signature(key, text, sigs[0])
    assert not notes.verify_signature(key, text.replace("think", "thought"), sigs[0])


def test_it_recomputes_the_go_vkey_from_the_public_key() -> None:
    key = notes.parse_vkey(GO_VKEY)
    assert notes.vkey(key.name, key.public_key) == GO_VKEY


def test_it_computes_the_key_id_as_the_spec_says() -> None:
    raw = notes.raw_public_key(KEY.public_key())
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + raw).digest()[:4]
    assert verifier_key(SIGNER).key_id == int.from_bytes(expected, "big")
    text = notes.vkey(ORIGIN, KEY.public_key())
    material = base64.b64encode(b"\x01" + raw).decode()
    assert text == f"{ORIGIN}+{expected.hex()}+{material}"


def test_it_reads_a_vkey_whose_base64_holds_a_plus() -> None:
    text = "audit.pref.example.lg.jp/w1+92121f4f+BBIxkVHpjRp+xtHU4pxjWW9N1oVCnZu6PT2rnLBJRkUG"
    key = notes.parse_vkey(text)
    assert key.sig_type == notes.COSIGNATURE_V1 and key.text() == text


@pytest.mark.parametrize(
    "bad",
    [
        "name+c74f20a3",
        "na me+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong id
        "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # type 2
        "PeterNeumann+c74f20a3+not base64",
    ],
)
def test_it_refuses_a_malformed_vkey(bad: str) -> None:
    with pytest.raises(InvalidInput):
        notes.parse_vkey(bad)


@pytest.mark.parametrize(
    "bad",
    [
        GO_TEXT + "— PeterNeumann x08go\n",  # no blank line
        GO_NOTE.removesuffix("\n"),  # signature line without newline
        GO_NOTE.replace("— ", "-- "),
        GO_NOTE.replace("x08go/", "x08go!"),
        GO_NOTE.replace("problem,", "problem,\x07"),
        GO_TEXT + "\n— PeterNeumann AAAA\n",  # 3 bytes: no key id and signature
    ],
)
def test_it_refuses_a_malformed_note(bad: str) -> None:
    with pytest.raises(InvalidInput):
        notes.parse_note(bad)


def test_it_writes_checkpoints_as_notes_that_verify() -> None:
    cp = cps.sign_note_checkpoint(SIGNER, 1000, ROOT, AT)
    assert (
        cp.origin == ORIGIN and cp.key_id == notes.vkey(ORIGIN, KEY.public_key()).rsplit("+", 1)[0]
    )
    note = cps.checkpoint_note(cp, KEY.public_key())
    text, sigs = notes.parse_note(note)
    assert text.split("\n")[:4] == [
        ORIGIN,
        "1000",
        base64.b64encode(ROOT).decode(),
        "time 2026-12-07T09:00:00.000000Z",
    ]
    assert notes.verify_signature(verifier_key(SIGNER), text, sigs[0])
    assert cps.verify_checkpoint(KEY.public_key(), cp)
    parsed = cps.parse_checkpoint_text(text)
    assert (parsed.origin, parsed.size, parsed.root) == (ORIGIN, 1000, ROOT)


def test_it_refuses_a_note_checkpoint_whose_key_id_names_another_key() -> None:
    cp = cps.sign_note_checkpoint(SIGNER, 5, ROOT, AT)
    other = Ed25519PrivateKey.from_private_bytes(b"\x02" * 32)
    forged = cps.sign_checkpoint(other, cp.key_id, 5, ROOT, AT)
    assert not cps.verify_checkpoint(KEY.public_key(), forged)
    assert not cps.verify_checkpoint(other.public_key(), forged)  # key id is not other's


def test_it_still_verifies_and_renders_a_legacy_checkpoint() -> None:
    legacy = cps.sign_checkpoint(KEY, cps.key_id_of(KEY.public_key()), 7, ROOT, AT)
    assert legacy.origin == "ryoken ledger" and cps.verify_checkpoint(KEY.public_key(), legacy)
    text, sigs = notes.parse_note(cps.checkpoint_note(legacy, KEY.public_key()))
    assert text.startswith("ryoken ledger\n7\n")
    key = notes.VerifierKey.of(cps.LEGACY_KEY_NAME, KEY.public_key())
    assert notes.verify_signature(key, text, sigs[0])


@pytest.mark.parametrize("bad", ["ryoken ledger", "a+b", "", "x" * 60, "東京/ledger"])
def test_it_refuses_an_origin_that_cannot_be_a_key_name(bad: str) -> None:
    with pytest.raises(InvalidInput):
        cps.sign_note_checkpoint(_Named(bad), 1, ROOT, AT)


class _Named:
    """A signer whose name was never checked, to reach check_origin."""

    def __init__(self, name: str) -> None:
        self.name = name

    def public_key(self):  # type: ignore[no-untyped-def]
        return KEY.public_key()

    def sign(self, message: bytes) -> bytes:
        return KEY.sign(message)


def test_it_refuses_to_produce_a_checkpoint_from_a_signer_that_lies() -> None:
    class Liar:
        name = ORIGIN

        def public_key(self):  # type: ignore[no-untyped-def]
            return KEY.public_key()

        def sign(self, message: bytes) -> bytes:
            return b"\x00" * 64

    assert isinstance(Liar(), Signer)
    with pytest.raises(KeyUnavailable):
        cps.sign_note_checkpoint(Liar(), 1, ROOT, AT)


def test_it_makes_and_checks_timestamped_cosignatures() -> None:
    witness_key = Ed25519PrivateKey.from_private_bytes(b"\x09" * 32)
    wkey = notes.VerifierKey.of("audit.pref.example.lg.jp/w1", witness_key.public_key(), 4)
    assert notes.parse_vkey(wkey.text()) == wkey
    text = cps.checkpoint_message(10, ROOT, AT, ORIGIN).decode()
    sig = notes.make_cosignature(
        wkey.name, witness_key.public_key(), witness_key.sign, text, 1_765_000_000
    )
    assert len(sig.signature) == 72 and sig.signature[:8] == (1_765_000_000).to_bytes(8, "big")
    assert notes.verify_cosignature(wkey, text, sig) == 1_765_000_000
    # the timestamp is signed: moving it breaks the cosignature
    moved = notes.NoteSignature(sig.name, sig.key_id, (1).to_bytes(8, "big") + sig.signature[8:])
    assert notes.verify_cosignature(wkey, text, moved) is None
    # a cosignature is not a plain note signature, and the other way round
    assert not notes.verify_signature(wkey, text, sig)
    message = witness_key.sign(("cosignature/v1\ntime 1765000000\n" + text).encode())
    assert message == sig.signature[8:]


def test_it_writes_each_signature_line_once() -> None:
    cp = cps.sign_note_checkpoint(SIGNER, 3, ROOT, AT)
    note = cps.checkpoint_note(cp, KEY.public_key())
    text, sigs = notes.parse_note(note)
    assert notes.format_note(text, sigs + sigs) == note
