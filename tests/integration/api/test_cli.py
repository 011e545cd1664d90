"""`ryoken api client add|list|revoke`: the token is printed once and works until revoked."""

from __future__ import annotations

import pytest

from ryoken.cli import main
from ryoken.web.api.models import ApiClient

from .conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _token(out: str) -> str:
    return next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("token: "))


def test_it_adds_a_client_whose_token_works_until_revoked(client, ledger_db, capsys):
    code, out, _ = _run(capsys, "api", "client", "add", "lobby-kiosk", "--kind", "kiosk")
    assert code == 0
    token = _token(out)
    stored = ApiClient.objects.get(name="lobby-kiosk")
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    path = "/api/kiosk/queue"
    assert client.get(path, **bearer(token)).status_code == 200

    code, out, _ = _run(capsys, "api", "client", "list")
    assert code == 0
    assert "lobby-kiosk" in out and "active" in out and token not in out

    code, out, _ = _run(capsys, "api", "client", "revoke", "lobby-kiosk")
    assert code == 0 and "revoked" in out
    assert client.get(path, **bearer(token)).status_code == 401
    _, out, _ = _run(capsys, "api", "client", "list")
    assert "revoked" in out


def test_it_refuses_a_second_client_with_the_same_name(capsys):
    _run(capsys, "api", "client", "add", "mfp-2f", "--kind", "copier")
    code, out, err = _run(capsys, "api", "client", "add", "mfp-2f", "--kind", "copier")
    assert code == 2
    assert "already exists" in err and "token" not in out
    assert ApiClient.objects.filter(name="mfp-2f").count() == 1


def test_it_says_when_there_is_no_such_client_to_revoke(capsys):
    code, _, err = _run(capsys, "api", "client", "revoke", "nobody")
    assert code == 2 and "no API client named 'nobody'" in err


def test_it_gives_each_client_a_different_token(capsys):
    _, first, _ = _run(capsys, "api", "client", "add", "a", "--kind", "badge")
    _, second, _ = _run(capsys, "api", "client", "add", "b", "--kind", "badge")
    assert _token(first) != _token(second)
