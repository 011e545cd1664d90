"""Business code asks one clock (`ryoken.clock`), so tests can pin it and CI passes at any hour.

This scans every module under src/ryoken for a direct read of the wall clock. Durations use
`time.monotonic()`/`perf_counter()`, which are not business time and are allowed. The pure
core must not even ask `ryoken.clock` (it takes `now` as an argument); import-linter's
contract in pyproject.toml enforces that part.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "ryoken"
CLOCK = SRC / "clock.py"

# (object, attribute) pairs whose call reads the wall clock. `timezone.localdate(at)` and
# `timezone.localtime(at)` only convert a given moment; without an argument they read the clock.
WALL_CLOCK = {
    ("timezone", "now"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
}
CONVERT_WITHOUT_ARGUMENT = {("timezone", "localdate"), ("timezone", "localtime")}


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        pair = (name, node.func.attr)
        if pair in WALL_CLOCK or (
            pair in CONVERT_WITHOUT_ARGUMENT and not node.args and not node.keywords
        ):
            found.append((node.lineno, f"{name}.{node.func.attr}()"))
        # time.localtime(x)/gmtime(x) with an argument convert a given timestamp: allowed.
        if pair in {("time", "localtime"), ("time", "gmtime")} and node.args:
            found.pop()
    return found


def test_it_finds_each_kind_of_wall_clock_read():
    sample = (
        "timezone.now()\ndatetime.now(UTC)\ndatetime.datetime.utcnow()\ndate.today()\n"
        "time.time()\ntimezone.localdate()\ntimezone.localtime()\n"
        "timezone.localdate(at)\ntime.monotonic()\nclock.now()\n"
    )
    assert [line for line, _ in wall_clock_reads(sample)] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SRC.rglob("*.py") if p != CLOCK),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_it_reads_business_time_only_through_ryoken_clock(path: Path):
    reads = wall_clock_reads(path.read_text(encoding="utf-8"))
    assert reads == [], f"{path.relative_to(SRC)} reads the wall clock directly: {reads}"
