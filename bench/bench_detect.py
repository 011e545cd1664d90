"""Detection over a year of a large office (about 10 million events) on this machine.

The events are generated directly as a Polars frame in the docs/events.md schema (numpy
draws, no Python loop per event): the simulator writes a year of a 100-staff office, which
is far fewer events, and generating 10 million through it would take longer than the
detection we want to time. The synthetic office: ~400 staff (counter clerks serving ~24
visits a day, reviewers, supervisors doing QA), 245 working days, ticket/grant/screens/
match/print/copier/close for every visit, badges, and a handful of injected oddities
(reads outside any task, an after-hours bulk session, a canary touch) so every detector has
work to do.

Figures, each next to a baseline measured in the same run:
- full detection (explanations, every detector, cases) over the year vs a naive row-by-row
  Python pass over the same events that does only part of the work (explanations, per
  staff-day counts, after-hours check). The naive pass is timed on the first 1M events and
  extrapolated linearly to the full year (it keeps dictionaries of open grants; its cost
  per event does not fall with more events);
- explanations alone vs the naive pass;
- reading 1M JSON Lines events (fast path) vs json.loads line by line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from bench.common import Row, cpu_seconds, load_average, machine, report

DAYS = int(os.environ.get("RYOKEN_BENCH_DETECT_DAYS", "245"))
CLERKS = int(os.environ.get("RYOKEN_BENCH_DETECT_CLERKS", "150"))
VISITS = 24  # per clerk per day
REVIEWERS = 120
NAIVE_EVENTS = 1_000_000
JSONL_EVENTS = 1_000_000


def _office_days(n: int) -> list[datetime]:
    out, d = [], datetime(2026, 1, 5, tzinfo=UTC)  # a Monday; times below are JST - 9h
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def synthetic_year(seed: int = 2026) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(events, staff, subjects) for a large office's year, built column-wise."""
    from ryoken.detect.load import CODES, EVENT_SCHEMA

    rng = np.random.default_rng(seed)
    days = np.array([d.replace(tzinfo=None) for d in _office_days(DAYS)], dtype="datetime64[us]")
    # --- counter visits: one row per visit
    n = DAYS * CLERKS * VISITS
    day_i = np.repeat(np.arange(DAYS), CLERKS * VISITS)
    clerk = np.tile(np.repeat(np.arange(CLERKS), VISITS), DAYS)
    slot = np.tile(np.arange(VISITS), DAYS * CLERKS)
    # 09:00 JST = 00:00 UTC; visits every ~18 minutes with jitter
    start = days[day_i] + (slot * 18 * 60 + rng.integers(0, 120, n)) * np.timedelta64(1, "s")
    minutes = rng.integers(6, 16, n)
    end = start + minutes * np.timedelta64(60, "s")
    two = rng.random(n) < 0.3  # a second person on the visit
    visit = np.arange(n)
    p1 = visit * 2
    p2 = np.where(two, visit * 2 + 1, -1)
    reveal = rng.random(n) < 0.06
    printed = rng.random(n) < 0.9
    v = pl.DataFrame(
        {
            "visit": visit,
            "clerk": clerk,
            "start": start,
            "end": end,
            "p1": p1,
            "p2": p2,
            "reveal": reveal,
            "printed": printed,
        }
    ).with_columns(
        actor=pl.format("c{}", pl.col("clerk")),
        window=pl.format("W{}", pl.col("clerk") % 40),
        grant=pl.format("gr_v{}", pl.col("visit")),
        ticket=pl.format("A-{}", pl.col("visit") % 1000),
        s1=pl.format("ds_{}", pl.col("p1")),
        s2=pl.when(pl.col("p2") >= 0).then(pl.format("ds_{}", pl.col("p2"))),
        start=pl.col("start").dt.replace_time_zone("UTC"),
        end=pl.col("end").dt.replace_time_zone("UTC"),
    )
    both = pl.concat_list("s1", "s2").list.drop_nulls()
    sec = pl.duration(seconds=1)
    common = {"actor": pl.col("actor"), "grant": pl.col("grant"), "terminal": pl.col("window")}
    frames = [
        v.select(code=pl.lit("ticket.call"), at=pl.col("start"), subjects=both, **common,
                 ticket=pl.col("ticket")),
        v.select(code=pl.lit("grant.open"), at=pl.col("start"), subjects=both, **common,
                 kind=pl.lit("counter"), ticket=pl.col("ticket")),
        v.select(code=pl.lit("disclosure"), at=pl.col("start") + 30 * sec,
                 subjects=pl.concat_list("s1"), **common, form=pl.lit("shown"),
                 step=pl.lit("intake"), window=pl.col("window")),
        v.select(code=pl.lit("disclosure"), at=pl.col("start") + 31 * sec,
                 subjects=pl.concat_list("s1"), **common, form=pl.lit("masked"),
                 step=pl.lit("intake"), window=pl.col("window")),
        v.filter(pl.col("p2") >= 0).select(
            code=pl.lit("disclosure"), at=pl.col("start") + 40 * sec,
            subjects=pl.concat_list("s2"), **common, form=pl.lit("shown"),
            step=pl.lit("intake"), window=pl.col("window")),
        v.select(code=pl.lit("match"), at=pl.col("start") + 60 * sec,
                 subjects=pl.concat_list("s1"), **common, result=pl.lit("match")),
        v.filter("reveal").select(
            code=pl.lit("disclosure"), at=pl.col("start") + 90 * sec,
            subjects=pl.concat_list("s1"), **common, form=pl.lit("shown"),
            reason=pl.lit("本人確認"), purpose=pl.lit("intake:reveal")),
        v.filter("printed").select(
            code=pl.lit("print"), at=pl.col("start") + 120 * sec, subjects=both, **common,
            job=pl.format("job{}", pl.col("visit")), watermark=pl.format("wm{}", pl.col("visit")),
            pages=pl.lit(1)),
        v.filter("printed").select(
            code=pl.lit("external.copier"), at=pl.col("start") + 130 * sec,
            actor=pl.col("actor"), terminal=pl.lit("MFP1"), pages=pl.lit(1),
            watermark=pl.format("wm{}", pl.col("visit")), job=pl.format("job{}", pl.col("visit"))),
        v.select(code=pl.lit("grant.close"), at=pl.col("end"), **common, kind=pl.lit("counter"),
                 why=pl.lit("ticket closed")),
        v.select(code=pl.lit("ticket.close"), at=pl.col("end"), **common,
                 ticket=pl.col("ticket")),
    ]  # fmt: skip
    # --- reviews: reviewers read the morning's applicants in the afternoon, under a review grant
    reviews = v.filter(pl.col("visit") % 2 == 0).select(
        "visit", "s1",
        actor=pl.format("r{}", pl.col("visit") % REVIEWERS),
        at=pl.col("start") + pl.duration(minutes=30),
        grant=pl.format("gr_r{}", pl.col("visit")),
    )  # fmt: skip
    frames += [
        reviews.select("actor", "at", "grant", code=pl.lit("grant.open"),
                       subjects=pl.concat_list("s1"), kind=pl.lit("review")),
        reviews.select("actor", "grant", code=pl.lit("disclosure"),
                       at=pl.col("at") + 60 * sec, subjects=pl.concat_list("s1"),
                       form=pl.lit("shown"), step=pl.lit("review")),
        reviews.select("actor", "grant", code=pl.lit("grant.close"),
                       at=pl.col("at") + 600 * sec, kind=pl.lit("review")),
    ]  # fmt: skip
    # --- badges: everyone in at 08:20, out at 18:00
    staff_ids = [f"c{k}" for k in range(CLERKS)] + [f"r{k}" for k in range(REVIEWERS)]
    grid = pl.DataFrame({"actor": staff_ids}).join(
        pl.DataFrame({"day": days}).with_columns(pl.col("day").dt.replace_time_zone("UTC")),
        how="cross",
    )
    frames += [
        grid.select("actor", code=pl.lit("external.badge"),
                    at=pl.col("day") - pl.duration(minutes=40), direction=pl.lit("in")),
        grid.select("actor", code=pl.lit("external.badge"),
                    at=pl.col("day") + pl.duration(hours=9), direction=pl.lit("out")),
    ]  # fmt: skip
    # --- oddities
    t = datetime(2026, 6, 10, 12, tzinfo=UTC)  # 21:00 JST
    frames.append(
        pl.DataFrame(
            {
                "code": ["disclosure"] * 300,
                "at": [t + timedelta(seconds=10 * k) for k in range(300)],
                "actor": ["c7"] * 300,
                "subjects": [[f"ds_{k * 7919}"] for k in range(300)],
            }
        )
    )
    events = pl.concat(frames, how="diagonal_relaxed")
    missing = [c for c in EVENT_SCHEMA if c not in events.columns and c != "line"]
    events = (
        events.with_columns(pl.lit(None, EVENT_SCHEMA[c]).alias(c) for c in missing)
        .with_columns(
            pl.col("code").cast(CODES),
            pl.col("purpose").fill_null(""),
            pl.col("subjects").fill_null([]),
            pl.col("fields").fill_null([]),
        )
        .sort("at")
        .with_row_index("line", offset=1)
        .select(list(EVENT_SCHEMA))
        .cast(EVENT_SCHEMA)  # type: ignore[arg-type]
    )
    staff = pl.DataFrame(
        {
            "staff_id": staff_ids,
            "role": ["counter_clerk"] * CLERKS + ["reviewer"] * REVIEWERS,
            "employer_kind": [
                "contractor" if k % 3 else "prefecture" for k in range(len(staff_ids))
            ],
            "vendor": ["Alpha" if k % 3 == 1 else "Beta" if k % 3 == 2 else None
                       for k in range(len(staff_ids))],
        }
    ).with_columns(
        hired_on=pl.lit(None, pl.Date), contract_end=pl.lit(None, pl.Date),
        notice_given_on=pl.lit(None, pl.Date), office=pl.lit("TKY"),
        surname_token=pl.lit(None, pl.String), area_token=pl.lit(None, pl.String),
    )  # fmt: skip
    subjects = pl.DataFrame(
        {
            "subject_id": ["ds_1", "ds_3"],
            "family_token": ["f1", "f1"],
            "surname_token": [None, None],
            "area_token": [None, None],
            "watchlist": [True, False],
            "canary": [False, True],
            "canary_window": [None, "W9"],
            "canary_staff": [None, "c99"],
        },
        schema_overrides={"surname_token": pl.String, "area_token": pl.String,
                          "canary_window": pl.String, "canary_staff": pl.String},
    )  # fmt: skip
    return events, staff, subjects


