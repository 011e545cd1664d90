"""The scorecard: run each insider scenario over many seeds through the simulator, detect,
and score against the truth (`ryoken evaluate`).

Each run goes through the files, as another office's logs would: the simulator writes
events.jsonl, staff.csv, subjects.csv and truth.json to a scratch directory; detection reads
them back with `ryoken.detect.load`, runs, and `ryoken.detect.metrics` scores the cases
against truth.json. Scoring is pure (detect/metrics.py); this module only drives the runs,
in parallel processes, and writes the report and the plots.

Seeds: the scorecard uses seeds 1..N. The detection settings were tuned on seeds 1000-1003
only (docs/detection.md), so the figures are not fitted to the runs they report.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from ryoken.detect.cases import detect
from ryoken.detect.config import DetectConfig
from ryoken.detect.load import load_events, load_staff, load_subjects
from ryoken.detect.metrics import (
    Row,
    RunScore,
    group_rates,
    parse_truth,
    score_run,
    summarise,
)
from ryoken.errors import InvalidInput
from ryoken.sim.output import SimConfig, write_run
from ryoken.sim.scenarios import SCENARIOS, ScenarioSpec

START = date(2026, 4, 6)  # a Monday after the April rotation
DAYS = 120  # insiders start between day 24 and 40: 80+ working days after every start


# Office configurations. "sim" is ryoken's own simulator; the others are the independently
# written office2 generator's (schema v2). Detection was tuned on TUNED only; the rest are
# held out (docs/detection.md, "Generalise, don't fit").
TUNED = frozenset({"sim", "T"})
OFFICE2_DAYS = 90


@dataclass(frozen=True)
class Plan:
    """One scorecard line to run: a scenario (or "clean") at one intensity, in one office
    configuration ("sim", or office2's "T", "H1", …; for office2 the scenario is the insider
    kind)."""

    scenario: str
    intensity: float | None = None
    config: str = "sim"

    @property
    def label(self) -> str:
        base = self.scenario if self.intensity is None else f"{self.scenario} q={self.intensity:g}"
        return base if self.config == "sim" else f"{self.config}:{base}"


DEFAULT_PLANS: tuple[Plan, ...] = (
    Plan("clean"),
    Plan("S1", 0.01),
    Plan("S1", 0.025),
    Plan("S1", 0.05),
    Plan("S1", 0.10),
    Plan("S1-nofoot", 0.05),
    Plan("S2"),
    Plan("S3"),
    Plan("S4"),
    Plan("S5"),
    Plan("S6"),
    Plan("S7", 0.05),
    Plan("S8", 0.05),
)


def plans_for(names: Sequence[str] | None) -> tuple[Plan, ...]:
    """The default plans, or those of the named scenarios ("S1" keeps all its intensities;
    "S1@0.05" picks one)."""
    if not names:
        return DEFAULT_PLANS
    out: list[Plan] = []
    for name in names:
        scenario, _, q = name.partition("@")
        if scenario != "clean" and scenario not in SCENARIOS:
            raise InvalidInput(
                f"unknown scenario {scenario!r}; known: clean, {', '.join(SCENARIOS)}"
            )
        if q:
            try:
                out.append(Plan(scenario, float(q)))
            except ValueError:
                raise InvalidInput(f"intensity {q!r} is not a number") from None
            continue
        chosen = [p for p in DEFAULT_PLANS if p.scenario == scenario] or [Plan(scenario)]
        out += chosen
    return tuple(out)


OFFICE2_KINDS = (
    "bulk",
    "snoop",
    "family_chain",
    "borrowed_login",
    "pre_departure_skim",
    "skim_footprint",
    "skim_no_footprint",
    "new_hire_skim",
)  # fmt: skip  (spec section 9; the generator's own INSIDER_KINDS win when it is installed)


def office2_plans(config: str, kinds: Sequence[str] | None = None) -> tuple[Plan, ...]:
    """clean plus every insider kind (or the named ones) in one office2 configuration."""
    try:
        from ryoken import office2

        known = tuple(office2.INSIDER_KINDS)
        if config not in office2.CONFIGS:
            raise InvalidInput(f"unknown office2 configuration {config!r}")
    except ImportError:
        known = OFFICE2_KINDS
    chosen = kinds or ("clean", *known)
    for k in chosen:
        if k not in ("clean", "cohort") and k not in known:
            raise InvalidInput(f"unknown office2 insider kind {k!r}; known: {', '.join(known)}")
    return tuple(Plan(k, None, config) for k in chosen)


def cache_dir(cache: Path, plan: Plan, seed: int, days: int) -> Path:
    """Where a run is kept: office2 runs are always 90 days (`OFFICE2_DAYS`)."""
    if plan.config != "sim":
        return cache / f"office2-{plan.config}-{plan.scenario}-s{seed}-d{OFFICE2_DAYS}"
    return cache / f"{plan.scenario}-{_intensity(plan) or 'default'}-s{seed}-d{days}"


def run_one(
    plan: Plan,
    seed: int,
    *,
    days: int = DAYS,
    start: date = START,
    config: DetectConfig | None = None,
    scratch: Path | None = None,
    cache: Path | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> RunScore:
    """Simulate one run to files, detect over them, and score it.

    With `cache`, the loaded run (events as Parquet, staff, subjects, truth) is kept there
    and reused, so detection settings can be re-scored without simulating again."""
    kept = cache_dir(cache, plan, seed, days) if cache else None
    if kept is not None and (kept / "events.parquet").exists():
        events = pl.read_parquet(kept / "events.parquet")
        staff, subjects = load_staff(kept / "staff.csv"), load_subjects(kept / "subjects.csv")
        truth_obj = json.loads((kept / "truth.json").read_text(encoding="utf-8"))
    else:
        spec = None if plan.scenario == "clean" else ScenarioSpec(plan.scenario, plan.intensity)
        sim = SimConfig(seed=seed, start=start, days=days, scenario=spec)
        with tempfile.TemporaryDirectory(prefix="ryoken-eval-", dir=scratch) as name:
            out = Path(name)
            write_run(sim, out)
            events, staff, subjects, truth_obj = read_run(out, kept)
    began = timer()
    det = detect(events, staff, subjects, config)
    seconds = timer() - began
    truth = parse_truth(truth_obj)
    truth = replace(truth, scenario=plan.scenario, intensity=_intensity(plan), seed=seed)
    twin = None
    if truth.insiders:
        twin = detect(sim_twin(events, truth_obj), staff, subjects, config)
    return score_run(det, truth, seconds=seconds, twin=twin, config="sim", tuned=True)


def sim_twin(events: pl.DataFrame, truth_obj: dict[str, Any]) -> pl.DataFrame:
    """The run without the insider's own events: the simulator's truth lists every injected
    event (actor, at, code); removing them leaves the office as it would have been."""
    injected = truth_obj.get("injected") or []
    if not injected:
        return events
    keys = pl.DataFrame(
        {
            "actor": [str(e["actor"]) for e in injected],
            "at": [str(e["at"]) for e in injected],
            "code": [str(e["code"]) for e in injected],
        }
    ).with_columns(
        at=pl.col("at")
        .str.replace(r"Z$", "+00:00")
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", time_zone="UTC", time_unit="us")
    )
    return (
        events.with_columns(_code=pl.col("code").cast(pl.String))
        .join(keys.rename({"code": "_code"}), on=["actor", "at", "_code"], how="anti")
        .drop("_code")
    )


def _intensity(plan: Plan) -> str:
    return "" if plan.intensity is None else f"{plan.intensity:g}"


def _job(args: tuple[Plan, int, int, DetectConfig | None, Path | None]) -> list[RunScore]:
    plan, seed, days, config, cache = args
    if plan.config != "sim":
        from ryoken.sim.office2_runs import run_office2

        return run_office2(plan, seed, days=OFFICE2_DAYS, config=config, cache=cache)
    return [run_one(plan, seed, days=days, config=config, cache=cache)]


def run_many(
    plans: Sequence[Plan],
    seeds: Iterable[int],
    *,
    days: int = DAYS,
    jobs: int = 2,
    config: DetectConfig | None = None,
    cache: Path | None = None,
    progress: Callable[[str], object] | None = None,
    cached_only: bool = False,
) -> list[RunScore]:
    """Every plan × seed, `jobs` at a time (separate processes: the simulator is Python).
    With `cached_only`, only runs already in `cache` (re-detection, no simulation)."""
    work = [(p, s, days, config, cache) for p in plans for s in seeds]
    if cached_only and cache is not None:
        work = [w for w in work if (cache_dir(cache, w[0], w[1], days) / "events.parquet").exists()]
    out: list[RunScore] = []
    if jobs <= 1:
        results: Iterable[list[RunScore]] = map(_job, work)
        for n, rs in enumerate(results, 1):
            out += rs
            for r in rs:
                _tell(progress, n, len(work), r)
        return out
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for n, rs in enumerate(pool.map(_job, work), 1):
            out += rs
            for r in rs:
                _tell(progress, n, len(work), r)
    return out


def _tell(progress: Callable[[str], object] | None, n: int, total: int, r: RunScore) -> None:
    if progress is None:
        return
    what = f"{r.config}:{r.scenario}{' q=' + r.intensity if r.intensity else ''} seed {r.seed}"
    found = (
        "clean"
        if r.detected is None
        else (f"detected in {r.days_to_detect} day(s)" if r.detected else "not detected")
    )
    twin = "" if r.twin_detected is None else f" (twin-robust: {r.twin_days_to_detect})"
    progress(
        f"[{n}/{total}] {what}: {found}{twin}, {r.alerts} alert(s), "
        f"explained {100 * r.explained_share:.2f}%, {r.seconds:.1f}s detect"
    )


# --- the report -----------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1, pct: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if pct:
        return f"{100 * value:.{digits}f}%"
    return f"{value:.{digits}f}"


TABLE_DAYS = (1, 2, 10, 20)  # the targets' horizons (same day, 2 days, 10, 20)


def table(rows: Sequence[Row], clean_false_per_day: float) -> str:
    """One table per kind of configuration: tuned-on first, then held out (never mixed)."""
    parts = []
    for tuned in (True, False):
        chosen = [r for r in rows if r.tuned == tuned]
        if not chosen:
            continue
        parts.append(f"**{'Tuned on' if tuned else 'Held out (never tuned on)'}**\n")
        parts.append(_table(chosen, clean_false_per_day))
    return "\n\n".join(parts)


def _table(rows: Sequence[Row], clean_false_per_day: float) -> str:
    head = (
        "| config | scenario | runs | "
        + " | ".join(f"raw ≤{k}d" for k in TABLE_DAYS)
        + " | "
        + " | ".join(f"twin ≤{k}d" for k in TABLE_DAYS)
        + " | twin median d | exposed twin (median / P90) | alerts /1k sd | false /1k sd "
        "| explained (mean / min) |"
    )
    n = 3 + 2 * len(TABLE_DAYS) + 5
    sep = "|---|---|" + "---:|" * (n - 2)
    lines = [head, sep]
    for r in rows:
        label = r.scenario + (f" q={r.intensity}" if r.intensity else "")
        insider = r.scenario != "clean"
        raw = " | ".join(_fmt(r.recall.get(k), 0, pct=True) if insider else "–" for k in TABLE_DAYS)
        twin = " | ".join(
            _fmt(r.twin_recall.get(k), 0, pct=True) if insider and r.twin_recall else "–"
            for k in TABLE_DAYS
        )
        runs = f"{r.insider_runs}/{r.runs}" if insider else str(r.runs)
        lines.append(
            f"| {r.config} | {label} | {runs} | {raw} | {twin} "
            f"| {_fmt(r.twin_median_days, 0)} "
            f"| {_fmt(r.twin_exposed_median, 0)} / {_fmt(r.twin_exposed_p90, 0)} "
            f"| {_fmt(r.alerts_per_1000, 2)} | {_fmt(r.false_alerts_per_1000, 2)} "
            f"| {_fmt(r.explained_share, 2, pct=True)} "
            f"/ {_fmt(r.explained_share_min, 2, pct=True)} |"
        )
    return "\n".join(lines)


def report(runs: Sequence[RunScore]) -> dict[str, Any]:
    rows = summarise(runs)
    clean = [r for r in runs if r.scenario == "clean"]
    clean_days = sum(r.staff_days for r in clean)
    clean_false = sum(r.false_alerts for r in clean) / clean_days if clean_days else 0.0
    touches = sum(r.canary_touches for r in runs)
    quick = sum(r.canary_alerted_within_minute for r in runs)
    return {
        "rows": [r.as_dict() for r in rows],
        "table": table(rows, clean_false),
        "clean_false_alerts_per_1000_staff_days": 1000 * clean_false,
        "all_alerts_per_1000_staff_days": 1000
        * sum(r.alerts for r in runs)
        / max(1, sum(r.staff_days for r in runs)),
        "canary": {"touches": touches, "alerted_within_a_minute": quick},
        "groups": group_rates(runs),
        "configs": per_config(runs),
        "detect_seconds_per_run": sum(r.seconds for r in runs) / max(1, len(runs)),
        "runs": [r.as_dict() for r in runs],
    }


def per_config(runs: Sequence[RunScore]) -> dict[str, Any]:
    """Per configuration: clean-office alert rate, explained share (min over runs) and the
    clean runs' alert rates per role and per employer, with the worst group's ratio to its
    office's rate (the target: every group within 2×)."""
    out: dict[str, Any] = {}
    for name in sorted({r.config for r in runs}):
        mine = [r for r in runs if r.config == name]
        clean = [r for r in mine if r.scenario == "clean"]
        days = sum(r.staff_days for r in clean)
        rate = 1000 * sum(r.alerts for r in clean) / days if days else None
        groups = [g for g in group_rates(clean) if g["dimension"] in ("role", "employer_kind")]
        worst = max(
            (g["alerts_per_1000_staff_days"] / rate for g in groups if rate),
            default=None,
        )
        out[name] = {
            "tuned": all(r.tuned for r in mine),
            "clean_runs": len(clean),
            "clean_alerts_per_1000_staff_days": rate,
            "explained_share_min": min(r.explained_share for r in mine),
            "explained_share_mean": sum(r.explained_share for r in mine) / len(mine),
            "clean_groups": groups,
            "worst_group_ratio": worst,
        }
    return out


