"""C2SP signed notes, verifier keys and timestamped Ed25519 cosignatures.

Implemented from the specifications (c2sp.org/signed-note, c2sp.org/tlog-cosignature v1
Ed25519), and tested against Go's golang.org/x/mod/sumdb/note (tests/integration/
test_go_interop.py). A signed note is a text ending in a newline, a blank line, then one or
more signature lines:

    <text, ending in a newline>

    — <key name> <base64(4-byte key ID || signature)>

The key ID is the first four bytes of SHA-256(key name || 0x0A || type || public key), where
the type is 0x01 for Ed25519 note signatures and 0x04 for timestamped Ed25519 cosignatures.
A verifier key ("vkey") is `<name>+<key ID as 8 hex digits>+<base64(type || public key)>`.

A cosignature v1 (type 0x04) signs `cosignature/v1\\ntime <unix seconds>\\n` followed by the
whole checkpoint text, and its signature bytes are the 8-byte big-endian timestamp followed by
the 64-byte Ed25519 signature.

Everything here is pure: parsing never raises on hostile input other than InvalidInput, and
verification answers False rather than raising.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ryoken.errors import InvalidInput

__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "NoteSignature",
    "VerifierKey",
    "cosignature_message",
    "format_note",
    "key_hash",
    "make_cosignature",
    "make_signature",
    "parse_note",
    "parse_signature_line",
    "parse_vkey",
    "raw_public_key",
    "verify_cosignature",
    "verify_signature",
    "vkey",
]

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100  # Go's sumdb/note limit; the spec asks for at least 16
DASH = "\u2014 "
_SPACES = re.compile(r"\s")
_DECIMAL = re.compile(r"(0|[1-9][0-9]{0,18})\Z", re.ASCII)


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def check_name(name: object, what: str = "key name") -> str:
    """Key names are non-empty and contain no Unicode space and no '+'."""
    if not isinstance(name, str) or not name or _SPACES.search(name) or "+" in name:
        raise InvalidInput(f"{what} {name!r} must be non-empty, without spaces or '+'")
    if any(ord(c) < 0x20 for c in name):
        raise InvalidInput(f"{what} {name!r} contains a control character")
    return name


def key_hash(name: str, sig_type: int, public_key: bytes) -> int:
    """The 32-bit key ID of (name, signature type, raw public key)."""
    check_name(name)
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


@dataclass(frozen=True)
class VerifierKey:
    """A trusted key: a log's Ed25519 key (type 0x01) or a witness's cosigner key (0x04)."""

    name: str
    key_id: int
    sig_type: int
    public_key: Ed25519PublicKey

    @classmethod
    def of(cls, name: str, public_key: Ed25519PublicKey, sig_type: int = ED25519) -> VerifierKey:
        raw = raw_public_key(public_key)
        return cls(name, key_hash(name, sig_type, raw), sig_type, public_key)

    def text(self) -> str:
        return vkey(self.name, self.public_key, self.sig_type)


def vkey(name: str, public_key: Ed25519PublicKey, sig_type: int = ED25519) -> str:
    """`<name>+<hex key ID>+<base64(type || public key)>`, as `note.NewVerifier` reads it."""
    raw = raw_public_key(public_key)
    material = base64.b64encode(bytes([sig_type]) + raw).decode("ascii")
    return f"{name}+{key_hash(name, sig_type, raw):08x}+{material}"


def parse_vkey(text: str) -> VerifierKey:
    """Parse and check a vkey: the key ID must match the name and key. Raises InvalidInput."""
    if not isinstance(text, str):
        raise InvalidInput("a verifier key is text")
    # base64 may itself hold '+': split at the first two only, as Go's note.NewVerifier does
    name, sep1, rest = text.strip().partition("+")
    hex_id, sep2, material = rest.partition("+")
    if not (sep1 and sep2):
        raise InvalidInput(f"verifier key {text!r} is not <name>+<key id>+<key>")
    check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise InvalidInput(f"verifier key {name}: the key ID {hex_id!r} is not 8 hex digits")
    try:
        raw = base64.b64decode(material, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"verifier key {name}: the key is not base64") from None
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise InvalidInput(
            f"verifier key {name}: only Ed25519 (type 0x01) and Ed25519 cosignature "
            "(type 0x04) keys are supported"
        )
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    key_id = key_hash(name, raw[0], raw[1:])
    if key_id != int(hex_id, 16):
        raise InvalidInput(f"verifier key {name}: the key ID does not match the key")
    return VerifierKey(name, key_id, raw[0], public_key)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the 32-bit key ID and the signature bytes after it."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """The signature line, with its newline."""
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{DASH}{self.name} {base64.b64encode(blob).decode('ascii')}\n"


def _check_text(text: str, what: str) -> None:
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise InvalidInput(f"{what} contains a control character other than newline")


def parse_signature_line(line: str) -> NoteSignature:
    """Parse one `— <name> <base64>` line (with or without its newline)."""
    body = line.removesuffix("\n")
    if not body.startswith(DASH):
        raise InvalidInput("a signature line starts with an em dash and a space")
    name, sep, b64 = body[len(DASH) :].partition(" ")
    try:
        check_name(name)
        blob = base64.b64decode(b64, validate=True) if sep and b64 else b""
    except (binascii.Error, ValueError):
        blob = b""
    if len(blob) < 5:
        raise InvalidInput(
            f"the signature line of {name!r} is not base64 of a key ID and signature"
        )
    return NoteSignature(name, int.from_bytes(blob[:4], "big"), blob[4:])


def parse_note(data: bytes | str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text (with the final newline) and its signatures.

    Checks the syntax only (as Go's note.Open does before verifying): valid UTF-8, no
    control characters, text and signatures split at the last blank line, at least one and
    at most 100 well-formed signature lines.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("a signed note must be UTF-8") from None
    _check_text(data, "a signed note")
    split = data.rfind("\n\n")
    if split < 0:
        raise InvalidInput("a signed note has a blank line before its signatures")
    text, block = data[: split + 1], data[split + 2 :]
    if not block or not block.endswith("\n"):
        raise InvalidInput("a signed note ends with signature lines, each ending in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise InvalidInput(f"a signed note has more than {MAX_SIGNATURES} signatures")
    return text, [parse_signature_line(line) for line in lines]


def format_note(text: str, signatures: Iterable[NoteSignature]) -> str:
    """The note: text, blank line, signature lines (duplicates of a line dropped)."""
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise InvalidInput("a note text ends in a newline and has no blank line")
    _check_text(text, "a note text")
    lines = list(dict.fromkeys(sig.line() for sig in signatures))
    if not lines:
        raise InvalidInput("a signed note needs at least one signature")
    return text + "\n" + "".join(lines)


# --- Ed25519 note signatures (type 0x01) -----------------------------------------------------


def make_signature(name: str, public_key: Ed25519PublicKey, signature: bytes) -> NoteSignature:
    """The note signature of `signature` (made over the note text) by the named key."""
    return NoteSignature(name, key_hash(name, ED25519, raw_public_key(public_key)), signature)


def _ed25519_ok(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    if len(signature) != 64:
        return False
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _matches(key: VerifierKey, sig: NoteSignature, sig_type: int) -> bool:
    return key.sig_type == sig_type and key.name == sig.name and key.key_id == sig.key_id


def verify_signature(key: VerifierKey, text: str, sig: NoteSignature) -> bool:
    """True if `sig` is `key`'s Ed25519 signature of the note text."""
    return _matches(key, sig, ED25519) and _ed25519_ok(
        key.public_key, sig.signature, text.encode("utf-8")
    )


