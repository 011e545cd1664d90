"""Backups: ciphertext only, keys apart, restore round trip, consistency with the live ledger."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

RYOKEN = [sys.executable, "-m", "ryoken.cli"]


def _env(tmp_path, name="office"):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.pop("RYOKEN_SECRET_KEY", None)
    env["RYOKEN_DATA_DIR"] = str(tmp_path / name)
    return env


def _run(args, env, ok=True):
    done = subprocess.run(RYOKEN + args, env=env, capture_output=True, text=True, timeout=300)
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_it_backs_up_restores_and_proves_consistency(tmp_path):
    env = _env(tmp_path)
    _run(["init"], env)
    _run(["demo", "seed", "--days", "2", "--per-day", "5"], env)
    _run(["backup", str(tmp_path / "backup"), "--keys-to", str(tmp_path / "keys-copy")], env)
    files = sorted(p.name for p in (tmp_path / "backup").iterdir())
    assert files == ["manifest.json", "ryoken.sqlite3"]
    assert "keyring.json" in {p.name for p in (tmp_path / "keys-copy").iterdir()}
    assert oct((tmp_path / "keys-copy" / "keyring.json").stat().st_mode & 0o777) == "0o600"

    # The live office goes on: more events after the backup.
    _run(["keys", "rotate"], env)
    _run(["audit", "checkpoint"], env)
    checked = _run(["restore", str(tmp_path / "backup"), "--check"], env)
    assert "consistent" in checked.stdout

    # Restoring over the live database needs --force; a fresh office takes it as is.
    refused = _run(["restore", str(tmp_path / "backup")], env, ok=False)
    assert refused.returncode == 2 and "--force" in refused.stderr
    # A new machine: the keys come back from their own backup, then the database.
    fresh = _env(tmp_path, "restored")
    shutil.copytree(tmp_path / "keys-copy", tmp_path / "restored" / "keys")
    fresh["RYOKEN_WITNESS_PATH"] = str(tmp_path / "office" / "witness.log")
    _run(["init"], fresh)
    _run(["restore", str(tmp_path / "backup"), "--force"], fresh)
    # The restored data is readable with the restored keys: re-wrapping every data key works.
    rotated = _run(["keys", "rotate"], fresh)
    assert "data keys re-wrapped" in rotated.stdout
    # The auditor's witness knows the live ledger went further than the backup.
    verified = _run(["audit", "verify"], fresh, ok=False)
    assert verified.returncode == 1 and "witness" in verified.stderr.lower()


def test_it_refuses_a_tampered_backup(tmp_path):
    env = _env(tmp_path)
    _run(["init"], env)
    _run(["backup", str(tmp_path / "b")], env)
    with open(tmp_path / "b" / "ryoken.sqlite3", "r+b") as handle:
        handle.seek(200)
        handle.write(b"\xff\xff")
    done = _run(["restore", str(tmp_path / "b"), "--check"], env, ok=False)
    assert done.returncode == 1 and "does not match its manifest" in done.stderr
