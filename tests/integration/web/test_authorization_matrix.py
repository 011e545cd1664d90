"""Every view × every role, plus a stranger, an anonymous visitor, an expired qualification
and an ended contract. Views are found by walking the URL configuration: a view added
without `@requires(...)` fails `test_it_protects_every_staff_view`."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from ryoken.web.accounts.access import CAPABILITIES
from ryoken.web.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)

# Views that are public on purpose (login, language switch, health, kiosk terminal, API).
PUBLIC = {"login", "login_otp", "logout", "set_language", "healthz", "favicon"}
PUBLIC_PREFIXES = ("api/", "counter/kiosk")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _concrete(route: str) -> str:
    """A URL for the route with placeholder arguments (objects will not exist: 404 is fine)."""
    route = re.sub(r"<int:[^>]+>", "999999", route)
    route = re.sub(r"<[^>]+>", "zz-missing", route)
    return "/" + route.lstrip("^").rstrip("$")


def staff_views():
    out = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if pattern.name in PUBLIC or route.startswith(PUBLIC_PREFIXES):
            continue
        out.append((route, pattern))
    return out


def test_it_protects_every_staff_view():
    unprotected = [
        route for route, p in staff_views() if getattr(p.callback, "capability", None) is None
    ]
    assert unprotected == []


def _cases():
    for route, pattern in staff_views():
        yield pytest.param(route, pattern.callback.capability, id=route or "home")


@pytest.mark.parametrize(("route", "capability"), list(_cases()))
def test_it_lets_only_the_right_roles_in(route, capability, client, personas, keys_dir, login_as):
    url = _concrete(route)
    for role in Role.values:
        login_as(personas[role])
        response = client.get(url)
        allowed = role in CAPABILITIES[capability]
        if allowed:
            assert response.status_code != 403, (role, url)
        else:
            assert response.status_code == 403, (role, url, response.status_code)
        client.logout()


@pytest.mark.parametrize(("route", "capability"), list(_cases()))
def test_it_denies_strangers_and_the_anonymous(
    route, capability, client, stranger, keys_dir, login_as
):
    url = _concrete(route)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    login_as(stranger)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("route", "capability"), list(_cases()))
def test_it_denies_expired_qualifications_and_ended_contracts(
    route, capability, client, make_staff, keys_dir, login_as
):
    role = sorted(CAPABILITIES[capability])[0]
    url = _concrete(route)
    expired = make_staff(role, qualified_until=date(2020, 1, 1))
    login_as(expired)
    assert client.get(url).status_code == 403
    client.logout()
    ended = make_staff(
        role,
        contract_start=date(2020, 1, 1),
        contract_end=timezone.localdate() - timedelta(days=1),
    )
    login_as(ended)
    assert client.get(url).status_code == 403
