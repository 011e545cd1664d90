"""Scorecard metrics: one run's cases against its truth, and many runs into one table row.

Definitions (docs/detection.md repeats them next to the numbers):
- *days to detect*: office working days from the insider's first exposure to the first
  moment one of the insider's accounts has an alerting case with evidence from after that
  exposure (a new alert, or new evidence joining a case already with the officer), counting
  the first day as 1 (the same working day is 1). An alert on the account before the
  insider started is a false alert.
- *recall within k*: share of runs with days to detect ≤ k (undetected runs count as misses).
- *persons exposed before detection*: distinct persons the insider exposed (truth) strictly
  before the alert; all of them when undetected.
- *alerts per 1,000 staff-days*: alert episodes (cases crossing the threshold, see cases.py)
  per 1,000 (staff member, day) pairs with any activity; reported for all alerts and for
  false ones (not on an insider's account after the start).
- *case precision*: true alert episodes / all alert episodes, pooled over runs. Reweighted
  to a prevalence of one insider per `staff_years_per_insider` staff-years:
  r / (r + f · D · Y), with r the recall within `horizon_days`, f false alerts per staff-day
  on clean runs, D working days per year and Y staff-years per insider.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from ryoken.detect.cases import Detection
from ryoken.errors import InvalidInput

RECALL_DAYS = (1, 2, 7, 10, 20, 30, 90)
WORKING_DAYS_PER_YEAR = 245


@dataclass(frozen=True)
class Insider:
    """One insider in a run: the accounts they used, when they started, whom they exposed."""

    staff: tuple[str, ...]
    start: datetime
    exposures: tuple[tuple[datetime, str], ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Truth:
    scenario: str  # "clean" when nobody was injected
    intensity: str = ""
    seed: int | None = None
    insiders: tuple[Insider, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def accounts(self) -> frozenset[str]:
        return frozenset(s for i in self.insiders for s in i.staff)


@dataclass(frozen=True)
class RunScore:
    """One simulated run, scored."""

    scenario: str
    intensity: str
    seed: int | None
    staff_days: int
    alerts: int
    false_alerts: int
    true_alerts: int
    explained_share: float
    detected: bool | None  # None on a clean run
    days_to_detect: int | None
    exposed_before: int | None
    exposed_total: int | None
    canary_touches: int
    canary_alerted_within_minute: int
    seconds: float = 0.0
    group_alerts: tuple[tuple[str, str, int, int], ...] = ()  # (dimension, group, alerts, days)
    config: str = "sim"  # the office configuration ("sim": ryoken's own simulator; T, H1 …)
    tuned: bool = True  # whether detection was tuned on this configuration
    # the twin test: the same run with the insider's events removed, re-detected
    twin_detected: bool | None = None
    twin_days_to_detect: int | None = None
    twin_exposed_before: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _working_index(days: pl.Series) -> dict[date, int]:
    return {d: i for i, d in enumerate(days.sort().to_list())}


def _day_index(index: dict[date, int], day: date) -> int:
    """The working-day index of `day`, or of the next working day if it is not one."""
    if day in index:
        return index[day]
    later = [i for d, i in index.items() if d >= day]
    return min(later) if later else len(index)


TWIN_WINDOW_DAYS = 7  # a twin alert this many days before a detection (or its day) voids it


def score_run(
    det: Detection,
    truth: Truth,
    *,
    seconds: float = 0.0,
    twin: Detection | None = None,
    config: str = "sim",
    tuned: bool = True,
) -> RunScore:
    """Score one run's detection against its truth.

    With `twin` (the same run re-detected without the insider's events), a detection is
    *twin-robust* only if the twin does not alert on that account in the same window: no
    twin hit (an alert, or evidence joining an alerting case, as for the run itself) on the
    insider's accounts from `TWIN_WINDOW_DAYS` before the detecting moment to the end of its
    day; a twin identical to the run is never robust. The first raw hit that passes is the
    twin-robust one."""
    ctx = det.context
    tz = ctx.config.tz
    accounts = truth.accounts
    alerts = det.alerts
    starts = [i.start.astimezone(UTC) for i in truth.insiders if i.exposures]
    start = min(starts) if starts else None  # an insider who exposed no one: nothing to find
    is_true = pl.col("staff").is_in(list(accounts))
    is_true = is_true & (pl.col("at") >= start) if start is not None else pl.lit(False)
    n_true = alerts.filter(is_true).height if accounts else 0
    detected: bool | None = None
    days_to: int | None = None
    twin_detected: bool | None = None
    twin_days: int | None = None
    twin_exposed: int | None = None
    exposed_before = exposed_total = None
    if truth.insiders and start is not None:
        # An alert on the account after the start, or evidence after the start joining a
        # case that is alerting (still with the officer) both put the insider in front of
        # the privacy officer.
        alerting = (
            det.signals.filter(is_true & (pl.col("score") >= det.config.threshold))
            .select("at")
            .sort("at")
            if not det.signals.is_empty()
            else alerts.select("at")
        )
        hits = pl.concat([alerts.filter(is_true).select("at"), alerting]).sort("at")
        detected = hits.height > 0
        exposures = {(t.astimezone(UTC), s) for i in truth.insiders for t, s in i.exposures}
        exposed_total = len({s for _, s in exposures})
        index = _working_index(ctx.days)
        start_day = _local_day(start, tz)

        def days_from_start(when: datetime) -> int:
            return _day_index(index, _local_day(when, tz)) - _day_index(index, start_day) + 1

        if detected:
            first = hits.row(0, named=True)["at"]
            days_to = days_from_start(first)
            exposed_before = len({s for t, s in exposures if t < first})
        else:
            exposed_before = exposed_total
        if twin is not None:
            # the twin's hits are counted as the run's are: its alerts on the accounts and
            # its evidence joining an alerting case (otherwise a twin identical to the run
            # would leave the joining evidence "robust")
            mine = pl.col("staff").is_in(list(accounts))
            twin_hits = [twin.alerts.filter(mine).select("at")]
            if not twin.signals.is_empty():
                alerting_twin = mine & (pl.col("score") >= twin.config.threshold)
                twin_hits.append(twin.signals.filter(alerting_twin).select("at"))
            twin_times = pl.concat(twin_hits).get_column("at").to_list()
            robust = [
                t
                for t in hits.get_column("at").to_list()
                if not any(
                    t - timedelta(days=TWIN_WINDOW_DAYS) <= u
                    and _local_day(u, tz) <= _local_day(t, tz)
                    for u in twin_times
                )
            ]
            twin_detected = bool(robust)
            if robust:
                twin_days = days_from_start(robust[0])
                twin_exposed = len({s for t, s in exposures if t < robust[0]})
            else:
                twin_exposed = exposed_total
    touches, quick = canary_latency(det)
    groups = tuple(
        (g["dimension"], str(g["group"]), g["alerts"], g["staff_days"])
        for g in det.summary()["alert_rates_by_group"]
    )
    return RunScore(
        scenario=truth.scenario,
        intensity=truth.intensity,
        seed=truth.seed,
        staff_days=det.staff_days.height,
        alerts=alerts.height,
        false_alerts=alerts.height - n_true,
        true_alerts=n_true,
        explained_share=ctx.explanation.share,
        detected=detected,
        days_to_detect=days_to,
        exposed_before=exposed_before,
        exposed_total=exposed_total,
        canary_touches=touches,
        canary_alerted_within_minute=quick,
        seconds=seconds,
        group_alerts=groups,
        config=config,
        tuned=tuned,
        twin_detected=twin_detected,
        twin_days_to_detect=twin_days,
        twin_exposed_before=twin_exposed,
    )


def _local_day(at: datetime, tz: str) -> date:
    return at.astimezone(ZoneInfo(tz)).date()


def canary_latency(det: Detection) -> tuple[int, int]:
    """(off-path canary touches, touches whose staff member's case was alerting within a
    minute). In a batch run the alert is stamped with the touch's own time; the online
    delay is the watcher's polling interval plus the detection time (reported apart)."""
    sig = det.signals
    if sig.is_empty():
        return 0, 0
    touches = sig.filter(pl.col("detector") == "canary")
    if touches.is_empty():
        return 0, 0
    thr = det.config.threshold
    quick = touches.filter(pl.col("score") >= thr).height
    return touches.height, quick


# --- many runs into one row -------------------------------------------------------------


def _quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (nearest rank) with misses as +inf; None if it falls on a miss."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(q * len(ordered)) - 1)
    v = ordered[k]
    return None if math.isinf(v) else v


@dataclass(frozen=True)
class Row:
    """One scorecard line: a scenario at one intensity over its seeds."""

    scenario: str
    intensity: str
    runs: int
    insider_runs: int  # runs where the insider exposed someone (the recall denominator)
    recall: dict[int, float]
    median_days: float | None
    p90_days: float | None
    exposed_median: float | None
    exposed_p90: float | None
    alerts_per_1000: float
    false_alerts_per_1000: float
    precision: float | None
    explained_share: float
    explained_share_min: float
    canary_touches: int
    canary_within_minute: int
    seconds_per_run: float
    config: str = "sim"
    tuned: bool = True
    twin_runs: int = 0  # insider runs with a twin re-detected
    twin_recall: dict[int, float] = field(default_factory=dict)
    twin_median_days: float | None = None
    twin_exposed_median: float | None = None
    twin_exposed_p90: float | None = None
    staff_days: int = 0
    alerts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(runs: Iterable[RunScore]) -> list[Row]:
    """Group runs by (scenario, intensity) and compute the scorecard figures."""
    groups: dict[tuple[str, str, str], list[RunScore]] = {}
    for r in runs:
        groups.setdefault((r.config, r.scenario, r.intensity), []).append(r)
    rows = []
    for (config, scenario, intensity), rs in sorted(groups.items()):
        insider_runs = [r for r in rs if r.detected is not None]
        twins = [r for r in insider_runs if r.twin_detected is not None]
        twin_days = [
            float(r.twin_days_to_detect) if r.twin_detected and r.twin_days_to_detect else math.inf
            for r in twins
        ]
        twin_exposed = [
            float(r.twin_exposed_before) for r in twins if r.twin_exposed_before is not None
        ]
        days = [
            float(r.days_to_detect) if r.detected and r.days_to_detect else math.inf
            for r in insider_runs
        ]
        recall = {
            k: (sum(d <= k for d in days) / len(insider_runs) if insider_runs else math.nan)
            for k in RECALL_DAYS
        }
        exposed = [float(r.exposed_before) for r in insider_runs if r.exposed_before is not None]
        staff_days = sum(r.staff_days for r in rs)
        alerts = sum(r.alerts for r in rs)
        false = sum(r.false_alerts for r in rs)
        true = sum(r.true_alerts for r in rs)
        rows.append(
            Row(
                scenario=scenario,
                intensity=intensity,
                runs=len(rs),
                insider_runs=len(insider_runs),
                recall=recall,
                median_days=_quantile(days, 0.5) if insider_runs else None,
                p90_days=_quantile(days, 0.9) if insider_runs else None,
                exposed_median=statistics.median(exposed) if exposed else None,
                exposed_p90=_quantile(exposed, 0.9) if exposed else None,
                alerts_per_1000=1000 * alerts / staff_days if staff_days else 0.0,
                false_alerts_per_1000=1000 * false / staff_days if staff_days else 0.0,
                precision=true / alerts if alerts else None,
                explained_share=statistics.fmean(r.explained_share for r in rs),
                explained_share_min=min(r.explained_share for r in rs),
                canary_touches=sum(r.canary_touches for r in rs),
                canary_within_minute=sum(r.canary_alerted_within_minute for r in rs),
                seconds_per_run=statistics.fmean(r.seconds for r in rs),
                config=config,
                tuned=all(r.tuned for r in rs),
                twin_runs=len(twins),
                twin_recall={k: sum(d <= k for d in twin_days) / len(twins) for k in RECALL_DAYS}
                if twins
                else {},
                twin_median_days=_quantile(twin_days, 0.5) if twins else None,
                twin_exposed_median=statistics.median(twin_exposed) if twin_exposed else None,
                twin_exposed_p90=_quantile(twin_exposed, 0.9) if twin_exposed else None,
                staff_days=staff_days,
                alerts=alerts,
            )
        )
    return rows


def reweighted_precision(
    recall: float,
    false_alerts_per_staff_day: float,
    *,
    staff_years_per_insider: float = 1000.0,
    working_days_per_year: int = WORKING_DAYS_PER_YEAR,
) -> float | None:
    """Precision of an alert at a realistic prevalence (module docstring)."""
    false = false_alerts_per_staff_day * working_days_per_year * staff_years_per_insider
    if recall + false <= 0:
        return None
    return recall / (recall + false)


def group_rates(runs: Iterable[RunScore]) -> list[dict[str, Any]]:
    """Alert rates per staff group pooled over runs (never by nationality)."""
    pooled: dict[tuple[str, str], list[int]] = {}
    for r in runs:
        for dim, group, alerts, days in r.group_alerts:
            acc = pooled.setdefault((dim, group), [0, 0])
            acc[0] += alerts
            acc[1] += days
    return [
        {
            "dimension": dim,
            "group": group,
            "alerts": a,
            "staff_days": d,
            "alerts_per_1000_staff_days": 1000 * a / d if d else 0.0,
        }
        for (dim, group), (a, d) in sorted(pooled.items())
    ]


# --- truth.json -------------------------------------------------------------------------


def _time(value: object, what: str, tz: str) -> datetime:
    """An ISO time with a zone, or an ISO date (its start, office time)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise InvalidInput(f"truth: {what} must be an ISO-8601 time or date")
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"truth: {what} {value!r} is not an ISO-8601 time") from None
    if at.tzinfo is None:
        raise InvalidInput(f"truth: {what} {value!r} has no time zone")
    return at


def _strings(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    raise InvalidInput(f"truth: expected a list of ids, got {type(value).__name__}")


def parse_truth(obj: Mapping[str, Any], *, tz: str = "Asia/Tokyo") -> Truth:
    """The simulator's truth.json (docs/detection.md lists the keys read).

    Every insider is one detection target: the run counts as detected when any account the
    insiders used (theirs, a colleague's login in S6) raises an alert after the first
    exposure. The start is the first exposure's time (the first thing there was to see),
    else the scenario's start date.
    """
    if not isinstance(obj, Mapping):
        raise InvalidInput("truth: expected a JSON object")
    scenario = obj.get("scenario") or "clean"
    params = obj.get("parameters") or {}
    intensity = params.get("intensity") if isinstance(params, Mapping) else None
    insiders = _strings(obj.get("insiders"))
    accounts = [*insiders, *_strings(obj.get("credential_owner"))]
    exposures: list[tuple[datetime, str]] = []
    for item in obj.get("exposures") or []:
        if not isinstance(item, Mapping) or "subject" not in item or "at" not in item:
            raise InvalidInput("truth: every exposure needs 'subject' and 'at'")
        exposures.append((_time(item["at"], "exposure time", tz), str(item["subject"])))
        accounts += _strings(item.get("actor"))
    found: tuple[Insider, ...] = ()
    if insiders:
        start = (
            min(t for t, _ in exposures)
            if exposures
            else _time(obj.get("start"), "scenario start", tz)
        )
        found = (
            Insider(
                staff=tuple(dict.fromkeys(accounts)),
                start=start,
                exposures=tuple(sorted(exposures)),
                label=str(scenario),
            ),
        )
    seed = obj.get("seed")
    return Truth(
        scenario=str(scenario),
        intensity="" if intensity is None else f"{float(intensity):g}",
        seed=seed if isinstance(seed, int) else None,
        insiders=found,
        extra={k: obj[k] for k in ("first_day", "last_day", "business_days") if k in obj},
    )