# --- timestamped Ed25519 cosignatures (type 0x04, cosignature/v1) -----------------------------


def cosignature_message(text: str, timestamp: int) -> bytes:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp < 2**63:
        raise InvalidInput("a cosignature timestamp is an integer from 0 to 2^63-1")
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def make_cosignature(
    name: str,
    public_key: Ed25519PublicKey,
    sign: Callable[[bytes], bytes],
    text: str,
    timestamp: int,
) -> NoteSignature:
    """Cosign a checkpoint text at `timestamp` (Unix seconds) with the cosigner's key."""
    signature = sign(cosignature_message(text, timestamp))
    raw = raw_public_key(public_key)
    return NoteSignature(
        name, key_hash(name, COSIGNATURE_V1, raw), struct.pack(">Q", timestamp) + signature
    )


def verify_cosignature(key: VerifierKey, text: str, sig: NoteSignature) -> int | None:
    """The cosignature's timestamp if `sig` is `key`'s valid v1 cosignature of `text`."""
    if not _matches(key, sig, COSIGNATURE_V1) or len(sig.signature) != 72:
        return None
    (timestamp,) = struct.unpack(">Q", sig.signature[:8])
    if timestamp >= 2**63:
        return None
    ok = _ed25519_ok(key.public_key, sig.signature[8:], cosignature_message(text, timestamp))
    return timestamp if ok else None


def parse_decimal(text: str, what: str) -> int:
    if not _DECIMAL.match(text):
        raise InvalidInput(f"{what} {text!r} is not a decimal number without leading zeros")
    return int(text)
