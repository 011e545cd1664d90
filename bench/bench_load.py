"""HTTP load: 100 simulated clerks against a real server, on SQLite and then PostgreSQL.

For each database: a fresh data dir (`ryoken init`, a small `ryoken demo seed`), bench
clerks with TOTP devices and windows, waiting tickets and passports ready for pickup
(`bench/loadoffice.py`), then gunicorn (gthread workers) on 127.0.0.1 serving the
production settings plus the baseline pages (`bench.web.settings`; processes in
`bench/loadserver.py`). The clerks (`bench/loadclient.py`, threads in this process) log in
with password and TOTP, fast-forward (untimed) to a random step of their first visit, and
then serve visitors for RYOKEN_BENCH_LOAD_SECONDS, thinking between actions, right after
each disclosing screen also loading the same screen without the gateway. Then a
saturation phase: every clerk reloads a disclosing screen with no pause, the real one and
then the baseline, for RYOKEN_BENCH_LOAD_SATURATE seconds each.

Figures, each disclosing page next to the same page without the gateway, same run:
- latency p50/p95 per disclosing page (romaji, review, pickup screen, photo), p95 of every
  other page, p50/p95/p99 over all pages; requests/s, intakes/s, pickups/s;
- pages/s at saturation, with and without the gateway;
- disclosures answered (counted from 200 responses, per grant) against `disclosure`
  entries in the ledger, matches likewise; errors; `ryoken audit verify` must exit 0.

The clerks and the server share this machine's cores (and with anything else running):
the client's CPU time is printed next to the server's, and the load average.

Environment: RYOKEN_BENCH_LOAD_CLERKS (100), _SECONDS (50), _SATURATE (5), _THINK (mean
seconds a clerk pauses before each action, 20), _PICKUP_SHARE (0.3), _WORKERS (2),
_THREADS (8), _DATABASES ("sqlite,postgresql"), _KEEP (1 keeps the data dir),
RYOKEN_BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/; the database ryoken_bench_load
is created for the run and dropped after it).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Row, percentiles, report
from bench.loadbrowser import Browser, Stats, totp
from bench.loadclient import Clerk, CounterClerk, IssuanceClerk, Login, Window
from bench.loadserver import (
    ROOT,
    LoadBenchError,
    base_env,
    cpu_seconds,
    postgres,
    run_python,
    server,
    tail,
)

DISCLOSING = ("romaji", "review", "pickup_app", "photo")
BASELINE = "same page, no gateway"
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Every other request of the two flows, in the order a clerk makes them.
OTHERS = (
    "call",
    "work",
    "intake_form",
    "intake_post",
    "romaji_post",
    "scans",
    "scans_post",
    "accept",
    "receipt",
    "close",
    "queue",
    "pickup_call",
    "pickup_serve",
    "match",
    "issue",
    "pickup_close",
    "pickup_queue",
)
NOT_LOAD = ("login", "setup")  # before the measured window


@dataclass(frozen=True)
class Config:
    clerks: int = 100
    seconds: float = 50
    saturate: float = 5
    think: float = 20.0  # mean pause before each action (uniform, 0.5× to 1.5×)
    pickup_share: float = 0.3
    workers: int = 2
    threads: int = 8
    databases: tuple[str, ...] = ("sqlite", "postgresql")
    pg_url: str = "postgres://postgres@127.0.0.1:5432/"

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ.get
        default = cls()
        return cls(
            clerks=int(env("RYOKEN_BENCH_LOAD_CLERKS", default.clerks)),
            seconds=float(env("RYOKEN_BENCH_LOAD_SECONDS", default.seconds)),
            saturate=float(env("RYOKEN_BENCH_LOAD_SATURATE", default.saturate)),
            think=float(env("RYOKEN_BENCH_LOAD_THINK", default.think)),
            pickup_share=float(env("RYOKEN_BENCH_LOAD_PICKUP_SHARE", default.pickup_share)),
            workers=int(env("RYOKEN_BENCH_LOAD_WORKERS", default.workers)),
            threads=int(env("RYOKEN_BENCH_LOAD_THREADS", default.threads)),
            databases=tuple(
                env("RYOKEN_BENCH_LOAD_DATABASES", ",".join(default.databases)).split(",")
            ),
            pg_url=env("RYOKEN_BENCH_PG_URL", default.pg_url),
        )

    @property
    def pickup_clerks(self) -> int:
        return round(self.clerks * self.pickup_share)

    @property
    def intake_clerks(self) -> int:
        return self.clerks - self.pickup_clerks

    def think_time(self, rng: random.Random) -> Callable[[], float]:
        def pause() -> float:
            return rng.uniform(0.5, 1.5) * self.think

        return pause


# --- the clerks ------------------------------------------------------------------------------


@dataclass
class Run:
    load: Stats = field(default_factory=Stats)
    saturated: Stats = field(default_factory=Stats)
    saturated_base: Stats = field(default_factory=Stats)
    load_seconds: float = 0.0
    sat_seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    tally: dict[str, Any] = field(default_factory=dict)
    verify_rc: int = -1
    verify_out: str = ""
    server_log_errors: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    load_average: float = 0.0


def _clerks(config: Config, office: dict[str, Any], port: int, stats: Stats) -> list[Clerk]:
    clerks: list[Clerk] = []
    presented = office["presented"]
    for n, spec in enumerate([*office["intake"], *office["pickup"]]):
        login = Login(**{k: spec[k] for k in Login.__dataclass_fields__})
        rng = random.Random(7919 * n + 1)
        browser = Browser("127.0.0.1", port, stats)
        think = config.think_time(rng)
        clerk: Clerk
        if spec["role"] == "issuance_clerk":
            clerk = IssuanceClerk(browser, login, think=think, rng=rng, presented=presented)
        else:
            clerk = CounterClerk(browser, login, think=think, rng=rng)
        clerk.keep = config.saturate > 0
        clerks.append(clerk)
    return clerks


def _in_threads(clerks: list[Clerk], work: Callable[[Clerk], None]) -> None:
    def guarded(clerk: Clerk) -> None:
        try:
            work(clerk)
        except Exception as error:  # one clerk's failure is an error figure, not a crash
            clerk.stats.error(f"{clerk.login_data.username}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=guarded, args=(c,), daemon=True) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _log_in_all(clerks: list[Clerk]) -> None:
    """Logins verify argon2 (~0.5 s of server CPU each): a few at a time, before the load."""
    gate = threading.Semaphore(6)

    def log_in(clerk: Clerk) -> None:
        with gate:
            clerk.log_in()
        clerk.setup()

    _in_threads(clerks, log_in)


def _open_window(clerks: list[Clerk], config: Config, run: Run) -> Window:
    """Clerks fast-forward to their starting points; the last to arrive opens the window."""
    window = Window()

    def open_window() -> None:
        window.start = time.monotonic()
        window.end = window.start + config.seconds
        run.load.window_start, run.load.window_end = window.start, window.end

    run.load.window_start = float("inf")  # nothing is timed on the way to the start
    gate = threading.Barrier(len(clerks), action=open_window, timeout=600)
    _in_threads(clerks, lambda clerk: clerk.run(gate, window))
    return window


def _saturate(clerks: list[Clerk], run: Run, seconds: float) -> None:
    """Every clerk holds a disclosing screen and reloads it with no pause: real, then
    baseline. Barriers keep the two phases apart; a clerk that cannot hold a screen (an
    error, an empty queue) still passes the barriers, idle."""
    starts: list[float] = []
    barrier = threading.Barrier(
        len(clerks), action=lambda: starts.append(time.monotonic()), timeout=600
    )

    def work(clerk: Clerk) -> None:
        ready = False
        try:
            ready = clerk.hold()
        except Exception as error:  # recorded; the clerk sits the phase out
            clerk.stats.error(f"{clerk.login_data.username}: saturation setup: {error!r}")
        for phase, stats in ((False, run.saturated), (True, run.saturated_base)):
            barrier.wait()
            clerk.b.stats = stats
            until = starts[-1] + seconds
            while ready and time.monotonic() < until:
                try:
                    clerk.reload(baseline=phase)
                except Exception as error:
                    stats.error(f"{clerk.login_data.username}: {error!r}")
                    ready = False
        barrier.wait()
        clerk.b.stats = run.load
        clerk.finish()

    _in_threads(clerks, work)


def _verify_totp(office: dict[str, Any]) -> None:
    """The client computes TOTP codes itself: check it against the server's own function."""
    check = office.get("totp_check")
    if not check:
        return
    clerks = [*office["intake"], *office["pickup"]]
    spec = next(s for s in clerks if s["username"] == check["username"])
    mine = totp(
        spec["key"], at=check["at"], step=spec["step"], t0=spec["t0"], digits=spec["digits"]
    )
    if mine != check["code"]:
        raise LoadBenchError("the client's TOTP does not agree with the server's current_code")


