"""Every privacy-office screen refuses strangers and roles without its capability."""

from __future__ import annotations

import pytest

from ryoken.web.accounts.access import CAPABILITIES
from ryoken.web.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)

# (method, url, capability): every view of /watch/ (objects need not exist: 403 comes first).
VIEWS = [
    ("get", "/watch/", "watch.read"),
    ("post", "/watch/run/", "watch.cases"),
    ("get", "/watch/case/1/", "watch.read"),
    ("post", "/watch/case/1/triage/", "watch.cases"),
    ("post", "/watch/case/1/note/", "watch.cases"),
    ("get", "/watch/staff/", "watch.read"),
    ("get", "/watch/staff/counterclerk/", "watch.read"),
    ("get", "/watch/staff/counterclerk/timeline.csv", "watch.read"),
    ("get", "/watch/staff/counterclerk/exposure/", "watch.read"),
    ("get", "/watch/canaries/", "watch.cases"),
    ("post", "/watch/canaries/place/", "watch.cases"),
    ("get", "/watch/watchlist/", "watch.cases"),
    ("post", "/watch/watchlist/1/remove/", "watch.cases"),
    ("get", "/watch/fairness/", "watch.read"),
]


def test_it_lists_every_watch_url():
    from django.urls import get_resolver

    resolver = get_resolver()
    names = {
        p.name
        for r in resolver.url_patterns
        if getattr(r, "namespace", None) == "watch"
        for p in r.url_patterns
    }
    assert len(names) == len(VIEWS)


@pytest.mark.parametrize(("method", "url", "capability"), VIEWS)
def test_it_denies_the_stranger(method, url, capability, client, stranger, login_as):
    login_as(stranger)
    assert getattr(client, method)(url).status_code == 403


@pytest.mark.parametrize(("method", "url", "capability"), VIEWS)
def test_it_denies_the_wrong_roles(method, url, capability, client, personas, login_as):
    for role in Role.values:
        if role in CAPABILITIES[capability]:
            continue
        login_as(personas[role])
        response = getattr(client, method)(url)
        assert response.status_code == 403, (role, url)
        assert "この画面を利用する権限がありません。" in response.content.decode()
        client.logout()


def test_it_lets_the_auditor_read_but_not_triage(client, personas, login_as):
    login_as(personas["auditor"])
    assert client.get("/watch/").status_code == 200
    assert client.get("/watch/fairness/").status_code == 200
    assert client.post("/watch/case/1/triage/", {"to": "investigating"}).status_code == 403
