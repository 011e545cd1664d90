"""Where lower apps raise an immediate alert, without importing the privacy office's app.

Counter, casework and accounts see acts that need the privacy officer at once (break-glass
by counter staff, a run of lookups or no-matches, repeated refusals) but sit below `watch`
in the app layers. They call `raise_alert`; the watch app registers the function that opens
or updates the case (`watch.alerts.raise_alert`) when Django starts (`WatchConfig.ready`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from ryoken.errors import ConfigurationError


class AlertSink(Protocol):
    def __call__(
        self, staff_id: str, detector: str, *, seqs: Iterable[int], n: int, now: datetime
    ) -> int: ...


_sink: AlertSink | None = None


def set_sink(sink: AlertSink) -> None:
    global _sink
    _sink = sink


def raise_alert(staff_id: str, detector: str, *, seqs: Iterable[int], n: int, now: datetime) -> int:
    """Open or update `staff_id`'s case with one immediate alert; the case id."""
    if _sink is None:  # never silently: an alert nobody receives is a hole
        raise ConfigurationError("no alert sink: the watch app (ryoken.web.watch) is not loaded")
    return _sink(staff_id, detector, seqs=seqs, n=n, now=now)