def prepare_office(
    config: Config, work: Path, database_url: str | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """A fresh data directory with the demo office and the bench's clerks and visitors:
    (the environment to run ryoken in, the office file's contents)."""
    env = base_env(work / "data", database_url)
    run_python(["-m", "ryoken.cli", "init"], env, "ryoken init")
    run_python(
        ["-m", "ryoken.cli", "demo", "seed", "--days", "2", "--per-day", "10"], env, "demo seed"
    )
    # Enough waiting visitors that nobody runs out: what a clerk could serve at its
    # shortest pauses, plus the visit it starts in and one for the saturation phase.
    shortest = max(config.think * 0.5, 0.05)

    def visits(pauses: int) -> int:
        return int(config.seconds / (pauses * shortest)) + 3

    office_file = work / "office.json"
    run_python(
        [
            "-m",
            "bench.loadoffice",
            "prepare",
            str(office_file),
            f"--intake={config.intake_clerks}",
            f"--pickup={config.pickup_clerks}",
            f"--tickets={config.intake_clerks * visits(CounterClerk.PAUSES_PER_VISIT)}",
            f"--ready={config.pickup_clerks * visits(IssuanceClerk.PAUSES_PER_VISIT)}",
        ],
        env,
        "bench office setup",
    )
    office: dict[str, Any] = json.loads(office_file.read_text())
    _verify_totp(office)
    return env, office


def run_database(config: Config, name: str, database_url: str | None) -> Run:
    run = Run()
    work = Path(tempfile.mkdtemp(prefix=f"ryoken-bench-load-{name}-"))
    try:
        mark = time.monotonic()
        env, office = prepare_office(config, work, database_url)
        run.phases["setup"] = time.monotonic() - mark
        log = work / "gunicorn.log"
        cpu0 = time.process_time()
        with server(config.workers, config.threads, env, log) as (port, pid):
            clerks = _clerks(config, office, port, run.load)
            mark = time.monotonic()
            _log_in_all(clerks)
            run.load_average = os.getloadavg()[0]
            run.phases["log in"] = time.monotonic() - mark
            mark = time.monotonic()
            window = _open_window(clerks, config, run)
            run.load_seconds = config.seconds
            run.phases["load (and getting to the start, finishing visits)"] = (
                time.monotonic() - mark
            )
            run.phases["of which the measured window"] = window.end - window.start
            if config.saturate > 0:
                mark = time.monotonic()
                _saturate(clerks, run, config.saturate)
                run.sat_seconds = config.saturate
                run.phases["saturation"] = time.monotonic() - mark
            for clerk in clerks:
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
        return run
    finally:
        if os.environ.get("RYOKEN_BENCH_LOAD_KEEP") == "1":
            print(f"kept {work} (RYOKEN_BENCH_LOAD_KEEP=1)", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


# --- the report ------------------------------------------------------------------------------


def _mean(values: list[float] | list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _ms(samples: list[float], p: int) -> float:
    return percentiles(samples, (p,))[p] * 1000 if samples else float("nan")


def _expected(run: Run) -> dict[str, Counter[str]]:
    merged: dict[str, Counter[str]] = {}
    for stats in (run.load, run.saturated, run.saturated_base):
        for grant, counts in stats.expected.items():
            merged.setdefault(grant, Counter()).update(counts)
    return merged


def ledger_totals(run: Run) -> dict[str, tuple[int, int]]:
    """code → (answered, in the ledger), for disclosures and matches."""
    expected = _expected(run)
    by_code: dict[str, int] = run.tally.get("by_code", {})
    return {
        code: (sum(c[code] for c in expected.values()), int(by_code.get(code, 0)))
        for code in ("disclosure", "match")
    }


def ledger_problems(run: Run) -> list[str]:
    """Every grant where what the clerks were answered and what the ledger holds differ."""
    expected = _expected(run)
    by_grant: dict[str, dict[str, int]] = run.tally.get("by_grant", {})
    problems = []
    for code in ("disclosure", "match"):
        for grant in sorted(set(expected) | set(by_grant)):
            answered = expected.get(grant, Counter())[code]
            ledgered = by_grant.get(grant, {}).get(code, 0)
            if answered != ledgered:
                problems.append(f"{grant}: {code} answered {answered}, in ledger {ledgered}")
    return problems


def _load_rows(run: Run) -> list[Row]:
    load = run.load.samples
    real = [
        x for k, v in load.items() if k not in NOT_LOAD and not k.startswith("base:") for x in v
    ]
    per_second = 1 / run.load_seconds
    rows = [
        Row("requests/s (the clerks' pages)", len(real) * per_second, "-", None, "req/s"),
        Row("intakes completed/s", run.load.counts["intakes"] * per_second, "-", None, "/s"),
        Row("pickups completed/s", run.load.counts["pickups"] * per_second, "-", None, "/s"),
        Row("all pages p50", _ms(real, 50), "-", None, "ms"),
        Row("all pages p95", _ms(real, 95), "-", None, "ms", "≤ 150"),
        Row("all pages p99", _ms(real, 99), "-", None, "ms"),
    ]
    for page in DISCLOSING:
        ours, base = load.get(page, []), load.get(f"base:{page}", [])
        for p in (50, 95):
            rows.append(
                Row(
                    f"{page} p{p} (n={len(ours)})",
                    _ms(ours, p),
                    BASELINE,
                    _ms(base, p) if base else None,
                    "ms",
                    "≤ 150" if p == 95 else "",
                )
            )
    costs = run.load.costs
    for page in DISCLOSING:
        ours, base = costs.get(page, []), costs.get(f"base:{page}", [])
        if not ours:
            continue
        cpu, base_cpu = _mean([c for c, _ in ours]), _mean([c for c, _ in base])
        queries, base_queries = _mean([q for _, q in ours]), _mean([q for _, q in base])
        rows.append(Row(f"{page}: server CPU per page", cpu, BASELINE, base_cpu, "ms"))
        rows.append(Row(f"{page}: queries per page", queries, BASELINE, base_queries, "queries"))
    for page in OTHERS:
        if load.get(page):
            n = len(load[page])
            rows.append(Row(f"{page} p95 (n={n})", _ms(load[page], 95), "-", None, "ms", "≤ 150"))
    if load.get("login"):
        p50 = _ms(load["login"], 50)
        rows.append(Row("login request p50 (argon2, before load)", p50, "-", None, "ms"))
    return rows


def _saturation_rows(run: Run) -> list[Row]:
    ours = [x for v in run.saturated.samples.values() for x in v]
    base = [x for v in run.saturated_base.samples.values() for x in v]
    rate = len(ours) / run.sat_seconds
    return [
        Row("disclosing pages/s", rate, BASELINE, len(base) / run.sat_seconds, "pages/s"),
        Row("page p50 at saturation", _ms(ours, 50), BASELINE, _ms(base, 50), "ms"),
        Row("page p95 at saturation", _ms(ours, 95), BASELINE, _ms(base, 95), "ms"),
    ]


def _ledger_rows(run: Run, problems: list[str], errors: list[str], refused: int) -> list[Row]:
    totals = ledger_totals(run)
    disclosures, matches = totals["disclosure"], totals["match"]
    return [
        Row(
            "disclosures answered (200s, per page)",
            disclosures[0],
            "disclosure entries in ledger",
            disclosures[1],
            "events",
            "equal",
        ),
        Row(
            "matches answered", matches[0], "match entries in ledger", matches[1], "events", "equal"
        ),
        Row("grants where the two differ", len(problems), "-", None, "grants", "0"),
        Row("disclosures refused", refused, "-", None, "events", "0"),
        Row("client errors", len(errors), "-", None, "errors", "0"),
        Row("server log errors", len(run.server_log_errors), "-", None, "lines", "0"),
        Row("`ryoken audit verify` exit code", run.verify_rc, "-", None, "", "0"),
        Row("client CPU (this process)", run.client_cpu, "server CPU", run.server_cpu, "s"),
    ]


def print_run(config: Config, name: str, run: Run) -> list[str]:
    """Print the tables for one database. Returns the problems found."""
    report(
        f"HTTP load — {name}: {config.clerks} clerks ({config.intake_clerks} intake, "
        f"{config.pickup_clerks} pickup), {run.load_seconds:.0f} s, think {config.think:g} s "
        f"mean, gunicorn {config.workers}×{config.threads} threads",
        _load_rows(run),
    )
    if run.sat_seconds:
        report(
            f"HTTP load — {name}: saturation ({run.sat_seconds:.0f} s each, no think time; "
            "review and pickup screens reloaded)",
            _saturation_rows(run),
        )
    problems = ledger_problems(run)
    errors = run.load.errors + run.saturated.errors + run.saturated_base.errors
    refused = int(run.tally.get("by_code", {}).get("disclosure.refused", 0))
    report(
        f"HTTP load — {name}: every answered disclosure is in the ledger",
        _ledger_rows(run, problems, errors, refused),
    )
    counts = run.load.counts
    baseline_requests = sum(len(v) for k, v in run.load.samples.items() if k.startswith("base:"))
    print(
        f"{name}: {counts['intakes']} intakes and {counts['pickups']} pickups completed in the "
        f"window ({counts['intakes after the window']} and {counts['pickups after the window']} "
        f"finished after it, untimed); queue empty for {counts['queue empty']} clerks; "
        f"{counts['reconnects']} keep-alive reconnects; "
        f"{baseline_requests / run.load_seconds:.1f} baseline requests/s interleaved; "
        f"load average when the load began {run.load_average:.1f} (other processes share "
        "the cores); " + ", ".join(f"{k} {v:.0f} s" for k, v in run.phases.items()) + "\n",
        flush=True,
    )
    found = [f"{name}: {e}" for e in errors[:10]]
    found += [f"{name}: ledger: {p}" for p in problems[:10]]
    found += [f"{name}: server: {line}" for line in run.server_log_errors[:5]]
    if refused:
        found.append(f"{name}: {refused} disclosures refused")
    if run.verify_rc != 0:
        found.append(f"{name}: audit verify: {run.verify_out[-300:]}")
    return found


def main() -> None:
    config = Config.from_env()
    problems: list[str] = []
    for key in config.databases:
        name = NAMES.get(key)
        if name is None:
            print(f"load: unknown database {key!r} (sqlite, postgresql)\n", flush=True)
            continue
        try:
            if key == "postgresql":
                with postgres(config.pg_url) as url:
                    run = run_database(config, name, url)
            else:
                run = run_database(config, name, None)
        except LoadBenchError as error:
            print(f"HTTP load on {name} did not run: {error}\n", flush=True)
            problems.append(f"{name}: {error}")
            continue
        problems += print_run(config, name, run)
    if problems:
        print("Problems found:", *(f"- {p}" for p in problems), sep="\n", flush=True)
        print(flush=True)
