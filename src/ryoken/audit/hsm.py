"""A checkpoint signer whose Ed25519 key stays inside a PKCS#11 token (an HSM).

Uses python-pkcs11 (docs/decisions/0050-python-pkcs11-for-the-hsm-signer.md) with the
mechanism CKM_EDDSA on a CKK_EC_EDWARDS key (PKCS#11 3.0), which SoftHSM2 2.6 and current
HSMs support. The private key is found by its label and is never extractable; ryoken only
asks the token to sign. Each `sign` opens a short session under a lock: checkpoints are signed
every few seconds at most, and a fresh session survives an HSM restart.

The PIN is read from a file that only the signing service can read (the security officer
sets it); it is never logged or stored by ryoken.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ryoken.audit.notes import check_name
from ryoken.errors import ConfigurationError, KeyUnavailable

__all__ = ["ED25519_OID", "Pkcs11Signer", "generate_hsm_key"]

ED25519_OID = "1.3.101.112"  # id-Ed25519, the curve named in CKA_EC_PARAMS


def _pkcs11() -> Any:
    try:
        import pkcs11
    except ImportError:  # pragma: no cover - python-pkcs11 is a dependency
        raise ConfigurationError(
            "python-pkcs11 is not installed: pip install python-pkcs11"
        ) from None
    return pkcs11


def read_pin(pin_file: Path) -> str:
    try:
        pin = pin_file.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigurationError(
            f"The HSM PIN file {pin_file} cannot be read ({error.strerror or error})."
        ) from None
    if not pin:
        raise ConfigurationError(f"The HSM PIN file {pin_file} is empty.")
    return pin


def _point_to_raw(point: bytes) -> bytes:
    """CKA_EC_POINT of an Edwards key: DER OCTET STRING (04 20 <32 bytes>) or the raw 32."""
    if len(point) == 34 and point[0] == 0x04 and point[1] == 0x20:
        return point[2:]
    if len(point) == 32:
        return point
    raise KeyUnavailable("the HSM returned a public key that is not an Ed25519 point")


class Pkcs11Signer:
    """Signs with the Ed25519 private key labelled `key_label` on the token `token_label`."""

    def __init__(self, module: str, token_label: str, key_label: str, pin: str, name: str) -> None:
        self._name = check_name(name)
        self._key_label = key_label
        self._pin = pin
        self._lock = threading.Lock()
        p11 = _pkcs11()
        try:
            self._token = p11.lib(module).get_token(token_label=token_label)
        except (p11.exceptions.PKCS11Error, RuntimeError, OSError) as error:
            raise ConfigurationError(
                f"The HSM token {token_label!r} cannot be opened through {module}: "
                f"{type(error).__name__} {error}"
            ) from None
        self._public = self._read_public_key()

    @property
    def name(self) -> str:
        return self._name

    def public_key(self) -> Ed25519PublicKey:
        return self._public

    def _session(self) -> Any:
        p11 = _pkcs11()
        try:
            return self._token.open(user_pin=self._pin)
        except p11.exceptions.PKCS11Error as error:
            raise KeyUnavailable(f"the HSM refused a session: {type(error).__name__}") from None

    def _read_public_key(self) -> Ed25519PublicKey:
        p11 = _pkcs11()
        with self._lock, self._session() as session:
            try:
                key = session.get_key(
                    object_class=p11.ObjectClass.PUBLIC_KEY,
                    key_type=p11.KeyType.EC_EDWARDS,
                    label=self._key_label,
                )
                point = bytes(key[p11.Attribute.EC_POINT])
            except p11.exceptions.PKCS11Error as error:
                raise ConfigurationError(
                    f"The HSM has no Ed25519 public key labelled {self._key_label!r} "
                    f"({type(error).__name__}); create it with `ryoken audit hsm-keygen`."
                ) from None
        return Ed25519PublicKey.from_public_bytes(_point_to_raw(point))

    def sign(self, message: bytes) -> bytes:
        p11 = _pkcs11()
        with self._lock, self._session() as session:
            try:
                key = session.get_key(
                    object_class=p11.ObjectClass.PRIVATE_KEY,
                    key_type=p11.KeyType.EC_EDWARDS,
                    label=self._key_label,
                )
                signature = bytes(key.sign(message, mechanism=p11.Mechanism.EDDSA))
            except p11.exceptions.PKCS11Error as error:
                raise KeyUnavailable(
                    f"the HSM could not sign with {self._key_label!r}: {type(error).__name__}"
                ) from None
        if len(signature) != 64:
            raise KeyUnavailable("the HSM returned a signature that is not Ed25519")
        return signature

    def __repr__(self) -> str:
        return f"Pkcs11Signer({self._name!r}, key {self._key_label!r})"


def generate_hsm_key(module: str, token_label: str, key_label: str, pin: str) -> bytes:
    """Generate a non-extractable Ed25519 key pair on the token; return the raw public key.

    Refuses if a key with that label already exists (a second key under one label would make
    every later lookup ambiguous).
    """
    p11 = _pkcs11()
    from pkcs11.util.ec import encode_named_curve_parameters

    token = p11.lib(module).get_token(token_label=token_label)
    with token.open(user_pin=pin, rw=True) as session:
        existing = list(session.get_objects({p11.Attribute.LABEL: key_label}))
        if existing:
            raise ConfigurationError(f"The HSM already holds a key labelled {key_label!r}.")
        params = session.create_domain_parameters(
            p11.KeyType.EC_EDWARDS,
            {p11.Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)},
            local=True,
        )
        public, _private = params.generate_keypair(
            store=True,
            label=key_label,
            private_template={
                p11.Attribute.SENSITIVE: True,
                p11.Attribute.EXTRACTABLE: False,
            },
        )
        return _point_to_raw(bytes(public[p11.Attribute.EC_POINT]))