def naive_pass(rows: list[dict[str, object]]) -> dict[str, int]:
    """Row by row, as a script would: open grants in dicts, explanations, per staff-day counts
    and after-hours flags. Far less than the columnar run does (no peers, no scoring)."""
    open_grants: dict[str, tuple[str, set[str], object]] = {}
    covering: dict[tuple[str, str], set[str]] = {}
    per_day: dict[tuple[str, object], int] = {}
    unexplained = after_hours = 0
    for r in rows:
        code, actor, at = r["code"], r["actor"], r["at"]
        subjects = r["subjects"]
        assert isinstance(subjects, list) and isinstance(actor, str)
        if code == "grant.open":
            g = str(r["grant"])
            entry = open_grants.setdefault(g, (actor, set(), at))
            entry[1].update(subjects)
            for s in subjects:
                covering.setdefault((actor, s), set()).add(g)
        elif code == "grant.close":
            g = str(r["grant"])
            entry2 = open_grants.pop(g, None)
            if entry2 is not None:
                for s in entry2[1]:
                    covering.get((entry2[0], s), set()).discard(g)
        elif code in ("disclosure", "match", "print", "copy"):
            if not all(covering.get((actor, s)) for s in subjects):
                unexplained += 1
            assert isinstance(at, datetime)
            local = at + timedelta(hours=9)
            key = (actor, local.date())
            per_day[key] = per_day.get(key, 0) + 1
            if local.hour < 8 or local.hour >= 18 or local.weekday() >= 5:
                after_hours += 1
    return {"unexplained": unexplained, "after_hours": after_hours, "staff_days": len(per_day)}


