"""Signed checkpoints of the ledger, stored in the database and in the witness file.

A checkpoint (size, root, time) is signed with the ledger's Ed25519 key, whose private half
lives in the keys directory, not in the database. Each checkpoint is also appended to the
witness file — the auditor's copy, kept on another disk or machine in production — so that
a database administrator who rewrites, truncates or restores the ledger is caught by
`ryoken audit verify`.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit import checkpoints as cp
from ryoken.audit.signers import Signer
from ryoken.audit.tree import root_at
from ryoken.errors import ConfigurationError, KeyUnavailable, LedgerError
from ryoken.web.env import env_int
from ryoken.web.ledger import paths
from ryoken.web.ledger.models import Checkpoint
from ryoken.web.ledger.store import DbNodeReader, ledger_size, lock_for_append

log = logging.getLogger("ryoken.ledger")

_state_lock = threading.Lock()
_last = {"size": -1, "monotonic": 0.0}


def every_events() -> int:
    return env_int("RYOKEN_CHECKPOINT_EVERY", 1000)


def every_seconds() -> int:
    return env_int("RYOKEN_CHECKPOINT_SECONDS", 60)


def load_signing_key() -> cp.Ed25519PrivateKey:
    path = paths.signing_key_path()
    try:
        return cp.load_private_key(path.read_bytes())
    except FileNotFoundError:
        raise ConfigurationError(
            f"The ledger signing key {path} is missing: run `ryoken init`, or restore the "
            "keys directory from its backup."
        ) from None
    except (ValueError, TypeError, KeyUnavailable) as error:
        raise ConfigurationError(f"The ledger signing key {path} is unreadable: {error}") from None


def load_public_key() -> cp.Ed25519PublicKey:
    path = paths.public_key_path()
    try:
        return cp.load_public_key(path.read_bytes())
    except FileNotFoundError:
        raise ConfigurationError(f"The ledger public key {path} is missing.") from None
    except (ValueError, TypeError, KeyUnavailable) as error:
        raise ConfigurationError(f"The ledger public key {path} is unreadable: {error}") from None


def create_signing_key() -> list[str]:
    """Create the ledger's Ed25519 key pair if missing (mode 0600). Returns created paths.

    With an HSM signer (RYOKEN_LEDGER_SIGNER=pkcs11) no private key is created here: the
    HSM's public key is written to the public key file, which verification reads.
    """
    from ryoken.web.ledger import signing

    private_path, public_path = paths.signing_key_path(), paths.public_key_path()
    if signing.backend() == "pkcs11":
        return signing.write_public_key(public_path)
    if private_path.exists():
        return []
    private_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_pem, public_pem = cp.generate_signing_key()
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem)
    return [str(private_path), str(public_path)]


def append_witness(checkpoint: cp.Checkpoint) -> tuple[int, int]:
    """Append one line to the witness file and fsync it before returning.

    On a full or failing disk the line may be written only in part: the file is cut back
    to where it was, so the witness never holds half a line (which `ryoken audit verify`
    would report as tampering), and the error is raised. Returns (offset, length) of the
    line, so a caller whose database commit then fails can take it back (`cut_witness`).
    """
    path = paths.witness_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (cp.to_witness_line(checkpoint) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        try:
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
                os.fsync(fd)
            raise
    finally:
        os.close(fd)  # also releases the lock
    return size, len(line)


def cut_witness(offset: int, length: int) -> None:
    """Take back the line `append_witness` wrote at `offset`, if it is still the last one."""
    path = paths.witness_path()
    fd = os.open(path, os.O_WRONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_size == offset + length:
            os.ftruncate(fd, offset)
            os.fsync(fd)
    finally:
        os.close(fd)


def witness_tail(max_bytes: int = 16_384) -> list[cp.Checkpoint]:
    """The checkpoints on the last complete lines of the witness (at most `max_bytes` read
    from its end; lines that do not parse are left to `ryoken audit verify`)."""
    path = paths.witness_path()
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            end = handle.tell()
            handle.seek(max(0, end - max_bytes))
            data = handle.read()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    if end > max_bytes:
        lines = lines[1:]  # the first may be cut
    out: list[cp.Checkpoint] = []
    for raw in lines:
        with contextlib.suppress(Exception):
            if raw.strip():
                out.append(cp.parse_witness_line(raw.decode("utf-8")))
    return out


def _store(signed: cp.Checkpoint) -> bool:
    """Insert a checkpoint row; False when one of that size exists already."""
    try:
        with transaction.atomic():
            Checkpoint.objects.create(
                size=signed.size,
                root=signed.root,
                at=signed.at,
                key_id=signed.key_id,
                signature=signed.signature,
            )
    except IntegrityError:
        return False
    return True


def _recover_from_witness(last: Checkpoint | None, size: int, signer: Signer) -> Checkpoint | None:
    """Put back a checkpoint the witness holds and the database lost to a crash.

    `create_checkpoint` writes the witness line before the database row commits, so a crash
    (kill -9, power) between the two leaves the witness one checkpoint ahead. On the next
    checkpoint (every serving process and `ryoken watch` sign one at start), a witness
    checkpoint beyond the database's latest is inserted again when it is signed by this
    ledger's key and its root is the database's own tree at that size: the database then
    holds exactly what was signed and witnessed. Anything else (another key, another root,
    a size the ledger does not reach) is left alone for `ryoken audit verify` to report."""
    have = last.size if last is not None else -1
    public_key = signer.public_key()
    recovered = False
    for witnessed in witness_tail():
        if witnessed.size <= have or witnessed.size > size:
            continue
        if not cp.verify_checkpoint(public_key, witnessed):
            continue
        if root_at(DbNodeReader(), witnessed.size) != witnessed.root:
            continue
        if not _store(witnessed):
            continue
        log.warning(
            "the witness held checkpoint %d that the database lacked (a crash between the "
            "witness write and the database commit); put back",
            witnessed.size,
        )
        have, recovered = witnessed.size, True
    return latest() if recovered else last


def read_witness() -> list[cp.Checkpoint]:
    path = paths.witness_path()
    if not path.exists():
        return []
    out: list[cp.Checkpoint] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    out.append(cp.parse_witness_line(line.rstrip("\n"), number))
                except Exception as error:
                    raise LedgerError(
                        f"witness line {number} is not a checkpoint: {error}"
                    ) from error
    return out


def to_audit_checkpoint(row: Checkpoint) -> cp.Checkpoint:
    return cp.Checkpoint(
        size=row.size,
        root=bytes(row.root),
        at=row.at,
        key_id=row.key_id,
        signature=bytes(row.signature),
    )


def latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def create_checkpoint(now: datetime | None = None) -> cp.Checkpoint | None:
    """Sign a checkpoint at the current size (None if the ledger is unchanged since the last).

    The first checkpoint may be of the empty ledger (`ryoken init`), so a new office has a
    witness from the start. The witness line is written before the database row commits,
    under the append lock: the database never holds a checkpoint the witness lacks, and a
    witness that cannot be written leaves no checkpoint behind.
    """
    from ryoken.web.ledger import signing

    signer = signing.signer()
    at = now or clock.now()
    written: tuple[int, int] | None = None
    try:
        with transaction.atomic():
            lock_for_append()
            size = ledger_size()
            last = _recover_from_witness(latest(), size, signer)
            if last is not None and last.size >= size:
                return None
            root = root_at(DbNodeReader(), size)
            signed = cp.sign_note_checkpoint(signer, size, root, at)
            if not _store(signed):
                return None  # another process signed this size first
            try:
                written = append_witness(signed)
            except OSError as error:
                # Fail closed: while the witness cannot be written, nothing more is disclosed.
                raise LedgerError(
                    f"the ledger witness {paths.witness_path()} could not be written "
                    f"({error.strerror or error}); nothing more is disclosed until it can",
                    message_ja=gettext_noop(
                        "監査台帳の控え（ウィットネス）に書き込めないため、"
                        "個人情報は表示できません。"
                    ),
                ) from error
    except BaseException:
        # The database did not keep the checkpoint (its commit failed: a full disk, say), so
        # the witness must not keep it either. Only a crash between the two writes leaves a
        # witness line the database lacks; the next checkpoint puts it back when it matches
        # the ledger (`_recover_from_witness`), and until then verify reports it.
        if written is not None:
            with contextlib.suppress(OSError):
                cut_witness(*written)
        raise
    with _state_lock:
        _last["size"] = size
        _last["monotonic"] = time.monotonic()
    return signed


def maybe_checkpoint(size: int | None = None) -> None:
    """Sign a checkpoint when N events or T seconds have passed since the last one."""
    with _state_lock:
        if _last["size"] < 0:
            row = latest()
            _last["size"] = row.size if row else 0
            _last["monotonic"] = time.monotonic()
        due_by_time = time.monotonic() - _last["monotonic"] >= every_seconds()
        last_size = _last["size"]
    if size is None:
        size = ledger_size()
    if size - last_size >= every_events() or (due_by_time and size > last_size):
        create_checkpoint()


def reset_state() -> None:
    """Forget what this process remembers of the last checkpoint (tests, restores)."""
    with _state_lock:
        _last["size"] = -1
        _last["monotonic"] = 0.0
