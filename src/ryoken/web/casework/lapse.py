"""The daily lapse job (失効): uncollected passports lapse 6 months after their issue date.

A passport not collected within 6 months of its issue date lapses (旅券法18条1項2号;
`domain.validity.pickup_lapsed`). The job moves every ready application past that deadline
to lapsed through `do_transition` (so each is in the ledger, actor "system") and records
the legal lapse date. Running it again finds nothing more to do: it is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ryoken import clock
from ryoken.domain import validity
from ryoken.domain.applications import ApplicationState
from ryoken.errors import IllegalTransition
from ryoken.web.applications.models import Application
from ryoken.web.applications.services import do_transition

# Six calendar months are never fewer than 181 days, so nothing issued later can have lapsed;
# the exact rule is applied to what this cheap filter lets through.
_SHORTEST_SIX_MONTHS = timedelta(days=181)


@dataclass(frozen=True)
class LapseRun:
    today: date
    ready: int  # ready applications looked at
    lapsed: tuple[str, ...]  # reception numbers moved to lapsed
    skipped: int  # changed by someone else meanwhile (issued at the counter, say)


def run_lapse(today: date, *, now: datetime | None = None) -> LapseRun:
    at = now or clock.now()
    ready = Application.objects.filter(state=ApplicationState.READY)
    ready_count = ready.count()
    candidates = ready.filter(issue_date__lte=today - _SHORTEST_SIX_MONTHS).order_by("pk")
    lapsed: list[str] = []
    skipped = 0
    for app in candidates:
        assert app.issue_date is not None  # noqa: S101 - filtered above
        if not validity.pickup_lapsed(app.issue_date, today):
            continue
        try:
            do_transition(
                app,
                ApplicationState.LAPSED,
                acting_staff=None,
                note=f"not collected by {validity.pickup_deadline(app.issue_date).isoformat()}",
                now=at,
                lapsed_on=validity.lapse_date(app.issue_date),
            )
        except IllegalTransition:
            skipped += 1
            continue
        lapsed.append(app.reception_number or str(app.pk))
    return LapseRun(today, ready_count, tuple(lapsed), skipped)
