"""Loading the vault's keys from the keys directory (outside the database).

keyring.json      key-encryption keys (KEKs) that wrap every data key; mode 0600
blind-index.key   the HMAC key of the blind indexes; mode 0600

A missing, unreadable or world-readable key file stops the caller with a clear
`ConfigurationError`, never a traceback.
"""

from __future__ import annotations

import os
import secrets
import threading
from datetime import datetime
from pathlib import Path

from ryoken.errors import ConfigurationError
from ryoken.privacy.blind_index import BlindIndexer
from ryoken.privacy.keyring import LocalFileKeyring
from ryoken.web.ledger.paths import keys_dir

_lock = threading.Lock()
_keyring_cache: dict[str, tuple[int, LocalFileKeyring]] = {}


def keyring_path() -> Path:
    return keys_dir() / "keyring.json"


def blind_index_key_path() -> Path:
    return keys_dir() / "blind-index.key"


def keyring() -> LocalFileKeyring:
    """The keyring, reloaded when its file changes (rotation by another process)."""
    path = keyring_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise ConfigurationError(
            f"The vault keyring {path} is missing: run `ryoken init`, or restore the keys "
            "directory from its backup. Personal data cannot be read without it."
        ) from None
    with _lock:
        cached = _keyring_cache.get(str(path))
        if cached and cached[0] == mtime:
            return cached[1]
        loaded = LocalFileKeyring.load(path)
        _keyring_cache[str(path)] = (mtime, loaded)
        return loaded


def forget_cached_keys() -> None:
    with _lock:
        _keyring_cache.clear()
        _indexer_cache.clear()


_indexer_cache: dict[str, BlindIndexer] = {}


def blind_indexer() -> BlindIndexer:
    path = blind_index_key_path()
    with _lock:
        cached = _indexer_cache.get(str(path))
        if cached is not None:
            return cached
        try:
            mode = path.stat().st_mode
            key = path.read_bytes()
        except FileNotFoundError:
            raise ConfigurationError(
                f"The blind-index key {path} is missing: run `ryoken init` or restore it."
            ) from None
        if mode & 0o077:
            raise ConfigurationError(f"{path} is readable by others: chmod 600 it.")
        if len(key) != 32:
            raise ConfigurationError(f"{path} must hold exactly 32 bytes, not {len(key)}.")
        indexer = BlindIndexer(key)
        _indexer_cache[str(path)] = indexer
        return indexer


def municipality_token(address: str) -> str:
    """The municipality token of an address, as the vault derives it for data subjects: a
    staff member's home (from HR) is kept only as this, for the neighbourhood detector."""
    return blind_indexer().token("municipality", address)


def create_keys(now: datetime) -> list[str]:
    """Create the keyring and the blind-index key if missing. Returns created paths."""
    created: list[str] = []
    directory = keys_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not keyring_path().exists():
        LocalFileKeyring.create(keyring_path(), now)
        created.append(str(keyring_path()))
    if not blind_index_key_path().exists():
        fd = os.open(blind_index_key_path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        created.append(str(blind_index_key_path()))
    return created
