from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ryoken.audit import checkpoints as cps
from ryoken.errors import InvalidInput, KeyUnavailable

AT = datetime(2025, 4, 1, 9, 30, tzinfo=timezone(timedelta(hours=9)))
ROOT = hashlib.sha256(b"some root").digest()


def seeded(tag: bytes) -> tuple[bytes, bytes]:
    return cps.generate_signing_key(lambda n: hashlib.sha256(tag).digest()[:n])


PRIVATE_PEM, PUBLIC_PEM = seeded(b"ledger key")
KEY = cps.load_private_key(PRIVATE_PEM)
PUBLIC = cps.load_public_key(PUBLIC_PEM)
KEY_ID = cps.key_id_of(PUBLIC)


def signed(size: int = 1000, root: bytes = ROOT) -> cps.Checkpoint:
    return cps.sign_checkpoint(KEY, KEY_ID, size, root, AT)


def test_it_signs_the_documented_checkpoint_note() -> None:
    message = cps.checkpoint_message(1000, ROOT, AT).decode()
    lines = message.split("\n")
    assert lines[0] == "ryoken ledger"
    assert lines[1] == "1000"
    assert lines[3] == "time 2025-04-01T00:30:00.000000Z"
    assert message.endswith("\n")


def test_it_accepts_its_own_signature_and_refuses_any_change() -> None:
    cp = signed()
    assert cps.verify_checkpoint(PUBLIC, cp)
    assert not cps.verify_checkpoint(PUBLIC, dataclasses.replace(cp, size=1001))
    assert not cps.verify_checkpoint(PUBLIC, dataclasses.replace(cp, root=b"\x00" * 32))
    assert not cps.verify_checkpoint(PUBLIC, dataclasses.replace(cp, at=AT + timedelta(hours=1)))
    forged = bytes([cp.signature[0] ^ 1]) + cp.signature[1:]
    assert not cps.verify_checkpoint(PUBLIC, dataclasses.replace(cp, signature=forged))


def test_it_refuses_a_signature_from_another_key() -> None:
    other_private, _ = seeded(b"an attacker's key")
    other = cps.load_private_key(other_private)
    cp = cps.sign_checkpoint(other, KEY_ID, 1000, ROOT, AT)
    assert not cps.verify_checkpoint(PUBLIC, cp)


@pytest.mark.parametrize(
    "change",
    [
        {"root": b"short"},
        {"root": "not bytes"},
        {"size": -1},
        {"at": datetime(2025, 4, 1)},  # noqa: DTZ001
        {"signature": b""},
        {"signature": None},
    ],
)
def test_it_answers_false_for_a_malformed_checkpoint(change: dict[str, object]) -> None:
    assert cps.verify_checkpoint(PUBLIC, dataclasses.replace(signed(), **change)) is False


def test_it_derives_deterministic_keys_only_when_asked() -> None:
    assert seeded(b"ledger key") == (PRIVATE_PEM, PUBLIC_PEM)
    assert cps.generate_signing_key()[0] != cps.generate_signing_key()[0]
    assert PRIVATE_PEM.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert cps.key_id_of(KEY.public_key()) == KEY_ID and len(KEY_ID) == 16


def test_it_refuses_keys_that_are_not_ed25519_pem() -> None:
    with pytest.raises(KeyUnavailable):
        cps.load_private_key(b"garbage")
    with pytest.raises(KeyUnavailable):
        cps.load_public_key(PRIVATE_PEM)
    with pytest.raises(KeyUnavailable):
        cps.load_private_key(PUBLIC_PEM)


def test_it_writes_and_reads_back_a_witness_line() -> None:
    cp = signed(size=123456789)
    line = cps.to_witness_line(cp)
    assert "\n" not in line and line.isascii()
    back = cps.parse_witness_line(line + "\n", 3)
    assert back == dataclasses.replace(cp, at=cp.at.astimezone(UTC))
    assert cps.verify_checkpoint(PUBLIC, back)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: "",
        lambda s: "hello world",
        lambda s: s.replace("ryoken-checkpoint", "ryoken-chekpoint"),
        lambda s: s.replace(" 1000 ", " 01000 "),
        lambda s: s.replace(" 1000 ", " -1000 "),
        lambda s: s.replace(" 1000 ", " 1e3 "),
        lambda s: s + " extra",
        lambda s: s.replace(" ", "  ", 1),
        lambda s: s.replace("2025-04-01T00:30:00.000000Z", "2025-04-01 00:30"),
        lambda s: " ".join([*s.split(" ")[:2], "AAAA", *s.split(" ")[3:]]),
        lambda s: s[:-3],
    ],
)
def test_it_refuses_a_garbled_witness_line_naming_its_number(mangle: object) -> None:
    line = mangle(cps.to_witness_line(signed()))  # type: ignore[operator]
    with pytest.raises(InvalidInput, match="witness line 42"):
        cps.parse_witness_line(line, 42)


def test_it_refuses_to_sign_nonsense() -> None:
    with pytest.raises(InvalidInput):
        cps.sign_checkpoint(KEY, "key with spaces", 1, ROOT, AT)
    with pytest.raises(InvalidInput):
        cps.sign_checkpoint(KEY, KEY_ID, 1, b"\x00" * 31, AT)
    with pytest.raises(InvalidInput):
        cps.sign_checkpoint(KEY, KEY_ID, 1, ROOT, datetime(2025, 1, 1))  # noqa: DTZ001
