"""Who signs and who witnesses, from the environment: bad settings fail loudly."""

from __future__ import annotations

import re

import pytest

from ryoken.audit import notes
from ryoken.errors import ConfigurationError
from ryoken.web.ledger import signing, witnesses


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RYOKEN_LEDGER_SIGNER", "vault", "must be `file` or `pkcs11`"),
        ("RYOKEN_LEDGER_ORIGIN", "ryoken ledger", "RYOKEN_LEDGER_ORIGIN"),
        ("RYOKEN_WITNESSES", "ftp://x.example/w k", "is not `<http(s) URL prefix> <vkey>`"),
        ("RYOKEN_WITNESSES", "https://x.example/w not-a-vkey", "RYOKEN_WITNESSES"),
    ],
)
def test_it_refuses_bad_settings_with_a_clear_message(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    read = {
        "RYOKEN_LEDGER_SIGNER": signing.backend,
        "RYOKEN_LEDGER_ORIGIN": signing.origin,
        "RYOKEN_WITNESSES": witnesses.configured,
    }[name]
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        read()


def test_it_refuses_a_log_key_where_a_cosigner_key_belongs(monkeypatch):
    log_key = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    monkeypatch.setenv("RYOKEN_WITNESSES", f"https://x.example/w {log_key}")
    with pytest.raises(ConfigurationError, match="not a cosigner key"):
        witnesses.configured()


def test_it_names_the_missing_hsm_settings(monkeypatch):
    monkeypatch.setenv("RYOKEN_LEDGER_SIGNER", "pkcs11")
    for name in ("RYOKEN_PKCS11_MODULE", "RYOKEN_PKCS11_TOKEN", "RYOKEN_PKCS11_PIN_FILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="needs RYOKEN_PKCS11_MODULE, RYOKEN_PKCS11_TOKEN"):
        signing.signer()


def test_it_reads_several_witnesses_and_checks_each_key_id(monkeypatch):
    key = notes.parse_vkey(
        "audit.pref.example.lg.jp/w1+92121f4f+BBIxkVHpjRp+xtHU4pxjWW9N1oVCnZu6PT2rnLBJRkUG"
    )
    monkeypatch.setenv(
        "RYOKEN_WITNESSES",
        f"https://a.example/w/ {key.text()}; http://127.0.0.1:1/b {key.text()}\n",
    )
    configured = witnesses.configured()
    assert [c.endpoint for c in configured] == [
        "https://a.example/w/add-checkpoint",
        "http://127.0.0.1:1/b/add-checkpoint",
    ]
    wrong_id = key.text().replace("+92121f4f+", "+2d2d8f6f+")
    monkeypatch.setenv("RYOKEN_WITNESSES", f"https://a.example/w {wrong_id}")
    with pytest.raises(ConfigurationError, match="key ID does not match"):
        witnesses.configured()


def test_check_deploy_warns_about_defaults_that_leave_the_dba_in_charge(monkeypatch):
    from ryoken.web.ledger.signing_checks import check_signing_deployment

    for name in ("RYOKEN_WITNESSES", "RYOKEN_LEDGER_ORIGIN", "RYOKEN_LEDGER_SIGNER"):
        monkeypatch.delenv(name, raising=False)
    assert {m.id for m in check_signing_deployment()} == {
        "ryoken.W010",  # no external witness
        "ryoken.W011",  # the default origin
        "ryoken.W012",  # a key file nobody chose
    }
    monkeypatch.setenv("RYOKEN_LEDGER_SIGNER", "file")
    monkeypatch.setenv("RYOKEN_LEDGER_ORIGIN", "passport.pref.example.lg.jp/ryoken")
    key = "audit.pref.example.lg.jp/w1+92121f4f+BBIxkVHpjRp+xtHU4pxjWW9N1oVCnZu6PT2rnLBJRkUG"
    monkeypatch.setenv("RYOKEN_WITNESSES", f"https://audit.pref.example.lg.jp/w {key}")
    assert check_signing_deployment() == []
