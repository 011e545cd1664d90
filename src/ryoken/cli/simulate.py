"""`ryoken simulate`: a synthetic office at work, with an injected insider if asked.

    ryoken simulate --seed 7 --days 245 --out var/sim/s1 --scenario S1 --intensity 0.05

Writes events.jsonl, staff.csv, subjects.csv, persons.jsonl (synthetic plaintext),
truth.json and, for S9, leaked.csv (see docs/events.md and ryoken.sim.output).

    ryoken simulate --generator office2 --config H1 --seed 3 --days 90 \
        --insider skim_footprint --out var/sim/h1-3

runs the second, independently written office (ryoken.office2, docs/office2.md) instead:
events.jsonl (schema v2), staff.csv, subjects.csv and truth.json.
"""

from __future__ import annotations

import argparse
import json
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
    p.add_argument(
        "--generator",
        choices=("ryoken", "office2"),
        default="ryoken",
        help="ryoken's own simulator (default) or the independent office2 generator",
    )
    p.add_argument("--config", help="office2: the office configuration (T, H1, H2, H3)")
    p.add_argument("--insider", help="office2: an insider kind (default: a clean office)")
    p.set_defaults(func=cmd_simulate)


# Options of ryoken's own simulator that office2 does not take (and their defaults).
_SIM_ONLY = {
    "start": date(2025, 4, 1),
    "staff": 100,
    "applications_per_day": 150,
    "scenario": None,
    "intensity": None,
    "start_day": None,
    "end_day": None,
    "insiders": None,
    "no_canaries": False,
}


def _office2(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ryoken.office2 import CONFIGS, INSIDER_KINDS, generate

    given = [k for k, default in _SIM_ONLY.items() if getattr(args, k) != default]
    if given:
        names = ", ".join("--" + k.replace("_", "-") for k in given)
        raise InvalidInput(f"office2 does not take {names} (options of the ryoken generator)")
    config = args.config or "T"
    if config not in CONFIGS:
        raise InvalidInput(f"unknown --config {config!r}; choose from {', '.join(CONFIGS)}")
    if args.insider is not None and args.insider not in INSIDER_KINDS:
        raise InvalidInput(
            f"unknown --insider {args.insider!r}; choose from {', '.join(INSIDER_KINDS)}"
        )
    if args.days < 1:
        raise InvalidInput("--days must be at least 1")
    began = time.perf_counter()
    out = generate(config, args.seed, Path(args.out), days=args.days, insider=args.insider)
    seconds = time.perf_counter() - began
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    events = truth["events"]
    print(
        f"office2 {config} seed {args.seed}: {args.days} office days from {truth['start']}, "
        f"{truth['staff']} staff"
    )
    print(f"{events} events in {seconds:.1f} s ({events / max(seconds, 1e-9):,.0f} events/s)")
    insider = truth["insider"]
    if insider is not None:
        print(
            f"insider {insider['kind']}: {insider['person']} (accounts "
            f"{', '.join(insider['accounts'])}); {len(insider['exposed'])} persons exposed, "
            f"{len(insider['event_lines'])} events"
        )
    print(f"wrote events.jsonl, staff.csv, subjects.csv, truth.json to {out}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    if args.generator == "office2":
        return _office2(args)
    if args.config is not None or args.insider is not None:
        raise InvalidInput("--config and --insider need --generator office2")
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
