"""The idle timeout, with at most one session write a minute.

A session ends after `SESSION_COOKIE_AGE` (RYOKEN_IDLE_MINUTES) without a request: the
database session's expiry date is set whenever the session is saved. Saving it on every
request (`SESSION_SAVE_EVERY_REQUEST`) costs a database write per page; instead, a request
marks the session modified only when the last refresh is `SESSION_REFRESH_SECONDS` old, so a
busy clerk's session is written about once a minute and an idle one still ends on time (at
most that many seconds early).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ryoken import clock

SEEN_KEY = "_ryoken_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.refresh = int(getattr(settings, "SESSION_REFRESH_SECONDS", 60))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session that exists and holds something (a login) is kept alive.
        if session is not None and session.session_key and not session.is_empty():
            now = int(clock.timestamp())
            if now - int(session.get(SEEN_KEY, 0)) >= self.refresh:
                session[SEEN_KEY] = now  # modified: SessionMiddleware saves it, expiry renewed
        return response
