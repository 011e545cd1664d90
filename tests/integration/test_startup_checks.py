"""A missing or wrong key file stops start-up with a clear message, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

from ryoken.web.vault import keys


def _ids():
    return {m.id for m in checks.run_checks(tags=["ryoken"])}


def test_it_passes_with_the_keys_in_place(keys_dir):
    assert not {i for i in _ids() if i.startswith("ryoken.E")}


def test_it_names_a_missing_keyring(keys_dir):
    os.remove(keys.keyring_path())
    keys.forget_cached_keys()
    assert "ryoken.E001" in _ids()


def test_it_refuses_a_world_readable_key(keys_dir):
    os.chmod(keys.blind_index_key_path(), 0o644)
    keys.forget_cached_keys()
    assert "ryoken.E1002" in _ids()


def test_it_refuses_a_keys_directory_open_to_others(keys_dir):
    os.chmod(keys_dir, 0o755)  # noqa: S103 - the mistake under test
    assert "ryoken.E007" in _ids()


def test_it_refuses_a_secret_key_readable_by_others(keys_dir, settings, monkeypatch, tmp_path):
    monkeypatch.delenv("RYOKEN_SECRET_KEY", raising=False)
    settings.DATA_DIR = tmp_path
    secret = tmp_path / "secret_key"
    secret.write_text("s" * 64)
    secret.chmod(0o600)
    assert "ryoken.E008" not in _ids()
    secret.chmod(0o644)
    assert "ryoken.E008" in _ids()


def test_it_refuses_a_corrupt_keyring(keys_dir):
    keys.keyring_path().write_text("{ not json")
    keys.forget_cached_keys()
    assert "ryoken.E004" in _ids()


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("missing", "keyring"),
        ("corrupt", "keyring"),
        ("secret key 0644", "secret key"),
        ("keys dir 0755", "keys directory"),
        ("triggers dropped", "not append-only"),
    ],
)
def test_it_stops_serve_with_one_clear_line(tmp_path, damage, said):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.pop("RYOKEN_SECRET_KEY", None)
    env["RYOKEN_DATA_DIR"] = str(tmp_path / "office")
    run = [sys.executable, "-m", "ryoken.cli"]
    assert subprocess.run([*run, "init"], env=env, capture_output=True, timeout=120).returncode == 0
    office = tmp_path / "office"
    ring = office / "keys" / "keyring.json"
    if damage == "missing":
        ring.unlink()
    elif damage == "corrupt":
        ring.write_text("garbage")
    elif damage == "secret key 0644":
        (office / "secret_key").chmod(0o644)
    elif damage == "keys dir 0755":
        (office / "keys").chmod(0o755)
    else:
        db = sqlite3.connect(office / "ryoken.sqlite3")
        db.execute("DROP TRIGGER ledger_entry_no_update")
        db.close()
    served = subprocess.run(
        [*run, "serve", "--insecure-http", "--port", "8799"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 3, served.stdout + served.stderr
    assert said in served.stderr
    assert "Traceback" not in served.stderr + served.stdout


def _office_with_damaged_keyring(tmp_path, damage: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.pop("RYOKEN_SECRET_KEY", None)
    env["RYOKEN_DATA_DIR"] = str(tmp_path / "office")
    env["RYOKEN_HTTPS"] = "0"
    init = subprocess.run(
        [sys.executable, "-m", "ryoken.cli", "init"], env=env, capture_output=True, timeout=120
    )
    assert init.returncode == 0
    ring = tmp_path / "office" / "keys" / "keyring.json"
    if damage == "missing":
        ring.unlink()
    elif damage == "corrupt":
        ring.write_text("garbage")
    else:  # the secret key, which the settings need before any check can run
        (tmp_path / "office" / "secret_key").unlink()
    return env


GUNICORN = Path(sys.executable).parent / "gunicorn"


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")
@pytest.mark.parametrize("damage", ["missing", "corrupt", "no secret key"])
def test_it_stops_gunicorn_with_one_clear_line(tmp_path, damage):
    """The server as docs/operations.md runs it: gunicorn, the app preloaded, 2 workers."""
    env = _office_with_damaged_keyring(tmp_path, damage)
    served = subprocess.run(
        [
            str(GUNICORN),
            "--preload",
            "--workers=2",
            "--bind=127.0.0.1:0",
            "--no-control-socket",
            "ryoken.web.wsgi:application",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 3
    expected = "secret key" if damage == "no secret key" else "keyring"
    assert served.stderr.startswith("ryoken: ") and expected in served.stderr
    assert "Traceback" not in served.stderr + served.stdout


@pytest.mark.parametrize("damage", ["missing", "corrupt", "no secret key"])
def test_it_stops_the_watcher_with_one_clear_line(tmp_path, damage):
    env = _office_with_damaged_keyring(tmp_path, damage)
    watched = subprocess.run(
        [sys.executable, "-m", "ryoken.cli", "watch", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert watched.returncode == 3
    expected = "secret key" if damage == "no secret key" else "keyring"
    assert watched.stderr.startswith("ryoken: ") and expected in watched.stderr
    assert "Traceback" not in watched.stderr + watched.stdout
    assert watched.stdout == ""  # not one pass ran


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("RYOKEN_BREAKGLASS_PURPOSES", "counter_clerk=read_everything", "read_everything"),
        ("RYOKEN_BREAKGLASS_PURPOSES", "janitor=status_inquiry", "janitor"),
        ("RYOKEN_BREAKGLASS_PER_DAY", "three", "whole number"),
        ("RYOKEN_BREAKGLASS_MINUTES", "0", "at least 1"),
        ("RYOKEN_MATCH_NO_MATCH_PER_TASK", "-1", "at least 1"),
    ],
)
def test_a_bad_break_glass_policy_stops_start_up_not_a_request(
    keys_dir, db, monkeypatch, name, value, said
):
    from ryoken.errors import ConfigurationError
    from ryoken.web.checks import startup_checks

    monkeypatch.setenv(name, value)
    found = [m for m in checks.run_checks(tags=["ryoken"]) if m.id == "ryoken.E030"]
    assert len(found) == 1 and name in found[0].msg and said in found[0].msg
    with pytest.raises(ConfigurationError, match=name):
        startup_checks()


def test_the_default_break_glass_policy_passes(keys_dir, monkeypatch):
    monkeypatch.setenv("RYOKEN_BREAKGLASS_PURPOSES", "counter_clerk=;reviewer=status_inquiry")
    assert "ryoken.E030" not in _ids()
