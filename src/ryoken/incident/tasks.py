"""Which exposures ran within a task and which outside any: the watcher's judgment reused.

`ryoken.detect.explain` decides, for every disclosure, match, search, print, copy and copier
job, whether a grant the staff member held covered that person at that moment (a ticketed
counter visit, an assigned review, a QA sample, a production batch, a break-glass judged
justified). Scoping asks the same question of every exposure, so it asks that module and
keeps its answer as an `OutsideTask`: the (ledger reference, person) pairs it did not
explain. An access under a break-glass not yet reviewed, or judged unjustified, or beyond
its task's purpose (an inquiry that showed more than the status), counts as outside.

The frame must hold the events that open, close, join and review the grants as well as the
accesses: the suspects' own entries, the supervisors' reviews of their break-glass, and the
grants of colleagues they assisted.
"""

from __future__ import annotations

import polars as pl

from ryoken.detect.config import DetectConfig
from ryoken.detect.explain import COPIER, explain, prepare
from ryoken.incident.exposures import OutsideTask


def outside_task(frame: pl.DataFrame, config: DetectConfig | None = None) -> OutsideTask:
    """The accesses in `frame` (docs/events.md columns; `line` = the ledger reference the
    scoping uses) that no task explains."""
    if frame.is_empty():
        return OutsideTask()
    found = explain(prepare(frame, config or DetectConfig()), config or DetectConfig())
    pairs = found.per_subject.filter(~pl.col("explained")).select("line", "subject")
    copier = found.access.filter((pl.col("code") == COPIER) & ~pl.col("explained"))
    return OutsideTask(
        pairs=frozenset(zip(pairs["line"].to_list(), pairs["subject"].to_list(), strict=True)),
        refs=frozenset(copier["line"].to_list()),
    )
