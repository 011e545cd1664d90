"""`ryoken simulate`: a synthetic office at work, with an injected insider if asked.

    ryoken simulate --seed 7 --days 245 --out var/sim/s1 --scenario S1 --intensity 0.05

Writes events.jsonl, staff.csv, subjects.csv, persons.jsonl (synthetic plaintext),
truth.json and, for S9, leaked.csv (see docs/events.md and ryoken.sim.output).
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Any

from ryoken.errors import InvalidInput


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-04-01") from None


def register(subparsers: Any) -> None:
    from ryoken.sim.scenarios import SCENARIOS

    p = subparsers.add_parser(
        "simulate",
        help="generate a synthetic office's events (optionally with an insider)",
        description="Simulate the office day by day and write its event, staff and subject "
        "files, with the ground truth of an injected insider scenario.",
    )
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--days", type=int, required=True, help="business days to simulate")
    p.add_argument("--start", type=_day, default=date(2025, 4, 1), help="first day (ISO)")
    p.add_argument("--staff", type=int, default=100)
    p.add_argument("--applications-per-day", type=int, default=150)
    p.add_argument("--scenario", choices=SCENARIOS)
    p.add_argument("--intensity", type=float, help="q for skims; rate for other scenarios")
    p.add_argument("--start-day", type=int, help="business day (0-based) the insider starts")
    p.add_argument("--end-day", type=int, help="business day (0-based) the insider stops")
    p.add_argument("--insiders", type=int, help="S7: number of colluding clerks (2 or 3)")
    p.add_argument("--no-canaries", action="store_true", help="plant no canary applicants")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=cmd_simulate)


def cmd_simulate(args: argparse.Namespace) -> int:
    from ryoken.sim.output import SimConfig, write_run
    from ryoken.sim.scenarios import ScenarioSpec

    if args.scenario is None and any(
        v is not None for v in (args.intensity, args.start_day, args.end_day, args.insiders)
    ):
        raise InvalidInput("--intensity, --start-day, --end-day and --insiders need --scenario")
    spec = None
    if args.scenario is not None:
        spec = ScenarioSpec(
            args.scenario,
            intensity=args.intensity,
            start_day=args.start_day,
            end_day=args.end_day,
            insiders=args.insiders,
        )
    config = SimConfig(
        seed=args.seed,
        start=args.start,
        days=args.days,
        staff=args.staff,
        applications_per_day=args.applications_per_day,
        scenario=spec,
        canaries=not args.no_canaries,
    )
    began = time.perf_counter()
    summary = write_run(config, args.out)
    seconds = time.perf_counter() - began
    print(
        f"{summary.business_days} business days ({summary.first_day} to {summary.last_day}), "
        f"{summary.staff} staff, {summary.subjects} subjects, {summary.canaries} canaries"
    )
    print(
        f"{summary.events} events in {seconds:.1f} s "
        f"({summary.events / max(seconds, 1e-9):,.0f} events/s)"
    )
    if summary.scenario:
        print(
            f"scenario {summary.scenario}: insiders {', '.join(summary.insiders)}; "
            f"{summary.exposed} persons exposed"
        )
    print(f"wrote {', '.join(summary.files)} to {summary.out_dir}")
    return 0
