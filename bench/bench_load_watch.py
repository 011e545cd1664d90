"""HTTP load with the watcher: 100 clerks for 10 minutes with `ryoken watch` running alongside.

`make bench-load` (or `python -m bench load_watch`; also part of `make bench`). The office,
the clerks and the server are those of `bench/bench_load.py` (fresh data dir, `ryoken demo
seed`, 70 counter and 30 issuance clerks with TOTP, gunicorn gthread 2×8, think 10–30 s).
One measured window, in three phases:

    BEFORE minutes without the watcher │ MINUTES with `ryoken watch` │ AFTER minutes without

The watcher (`ryoken watch --interval I --full-every F`) starts when the first phase ends
and is stopped (SIGTERM) once it has scored every entry that was in the ledger when its
phase ended. The phases without the watcher, same clerks, same server, same run, are the
baseline the watched phase is printed next to; requests sent while the watcher was catching
up at the end belong to neither.

Printed: p50/p95/p99 over all pages and p50/p95 per disclosing page, with the watcher and
without; errors; disclosures answered (per grant) against `disclosure` entries in the ledger;
`ryoken audit verify`; and whether the watcher kept up: every 5 s the entries appended but
not yet scored (ledger top − the watcher's bookmark) and the age of the oldest of them; at
the end, how long after its phase ended the watcher had scored the last entry, and that
entry's age when it was scored. The watcher's passes are checked to tile the ledger
(`bench.faultload.watcher_problems`): nothing skipped, nothing scored twice.

Environment: RYOKEN_BENCH_LOAD_WATCH_MINUTES (10), _BEFORE (1), _AFTER (1), _INTERVAL
(10 s between quick passes), _FULL_EVERY (5 minutes between full runs), _DATABASES
("sqlite"; "sqlite,postgresql" for both), and the RYOKEN_BENCH_LOAD_* settings of
bench_load (clerks, think, workers, threads) except _SECONDS and _SATURATE.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_load import (
    BASELINE,
    DISCLOSING,
    NAMES,
    NOT_LOAD,
    Config,
    Run,
    _clerks,
    _log_in_all,
    _open_window,
    ledger_problems,
    ledger_totals,
    prepare_office,
)
from bench.common import Row, percentiles, report
from bench.faultload import watcher_problems
from bench.loadbrowser import Stats
from bench.loadserver import (
    ROOT,
    LoadBenchError,
    cpu_seconds,
    postgres,
    run_python,
    server,
    tail,
)

SAMPLE_EVERY = 5.0  # seconds between lag samples
_SECONDS = re.compile(r"\((\d+\.\d+)s\)\s*$")


@dataclass(frozen=True)
class WatchConfig:
    minutes: float = 10
    before: float = 1
    after: float = 1
    interval: int = 10
    full_every: int = 5
    databases: tuple[str, ...] = ("sqlite",)

    @classmethod
    def from_env(cls) -> WatchConfig:
        env = os.environ.get
        d = cls()
        return cls(
            minutes=float(env("RYOKEN_BENCH_LOAD_WATCH_MINUTES", d.minutes)),
            before=float(env("RYOKEN_BENCH_LOAD_WATCH_BEFORE", d.before)),
            after=float(env("RYOKEN_BENCH_LOAD_WATCH_AFTER", d.after)),
            interval=int(env("RYOKEN_BENCH_LOAD_WATCH_INTERVAL", d.interval)),
            full_every=int(env("RYOKEN_BENCH_LOAD_WATCH_FULL_EVERY", d.full_every)),
            databases=tuple(
                env("RYOKEN_BENCH_LOAD_WATCH_DATABASES", ",".join(d.databases)).split(",")
            ),
        )

    @property
    def seconds(self) -> float:
        return 60 * (self.before + self.minutes + self.after)


class PhasedStats(Stats):
    """Stats that also keep when each timed request started, to split them by phase."""

    def __init__(self) -> None:
        super().__init__()
        self.timeline: list[tuple[float, str, float]] = []

    def sample(self, kind: str, seconds: float, started: float) -> None:
        if self.window_start <= started < self.window_end:
            with self.lock:
                self.timeline.append((started, kind, seconds))
        super().sample(kind, seconds, started)


# --- reading the ledger and the bookmark while the load runs ---------------------------------


class Probe:
    """Ledger top, the watcher's bookmark and the time of the oldest unscored entry, read
    straight from the database (no Django in this process)."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.url = database_url
        self.path = data_dir / "ryoken.sqlite3"

    def read(self) -> tuple[int, int, float | None]:
        """(top seq, bookmark, unix time of entry bookmark+1 or None)."""
        query_top = "SELECT MAX(seq) FROM ledger_entry"
        query_mark = "SELECT last_seq FROM watch_watchstate WHERE id = 1"
        query_at = "SELECT at FROM ledger_entry WHERE seq = %s"
        if self.url:
            import psycopg

            with psycopg.connect(self.url, connect_timeout=5) as conn:
                top = conn.execute(query_top).fetchone()
                mark = conn.execute(query_mark).fetchone()
                bookmark = -1 if mark is None else int(mark[0])
                at = conn.execute(query_at, [bookmark + 1]).fetchone()
            when = None if at is None else at[0].timestamp()
        else:
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                top = conn.execute(query_top).fetchone()
                mark = conn.execute(query_mark).fetchone()
                bookmark = -1 if mark is None else int(mark[0])
                at = conn.execute(query_at.replace("%s", "?"), [bookmark + 1]).fetchone()
            finally:
                conn.close()
            when = None
            if at is not None:
                when = datetime.fromisoformat(str(at[0])).replace(tzinfo=UTC).timestamp()
        return (-1 if top is None or top[0] is None else int(top[0])), bookmark, when


