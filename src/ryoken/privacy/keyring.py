"""Key-encryption keys (KEKs) that wrap each person's data key, behind a small interface.

A data key (DEK, see `envelope.py`) is stored only wrapped: AES-256-GCM under the current
KEK, with the KEK id and the person's id bound as associated data, so a wrapped key copied
onto another person's row does not unwrap. Rotation makes a new KEK current; data keys are
then re-wrapped one by one (`rewrap`) while the old KEK still unwraps; when none is left
under it, the old KEK is retired and its key material destroyed. No personal-data
ciphertext is touched by any of this.

AES-KW (RFC 3394, `cryptography`'s `aes_key_wrap`) was not used because it cannot bind the
person's id; AES-GCM with a random nonce can, and under one KEK it stays within NIST's
2**32-message bound for random nonces: the whole country adds fewer than 10 million people a
year, and every rotation starts a fresh KEK.

Implementations:

- `LocalFileKeyring`: a JSON file (mode 0600), the embedded default beside the data dir.
- `InMemoryKeyring`: the same behaviour without a file, for tests.

An HSM or cloud KMS adapter implements the same `Keyring` protocol and never lets the KEK out
of the device: `current_kek_id` is the id of the active key version (a KMS key-version
resource name, a PKCS#11 key label); `wrap` is the device's authenticated encryption of the
32-byte DEK with the subject id as associated data (KMS "encryption context", PKCS#11
CKM_AES_GCM with pAAD); `unwrap` is the matching decrypt, turning every device refusal into
`KeyUnavailable`; `rotate` creates a new key version and makes it primary; `retire` schedules
the old version's destruction (KMS keeps a waiting period, which is the undo window);
`kek_ids` lists enabled versions. Each unwrap is then a network round trip, so the vault
should unwrap once per request and keep the DEK only for that request.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import stat
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ryoken.errors import ConfigurationError, InvalidInput, KeyUnavailable

Random = Callable[[int], bytes]

KEK_BYTES = 32
DEK_BYTES = 32
_NONCE_BYTES = 12
_WRAP_DOMAIN = b"ryoken/dek-wrap"
_WRAPPED_VERSION = 1
_FILE_FORMAT = "ryoken-keyring"
_FILE_VERSION = 1
# A fixed, clock-free creation time for InMemoryKeyring when the test does not care.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key encrypted under the KEK `kek_id`; `blob` is nonce ‖ ciphertext ‖ tag."""

    kek_id: str
    blob: bytes

    def to_bytes(self) -> bytes:
        """One byte string for storage: version ‖ len(kek_id) ‖ kek_id (ASCII) ‖ blob."""
        kek = self.kek_id.encode("ascii")
        if not 0 < len(kek) < 256:
            raise ValueError(f"a KEK id must be 1-255 ASCII characters: {self.kek_id!r}")
        return bytes([_WRAPPED_VERSION, len(kek)]) + kek + self.blob

    @classmethod
    def from_bytes(cls, data: bytes) -> WrappedKey:
        if len(data) < 2 or data[0] != _WRAPPED_VERSION:
            raise KeyUnavailable(
                "stored wrapped data key is malformed or of an unknown version",
                message_ja="保存されたデータ鍵の形式が不正です。",
            )
        end = 2 + data[1]
        try:
            kek_id = data[2:end].decode("ascii")
        except UnicodeDecodeError:
            kek_id = ""
        if not kek_id or len(data) <= end:
            raise KeyUnavailable(
                "stored wrapped data key is truncated",
                message_ja="保存されたデータ鍵が壊れています。",
            )
        return cls(kek_id, bytes(data[end:]))


class Keyring(Protocol):
    """What the vault needs from a keyring; see the module docstring for an HSM/KMS adapter."""

    def current_kek_id(self) -> str: ...

    def wrap(self, dek: bytes, *, subject_id: str) -> WrappedKey: ...

    def unwrap(self, wrapped: WrappedKey, *, subject_id: str) -> bytes: ...

    def rotate(self, now: datetime) -> str: ...

    def retire(self, kek_id: str, now: datetime) -> None: ...

    def kek_ids(self) -> list[str]: ...


