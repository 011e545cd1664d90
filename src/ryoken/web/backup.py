"""Backups: the database (personal data stays ciphertext), never the keys.

`ryoken backup DIR` writes a consistent copy of the database (SQLite's online backup API, or
`pg_dump` for PostgreSQL) and a manifest with the file's SHA-256 and the ledger checkpoint it
contains (signing one first). Keys are backed up separately (`ryoken backup --keys DIR`):
a stolen database backup without the keyring is ciphertext only.

`ryoken backup check DIR` proves the backup's ledger is a prefix of the live ledger: an RFC
6962 consistency proof from the backup's checkpoint to the live one. `ryoken restore DIR`
puts the database back (refusing to overwrite a live database unless told to).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from ryoken import clock
from ryoken.audit.merkle import verify_consistency
from ryoken.audit.tree import consistency_proof_at
from ryoken.errors import ConfigurationError, InvalidInput, LedgerTampered
from ryoken.web.ledger import checkpoints
from ryoken.web.ledger.paths import keys_dir
from ryoken.web.ledger.store import DbNodeReader

MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _db() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict[str, Any]) -> list[str]:
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return args


def backup(out: Path) -> dict[str, Any]:
    """Write a consistent database copy and its manifest into `out` (created, must be empty)."""
    if out.exists() and any(out.iterdir()):
        raise InvalidInput(f"{out} is not empty: choose a new directory for the backup")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    signed = checkpoints.create_checkpoint()
    latest = checkpoints.latest()
    db = _db()
    if connection.vendor == "sqlite":
        target = out / "ryoken.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        dest = sqlite3.connect(str(target))
        with dest:
            source.backup(dest)
        dest.close()
        source.close()
    elif connection.vendor == "postgresql":
        target = out / "ryoken.pgdump"
        run = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            ["pg_dump", "-Fc", "-f", str(target), *_pg_args(db), str(db["NAME"])],  # noqa: S607
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            raise ConfigurationError(f"pg_dump failed: {run.stderr.strip()}")
    else:
        raise ConfigurationError(f"no backup method for database vendor {connection.vendor}")
    os.chmod(target, 0o600)
    manifest = {
        "format": "ryoken-backup-1",
        "created_at": clock.now().isoformat(),
        "vendor": connection.vendor,
        "file": target.name,
        "sha256": _sha256(target),
        "checkpoint": {
            "size": latest.size,
            "root_hex": bytes(latest.root).hex(),
            "at": latest.at.isoformat(),
            "key_id": latest.key_id,
            "signature_hex": bytes(latest.signature).hex(),
        }
        if latest
        else None,
        "fresh_checkpoint": signed is not None,
        "keys_included": False,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def backup_keys(out: Path) -> list[str]:
    """Copy the keys directory (0600 files in a 0700 directory). Store it apart from data."""
    source = keys_dir()
    if out.exists() and any(out.iterdir()):
        raise InvalidInput(f"{out} is not empty: choose a new directory for the keys")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    copied = []
    for path in sorted(source.iterdir()):
        if path.is_file():
            target = out / path.name
            shutil.copy2(path, target)
            os.chmod(target, 0o600)
            copied.append(str(target))
    return copied


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise InvalidInput(f"{directory} has no {MANIFEST}: not a ryoken backup") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{directory / MANIFEST} is not valid JSON: {error}") from None
    if manifest.get("format") != "ryoken-backup-1":
        raise InvalidInput(f"{directory} is not a ryoken backup (unknown format)")
    data = directory / str(manifest["file"])
    if not data.exists() or _sha256(data) != manifest["sha256"]:
        raise LedgerTampered(f"the backup file {data} is missing or does not match its manifest")
    return manifest


@dataclass(frozen=True)
class ConsistencyReport:
    backup_size: int
    live_size: int
    proof_length: int
    ok: bool


def check_against_live(directory: Path) -> ConsistencyReport:
    """Prove that the backup's ledger is a prefix of the live ledger (RFC 6962 consistency)."""
    manifest = read_manifest(directory)
    cp = manifest.get("checkpoint")
    if not cp:
        raise InvalidInput("the backup holds an empty ledger: nothing to prove")
    checkpoints.create_checkpoint()
    live = checkpoints.latest()
    if live is None:
        raise LedgerTampered("the live ledger has no checkpoint")
    old_size, new_size = int(cp["size"]), int(live.size)
    if old_size > new_size:
        raise LedgerTampered(
            f"the backup ({old_size} entries) is longer than the live ledger ({new_size}): "
            "the live ledger lost entries"
        )
    old_root = bytes.fromhex(cp["root_hex"])
    if old_size == new_size:
        ok = old_root == bytes(live.root)
        return ConsistencyReport(old_size, new_size, 0, ok)
    proof = consistency_proof_at(DbNodeReader(), old_size, new_size)
    ok = verify_consistency(old_size, new_size, old_root, bytes(live.root), proof)
    return ConsistencyReport(old_size, new_size, len(proof), ok)


def restore(directory: Path, *, force: bool = False) -> dict[str, Any]:
    """Put the backup's database in place of the configured one."""
    manifest = read_manifest(directory)
    db = _db()
    source = directory / str(manifest["file"])
    if manifest["vendor"] != connection.vendor:
        raise InvalidInput(
            f"the backup is of {manifest['vendor']}, the configured database is {connection.vendor}"
        )
    if connection.vendor == "sqlite":
        target = Path(str(db["NAME"]))
        if target.exists() and target.stat().st_size > 0 and not force:
            raise InvalidInput(f"{target} exists: pass --force to replace the live database")
        connection.close()
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        tmp = target.with_suffix(".restoring")
        shutil.copy2(source, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    else:
        if not force:
            raise InvalidInput("restoring PostgreSQL replaces the live database: pass --force")
        connection.close()
        run = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [  # noqa: S607 - pg_restore from the PATH, like psql
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "-d",
                str(db["NAME"]),
                *_pg_args(db),
                str(source),
            ],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            raise ConfigurationError(f"pg_restore failed: {run.stderr.strip()[:500]}")
    from ryoken.web.ledger import store

    store.forget_frontier()
    checkpoints.reset_state()
    return manifest