@dataclass
class WatchRun:
    on: float = 0.0  # monotonic: the watcher started
    until: float = 0.0  # its phase ended
    off: float = 0.0  # it had caught up and was stopped
    first_pass: float = float("nan")  # seconds from start to the end of its first pass
    lag_events: list[int] = field(default_factory=list)
    lag_seconds: list[float] = field(default_factory=list)
    end_top: int = -1
    catch_up: float = float("nan")  # seconds after its phase ended
    last_age: float = float("nan")  # age of the last entry of its phase when scored
    exit_code: int | None = None
    cpu: float = 0.0
    lines: list[str] = field(default_factory=list)
    error: str = ""
    # (monotonic time, 1-minute load average) every 5 s of the window: the machine is shared
    load: list[tuple[float, float]] = field(default_factory=list)


def _sample_load(run: Run, out: WatchRun, done: threading.Event) -> None:
    while not done.wait(SAMPLE_EVERY):
        if run.load.window_start < float("inf"):
            out.load.append((time.monotonic(), os.getloadavg()[0]))


def _watch_phases(
    run: Run, config: WatchConfig, env: dict[str, str], probe: Probe, log: Path, out: WatchRun
) -> None:
    """Start the watcher when the first phase ends, sample its lag, stop it after its phase."""
    while run.load.window_start == float("inf") or run.load.window_start == 0.0:
        time.sleep(0.2)
    start = run.load.window_start
    time.sleep(max(0.0, start + 60 * config.before - time.monotonic()))
    args = [
        sys.executable,
        "-m",
        "ryoken.cli",
        "watch",
        f"--interval={config.interval}",
        f"--full-every={config.full_every}",
    ]
    with log.open("w") as handle:
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
    out.on = time.monotonic()
    out.until = out.on + 60 * config.minutes
    try:
        # Lag is sampled from the end of the first pass: before it, the watcher is working
        # off what the first phase appended (reported as its start-up time).
        while time.monotonic() < out.until and process.poll() is None:
            if any(" run: " in line for line in tail(log, 50)):
                break
            time.sleep(0.2)
        out.first_pass = time.monotonic() - out.on
        while time.monotonic() < out.until:
            top, mark, oldest = probe.read()
            out.lag_events.append(max(0, top - mark))
            out.lag_seconds.append(0.0 if oldest is None else max(0.0, time.time() - oldest))
            time.sleep(min(SAMPLE_EVERY, max(0.0, out.until - time.monotonic())))
            if process.poll() is not None:
                out.error = f"the watcher exited with {process.returncode}: " + " | ".join(
                    tail(log, 3)
                )
                return
        out.end_top, _, _ = probe.read()
        ended = time.monotonic()
        ended_wall = time.time()
        while time.monotonic() - ended < 600:
            _, mark, _ = probe.read()
            if mark >= out.end_top:
                out.catch_up = time.monotonic() - ended
                break
            time.sleep(0.2)
        else:
            out.error = "the watcher did not catch up within 10 minutes"
        # The age the last entry of the phase had when it was scored.
        last_at = _entry_time(probe, out.end_top)
        if last_at is not None and out.catch_up == out.catch_up:
            out.last_age = ended_wall + out.catch_up - last_at
        out.cpu = cpu_seconds(process.pid)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                out.exit_code = process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                out.exit_code = process.wait()
        else:
            out.exit_code = process.returncode
        out.off = time.monotonic()
        out.lines = tail(log, 1_000_000)