def rewrap(wrapped: WrappedKey, keyring: Keyring, *, subject_id: str) -> WrappedKey:
    """The same data key wrapped under the current KEK (unchanged if it already is).

    `subject_id` is required because it is bound into the wrapping.
    """
    if wrapped.kek_id == keyring.current_kek_id():
        return wrapped
    dek = keyring.unwrap(wrapped, subject_id=subject_id)
    return keyring.wrap(dek, subject_id=subject_id)


# --- the shared mechanics of both implementations -------------------------------------------


@dataclass(frozen=True, slots=True)
class _Kek:
    kek_id: str
    key: bytes | None  # None once retired: the key material is destroyed
    created_at: datetime
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _State:
    current: str
    keks: tuple[_Kek, ...]

    def find(self, kek_id: str) -> _Kek | None:
        return next((k for k in self.keks if k.kek_id == kek_id), None)


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("keyring times must be timezone-aware")
    return now.astimezone(UTC)


def _new_kek(state_ids: set[str], now: datetime, random: Random) -> _Kek:
    now = _aware(now)
    while True:
        kek_id = f"kek-{now:%Y%m%dT%H%M%SZ}-{random(4).hex()}"
        if kek_id not in state_ids:
            break
    key = random(KEK_BYTES)
    if len(key) != KEK_BYTES:
        raise ValueError(f"random source returned {len(key)} bytes, not {KEK_BYTES}")
    return _Kek(kek_id, key, now)


def _rotated(state: _State, now: datetime, random: Random) -> _State:
    kek = _new_kek({k.kek_id for k in state.keks}, now, random)
    return _State(kek.kek_id, (*state.keks, kek))


def _retired(state: _State, kek_id: str, now: datetime) -> _State:
    kek = state.find(kek_id)
    if kek is None:
        raise InvalidInput(
            f"there is no key-encryption key {kek_id!r} to retire",
            message_ja=f"鍵 {kek_id} は存在しません。",
        )
    if kek_id == state.current:
        raise InvalidInput(
            f"refusing to retire {kek_id!r}: it is the current key-encryption key; "
            "rotate first, rewrap every data key, then retire it",
            message_ja="現在使用中の鍵は廃止できません。先に鍵を更新してください。",
        )
    if kek.retired_at is not None:
        return state
    done = replace(kek, key=None, retired_at=_aware(now))
    return replace(state, keks=tuple(done if k.kek_id == kek_id else k for k in state.keks))


def _wrap_aad(kek_id: str, subject_id: str) -> bytes:
    if not subject_id:
        raise ValueError("a data key is wrapped for a subject id; got an empty one")
    parts = (_WRAP_DOMAIN, bytes([_WRAPPED_VERSION]), kek_id.encode(), subject_id.encode())
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


