"""Business time: the one clock ryoken asks.

Every part of ryoken that needs "now" for business purposes (a grant's expiry, a ledger
entry's time, "today" for fees and ages, the watcher's run time) asks this module, so tests
can pin the time in one place (tests/conftest.py, with time-machine) and CI can run the suite
at any hour. The pure core (domain, privacy, audit, detect, incident, sim) never calls it: it
takes `now` as an argument. Durations are measured with `time.monotonic()`, which is not
business time.

The office's calendar is Japan's: `today()` is the date in Asia/Tokyo whatever the server's
own time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

OFFICE_TZ = ZoneInfo("Asia/Tokyo")

__all__ = ["OFFICE_TZ", "local_now", "now", "timestamp", "today"]


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """The current instant in the office's time zone (Japan)."""
    return now().astimezone(OFFICE_TZ)


def today() -> date:
    """The office's calendar date (Japan)."""
    return local_now().date()


def timestamp() -> float:
    """The current instant as POSIX seconds (for session stamps such as a step-up's age)."""
    return now().timestamp()