def _entry_time(probe: Probe, seq: int) -> float | None:
    if probe.url:
        import psycopg

        with psycopg.connect(probe.url, connect_timeout=5) as conn:
            row = conn.execute("SELECT at FROM ledger_entry WHERE seq = %s", [seq]).fetchone()
        return None if row is None else float(row[0].timestamp())
    conn = sqlite3.connect(probe.path, timeout=30)
    try:
        found = conn.execute("SELECT at FROM ledger_entry WHERE seq = ?", [seq]).fetchone()
    finally:
        conn.close()
    if found is None:
        return None
    return datetime.fromisoformat(str(found[0])).replace(tzinfo=UTC).timestamp()


# --- one database ----------------------------------------------------------------------------


def run_database(
    base: Config, config: WatchConfig, name: str, database_url: str | None
) -> tuple[Run, WatchRun]:
    load = replace(base, seconds=config.seconds, saturate=0)
    run = Run(load=PhasedStats())
    watch = WatchRun()
    work = Path(tempfile.mkdtemp(prefix=f"ryoken-bench-loadwatch-{name}-"))
    try:
        mark = time.monotonic()
        env, office = prepare_office(load, work, database_url)
        run.phases["setup"] = time.monotonic() - mark
        log = work / "gunicorn.log"
        probe = Probe(work / "data", database_url)
        cpu0 = time.process_time()
        with server(load.workers, load.threads, env, log) as (port, pid):
            clerks = _clerks(load, office, port, run.load)
            mark = time.monotonic()
            _log_in_all(clerks)
            run.load_average = os.getloadavg()[0]
            run.phases["log in"] = time.monotonic() - mark
            controller = threading.Thread(
                target=_watch_phases,
                args=(run, config, env, probe, work / "watch.log", watch),
                daemon=True,
            )
            controller.start()
            sampling = threading.Event()
            sampler = threading.Thread(
                target=_sample_load, args=(run, watch, sampling), daemon=True
            )
            sampler.start()
            mark = time.monotonic()
            _open_window(clerks, load, run)
            run.load_seconds = load.seconds
            run.phases["load"] = time.monotonic() - mark
            controller.join(timeout=900)
            sampling.set()
            for clerk in clerks:
                clerk.finish()
                clerk.b.close()
            run.server_cpu = cpu_seconds(pid)
        run.client_cpu = time.process_time() - cpu0
        run.server_log_errors = [
            line for line in tail(log, 100000) if "Traceback" in line or "[ERROR]" in line
        ]
        run.tally = json.loads(
            run_python(
                ["-m", "bench.loadoffice", "tally", str(office["ledger_since"])], env, "tally"
            )
        )
        mark = time.monotonic()
        verify = subprocess.run(
            [sys.executable, "-m", "ryoken.cli", "audit", "verify"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        run.verify_rc = verify.returncode
        run.verify_out = (verify.stdout + verify.stderr).strip()
        run.phases["audit verify"] = time.monotonic() - mark
        return run, watch
    finally:
        if os.environ.get("RYOKEN_BENCH_LOAD_KEEP") == "1":
            print(f"kept {work} (RYOKEN_BENCH_LOAD_KEEP=1)", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


# --- the report ------------------------------------------------------------------------------


def _ms(samples: list[float], p: int) -> float:
    return percentiles(samples, (p,))[p] * 1000 if samples else float("nan")


def split(run: Run, watch: WatchRun) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Samples by page kind: (while the watcher ran its phase, while no watcher ran)."""
    watched: dict[str, list[float]] = {}
    without: dict[str, list[float]] = {}
    stats = run.load
    assert isinstance(stats, PhasedStats)
    for started, kind, seconds in stats.timeline:
        if watch.on <= started < watch.until:
            watched.setdefault(kind, []).append(seconds)
        elif started < watch.on or started >= watch.off:
            without.setdefault(kind, []).append(seconds)
    return watched, without


def _pages(samples: dict[str, list[float]]) -> list[float]:
    return [
        x for k, v in samples.items() if k not in NOT_LOAD and not k.startswith("base:") for x in v
    ]


def load_rows(watch: WatchRun) -> list[Row]:
    """The machine's load average while the watcher ran and while it did not."""
    during = [x for t, x in watch.load if watch.on <= t < watch.until]
    outside = [x for t, x in watch.load if t < watch.on or t >= watch.off]
    if not during or not outside:
        return []
    return [
        Row("load average (1 min), median of 5 s samples", statistics.median(during),
            "no watcher", statistics.median(outside), "", "(2 cores, shared)"),
        Row("load average (1 min), max", max(during), "no watcher", max(outside), ""),
    ]  # fmt: skip


def latency_rows(watched: dict[str, list[float]], without: dict[str, list[float]]) -> list[Row]:
    ours, base = _pages(watched), _pages(without)
    rows = [
        Row(f"all pages p{p} (n={len(ours)} / {len(base)})", _ms(ours, p), "no watcher",
            _ms(base, p), "ms", "≤ 150" if p == 95 else "")
        for p in (50, 95, 99)
    ]  # fmt: skip
    for page in DISCLOSING:
        for p in (50, 95):
            rows.append(
                Row(
                    f"{page} p{p} (n={len(watched.get(page, []))})",
                    _ms(watched.get(page, []), p),
                    "no watcher",
                    _ms(without.get(page, []), p),
                    "ms",
                )
            )
        gateway_free = watched.get(f"base:{page}", [])
        if gateway_free:
            rows.append(
                Row(
                    f"{page} p95, {BASELINE}, with watcher",
                    _ms(gateway_free, 95),
                    "no watcher",
                    _ms(without.get(f"base:{page}", []), 95),
                    "ms",
                )
            )
    return rows


def watcher_rows(config: WatchConfig, watch: WatchRun) -> tuple[list[Row], list[str]]:
    tiling = watcher_problems(watch.lines)
    quick = [
        float(m.group(1))
        for line in watch.lines
        if line.startswith("quick run:") and (m := _SECONDS.search(line))
    ]
    full = [
        float(m.group(1))
        for line in watch.lines
        if line.startswith("full run:") and (m := _SECONDS.search(line))
    ]
    lag_e, lag_s = watch.lag_events or [0], watch.lag_seconds or [0.0]
    rows = [
        Row("unscored entries, median of 5 s samples", statistics.median(lag_e), "max",
            max(lag_e), "entries"),
        Row("age of the oldest unscored entry, median", statistics.median(lag_s), "max",
            max(lag_s), "s", f"≤ {config.interval + 5} s"),
        Row("first pass done (start-up, working off the first phase)", watch.first_pass,
            "-", None, "s"),
        Row("catch-up after its phase ended", watch.catch_up, "-", None, "s"),
        Row("age of the phase's last entry when scored", watch.last_age, "-", None, "s"),
        Row("quick passes", len(quick), "full runs", len(full), "passes"),
        Row("quick pass duration, max", max(quick) if quick else float("nan"), "median",
            statistics.median(quick) if quick else None, "s"),
        Row("full run duration, max", max(full) if full else float("nan"), "median",
            statistics.median(full) if full else None, "s"),
        Row("passes that skipped or re-scored entries", len(tiling.problems), "-", None,
            "", "0"),
        Row("watcher CPU", watch.cpu, "-", None, "s"),
        Row("watcher exit code (SIGTERM)", -1 if watch.exit_code is None else watch.exit_code,
            "-", None, "", "0"),
    ]  # fmt: skip
    problems = [f"watcher: {p}" for p in tiling.problems[:5]]
    if watch.error:
        problems.append(f"watcher: {watch.error}")
    if watch.exit_code != 0:
        problems.append(f"watcher exit code {watch.exit_code}")
    return rows, problems


def print_run(base: Config, config: WatchConfig, name: str, run: Run, watch: WatchRun) -> list[str]:
    watched, without = split(run, watch)
    report(
        f"HTTP load with the watcher — {name}: {base.clerks} clerks for "
        f"{config.before:g}+{config.minutes:g}+{config.after:g} min, `ryoken watch "
        f"--interval {config.interval} --full-every {config.full_every}` for the middle "
        f"{config.minutes:g} min; think {base.think:g} s mean; gunicorn "
        f"{base.workers}×{base.threads} threads",
        latency_rows(watched, without) + load_rows(watch),
    )
    rows, problems = watcher_rows(config, watch)
    report(f"HTTP load with the watcher — {name}: the watcher kept up", rows)
    ledger = ledger_problems(run)
    totals = ledger_totals(run)
    errors = run.load.errors
    refused = int(run.tally.get("by_code", {}).get("disclosure.refused", 0))
    report(
        f"HTTP load with the watcher — {name}: every answered disclosure is in the ledger",
        [
            Row("disclosures answered (200s, per page)", totals["disclosure"][0],
                "disclosure entries in ledger", totals["disclosure"][1], "events", "equal"),
            Row("matches answered", totals["match"][0], "match entries in ledger",
                totals["match"][1], "events", "equal"),
            Row("grants where the two differ", len(ledger), "-", None, "grants", "0"),
            Row("disclosures refused", refused, "-", None, "events", "0"),
            Row("client errors", len(errors), "-", None, "errors", "0"),
            Row("server log errors", len(run.server_log_errors), "-", None, "lines", "0"),
            Row("`ryoken audit verify` exit code", run.verify_rc, "-", None, "", "0"),
            Row("client CPU (this process)", run.client_cpu, "server CPU", run.server_cpu, "s"),
        ],
    )  # fmt: skip
    counts = run.load.counts
    print(
        f"{name}: {counts['intakes']} intakes and {counts['pickups']} pickups completed; "
        f"{len(_pages(watched)) / (60 * config.minutes):.1f} clerk requests/s with the "
        f"watcher; load average when the load began {run.load_average:.1f} (a shared 2-core "
        "machine); " + ", ".join(f"{k} {v:.0f} s" for k, v in run.phases.items()) + "\n",
        flush=True,
    )
    found = [f"{name}: {e}" for e in errors[:10]]
    found += [f"{name}: ledger: {p}" for p in ledger[:10]]
    found += [f"{name}: server: {line}" for line in run.server_log_errors[:5]]
    found += [f"{name}: {p}" for p in problems]
    if refused:
        found.append(f"{name}: {refused} disclosures refused")
    if run.verify_rc != 0:
        found.append(f"{name}: audit verify: {run.verify_out[-300:]}")
    return found


def main() -> None:
    base = Config.from_env()
    config = WatchConfig.from_env()
    problems: list[str] = []
    for key in config.databases:
        name = NAMES.get(key)
        if name is None:
            print(f"load_watch: unknown database {key!r} (sqlite, postgresql)\n", flush=True)
            continue
        try:
            if key == "postgresql":
                with postgres(base.pg_url) as url:
                    run, watch = run_database(base, config, name, url)
            else:
                run, watch = run_database(base, config, name, None)
        except LoadBenchError as error:
            print(f"HTTP load with the watcher on {name} did not run: {error}\n", flush=True)
            problems.append(f"{name}: {error}")
            continue
        problems += print_run(base, config, name, run, watch)
    if problems:
        print("Problems found:", *(f"- {p}" for p in problems), sep="\n", flush=True)
        print(flush=True)


if __name__ == "__main__":
    main()
