"""The idle timeout: a session ends RYOKEN_IDLE_MINUTES after its last use, and a busy
session is written at most once a minute (not on every page)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)


def _session_writes(queries) -> int:
    return sum(
        1
        for q in queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_page_within_the_minute_does_not_write_the_session(client, make_staff, login_as):
    clerk = make_staff("counter_clerk")
    login_as(clerk)
    assert client.get("/").status_code == 200  # the first page stamps the session
    with CaptureQueriesContext(connection) as first:
        assert client.get("/").status_code == 200
    assert _session_writes(first.captured_queries) == 0


@pytest.mark.clock("2026-11-26T10:00:00+09:00")
def test_a_page_after_the_minute_renews_the_expiry(client, make_staff, login_as, pinned_clock):
    clerk = make_staff("counter_clerk")
    login_as(clerk)
    client.get("/")
    before = _expiry(client)
    pinned_clock.shift(settings.SESSION_REFRESH_SECONDS + 1)
    with CaptureQueriesContext(connection) as renewed:
        assert client.get("/").status_code == 200
    assert _session_writes(renewed.captured_queries) == 1
    assert _expiry(client) >= before


def test_an_idle_session_ends_and_the_next_page_asks_for_a_login(client, make_staff, login_as):
    clerk = make_staff("counter_clerk")
    login_as(clerk)
    assert client.get("/").status_code == 200
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - idle + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
