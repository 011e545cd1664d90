"""Shared helpers for benchmarks: machine description, timing, side-by-side tables."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its threads so far. Next to wall time it
    shows how much of a figure was waiting for a core on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def per_second(fn: Callable[[], object], count: int, repeat: int = 3) -> float:
    """Best-of-`repeat` rate of calling `fn` (which does `count` operations) per second."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return count / best


def percentiles(samples: Sequence[float], points: Sequence[int] = (50, 95, 99)) -> dict[int, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []
    out = {}
    for p in points:
        out[p] = cuts[p - 1] if cuts else (ordered[0] if ordered else float("nan"))
    return out


@dataclass(frozen=True)
class Row:
    """One figure for ryoken next to the same figure for the baseline."""

    what: str
    ours: float
    baseline_name: str
    baseline: float | None
    unit: str
    target: str = ""

    def ratio(self) -> str:
        if self.baseline in (None, 0):
            return ""
        return f"{self.ours / self.baseline:.2f}x"


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:,.2f}"
    return f"{value:.4f}"


def table(title: str, rows: Sequence[Row]) -> str:
    lines = [
        f"## {title}",
        "",
        "| what | ryoken | baseline | baseline value | unit | ours/base | target |",
        "|---|---:|---|---:|---|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.what} | {_fmt(r.ours)} | {r.baseline_name} | {_fmt(r.baseline)} | {r.unit} "
            f"| {r.ratio()} | {r.target} |"
        )
    return "\n".join(lines)


def report(title: str, rows: Sequence[Row]) -> None:
    print(table(title, rows), flush=True)
    print(flush=True)
