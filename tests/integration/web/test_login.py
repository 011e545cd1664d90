"""Login: password, then TOTP; lockout; logout; every login in the ledger."""

from __future__ import annotations

import pytest

from ryoken.web.accounts.services import current_code
from ryoken.web.ledger.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)


def _password(client, username, password="correct-horse-battery-staple"):
    return client.post("/login/", {"username": username, "password": password})


def test_it_logs_in_with_password_then_code(client, make_staff, keys_dir):
    alice = make_staff("counter_clerk", username="alice")
    response = _password(client, "alice")
    assert response.status_code == 302 and "/login/code/" in response["Location"]
    response = client.post("/login/code/", {"token": current_code(alice.device)})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "業務メニュー" in home.content.decode()
    assert Entry.objects.filter(code="auth.login", actor="alice").exists()


def test_it_refuses_a_wrong_code_and_records_it(client, make_staff, keys_dir):
    make_staff("counter_clerk", username="alice")
    _password(client, "alice")
    response = client.post("/login/code/", {"token": "000000"})
    assert "確認コードが正しくありません" in response.content.decode()
    assert client.get("/").status_code == 302  # still not logged in
    assert Entry.objects.filter(code="auth.login_failed", actor="alice").exists()


def test_it_does_not_let_a_password_alone_in(client, make_staff, keys_dir):
    make_staff("counter_clerk", username="alice")
    _password(client, "alice")
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_locks_an_account_after_repeated_failures(client, make_staff, keys_dir):
    make_staff("counter_clerk", username="alice")
    for _ in range(5):
        _password(client, "alice", "wrong-password-123")
    response = _password(client, "alice")  # the right password, too late
    assert response.status_code in (403, 429) or "ロック" in response.content.decode()
    assert "/login/code/" not in response.get("Location", "")


def test_it_logs_out(client, make_staff, keys_dir, login_as):
    alice = make_staff("counter_clerk", username="alice")
    login_as(alice)
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_it_tells_a_clerk_with_expired_training_why_they_cannot_act(
    client, make_staff, keys_dir, login_as
):
    from datetime import date

    bob = make_staff("counter_clerk", username="bob", qualified_until=date(2020, 1, 1))
    login_as(bob)
    response = client.get("/")
    assert response.status_code == 403
    assert "個人情報保護研修" in response.content.decode()


def test_it_ends_access_when_the_contract_ends(client, make_staff, keys_dir, login_as):
    from datetime import date, timedelta

    from django.utils import timezone

    ended = timezone.localdate() - timedelta(days=1)
    carol = make_staff(
        "counter_clerk", username="carol", contract_start=date(2020, 1, 1), contract_end=ended
    )
    login_as(carol)
    response = client.get("/")
    assert response.status_code == 403
    assert "契約期間" in response.content.decode()


def test_it_denies_a_stranger(client, stranger, keys_dir, login_as):
    login_as(stranger)
    response = client.get("/")
    assert response.status_code == 403
    assert "職員として登録されていません" in response.content.decode()


def test_it_never_keeps_the_text_of_an_unknown_username(client, make_staff, keys_dir):
    make_staff("counter_clerk", username="alice")
    typed = "Tr0ub4dor&3-my-password"  # a password typed into the user field
    for _ in range(2):
        client.post("/login/", {"username": typed, "password": "whatever-1234"})
    client.post("/login/", {"username": "alice", "password": "wrong-password-1"})
    failed = list(Entry.objects.filter(code="auth.login_failed").order_by("seq"))
    assert len(failed) == 3
    for entry in failed:
        assert typed not in bytes(entry.data).decode() and typed not in entry.actor
    unknown = {e.actor for e in failed[:2]}
    assert len(unknown) == 1 and unknown.pop().startswith("unknown:")  # one actor, keyed
    assert failed[2].actor == "alice"  # a known account keeps its name