def _jsonl(frame: pl.DataFrame) -> bytes:
    from ryoken.audit.events import format_time

    out = []
    for r in frame.select("code", "at", "actor", "subjects", "grant", "terminal").iter_rows():
        obj = {"code": r[0], "at": format_time(r[1]), "actor": r[2], "subjects": r[3],
               "grant": r[4], "terminal": r[5]}  # fmt: skip
        out.append(json.dumps(obj, separators=(",", ":")))
    return ("\n".join(out) + "\n").encode()


def _peak_rss_gb() -> float:
    """The process's peak resident set size so far (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _detect_alone(folder: str) -> None:
    """In a fresh process: read the year from Parquet, detect, print seconds and peak RSS
    (this process's own high-water mark: detection's memory, not the generator's)."""
    from ryoken.detect.cases import detect
    from ryoken.detect.load import DETECT_COLUMNS, read_events_parquet

    where = Path(folder)
    # as `ryoken detect --events events.parquet` reads it: the columns detection reads, all-null
    # ones as constants (pl.read_parquet of the whole frame left 5.9 GB resident)
    events = read_events_parquet(where / "events.parquet", columns=DETECT_COLUMNS)
    staff, subjects = (
        pl.read_parquet(where / "staff.parquet"),
        pl.read_parquet(where / "subjects.parquet"),
    )
    loaded = _peak_rss_gb()
    resident = _status_gb("VmRSS")
    # Linux: writing 5 to clear_refs resets the high-water mark to the current RSS, so the
    # reader's own peak does not hide detection's (docs: proc(5))
    with open("/proc/self/clear_refs", "w") as reset:
        reset.write("5")
    t = time.perf_counter()
    detect(events, staff, subjects)
    seconds = time.perf_counter() - t
    print(
        json.dumps(
            {
                "seconds": seconds,
                "loaded_gb": loaded,
                "resident_gb": resident,
                "detect_peak_gb": _status_gb("VmHWM"),
                "peak_gb": _peak_rss_gb(),
            }
        )
    )


def _status_gb(key: str) -> float:
    """A /proc/self/status memory line (kB) in GB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024**2
    return float("nan")


def _detect_in_child(events: pl.DataFrame, staff: pl.DataFrame, subjects: pl.DataFrame) -> dict:
    with tempfile.TemporaryDirectory(prefix="ryoken-bench-detect-") as name:
        where = Path(name)
        events.write_parquet(where / "events.parquet")
        staff.write_parquet(where / "staff.parquet")
        subjects.write_parquet(where / "subjects.parquet")
        code = f"from bench.bench_detect import _detect_alone; _detect_alone({name!r})"
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from ryoken.detect.cases import detect
    from ryoken.detect.config import DetectConfig
    from ryoken.detect.explain import explain, prepare
    from ryoken.detect.load import read_events

    t = time.perf_counter()
    events, staff, subjects = synthetic_year()
    generated = time.perf_counter() - t
    total = events.height
    print(f"synthetic year: {total:,} events, {DAYS} days, {staff.height} staff, generated "
          f"in {generated:.1f}s on {machine()}\n", flush=True)  # fmt: skip

    before = load_average()
    rss_before = _peak_rss_gb()
    t, c = time.perf_counter(), cpu_seconds()
    det = detect(events, staff, subjects)
    full, full_cpu = time.perf_counter() - t, cpu_seconds() - c
    rss_after = _peak_rss_gb()
    config = DetectConfig()
    t = time.perf_counter()
    explained = explain(prepare(events, config), config)
    explain_s = time.perf_counter() - t

    subset = events.head(NAIVE_EVENTS).select("code", "at", "actor", "subjects", "grant")
    rows = subset.with_columns(pl.col("code").cast(pl.String)).to_dicts()
    t, c = time.perf_counter(), cpu_seconds()
    naive_pass(rows)
    naive = (time.perf_counter() - t) * total / len(rows)
    naive_cpu = (cpu_seconds() - c) * total / len(rows)

    data = _jsonl(events.head(JSONL_EVENTS))
    t = time.perf_counter()
    read_events(data)
    fast_read = time.perf_counter() - t
    t = time.perf_counter()
    for line in data.splitlines():
        json.loads(line)
    loads = time.perf_counter() - t

    alone = _detect_in_child(events, staff, subjects)
    s = det.summary()
    print(f"detection alone in a fresh process (events read from Parquet): "
          f"{alone['seconds']:.1f} s; resident {alone['resident_gb']:.2f} GB with the events "
          f"loaded, {alone['detect_peak_gb']:.2f} GB at detection's peak (detection's own "
          f"working memory: {alone['detect_peak_gb'] - alone['resident_gb']:.2f} GB); "
          f"peak RSS {alone['peak_gb']:.2f} GB "
          f"({alone['loaded_gb']:.2f} GB with the events loaded by read_events_parquet, "
          f"before detecting); target ≤ 4 GB")  # fmt: skip
    print(f"peak RSS of the process: {rss_before:.2f} GB after generating the year, "
          f"{rss_after:.2f} GB after detection (the high-water mark; it includes the "
          f"generated events, which detection needs in memory anyway)")  # fmt: skip
    print(f"{before} before detection, {load_average()} at the end "
          f"(wall time includes waiting for a core; CPU time does not)")  # fmt: skip
    print(f"explained share {100 * explained.share:.3f}%, {s['cases']} cases, {s['alerts']} "
          f"alerts ({s['alerts_per_1000_staff_days']:.2f} per 1,000 staff-days)\n")  # fmt: skip
    report(
        "Detection over a year of a large office",
        [
            Row(
                "full detection, events per second",
                total / full,
                "naive Python pass (1M, extrapolated)",
                total / naive,
                "events/s",
                "year in < 60 s",
            ),
            Row(
                "full detection, seconds for the year",
                full,
                "naive pass, extrapolated",
                naive,
                "s",
                "< 60",
            ),
            Row(
                "full detection, CPU seconds (all threads)",
                full_cpu,
                "naive pass, CPU seconds, extrapolated",
                naive_cpu,
                "s",
            ),
            Row("explanations only, seconds", explain_s, "naive pass, extrapolated", naive, "s"),
            Row(
                "read 1M JSON Lines events (validated), seconds",
                fast_read,
                "json.loads per line (no checks)",
                loads,
                "s",
            ),
        ],
    )


if __name__ == "__main__":
    main()
