"""Every pickup, loss and print view: a stranger and every role without the capability are
denied before anything is looked up; the roles that hold it get past the door."""

from __future__ import annotations

import pytest
from django.urls import resolve

from ryoken.web.accounts.access import CAPABILITIES
from ryoken.web.accounts.models import Role

pytestmark = pytest.mark.django_db

G = "gr_0000000000000000000"
# (method, path, the capability the view must demand)
VIEWS = [
    ("get", "/pickup/", "counter.serve"),
    ("post", f"/pickup/close/{G}/", "counter.serve"),
    ("get", f"/pickup/photo/{G}/ds_000000000000000000000000/", "counter.serve"),
    ("get", f"/pickup/serve/{G}/", "counter.pickup"),
    ("get", f"/pickup/serve/{G}/1/", "counter.pickup"),
    ("post", f"/pickup/serve/{G}/1/match/", "counter.pickup"),
    ("post", f"/pickup/serve/{G}/1/issue/", "counter.pickup"),
    ("get", f"/pickup/loss/{G}/", "counter.serve"),
    ("post", f"/pickup/loss/{G}/search/", "counter.serve"),
    ("post", f"/pickup/loss/{G}/choose/", "counter.serve"),
    ("post", f"/pickup/loss/{G}/file/", "counter.serve"),
    ("get", "/pickup/prints/", "counter.print"),
    ("get", "/pickup/prints/new/", "counter.print"),
    ("post", "/pickup/prints/pj_0000000000000000/reprint/", "counter.print"),
    ("get", "/pickup/copies/new/", "counter.print"),
    ("get", "/pickup/copies/pj_0000000000000000/", "counter.print"),
]


def test_it_covers_every_view_of_the_area():
    from ryoken.web.counter import pickup_urls

    assert {resolve(path).url_name for _, path, _ in VIEWS} == {
        p.name for p in pickup_urls.urlpatterns
    }


@pytest.mark.parametrize(("method", "path", "capability"), VIEWS)
def test_it_names_the_capability_each_view_needs(method, path, capability):
    assert resolve(path).func.capability == capability


@pytest.mark.parametrize(("method", "path", "capability"), VIEWS)
def test_it_denies_a_stranger(client, stranger, login_as, method, path, capability):
    response = getattr(login_as(stranger), method)(path)
    assert response.status_code == 403
    assert "職員として登録されていません" in response.content.decode()


@pytest.mark.parametrize(("method", "path", "capability"), VIEWS)
def test_it_denies_every_role_without_the_capability(
    client, personas, login_as, method, path, capability
):
    denied = [role for role in Role.values if role not in CAPABILITIES[capability]]
    assert denied  # every capability here is withheld from someone (the auditor at least)
    for role in denied:
        response = getattr(login_as(personas[role]), method)(path)
        assert response.status_code == 403, role
        assert "この画面を利用する権限がありません" in response.content.decode()


@pytest.mark.parametrize(("method", "path", "capability"), VIEWS)
def test_it_lets_the_roles_with_the_capability_past_the_door(
    client, personas, login_as, method, path, capability
):
    """They reach the view; without their own open grant it answers 404 (or a page)."""
    for role in sorted(CAPABILITIES[capability]):
        response = getattr(login_as(personas[role]), method)(path)
        assert response.status_code in (200, 302, 400, 404), (role, response.status_code)


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/pickup/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_denies_a_clerk_whose_contract_ended(make_staff, login_as):
    from datetime import timedelta

    from django.utils import timezone

    ended = timezone.localdate() - timedelta(days=1)
    clerk = make_staff("issuance_clerk", contract_end=ended)
    response = login_as(clerk).get("/pickup/")
    assert response.status_code == 403 and "契約期間" in response.content.decode()
