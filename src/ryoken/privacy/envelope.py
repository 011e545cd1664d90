"""Field encryption under a per-person data key (DEK): AES-256-GCM from `cryptography`.

Every personal-data value is sealed on its own, under the data key of the person it belongs
to, with the person's id and the field name bound in as associated data. A ciphertext copied
to another person's row, or to another field of the same person, therefore fails to open
instead of showing the wrong data. The data key itself is stored wrapped by a key-encryption
key (see `keyring.py`); destroying the wrapped key destroys the person's data
(crypto-shredding), and rotating the key-encryption key never touches these blobs.

Blob format (version 1)::

    0x01 ‖ nonce (12 bytes, random) ‖ AES-256-GCM ciphertext ‖ tag (16 bytes)

Associated data: each of ``b"ryoken/field"``, the version byte, the subject id and the field
name, prefixed by its length as 4 bytes big-endian. Length prefixes make the encoding
unambiguous: ("ab", "c") and ("a", "bc") give different associated data.

Random 96-bit nonces are safe for far more values per data key than a person will ever have
(NIST SP 800-38D bounds a key at 2**32 random-nonce messages).

`open_sealed` is the one decryption primitive in ryoken. An import-linter contract lets only
`ryoken.web.vault` import this module's decrypting functions, so they are deliberately not
re-exported from `ryoken.privacy`.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ryoken.errors import KeyUnavailable

VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_DOMAIN = b"ryoken/field"
_HEADER = bytes([VERSION])

Random = Callable[[int], bytes]


class DecryptionFailed(KeyUnavailable):
    """A sealed value did not open: the data key is wrong, or the blob or its binding changed.

    AES-GCM cannot tell a wrong key from a changed ciphertext or from a value moved to another
    person or field; all three are this one error. It derives from `KeyUnavailable` ("a key
    is missing, wrong, retired or destroyed") so a caller that fails closed on missing keys
    fails closed here too.
    """


def new_data_key(random: Random = os.urandom) -> bytes:
    """A fresh 256-bit data key for one person."""
    key = random(KEY_BYTES)
    if len(key) != KEY_BYTES:
        raise ValueError(f"random source returned {len(key)} bytes, not {KEY_BYTES}")
    return key


def associated_data(subject_id: str, field: str, version: int = VERSION) -> bytes:
    """The bytes that bind a sealed value to its person, field and format version."""
    if not subject_id or not field:
        raise ValueError("a sealed value needs a subject id and a field name")
    parts = (_DOMAIN, bytes([version]), subject_id.encode("utf-8"), field.encode("utf-8"))
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


def _cipher(dek: bytes) -> AESGCM:
    if len(dek) != KEY_BYTES:
        raise KeyUnavailable(
            f"a data key must be {KEY_BYTES} bytes, got {len(dek)}",
            message_ja="データ鍵が不正です。",
        )
    return AESGCM(dek)


def seal(
    dek: bytes, subject_id: str, field: str, plaintext: bytes, *, random: Random = os.urandom
) -> bytes:
    """Encrypt one field value of one person under that person's data key."""
    nonce = random(NONCE_BYTES)
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"random source returned {len(nonce)} bytes, not {NONCE_BYTES}")
    sealed = _cipher(dek).encrypt(nonce, plaintext, associated_data(subject_id, field))
    return _HEADER + nonce + sealed


def open_sealed(dek: bytes, subject_id: str, field: str, blob: bytes) -> bytes:
    """Decrypt a value sealed by `seal` for this person and field, or raise DecryptionFailed.

    Only the vault gateway may call this, after the ledger has recorded the disclosure.
    """
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed(
            f"sealed value of {field!r} is too short ({len(blob)} bytes) to be a ciphertext",
            message_ja="暗号化データが壊れています。",
        )
    if blob[0] != VERSION:
        raise DecryptionFailed(
            f"sealed value of {field!r} has unknown format version {blob[0]}",
            message_ja="暗号化データの形式が不明です。",
        )
    nonce = blob[1 : 1 + NONCE_BYTES]
    try:
        return _cipher(dek).decrypt(
            nonce, blob[1 + NONCE_BYTES :], associated_data(subject_id, field)
        )
    except InvalidTag:
        raise DecryptionFailed(
            f"sealed value of {field!r} did not open: wrong data key, changed ciphertext, "
            "or a value belonging to another person or field",
            message_ja="暗号化データを復号できません（鍵の誤り、改ざん、または別の人・項目のデータ）。",
        ) from None


def seal_text(
    dek: bytes, subject_id: str, field: str, text: str, *, random: Random = os.urandom
) -> bytes:
    """`seal` for a text value (UTF-8)."""
    return seal(dek, subject_id, field, text.encode("utf-8"), random=random)


def open_text(dek: bytes, subject_id: str, field: str, blob: bytes) -> str:
    """`open_sealed` for a text value (UTF-8). Vault-only, like `open_sealed`."""
    plaintext = open_sealed(dek, subject_id, field, blob)
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionFailed(
            f"sealed value of {field!r} is not UTF-8 text",
            message_ja="暗号化データが文字列ではありません。",
        ) from None
