"""Checkpoints signed inside a PKCS#11 token: SoftHSM2 through python-pkcs11.

A token is created with `softhsm2-util` in a temporary directory (SOFTHSM2_CONF), the key is
generated inside it with `ryoken audit hsm-keygen`, and the ledger then signs through it.
Skips, saying why, where SoftHSM2 is not installed (scripts/system-deps.sh installs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ryoken.audit import checkpoints as cps
from ryoken.audit import notes
from ryoken.audit.hsm import Pkcs11Signer, generate_hsm_key
from ryoken.audit.signers import verifier_key
from ryoken.cli import main
from ryoken.errors import ConfigurationError, KeyUnavailable
from ryoken.web.ledger import audit, paths, signing, store

from .ledger_helpers import T0, event

MODULES = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]
MODULE = next((m for m in MODULES if Path(m).exists()), None)
pytestmark = pytest.mark.skipif(
    MODULE is None or shutil.which("softhsm2-util") is None,
    reason="SoftHSM2 is not installed (Debian package softhsm2; scripts/system-deps.sh)",
)
PIN = "246810"
ORIGIN = "passport.pref.example.lg.jp/ryoken"


TOKENS = ["ryoken-1", "ryoken-2", "ryoken-3", "ryoken-4"]
_unused = list(TOKENS)


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory) -> Iterator[Path]:
    """One SoftHSM2 store for this module, with a fresh token per test.

    The PKCS#11 library reads SOFTHSM2_CONF once, when python-pkcs11 first loads it in this
    process, so the tokens are all made before that.
    """
    home = tmp_path_factory.mktemp("softhsm")
    (home / "tokens").mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    saved = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    for label in TOKENS:
        init = ["softhsm2-util", "--init-token", "--free", "--label", label]
        subprocess.run(
            [*init, "--pin", PIN, "--so-pin", "13579135"],
            check=True,
            capture_output=True,
        )
    pin_file = home / "pin"
    pin_file.write_text(PIN + "\n")
    pin_file.chmod(0o600)
    yield pin_file
    if saved is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = saved


@pytest.fixture
def token(softhsm, monkeypatch) -> Iterator[str]:
    label = _unused.pop(0)  # a token no other test has touched
    monkeypatch.setenv("RYOKEN_LEDGER_ORIGIN", ORIGIN)
    monkeypatch.setenv("RYOKEN_LEDGER_SIGNER", "pkcs11")
    monkeypatch.setenv("RYOKEN_PKCS11_MODULE", str(MODULE))
    monkeypatch.setenv("RYOKEN_PKCS11_TOKEN", label)
    monkeypatch.setenv("RYOKEN_PKCS11_KEY", "ledger")
    monkeypatch.setenv("RYOKEN_PKCS11_PIN_FILE", str(softhsm))
    signing.forget()
    yield label
    signing.forget()


def test_it_signs_checkpoints_that_verify_with_the_tokens_public_key(token) -> None:
    raw = generate_hsm_key(str(MODULE), token, "ledger", PIN)
    signer = Pkcs11Signer(str(MODULE), token, "ledger", PIN, ORIGIN)
    assert notes.raw_public_key(signer.public_key()) == raw
    root = bytes(range(32))
    cp = cps.sign_note_checkpoint(signer, 42, root, T0)
    assert cps.verify_checkpoint(signer.public_key(), cp)
    text, sigs = notes.parse_note(cps.checkpoint_note(cp, signer.public_key()))
    assert notes.verify_signature(verifier_key(signer), text, sigs[0])
    # Ed25519 is deterministic: the token's signature is the one RFC 8032 defines
    assert signer.sign(b"same message") == signer.sign(b"same message")


def test_it_refuses_a_second_key_under_one_label_and_a_wrong_pin(token) -> None:
    generate_hsm_key(str(MODULE), token, "ledger", PIN)
    with pytest.raises(ConfigurationError, match="already holds"):
        generate_hsm_key(str(MODULE), token, "ledger", PIN)
    with pytest.raises(KeyUnavailable, match="PinIncorrect"):
        Pkcs11Signer(str(MODULE), token, "ledger", "000000", ORIGIN)


def test_it_says_which_key_is_missing(token) -> None:
    with pytest.raises(ConfigurationError, match="no Ed25519 public key labelled 'absent'"):
        Pkcs11Signer(str(MODULE), token, "absent", PIN, ORIGIN)


@pytest.mark.django_db(transaction=True)
def test_the_ledger_signs_through_the_hsm_and_verifies(ledger_db, token, capsys) -> None:
    # ledger_db (before `token`) made a file key; with the HSM, the .pub must be the HSM's
    paths.public_key_path().unlink()
    paths.signing_key_path().unlink()
    assert main(["audit", "hsm-keygen"]) == 0
    vkey = notes.parse_vkey(capsys.readouterr().out.strip())
    from ryoken.web.ledger.checkpoints import create_signing_key

    assert create_signing_key() == [str(paths.public_key_path())]
    assert not paths.signing_key_path().exists()  # no private key on this server's disk
    for i in range(20):
        store.record(event(i))
    assert main(["audit", "checkpoint"]) == 0
    report = audit.verify()
    assert report.ok, report.problems
    assert main(["audit", "note"]) == 0
    text, sigs = notes.parse_note(capsys.readouterr().out.split("\n", 1)[1])
    assert text.startswith(f"{ORIGIN}\n20\n")
    assert notes.verify_signature(vkey, text, sigs[0])