class _KekRing:
    """Wrap and unwrap over an immutable `_State`; subclasses decide how changes persist."""

    def __init__(self, state: _State, random: Random) -> None:
        self._ciphers: dict[str, AESGCM] = {}
        self._state = state
        self._random = random

    @property
    def _state(self) -> _State:
        return self.__state

    @_state.setter
    def _state(self, state: _State) -> None:
        # A retired key's cipher must not outlive it; the cache is rebuilt on demand.
        self.__state = state
        self._ciphers = {}

    def _cipher(self, kek: _Kek) -> AESGCM:
        cipher = self._ciphers.get(kek.kek_id)
        if cipher is None:
            if kek.key is None:
                raise KeyUnavailable(f"key-encryption key {kek.kek_id!r} has no key material")
            cipher = self._ciphers[kek.kek_id] = AESGCM(kek.key)
        return cipher

    def current_kek_id(self) -> str:
        return self._state.current

    def kek_ids(self) -> list[str]:
        """KEKs that can still unwrap, oldest first; the current one is among them."""
        return [k.kek_id for k in self._state.keks if k.key is not None]

    def retired_kek_ids(self) -> list[str]:
        return [k.kek_id for k in self._state.keks if k.key is None]

    def wrap(self, dek: bytes, *, subject_id: str) -> WrappedKey:
        if len(dek) != DEK_BYTES:
            raise ValueError(f"a data key must be {DEK_BYTES} bytes, got {len(dek)}")
        kek = self._state.find(self._state.current)
        if kek is None or kek.key is None:  # excluded by _parse and _retired; never trusted
            raise KeyUnavailable(f"current key-encryption key {self._state.current!r} is gone")
        nonce = self._random(_NONCE_BYTES)
        sealed = self._cipher(kek).encrypt(nonce, dek, _wrap_aad(kek.kek_id, subject_id))
        return WrappedKey(kek.kek_id, nonce + sealed)

    def unwrap(self, wrapped: WrappedKey, *, subject_id: str) -> bytes:
        kek = self._find_for_unwrap(wrapped.kek_id)
        if kek is None:
            raise KeyUnavailable(
                f"key-encryption key {wrapped.kek_id!r} is not in this keyring",
                message_ja="データ鍵を開く鍵がありません。",
            )
        if kek.key is None:
            raise KeyUnavailable(
                f"key-encryption key {wrapped.kek_id!r} was retired on "
                f"{kek.retired_at:%Y-%m-%d}; a data key still wrapped only under it is lost",
                message_ja="データ鍵を開く鍵は廃止済みです。",
            )
        nonce, sealed = wrapped.blob[:_NONCE_BYTES], wrapped.blob[_NONCE_BYTES:]
        try:
            dek = self._cipher(kek).decrypt(nonce, sealed, _wrap_aad(kek.kek_id, subject_id))
        except (InvalidTag, ValueError):
            raise KeyUnavailable(
                "wrapped data key did not unwrap: it was changed, or it belongs to another subject",
                message_ja="データ鍵を開けません（改ざん、または別の人の鍵）。",
            ) from None
        return dek

    def _find_for_unwrap(self, kek_id: str) -> _Kek | None:
        return self._state.find(kek_id)


class InMemoryKeyring(_KekRing):
    """A keyring that lives only in this process: for tests and benchmarks."""

    def __init__(self, *, now: datetime = _EPOCH, random: Random = os.urandom) -> None:
        first = _new_kek(set(), now, random)
        super().__init__(_State(first.kek_id, (first,)), random)

    def rotate(self, now: datetime) -> str:
        self._state = _rotated(self._state, now, self._random)
        return self._state.current

    def retire(self, kek_id: str, now: datetime) -> None:
        self._state = _retired(self._state, kek_id, now)


# --- the local key file ----------------------------------------------------------------------


