"""ryoken's checkpoints, vkey and proofs, checked by Go's golang.org/x/mod/sumdb/note and
sumdb/tlog (Debian: golang-go, golang-golang-x-mod-dev; scripts/system-deps.sh installs them).

The Go program (interop/verify_checkpoint.go) is built offline from the Debian package in
GOPATH mode (GO111MODULE=off, GOPATH=/usr/share/gocode, GOPROXY=off, GOFLAGS cleared): the
module cache and the network are never used. Skips, saying why, where Go or the package is
missing.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ryoken.audit.tree import consistency_proof_at
from ryoken.cli import main
from ryoken.web.ledger import audit, store
from ryoken.web.ledger.models import Entry

from .ledger_helpers import event

GOPATH = Path("/usr/share/gocode")
GO = shutil.which("go")
pytestmark = [
    pytest.mark.skipif(GO is None, reason="Go is not installed (Debian package golang-go)"),
    pytest.mark.skipif(
        not (GOPATH / "src/golang.org/x/mod/sumdb/note/note.go").exists(),
        reason="golang.org/x/mod is not installed (Debian package golang-golang-x-mod-dev)",
    ),
    pytest.mark.django_db(transaction=True),
]
PROGRAM = Path(__file__).parent / "interop" / "verify_checkpoint.go"


def go_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        GO111MODULE="off",
        GOPATH=str(GOPATH),
        GOPROXY="off",
        GOFLAGS="",
        GOTOOLCHAIN="local",
        GOCACHE=os.environ.get("GOCACHE", str(tmp_path / "gocache")),
    )
    return env


def run_go(tmp_path: Path, payload: dict[str, object]) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "interop"
    work.mkdir()
    shutil.copy(PROGRAM, work / "main.go")
    (work / "input.json").write_text(json.dumps(payload))
    return subprocess.run(
        [str(GO), "run", "main.go", "input.json"],
        cwd=work,
        env=go_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_go_sumdb_note_and_tlog_accept_our_checkpoints_and_proofs(
    bureau, witness_now, tmp_path, capsys
):
    for i in range(13):
        store.record(event(i))
    assert main(["audit", "checkpoint"]) == 0
    for i in range(13, 37):
        store.record(event(i))
    assert main(["audit", "checkpoint"]) == 0
    capsys.readouterr()
    outputs = {}
    for name, argv in {
        "vkey": ["audit", "vkey"],
        "witness_vkey": ["witness", "vkey", "--dir", str(bureau)],
        "old_note": ["audit", "note", "--size", "13"],
        "note": ["audit", "note"],
    }.items():
        assert main(argv) == 0
        outputs[name] = capsys.readouterr().out
    proof = audit.prove(29)
    leaves = [bytes(d).hex() for d in Entry.objects.order_by("seq").values_list("data", flat=True)]
    consistency = consistency_proof_at(store.DbNodeReader(), 13, 37)
    result = run_go(
        tmp_path,
        {
            "vkey": outputs["vkey"].strip(),
            "old_note": outputs["old_note"],
            "note": outputs["note"],
            "leaves_hex": leaves,
            "index": 29,
            "inclusion_b64": [
                base64.b64encode(bytes.fromhex(h)).decode() for h in proof["inclusion_path_hex"]
            ],
            "consistency_b64": [base64.b64encode(h).decode() for h in consistency],
            "witness_vkey": outputs["witness_vkey"].strip(),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"note.Open: cosignature/v1 by audit.pref.example/w1 at {witness_now}" in result.stdout
    assert "note.Open: passport.pref.example.lg.jp/ryoken size 13 and 37" in result.stdout
    assert "tlog.CheckRecord: entry 29 is in the tree of 37" in result.stdout
    assert "tlog.CheckTree: the tree of 37 extends the tree of 13" in result.stdout
    assert result.stdout.rstrip().endswith("OK")


def test_go_refuses_our_note_under_another_key(ledger_db, origin, tmp_path, capsys):
    """The Go side can fail: a vkey of another key with our name is refused by note.Open."""
    for i in range(3):
        store.record(event(i))
    assert main(["audit", "checkpoint"]) == 0
    capsys.readouterr()
    assert main(["audit", "note"]) == 0
    note = capsys.readouterr().out
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ryoken.audit import notes

    other = notes.vkey(
        "passport.pref.example.lg.jp/ryoken",
        Ed25519PrivateKey.from_private_bytes(b"\x05" * 32).public_key(),
    )
    leaves = [bytes(d).hex() for d in Entry.objects.order_by("seq").values_list("data", flat=True)]
    result = run_go(
        tmp_path,
        {
            "vkey": other,
            "old_note": note,
            "note": note,
            "leaves_hex": leaves,
            "index": 0,
            "inclusion_b64": [],
            "consistency_b64": [],
        },
    )
    assert result.returncode == 1
    assert "note.Open refused the latest checkpoint" in result.stderr
