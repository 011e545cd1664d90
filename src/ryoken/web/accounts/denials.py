"""Denied access leaves a trace: every 403 or 404 on a personal-data area is ledgered.

A clerk probing other applications' URLs gets "missing" and "forbidden" alike (404), by
design; without a record, the probing itself would be invisible. `DeniedAccessMiddleware`
appends an `access.denied` event (the URL's pattern, never its values) for a logged-in user
whose request under a personal-data area was refused, so it shows on the staff member's
timeline. Repeated refusals (`RYOKEN_DENIALS_ALERT`, default 5 within an hour, counting the
gateway's `disclosure.refused` too) raise a case for the privacy office at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.http import HttpRequest, HttpResponse

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.web.env import env_int
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry

PERSONAL_AREAS = ("/counter/", "/pickup/", "/desk/", "/casework/", "/watch/", "/incident/")
REFUSALS = (EventCode.ACCESS_DENIED.value, EventCode.DISCLOSURE_REFUSED.value)


def denials_alert() -> int:
    return env_int("RYOKEN_DENIALS_ALERT", 5)


def _actor(request: HttpRequest) -> str:
    from ryoken.web.accounts.access import staff_of

    staff = staff_of(request.user)
    return staff.staff_id if staff is not None else request.user.get_username()[:64]


def record_denial(request: HttpRequest, status: int) -> None:
    """Ledger one refused request; alert when the refusals of the last hour reach the bar."""
    from ryoken.web.ledger import alerting as alerts

    at = clock.now()
    actor = _actor(request)
    match = request.resolver_match
    # Durable on its own, or (when a caller's transaction wraps the request, as in tests
    # and management code) in that transaction.
    append = ledger.record_in_transaction if connection.in_atomic_block else ledger.record
    seq = append(
        Event(
            code=EventCode.ACCESS_DENIED,
            at=at,
            actor=actor,
            purpose="access",
            details={
                "what": "url",
                "status": status,
                "path": (match.route if match else "unresolved")[:200],
                "method": request.method or "",
            },
        )
    )[0]
    recent = Entry.objects.filter(
        actor=actor, code__in=REFUSALS, at__gt=at - timedelta(hours=1), at__lte=at
    ).order_by("-seq")
    count = recent.count()
    bar = denials_alert()
    if count >= bar and count % bar == 0:  # at the bar, and again at each multiple
        seqs = [seq, *recent.values_list("seq", flat=True)[:50]]
        alerts.raise_alert(actor, "access_denied", seqs=seqs, n=count, now=at)


class DeniedAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code in (403, 404)
            and request.path.startswith(PERSONAL_AREAS)
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            record_denial(request, response.status_code)
        return response
