"""Headers and cookies a security review checks: CSP, clickjacking, CSRF, session fixation."""

from __future__ import annotations

import pytest
from django.test import Client

from ryoken.web.accounts.services import current_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_sends_a_strict_content_security_policy(client):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp


def test_it_refuses_to_be_framed_and_sniffed(client):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_it_rejects_a_login_post_without_a_csrf_token(make_staff, keys_dir):
    make_staff("counter_clerk", username="alice")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/login/", {"username": "alice", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 403


def test_it_issues_a_new_session_at_login(client, make_staff, keys_dir):
    alice = make_staff("counter_clerk", username="alice")
    client.get("/login/")
    client.cookies["sessionid"] = "attacker-chosen-session-id"
    client.post("/login/", {"username": "alice", "password": "correct-horse-battery-staple"})
    client.post("/login/code/", {"token": current_code(alice.device)})
    assert client.get("/").status_code == 200
    assert client.cookies["sessionid"].value != "attacker-chosen-session-id"


def test_it_marks_the_session_cookie_httponly_and_strict(client, make_staff, keys_dir):
    alice = make_staff("counter_clerk", username="alice")
    client.post("/login/", {"username": "alice", "password": "correct-horse-battery-staple"})
    client.post("/login/code/", {"token": current_code(alice.device)})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"


def test_it_passes_check_deploy_with_production_settings(tmp_path):
    """`manage.py check --deploy` is clean (no warnings) with production settings."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "RYOKEN_"))}
    env["RYOKEN_DATA_DIR"] = str(tmp_path / "data")
    env["RYOKEN_WITNESS_PATH"] = str(tmp_path / "auditor" / "witness.log")
    # who signs and who witnesses, as docs/operations.md sets them (a key file chosen on
    # purpose here; the witness is not contacted by `check`)
    env["RYOKEN_LEDGER_ORIGIN"] = "passport.pref.example.lg.jp/ryoken"
    env["RYOKEN_LEDGER_SIGNER"] = "file"
    env["RYOKEN_WITNESSES"] = (
        "https://audit.pref.example.lg.jp/witness "
        "audit.pref.example.lg.jp/w1+92121f4f+BBIxkVHpjRp+xtHU4pxjWW9N1oVCnZu6PT2rnLBJRkUG"
    )
    # A production office runs on PostgreSQL, migrated and guarded by `ryoken init` (the
    # append-only triggers are a deploy check): a database of its own for this test.
    import psycopg

    server = env.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    name = f"ryoken_deploy_check_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    try:
        init = subprocess.run(
            [sys.executable, "-m", "ryoken.cli", "init"], env=env, capture_output=True, timeout=300
        )
        assert init.returncode == 0, init.stderr
        check = subprocess.run(
            [
                sys.executable,
                "-m",
                "django",
                "check",
                "--deploy",
                "--fail-level",
                "WARNING",
                "--settings=ryoken.web.settings",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout
