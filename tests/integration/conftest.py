"""Integration fixtures live in tests/conftest.py (shared with the browser tests); the
external witness's fixtures are here (tests/integration/test_external_witness.py and
test_go_interop.py use them)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

WITNESS_NOW = 1_796_000_000  # the witness's clock in these tests (cosignature timestamps)


@pytest.fixture
def witness_now() -> int:
    return WITNESS_NOW


@pytest.fixture
def origin(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RYOKEN_LEDGER_ORIGIN", "passport.pref.example.lg.jp/ryoken")
    return "passport.pref.example.lg.jp/ryoken"


@pytest.fixture
def bureau(ledger_db, origin, tmp_path, monkeypatch, capsys) -> Iterator[Path]:
    """A witness directory trusting our vkey, served on 127.0.0.1, listed in RYOKEN_WITNESSES."""
    from ryoken.cli import main
    from ryoken.cli import witness as witness_cli

    directory = tmp_path / "bureau"
    assert (
        main(["witness", "init", "--dir", str(directory), "--name", "audit.pref.example/w1"]) == 0
    )
    witness_vkey = capsys.readouterr().out.strip()
    assert main(["audit", "vkey"]) == 0
    log_vkey = capsys.readouterr().out.strip()
    assert main(["witness", "trust", "--dir", str(directory), log_vkey]) == 0
    capsys.readouterr()
    server = witness_cli.serve(directory, "127.0.0.1", 0, "/w", now=lambda: WITNESS_NOW, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/w"
    monkeypatch.setenv("RYOKEN_WITNESSES", f"{url} {witness_vkey}")
    yield directory
    server.shutdown()
    server.server_close()
