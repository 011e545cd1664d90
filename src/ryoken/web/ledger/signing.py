"""Which signer signs the ledger's checkpoints, from the environment.

RYOKEN_LEDGER_ORIGIN     the ledger's origin and note key name (schema-less URL, unique per
                         office), default `ryoken.invalid/ledger` (set it in production)
RYOKEN_LEDGER_SIGNER     `file` (default: keys/ledger-signing.pem) or `pkcs11`
RYOKEN_PKCS11_MODULE     the token's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so
RYOKEN_PKCS11_TOKEN      the token label
RYOKEN_PKCS11_KEY        the key label (default `ryoken-ledger`)
RYOKEN_PKCS11_PIN_FILE   a file holding the user PIN (mode 0600, set by the security officer)
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ryoken.audit.checkpoints import check_origin
from ryoken.audit.signers import KeyFileSigner, Signer
from ryoken.errors import ConfigurationError, InvalidInput
from ryoken.web.env import env_str

DEFAULT_ORIGIN = "ryoken.invalid/ledger"
_cache: dict[tuple[str, ...], Signer] = {}
_lock = threading.Lock()


def origin() -> str:
    value = env_str("RYOKEN_LEDGER_ORIGIN", DEFAULT_ORIGIN).strip()
    try:
        return check_origin(value)
    except InvalidInput as error:
        raise ConfigurationError(f"RYOKEN_LEDGER_ORIGIN: {error.message}") from None


def backend() -> str:
    value = env_str("RYOKEN_LEDGER_SIGNER", "file").strip().lower() or "file"
    if value not in ("file", "pkcs11"):
        raise ConfigurationError(f"RYOKEN_LEDGER_SIGNER must be `file` or `pkcs11`, not {value!r}")
    return value


def pkcs11_settings() -> tuple[str, str, str, Path]:
    missing = [
        name
        for name in ("RYOKEN_PKCS11_MODULE", "RYOKEN_PKCS11_TOKEN", "RYOKEN_PKCS11_PIN_FILE")
        if not os.environ.get(name)
    ]
    if missing:
        raise ConfigurationError(f"RYOKEN_LEDGER_SIGNER=pkcs11 needs {', '.join(missing)}")
    return (
        os.environ["RYOKEN_PKCS11_MODULE"],
        os.environ["RYOKEN_PKCS11_TOKEN"],
        env_str("RYOKEN_PKCS11_KEY", "ryoken-ledger"),
        Path(os.environ["RYOKEN_PKCS11_PIN_FILE"]),
    )


def signer() -> Signer:
    """The configured checkpoint signer (an HSM session is opened once per configuration)."""
    name = origin()
    if backend() == "file":
        from ryoken.web.ledger.checkpoints import load_signing_key

        return KeyFileSigner(load_signing_key(), name)
    from ryoken.audit.hsm import Pkcs11Signer, read_pin

    module, token, key, pin_file = pkcs11_settings()
    cache_key = (module, token, key, str(pin_file), name)
    with _lock:
        cached = _cache.get(cache_key)
        if cached is None:
            cached = Pkcs11Signer(module, token, key, read_pin(pin_file), name)
            _cache[cache_key] = cached
    return cached


def forget() -> None:
    """Drop cached HSM signers (tests, a changed configuration)."""
    with _lock:
        _cache.clear()


def write_public_key(path: Path) -> list[str]:
    """Write the configured signer's public key (PEM) if the file is missing."""
    if path.exists():
        return []
    from cryptography.hazmat.primitives import serialization

    pem = (
        signer()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(pem)
    return [str(path)]
