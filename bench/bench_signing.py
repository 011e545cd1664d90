"""Checkpoint signing and witnessing: what the HSM and the witness cost.

- signing one checkpoint note: the key-file signer and the PKCS#11 signer (SoftHSM2, a new
  session per signature, as in production) against the raw Ed25519 primitive of
  `cryptography`;
- a witness's add-checkpoint decision (parse, verify the log's signature, check a consistency
  proof, persist, cosign) in process, and over loopback HTTP with the stdlib server,
  against a plain GET of the same server (the HTTP round trip alone).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.common import Row, per_second, percentiles, report
from ryoken.audit import checkpoints as cps
from ryoken.audit import merkle
from ryoken.audit import witness as wit
from ryoken.audit.signers import KeyFileSigner, verifier_key

ORIGIN = "bench.example/ryoken"
AT = datetime(2026, 12, 7, tzinfo=UTC)
ROOT = hashlib.sha256(b"root").digest()
SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def _softhsm_signer(home: Path) -> object | None:
    if not (Path(SOFTHSM).exists() and shutil.which("softhsm2-util")):
        return None
    (home / "tokens").mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {home / 'tokens'}\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    init = ["softhsm2-util", "--init-token", "--free", "--label", "bench"]
    subprocess.run(
        [*init, "--pin", "1234", "--so-pin", "5678"],
        check=True,
        capture_output=True,
    )
    from ryoken.audit.hsm import Pkcs11Signer, generate_hsm_key

    generate_hsm_key(SOFTHSM, "bench", "ledger", "1234")
    return Pkcs11Signer(SOFTHSM, "bench", "ledger", "1234", ORIGIN)


def _signing_rows(home: Path) -> list[Row]:
    key = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
    message = cps.checkpoint_message(1_000_000, ROOT, AT, ORIGIN)
    raw = per_second(lambda: [key.sign(message) for _ in range(2000)], 2000)
    file_signer = KeyFileSigner(key, ORIGIN)
    rows = [
        Row(
            "checkpoint note, key-file signer (sign + self-check)",
            per_second(
                lambda: [
                    cps.sign_note_checkpoint(file_signer, 10**6, ROOT, AT) for _ in range(500)
                ],
                500,
            ),
            "raw Ed25519 sign",
            raw,
            "checkpoints/s",
        )
    ]
    hsm = _softhsm_signer(home)
    if hsm is not None:
        rows.append(
            Row(
                "checkpoint note, PKCS#11 signer (SoftHSM2, session per sign)",
                per_second(
                    lambda: [cps.sign_note_checkpoint(hsm, 10**6, ROOT, AT) for _ in range(200)],  # type: ignore[arg-type]
                    200,
                ),
                "raw Ed25519 sign",
                raw,
                "checkpoints/s",
            )
        )
    return rows


class _State:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, bytes]] = {}

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        return self.rows.get(origin)

    def record(self, origin: str, size: int, root: bytes, note: str) -> None:
        self.rows[origin] = (size, root)


def _requests(log: KeyFileSigner, count: int) -> list[bytes]:
    """A chain of add-checkpoint bodies, each extending the last by 1,000 leaves."""
    hashes = [merkle.leaf_hash(b"%d" % i) for i in range(count * 1000)]
    bodies, old = [], 0
    for n in range(1, count + 1):
        size = n * 1000
        cp = cps.sign_note_checkpoint(log, size, merkle.root_of_hashes(hashes[:size]), AT)
        proof = merkle.consistency_proof_of_hashes(hashes[:size], old) if old else []
        bodies.append(
            wit.format_add_checkpoint(old, proof, cps.checkpoint_note(cp, log.public_key()))
        )
        old = size
    return bodies


def _witness_rows(home: Path) -> list[Row]:
    from ryoken.cli import witness as witness_cli

    log = KeyFileSigner(Ed25519PrivateKey.from_private_bytes(b"\x02" * 32), ORIGIN)
    cosigner = KeyFileSigner(Ed25519PrivateKey.from_private_bytes(b"\x03" * 32), "bench/w")
    count = 100
    bodies = _requests(log, count)

    def in_process() -> None:
        w = wit.Witness(cosigner, {ORIGIN: [verifier_key(log)]}, _State())
        for body in bodies:
            assert w.add_checkpoint(body, now=1).status == 200

    rate = per_second(in_process, count)
    # over HTTP, with the file state (fsync per request) as `ryoken witness serve` runs
    directory = home / "witness"
    directory.mkdir()
    (directory / "witness.pem").write_bytes(cps.generate_signing_key()[0])
    (directory / "witness.pem").chmod(0o600)
    vkey = verifier_key(log).text()
    (directory / "config.json").write_text(f'{{"name": "bench/w", "logs": ["{vkey}"]}}')
    server = witness_cli.serve(directory, "127.0.0.1", 0, now=lambda: 1, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    posts, gets = [], []
    for body in bodies:
        start = time.perf_counter()
        request = urllib.request.Request(  # noqa: S310 - loopback, http
            url + "/add-checkpoint", data=body, method="POST"
        )
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            answer.read()
        posts.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        with urllib.request.urlopen(url + "/") as answer:  # noqa: S310
            answer.read()
        gets.append((time.perf_counter() - start) * 1000)
    server.shutdown()
    server.server_close()
    p, g = percentiles(posts), percentiles(gets)
    return [
        Row("witness add-checkpoint, in process", rate, "-", None, "checkpoints/s"),
        Row("witness over loopback HTTP, p50", p[50], "GET of the same server", g[50], "ms"),
        Row("witness over loopback HTTP, p95", p[95], "GET of the same server", g[95], "ms"),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        report("Checkpoint signing (C2SP note, Ed25519)", _signing_rows(home))
        report("External witness (C2SP tlog-witness)", _witness_rows(home))


if __name__ == "__main__":
    main()
