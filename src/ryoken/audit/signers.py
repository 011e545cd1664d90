"""Who signs checkpoints: a one-method interface, so the key can live in an HSM.

A `Signer` signs a message with an Ed25519 key and says who it is (the note key name) and
which public key checks it. Two backends:

- `KeyFileSigner`: an Ed25519 private key loaded from a PEM file (the embedded default);
- `ryoken.audit.hsm.Pkcs11Signer`: a key that never leaves a PKCS#11 token (an HSM in
  production, SoftHSM2 in the tests), used through python-pkcs11.

Tests inject their own signers (a fake that records what it signed is a few lines); nothing
patches the backends.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ryoken.audit.notes import VerifierKey, check_name

__all__ = ["KeyFileSigner", "Signer"]


@runtime_checkable
class Signer(Protocol):
    """An Ed25519 signer. `sign` returns the 64-byte signature of `message`."""

    @property
    def name(self) -> str: ...

    def public_key(self) -> Ed25519PublicKey: ...

    def sign(self, message: bytes) -> bytes: ...


class KeyFileSigner:
    """An Ed25519 private key held in this process (read from the keys directory)."""

    def __init__(self, private_key: Ed25519PrivateKey, name: str) -> None:
        self._key = private_key
        self._name = check_name(name)

    @property
    def name(self) -> str:
        return self._name

    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"KeyFileSigner({self._name!r})"


def verifier_key(signer: Signer) -> VerifierKey:
    """The note verifier key of a signer's checkpoints."""
    return VerifierKey.of(signer.name, signer.public_key())
