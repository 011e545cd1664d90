"""`ryoken witness`: the auditor's standalone witness, set up and served as the docs say."""

from __future__ import annotations

import http.client
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ryoken.audit import checkpoints as cps
from ryoken.audit import merkle, notes
from ryoken.audit import witness as wit
from ryoken.audit.signers import KeyFileSigner, verifier_key
from ryoken.cli import main
from ryoken.cli import witness as witness_cli

AT = datetime(2026, 12, 7, tzinfo=UTC)
LOG = KeyFileSigner(Ed25519PrivateKey.from_private_bytes(b"\x07" * 32), "office.example/ryoken")


@pytest.fixture
def directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    d = tmp_path / "w"
    assert main(["witness", "init", "--dir", str(d), "--name", "bureau.example/w1"]) == 0
    capsys.readouterr()
    assert main(["witness", "trust", "--dir", str(d), verifier_key(LOG).text()]) == 0
    capsys.readouterr()
    return d


def test_it_creates_a_private_key_and_prints_a_cosigner_vkey(directory, capsys) -> None:
    assert (directory / "witness.pem").stat().st_mode & 0o777 == 0o600
    assert main(["witness", "vkey", "--dir", str(directory)]) == 0
    key = notes.parse_vkey(capsys.readouterr().out.strip())
    assert key.name == "bureau.example/w1" and key.sig_type == notes.COSIGNATURE_V1
    config = json.loads((directory / "config.json").read_text())
    assert config["logs"] == [verifier_key(LOG).text()]


def test_it_refuses_to_overwrite_a_key_or_trust_a_cosigner_key(directory, capsys) -> None:
    assert main(["witness", "init", "--dir", str(directory), "--name", "x.example/w"]) == 3
    assert "already holds a witness key" in capsys.readouterr().err
    cosigner = notes.VerifierKey.of("x.example/w", LOG.public_key(), notes.COSIGNATURE_V1)
    assert main(["witness", "trust", "--dir", str(directory), cosigner.text()]) == 2
    assert "type 0x01" in capsys.readouterr().err


def test_it_refuses_to_start_with_a_key_others_can_read(directory, capsys) -> None:
    (directory / "witness.pem").chmod(0o644)
    assert main(["witness", "vkey", "--dir", str(directory)]) == 3
    assert "readable by others" in capsys.readouterr().err


def test_it_serves_add_checkpoint_and_persists_its_state(directory) -> None:
    server = witness_cli.serve(directory, "127.0.0.1", 0, "/p", now=lambda: 1234, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        leaves = [b"a", b"b", b"c"]
        cp = cps.sign_note_checkpoint(LOG, 3, merkle.root_hash(leaves), AT)
        body = wit.format_add_checkpoint(0, [], cps.checkpoint_note(cp, LOG.public_key()))
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.request("POST", "/p/add-checkpoint", body)
        answer = conn.getresponse()
        assert answer.status == 200
        text = cps.checkpoint_message(3, cp.root, cp.at, cp.origin).decode()
        wkey = witness_cli.load_witness(directory).verifier_key()
        [(_, ts)] = wit.parse_cosignatures(answer.read(), text, wkey)
        assert ts == 1234
        conn.request("POST", "/p/add-checkpoint", body)  # same request again: old 0 != 3
        again = conn.getresponse()
        assert (again.status, again.read()) == (409, b"3\n")
        assert again.getheader("Content-Type") == "text/x.tlog.size"
        conn.request("POST", "/elsewhere/add-checkpoint", body)
        wrong = conn.getresponse()
        wrong.read()
        assert wrong.status == 404
    finally:
        server.shutdown()
        server.server_close()
    state = json.loads((directory / "state.json").read_text())
    assert state["office.example/ryoken"]["size"] == 3
    assert (directory / "cosigned.log").read_text().startswith("office.example/ryoken\n3\n")
