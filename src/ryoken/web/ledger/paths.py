"""Where the ledger's signing key and the witness live: outside the database."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def keys_dir() -> Path:
    return Path(os.environ.get("RYOKEN_KEYS_DIR", str(settings.DATA_DIR / "keys")))


def signing_key_path() -> Path:
    return keys_dir() / "ledger-signing.pem"


def public_key_path() -> Path:
    return keys_dir() / "ledger-signing.pub"


def witness_path() -> Path:
    """The auditor's copy of every checkpoint. In production, a different machine's disk."""
    return Path(os.environ.get("RYOKEN_WITNESS_PATH", str(settings.DATA_DIR / "witness.log")))