def write_report(payload: dict[str, Any], runs: Sequence[RunScore], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "scorecard.json", out / "scorecard.md"]
    written[0].write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", "utf-8")
    groups = "\n".join(
        f"| {g['dimension']} | {g['group']} | {g['staff_days']} | {g['alerts']} "
        f"| {g['alerts_per_1000_staff_days']:.2f} |"
        for g in payload["groups"]
    )
    written[1].write_text(
        payload["table"]
        + "\n\nAlert rates by staff group (all runs):\n\n| dimension | group | staff-days | "
        "alerts | per 1,000 staff-days |\n|---|---|---:|---:|---:|\n" + groups + "\n",
        "utf-8",
    )
    written += plot(runs, out)
    return written


def plot(runs: Sequence[RunScore], out: Path) -> list[Path]:
    """PNG plots: time-to-detect ECDFs per scenario, exposed before detection, group rates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels: dict[str, list[RunScore]] = {}
    for r in runs:
        if r.detected is None:
            continue
        labels.setdefault(r.scenario + (f" q={r.intensity}" if r.intensity else ""), []).append(r)
    paths = []
    fig, ax = plt.subplots(figsize=(9, 5.5))
    horizon = 100
    for label, rs in sorted(labels.items()):
        days = sorted(r.days_to_detect for r in rs if r.detected and r.days_to_detect)
        xs = list(range(0, horizon + 1))
        ys = [sum(d <= x for d in days) / len(rs) for x in xs]
        ax.step(xs, ys, where="post", label=f"{label} (n={len(rs)})")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("working days from the insider's first exposure (log scale after 10)")
    ax.set_ylabel("share of runs detected")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    ax.set_title("Time to detect, per scenario")
    fig.tight_layout()
    paths.append(out / "time_to_detect.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    names = sorted(labels)
    if names:  # a scorecard of clean runs only has no insider to box
        fig, ax = plt.subplots(figsize=(9, 5))
        data = [[float(r.exposed_before or 0) for r in labels[n]] for n in names]
        ax.boxplot(data, tick_labels=names, vert=True, showfliers=True)
        ax.set_yscale("symlog", linthresh=10)
        ax.set_ylabel("persons exposed before the first alert")
        ax.tick_params(axis="x", rotation=45, labelsize=7)
        ax.grid(True, axis="y", alpha=0.3)
        ax.set_title("Persons exposed before detection (undetected runs: all they exposed)")
        fig.tight_layout()
        paths.append(out / "exposed_before_detection.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)

    groups = group_rates(runs)
    if groups:
        fig, ax = plt.subplots(figsize=(9, 4.5))
        names2 = [f"{g['dimension']}: {g['group']}" for g in groups]
        ax.barh(names2, [g["alerts_per_1000_staff_days"] for g in groups])
        ax.set_xlabel("alerts per 1,000 staff-days (all runs)")
        ax.set_title("Alert rates by staff group (never by nationality)")
        ax.tick_params(axis="y", labelsize=7)
        fig.tight_layout()
        paths.append(out / "alert_rates_by_group.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths


def run_scorecard(
    *,
    seeds: Iterable[int],
    scenarios: Sequence[str] | None = None,
    configs: Sequence[str] = ("sim",),
    kinds: Sequence[str] | None = None,
    cached_only: bool = False,
    days: int | None = None,
    out: Path | None = None,
    jobs: int = 2,
    config: DetectConfig | None = None,
    cache: Path | None = None,
    progress: Callable[[str], object] | None = None,
) -> str:
    """Run, score, write the report (when `out` is given) and return the table."""
    plans: list[Plan] = []
    for name in configs:
        plans += plans_for(scenarios) if name == "sim" else office2_plans(name, kinds)
    runs = run_many(
        plans,
        list(seeds),
        days=days or DAYS,
        jobs=jobs,
        config=config,
        cache=cache,
        progress=progress,
        cached_only=cached_only,
    )
    payload = report(runs)
    if out is not None:
        for path in write_report(payload, runs, out):
            if progress:
                progress(f"wrote {path}")
    return str(payload["table"])


def read_run(
    out: Path, kept: Path | None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    """A freshly written run's events, staff, subjects and truth; copied to `kept` (the
    cache: events as Parquet) when given. Shared by both generators' runners."""
    events = load_events(out / "events.jsonl").events
    staff = load_staff(out / "staff.csv")
    subjects = load_subjects(out / "subjects.csv")
    truth_obj = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
        for name in ("staff.csv", "subjects.csv", "truth.json"):
            shutil.copyfile(out / name, kept / name)
        events.write_parquet(kept / "events.parquet", compression="zstd")
    return events, staff, subjects, truth_obj
