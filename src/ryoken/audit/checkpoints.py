"""Signed checkpoints: (size, root, time) under the ledger's Ed25519 key.

The signed message is modelled on the transparency-log checkpoint note (C2SP
tlog-checkpoint): an origin line, the tree size in decimal, the root in standard base64,
then one extension line with the time, each line ending in a newline:

    ryoken ledger
    1000
    3q2+7w...=
    time 2025-04-01T09:30:00.000000Z

A witness line carries a whole checkpoint, signature included, on one line of ASCII, so the
auditor's copy outside the database checks itself:

    ryoken-checkpoint 1000 <root base64> 2025-04-01T09:30:00.000000Z <key id> <sig base64>

Cryptography comes from the `cryptography` package; nothing here is hand-written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ryoken.audit.events import check_aware, format_time, parse_time
from ryoken.errors import InvalidInput, KeyUnavailable

__all__ = [
    "ORIGIN",
    "Checkpoint",
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "checkpoint_message",
    "generate_signing_key",
    "key_id_of",
    "load_private_key",
    "load_public_key",
    "parse_witness_line",
    "sign_checkpoint",
    "to_witness_line",
    "verify_checkpoint",
]

ORIGIN = "ryoken ledger"
WITNESS_TAG = "ryoken-checkpoint"
_KEY_ID = re.compile(r"[!-~]{1,64}\Z", re.ASCII)  # printable ASCII, no spaces
_DECIMAL = re.compile(r"(0|[1-9][0-9]{0,19})\Z", re.ASCII)


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the ledger's first `size` entries have root `root`.

    Not validated on creation: checkpoints read back from a database may have been tampered
    with, and verification must report that rather than fail to build the object.
    """

    size: int
    root: bytes
    at: datetime
    key_id: str
    signature: bytes


def _check_size(size: object) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size < 2**64:
        raise InvalidInput(f"checkpoint size {size!r} must be an integer from 0 to 2^64-1")
    return size


def checkpoint_message(size: int, root: bytes, at: datetime) -> bytes:
    """The exact bytes that are signed."""
    _check_size(size)
    if not isinstance(root, bytes) or len(root) != 32:
        raise InvalidInput("checkpoint root must be 32 bytes")
    check_aware(at, "checkpoint time")
    root64 = base64.b64encode(root).decode("ascii")
    return f"{ORIGIN}\n{size}\n{root64}\ntime {format_time(at)}\n".encode("ascii")


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign_checkpoint(
    private_key: Ed25519PrivateKey, key_id: str, size: int, root: bytes, at: datetime
) -> Checkpoint:
    if not isinstance(key_id, str) or not _KEY_ID.match(key_id):
        raise InvalidInput(f"key id {key_id!r} must be 1-64 printable ASCII without spaces")
    signature = private_key.sign(checkpoint_message(size, root, at))
    return Checkpoint(size=size, root=root, at=at, key_id=key_id, signature=signature)


def verify_checkpoint(public_key: Ed25519PublicKey, cp: Checkpoint) -> bool:
    """True if `cp` is signed by `public_key`. Malformed checkpoints give False."""
    try:
        message = checkpoint_message(cp.size, cp.root, cp.at)
    except InvalidInput:
        return False
    if not isinstance(cp.signature, bytes) or len(cp.signature) != 64:
        return False
    try:
        public_key.verify(cp.signature, message)
    except InvalidSignature:
        return False
    return True


# --- keys -----------------------------------------------------------------------------------


def generate_signing_key(
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> tuple[bytes, bytes]:
    """A new key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM).

    The seed comes from `random_bytes` so tests can make keys deterministic.
    """
    seed = random_bytes(32)
    if len(seed) != 32:
        raise InvalidInput("an Ed25519 seed is 32 bytes")
    key = Ed25519PrivateKey.from_private_bytes(seed)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise KeyUnavailable(f"the ledger signing key is not a readable PEM key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyUnavailable("the ledger signing key is not an Ed25519 key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise KeyUnavailable(f"the ledger public key is not a readable PEM key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyUnavailable("the ledger public key is not an Ed25519 key")
    return key


# --- witness lines --------------------------------------------------------------------------


def to_witness_line(cp: Checkpoint) -> str:
    """One line of ASCII, without a newline."""
    checkpoint_message(cp.size, cp.root, cp.at)  # validates every field
    if not _KEY_ID.match(cp.key_id):
        raise InvalidInput(f"key id {cp.key_id!r} cannot be written on a witness line")
    root64 = base64.b64encode(cp.root).decode("ascii")
    sig64 = base64.b64encode(cp.signature).decode("ascii")
    return f"{WITNESS_TAG} {cp.size} {root64} {format_time(cp.at)} {cp.key_id} {sig64}"


def _b64(text: str, size: int, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size or base64.b64encode(raw).decode("ascii") != text:
        raise InvalidInput(f"{what} is not {size} bytes of standard base64")
    return raw


def parse_witness_line(line: str, line_no: int | None = None) -> Checkpoint:
    """Parse a line written by `to_witness_line` (a trailing newline is allowed).

    Raises InvalidInput naming `line_no` when given. The signature is not checked here:
    that is `verify_checkpoint`'s job, with the key the auditor trusts.
    """
    where = f"witness line {line_no}" if line_no is not None else "witness line"
    if not isinstance(line, str):
        raise InvalidInput(f"{where} is not text")
    text = line.removesuffix("\n").removesuffix("\r")
    parts = text.split(" ")
    if len(parts) != 6 or parts[0] != WITNESS_TAG:
        raise InvalidInput(
            f"{where} is not a checkpoint: expected '{WITNESS_TAG} <size> <root> <time> "
            f"<key id> <signature>'"
        )
    _, size_text, root_text, time_text, key_id, sig_text = parts
    try:
        if not _DECIMAL.match(size_text):
            raise InvalidInput(f"size {size_text!r} is not a decimal number")
        size = _check_size(int(size_text))
        root = _b64(root_text, 32, "root")
        at = parse_time(time_text)
        if not _KEY_ID.match(key_id):
            raise InvalidInput(f"key id {key_id!r} is malformed")
        signature = _b64(sig_text, 64, "signature")
    except InvalidInput as error:
        raise InvalidInput(f"{where}: {error.message}") from None
    return Checkpoint(size=size, root=root, at=at, key_id=key_id, signature=signature)
