"""Scorecard runs on the independently written office generator (`ryoken.office2`).

office2 writes schema-v2 files (docs/events.md) and a truth.json whose insider lists the
0-based line numbers of every event the insider caused (`event_lines`); removing them gives
the insider's **twin**, the same office without the insider's actions. This module
generates (or reuses from the cache) a run, detects over it and over its twin, and scores
it with `ryoken.detect.metrics`. The generator is imported lazily: the scorecard runs
without it when only ryoken's own simulator is asked for.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ryoken.detect.cases import detect
from ryoken.detect.config import DetectConfig
from ryoken.detect.load import load_staff, load_subjects
from ryoken.detect.metrics import Insider, RunScore, Truth, score_run
from ryoken.errors import ConfigurationError, InvalidInput
from ryoken.sim.evaluation import read_run

COHORT = "cohort"  # every insider kind in one office, scored one kind at a time

if TYPE_CHECKING:
    from ryoken.sim.evaluation import Plan


def office2_truth(obj: Mapping[str, Any]) -> Truth:
    """office2's truth.json (spec section 9) as a `Truth` (its one `insider`)."""
    insider = obj.get("insider")
    return _truth(insider, obj)


def _truth(insider: Any, obj: Mapping[str, Any]) -> Truth:
    if insider is None:
        return Truth(scenario="clean", seed=obj.get("seed"))
    if not isinstance(insider, Mapping):
        raise InvalidInput("office2 truth: insider must be an object or null")
    exposures = []
    for item in insider.get("exposed") or []:
        subject, at = item[0], datetime.fromisoformat(item[1])
        if at.tzinfo is None:
            raise InvalidInput(f"office2 truth: exposure time {item[1]!r} has no time zone")
        exposures.append((at.astimezone(UTC), str(subject)))
    first = insider.get("first_exposure")
    if first:
        start = datetime.fromisoformat(first).astimezone(UTC)
    elif exposures:
        start = min(t for t, _ in exposures)
    else:
        day = date.fromisoformat(str(obj.get("start")))
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    accounts = tuple(dict.fromkeys([*insider.get("accounts", []), insider.get("person")]))
    return Truth(
        scenario=str(insider.get("kind")),
        seed=obj.get("seed"),
        insiders=(
            Insider(
                staff=tuple(a for a in accounts if a),
                start=start,
                exposures=tuple(sorted(exposures)),
                label=str(insider.get("kind")),
            ),
        ),
    )


def twin_events(events: pl.DataFrame, truth_obj: Mapping[str, Any]) -> pl.DataFrame:
    """The run without the insider's events (`event_lines` are 0-based; `line` is 1-based)."""
    return _without(events, [truth_obj.get("insider") or {}])


def _without(events: pl.DataFrame, insiders: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    lines = [int(n) + 1 for i in insiders for n in i.get("event_lines") or []]
    if not lines:
        return events
    return events.filter(~pl.col("line").is_in(lines))


def cohort_scores(
    events: pl.DataFrame,
    staff: pl.DataFrame,
    subjects: pl.DataFrame,
    truth_obj: Mapping[str, Any],
    *,
    config: DetectConfig | None,
    plan_config: str,
    tuned: bool,
    timer: Callable[[], float] = time.perf_counter,
) -> list[RunScore]:
    """One generated office with several insiders (truth.json `insiders`), scored as the
    runs it contains: the clean office (every insider's events removed), and for each
    insider the clean office plus that insider's events alone, whose twin is the clean
    office. The office's own events do not depend on the insiders (office2 draws them from
    its own stream), so each is the run a single-insider generation would give."""
    members = [dict(m) for m in truth_obj.get("insiders") or []]
    clean_events = _without(events, members)
    began = timer()
    clean = detect(clean_events, staff, subjects, config)
    seconds = timer() - began
    seed = truth_obj.get("seed")
    out = [
        score_run(
            clean,
            Truth(scenario="clean", seed=seed),
            seconds=seconds,
            config=plan_config,
            tuned=tuned,
        )
    ]
    for i, member in enumerate(members):
        others = members[:i] + members[i + 1 :]
        began = timer()
        det = detect(_without(events, others), staff, subjects, config)
        seconds = timer() - began
        truth = _truth(member, truth_obj)
        out.append(
            score_run(det, truth, seconds=seconds, twin=clean, config=plan_config, tuned=tuned)
        )
    return out


def _generate(
    config: str, seed: int, out: Path, days: int, insider: str | None, cohort: tuple[str, ...]
) -> None:
    try:
        from ryoken import office2
    except ImportError as error:
        raise ConfigurationError(
            f"the office2 generator is not available ({error}); merge the office2 branch"
        ) from None
    office2.generate(config, seed, out, days=days, insider=insider, cohort=cohort)


def run_office2(
    plan: Plan,
    seed: int,
    *,
    days: int,
    config: DetectConfig | None = None,
    cache: Path | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> list[RunScore]:
    """Generate (or reuse) one office2 run, detect over it and its twin, score it. The plan
    `cohort` generates every insider kind in one office and scores it as the clean run plus
    one run per kind (`cohort_scores`)."""
    from ryoken.sim.evaluation import TUNED

    cohort: tuple[str, ...] = ()
    insider = None if plan.scenario in ("clean", COHORT) else plan.scenario
    if plan.scenario == COHORT:
        from ryoken import office2

        cohort = tuple(office2.INSIDER_KINDS)
    kept = cache / f"office2-{plan.config}-{plan.scenario}-s{seed}-d{days}" if cache else None
    if kept is not None and (kept / "events.parquet").exists():
        events = pl.read_parquet(kept / "events.parquet")
        staff, subjects = load_staff(kept / "staff.csv"), load_subjects(kept / "subjects.csv")
        truth_obj = json.loads((kept / "truth.json").read_text(encoding="utf-8"))
    else:
        with tempfile.TemporaryDirectory(prefix="ryoken-office2-") as name:
            out = Path(name)
            _generate(plan.config, seed, out, days, insider, cohort)
            events, staff, subjects, truth_obj = read_run(out, kept)
    if cohort:
        return cohort_scores(
            events,
            staff,
            subjects,
            truth_obj,
            config=config,
            plan_config=plan.config,
            tuned=plan.config in TUNED,
            timer=timer,
        )
    began = timer()
    det = detect(events, staff, subjects, config)
    seconds = timer() - began
    truth = office2_truth(truth_obj)
    twin = None
    if truth.insiders:
        twin = detect(twin_events(events, truth_obj), staff, subjects, config)
    return [
        score_run(
            det,
            truth,
            seconds=seconds,
            twin=twin,
            config=plan.config,
            tuned=plan.config in TUNED,
        )
    ]