class LocalFileKeyring(_KekRing):
    """KEKs in a JSON file readable by its owner only (0600), written atomically.

    Rotation and retirement re-read the file under a lock on its directory before writing,
    so two processes (a web worker and an operator's CLI) never lose each other's change;
    and `unwrap` re-reads the file once when it meets a KEK id it does not know, so a worker
    started before a rotation keeps working.
    """

    def __init__(self, path: Path, state: _State, random: Random) -> None:
        super().__init__(state, random)
        self.path = path

    @classmethod
    def create(
        cls, path: Path | str, now: datetime, *, random: Random = os.urandom
    ) -> LocalFileKeyring:
        """Create a new keyring file with one KEK; refuses to overwrite an existing file."""
        path = Path(path)
        if path.exists() or path.is_symlink():
            raise ConfigurationError(
                f"refusing to overwrite the existing keyring {path}: every data key wrapped "
                "under it would be lost"
            )
        if not path.parent.is_dir():
            raise ConfigurationError(
                f"cannot create keyring {path}: {path.parent} is not a directory"
            )
        first = _new_kek(set(), now, random)
        state = _State(first.kek_id, (first,))
        temp = _write_temp(path, _dump(state), random)
        try:
            os.link(temp, path)  # unlike rename, link never replaces an existing file
        except FileExistsError:
            raise ConfigurationError(f"refusing to overwrite the existing keyring {path}") from None
        except OSError as exc:
            raise ConfigurationError(f"cannot create keyring {path}: {exc.strerror}") from exc
        finally:
            temp.unlink()
        _fsync_dir(path.parent)
        return cls(path, state, random)

    @classmethod
    def load(cls, path: Path | str, *, random: Random = os.urandom) -> LocalFileKeyring:
        """Open an existing keyring file, refusing one that others could read."""
        path = Path(path)
        return cls(path, _read(path), random)

    def reload(self) -> None:
        self._state = _read(self.path)

    def rotate(self, now: datetime) -> str:
        with self._locked():
            self._commit(_rotated(_read(self.path), now, self._random))
        return self._state.current

    def retire(self, kek_id: str, now: datetime) -> None:
        with self._locked():
            self._commit(_retired(_read(self.path), kek_id, now))

    def _find_for_unwrap(self, kek_id: str) -> _Kek | None:
        found = self._state.find(kek_id)
        if found is None:
            self.reload()  # another process may have rotated since we loaded
            found = self._state.find(kek_id)
        return found

    def _commit(self, state: _State) -> None:
        temp = _write_temp(self.path, _dump(state), self._random)
        try:
            os.replace(temp, self.path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise ConfigurationError(f"cannot write keyring {self.path}: {exc.strerror}") from exc
        _fsync_dir(self.path.parent)
        self._state = state

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


def _write_temp(path: Path, data: bytes, random: Random) -> Path:
    temp = path.with_name(f".{path.name}.{random(6).hex()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # whatever the umask
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ConfigurationError(f"cannot write keyring {path}: {exc.strerror}") from exc
    return temp


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _dump(state: _State) -> bytes:
    doc = {
        "format": _FILE_FORMAT,
        "version": _FILE_VERSION,
        "current": state.current,
        "keks": [
            {
                "id": k.kek_id,
                "key": None if k.key is None else base64.b64encode(k.key).decode("ascii"),
                "created_at": k.created_at.isoformat(),
                "retired_at": None if k.retired_at is None else k.retired_at.isoformat(),
            }
            for k in state.keks
        ],
    }
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def _read(path: Path) -> _State:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise ConfigurationError(
            f"keyring file {path} does not exist: run `ryoken init`, or restore the keys "
            "directory from its backup"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"keyring file {path} cannot be read: {exc.strerror}") from None
    _check_file(fd, path)
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read()
        except OSError as exc:
            raise ConfigurationError(
                f"keyring file {path} cannot be read: {exc.strerror}"
            ) from None
    try:
        return _parse(json.loads(raw.decode("utf-8")))
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise ConfigurationError(f"keyring file {path} is malformed: {exc}") from None


def _check_file(fd: int, path: Path) -> None:
    """Refuse anything but a regular file its owner alone may access (closing `fd` if so)."""
    info = os.fstat(fd)
    problem = ""
    if not stat.S_ISREG(info.st_mode):
        problem = f"keyring {path} is not a regular file"
    elif info.st_mode & 0o077:
        problem = (
            f"keyring file {path} has mode {stat.S_IMODE(info.st_mode):04o}: group or "
            f"others may access it. Run `chmod 600 {path}` and check who has read it."
        )
    if problem:
        os.close(fd)
        raise ConfigurationError(problem)


def _parse(doc: Any) -> _State:
    if not isinstance(doc, dict) or doc.get("format") != _FILE_FORMAT:
        raise ValueError(f"not a {_FILE_FORMAT} file")
    if doc.get("version") != _FILE_VERSION:
        raise ValueError(f"unsupported version {doc.get('version')!r}")
    keks: list[_Kek] = []
    for entry in doc["keks"]:
        key = None if entry["key"] is None else base64.b64decode(entry["key"], validate=True)
        if key is not None and len(key) != KEK_BYTES:
            raise ValueError(f"key {entry['id']!r} is not {KEK_BYTES} bytes")
        retired = None if entry["retired_at"] is None else _time(entry["retired_at"])
        if (key is None) != (retired is not None):
            raise ValueError(f"key {entry['id']!r}: only a retired key may lack key material")
        keks.append(_Kek(str(entry["id"]), key, _time(entry["created_at"]), retired))
    state = _State(str(doc["current"]), tuple(keks))
    if len({k.kek_id for k in keks}) != len(keks):
        raise ValueError("duplicate key ids")
    current = state.find(state.current)
    if current is None or current.key is None:
        raise ValueError("the current key is missing or retired")
    return state


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone")
    return value
