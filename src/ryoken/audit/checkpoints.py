"""Signed checkpoints: (size, root, time) under the ledger's Ed25519 key, as C2SP notes.

The signed message is a C2SP tlog-checkpoint note text: the origin line, the tree size in
decimal, the root in standard base64, then one extension line with the time, each line
ending in a newline. The signature is a C2SP signed-note Ed25519 signature by the key named
like the origin (`ryoken.audit.notes`), so `checkpoint_note` is a note that Go's
sumdb/note.Open, or any witness, verifies with the vkey `ryoken audit vkey` prints:

    passport.example.lg.jp/ryoken
    1000
    3q2+7w...=
    time 2025-04-01T09:30:00.000000Z

    — passport.example.lg.jp/ryoken AbCdEf...==

`Checkpoint.key_id` is `<key name>+<key ID in hex>` (the first two parts of the vkey); the
origin is the key name. Checkpoints signed before the note format (origin `ryoken ledger`,
key id = 16 hex digits of SHA-256 over the public key) are still read and verified: their
signed bytes were already a checkpoint note text, so they stay valid as they are, and
`checkpoint_note` renders them as notes too (their origin stays `ryoken ledger`).

A witness line carries a whole checkpoint, signature included, on one line of ASCII, so the
auditor's copy outside the database checks itself:

    ryoken-checkpoint 1000 <root base64> 2025-04-01T09:30:00.000000Z <key id> <sig base64>

Cryptography comes from the `cryptography` package; nothing here is hand-written.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ryoken.audit import notes
from ryoken.audit.events import check_aware, format_time, parse_time
from ryoken.audit.signers import Signer
from ryoken.errors import InvalidInput, KeyUnavailable

__all__ = [
    "ORIGIN",
    "Checkpoint",
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "checkpoint_message",
    "checkpoint_note",
    "generate_signing_key",
    "key_id_of",
    "load_private_key",
    "load_public_key",
    "note_key_id",
    "parse_checkpoint_text",
    "parse_witness_line",
    "sign_checkpoint",
    "sign_note_checkpoint",
    "to_witness_line",
    "verify_checkpoint",
]

ORIGIN = "ryoken ledger"  # the origin of checkpoints signed before the note format
LEGACY_ORIGIN = ORIGIN
MAX_ORIGIN = 54  # so that "<origin>+<8 hex>" fits the 64-character key id
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

    @property
    def origin(self) -> str:
        """The key name of a note key id (`name+hex`), else the legacy origin."""
        name, sep, _ = str(self.key_id).rpartition("+")
        return name if sep else LEGACY_ORIGIN

    @property
    def is_note(self) -> bool:
        return "+" in str(self.key_id)


def note_key_id(name: str, public_key: Ed25519PublicKey) -> str:
    """`<name>+<8 hex>`: the key name and the C2SP key ID of the Ed25519 key."""
    key = notes.VerifierKey.of(name, public_key)
    return f"{name}+{key.key_id:08x}"


def check_origin(origin: str) -> str:
    """A new ledger's origin: a valid note key name (schema-less URL recommended)."""
    notes.check_name(origin, "ledger origin")
    if len(origin) > MAX_ORIGIN or not origin.isascii():
        raise InvalidInput(
            f"ledger origin {origin!r} must be ASCII of at most {MAX_ORIGIN} characters"
        )
    return origin


def _check_size(size: object) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size < 2**64:
        raise InvalidInput(f"checkpoint size {size!r} must be an integer from 0 to 2^64-1")
    return size


def checkpoint_message(size: int, root: bytes, at: datetime, origin: str = LEGACY_ORIGIN) -> bytes:
    """The exact bytes that are signed: the checkpoint note text."""
    _check_size(size)
    if not isinstance(root, bytes) or len(root) != 32:
        raise InvalidInput("checkpoint root must be 32 bytes")
    check_aware(at, "checkpoint time")
    if not isinstance(origin, str) or not origin or "\n" in origin:
        raise InvalidInput("checkpoint origin must be one non-empty line")
    root64 = base64.b64encode(root).decode("ascii")
    return f"{origin}\n{size}\n{root64}\ntime {format_time(at)}\n".encode()


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign_checkpoint(
    private_key: Ed25519PrivateKey | Signer, key_id: str, size: int, root: bytes, at: datetime
) -> Checkpoint:
    """Sign with an explicit key id. A note key id (`name+hex`) signs origin `name`."""
    if not isinstance(key_id, str) or not _KEY_ID.match(key_id):
        raise InvalidInput(f"key id {key_id!r} must be 1-64 printable ASCII without spaces")
    cp = Checkpoint(size=size, root=root, at=at, key_id=key_id, signature=b"")
    signature = private_key.sign(checkpoint_message(size, root, at, cp.origin))
    return dataclasses.replace(cp, signature=signature)


def sign_note_checkpoint(signer: Signer, size: int, root: bytes, at: datetime) -> Checkpoint:
    """Sign a checkpoint as a C2SP note: origin and key name are the signer's name."""
    origin = check_origin(signer.name)
    key_id = note_key_id(origin, signer.public_key())
    cp = sign_checkpoint(signer, key_id, size, root, at)
    if not verify_checkpoint(signer.public_key(), cp):
        # An HSM that answers with a wrong signature must not produce a checkpoint.
        raise KeyUnavailable(f"the signer {signer!r} returned an invalid signature")
    return cp


def verify_checkpoint(public_key: Ed25519PublicKey, cp: Checkpoint) -> bool:
    """True if `cp` is signed by `public_key`. Malformed checkpoints give False.

    For a note key id, the key ID must also be the one of (origin, public_key).
    """
    try:
        if cp.is_note and cp.key_id != note_key_id(cp.origin, public_key):
            return False
        message = checkpoint_message(cp.size, cp.root, cp.at, cp.origin)
    except (InvalidInput, AttributeError, TypeError):
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


# --- C2SP notes -----------------------------------------------------------------------------

LEGACY_KEY_NAME = "ryoken-ledger"  # the note key name under which legacy checkpoints render


def checkpoint_note(
    cp: Checkpoint,
    public_key: Ed25519PublicKey,
    cosignatures: Iterable[notes.NoteSignature] = (),
) -> str:
    """The checkpoint as a C2SP signed note, with any witness cosignature lines after it.

    `public_key` is needed to compute the key ID of a legacy checkpoint (whose key id is not a
    note key ID); a note checkpoint's key ID is taken from its key id.
    """
    text = checkpoint_message(cp.size, cp.root, cp.at, cp.origin).decode("utf-8")
    if cp.is_note:
        name, _, hex_id = cp.key_id.rpartition("+")
        signature = notes.NoteSignature(name, int(hex_id, 16), cp.signature)
    else:
        signature = notes.make_signature(LEGACY_KEY_NAME, public_key, cp.signature)
    return notes.format_note(text, [signature, *cosignatures])


@dataclass(frozen=True)
class CheckpointText:
    """The parsed text of any C2SP tlog checkpoint (ours or another log's)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...]


def parse_checkpoint_text(text: str) -> CheckpointText:
    """Parse a checkpoint note text: origin, size, base64 root, optional extension lines."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise InvalidInput("a checkpoint text is lines ending in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise InvalidInput("a checkpoint has an origin, a size and a root hash line, none empty")
    origin, size_text, root_text, *extensions = lines
    size = _check_size(notes.parse_decimal(size_text, "checkpoint size"))
    root = _b64(root_text, 32, "checkpoint root hash")
    return CheckpointText(origin, size, root, tuple(extensions))
