"""`ryoken detect` scores an event file into ranked cases; `ryoken evaluate` runs the scorecard.

Both work without a database: `detect` reads files in the docs/events.md schema (so another
office's logs can be scored), `evaluate` drives the simulator. Heavy imports (Polars, the
simulator) happen inside the handlers so other commands start fast.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from ryoken.cli.files import read_input
from ryoken.errors import ConfigurationError, InvalidInput

MAX_EVENTS_BYTES = 4 * 1024**3  # a year of a large office's ledger is well under this


def _write_json(path: Path, payload: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot write {path}: {error.strerror}") from None


def cmd_detect(args: argparse.Namespace) -> int:
    from ryoken.detect.cases import detect
    from ryoken.detect.config import DetectConfig
    from ryoken.detect.load import (
        DETECT_COLUMNS,
        Loaded,
        load_staff,
        load_subjects,
        read_events,
        read_events_parquet,
    )

    started = time.perf_counter()
    if Path(args.events).suffix == ".parquet":
        # an events frame saved as Parquet: only the columns detection reads, column by column
        # (a 10M-event year peaks at a third of the memory its JSON Lines need)
        loaded = Loaded(read_events_parquet(Path(args.events), columns=DETECT_COLUMNS))
    else:
        data = read_input(args.events, max_total=MAX_EVENTS_BYTES)
        loaded = read_events(data, skip_bad=args.skip_bad)
        del data  # the file's bytes: as large as the frame, and not needed any more
    staff = load_staff(Path(args.staff)) if args.staff else None
    subjects = load_subjects(Path(args.subjects)) if args.subjects else None
    config = DetectConfig()
    if args.threshold is not None:
        if args.threshold <= 0:
            raise InvalidInput("--threshold must be positive")
        config = config.with_(threshold=args.threshold)
    det = detect(loaded.events, staff, subjects, config)
    payload = det.to_json(max_cases=args.top)
    payload["summary"]["bad_lines_skipped"] = [n for n, _ in loaded.bad_lines]
    payload["summary"]["seconds"] = round(time.perf_counter() - started, 3)
    if args.report:
        from ryoken.detect.report import onboarding_report, report_text

        payload["report"] = onboarding_report(det)
    _write_json(Path(args.out), payload)
    _print_summary(payload)
    if args.report:
        print()
        print(report_text(payload["report"]))
    return 0


def _print_summary(payload: dict[str, Any]) -> None:
    s = payload["summary"]
    print(
        f"{s['events']:,} events, {s['access_events']:,} accesses, "
        f"explained {100 * s['explained_share']:.2f}%, {s['staff']} staff over "
        f"{s['office_days']} office days"
    )
    print(
        f"{s['cases']} case(s), {s['alerts']} alert(s) "
        f"({s['alerts_per_1000_staff_days']:.2f} per 1,000 staff-days) in {s['seconds']:.1f}s"
    )
    for case in payload["cases"][:10]:
        if not case["alert"]:
            break
        print(f"  #{case['rank']} {case['staff']}  score {case['score']:.1f}  "
              f"first alert {case['first_alert_at']}")  # fmt: skip
        for reason in case["reasons_en"][:3]:
            print(f"      - {reason}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    try:
        from ryoken.sim import evaluation
    except ImportError as error:
        raise ConfigurationError(
            f"the simulator is not available yet ({error}); `ryoken evaluate` needs "
            "ryoken.sim.workday, scenarios and output"
        ) from None
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()] or None
    if args.seeds < 1:
        raise InvalidInput("--seeds must be at least 1")
    report = evaluation.run_scorecard(
        seeds=range(args.seed_start, args.seed_start + args.seeds),
        scenarios=scenarios,
        configs=[c.strip() for c in args.configs.split(",") if c.strip()] or ["sim"],
        kinds=[k.strip() for k in args.kinds.split(",") if k.strip()] or None,
        days=args.days,
        out=Path(args.out) if args.out else None,
        jobs=args.jobs,
        cache=Path(args.cache) if args.cache else None,
        cached_only=args.cached_only,
        progress=print,
    )
    print(report)
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "detect", help="score an event file (docs/events.md) into ranked cases, no database"
    )
    p.add_argument(
        "--events",
        required=True,
        help="JSON Lines events file, or an events frame saved as Parquet (name ending .parquet)",
    )
    p.add_argument("--staff", help="staff CSV (no protected attributes)")
    p.add_argument("--subjects", help="subjects CSV: family, surname and area tokens, flags")
    p.add_argument("--out", required=True, help="where to write CASES.json")
    p.add_argument("--threshold", type=float, help="alert threshold (default from config)")
    p.add_argument("--top", type=int, help="write only the top N cases")
    p.add_argument("--skip-bad", action="store_true", help="skip bad lines instead of refusing")
    p.add_argument(
        "--report",
        action="store_true",
        help="onboarding report: explained share, unexplained patterns, alerts by signal, "
        "role and employer (printed, and under 'report' in the JSON)",
    )
    p.set_defaults(func=cmd_detect)

    p = subparsers.add_parser(
        "evaluate", help="run the insider scenarios over many seeds and print the scorecard"
    )
    p.add_argument("--seeds", type=int, default=30, help="seeds per scenario (default 30)")
    p.add_argument("--seed-start", type=int, default=1, help="first seed (tuning uses 1000+)")
    p.add_argument("--scenarios", default="", help="comma-separated, e.g. clean,S1,S2")
    p.add_argument("--days", type=int, default=None, help="working days per run")
    p.add_argument(
        "--configs",
        default="sim",
        help="office configurations: sim (ryoken's simulator), T, H1, H2, H3 (office2)",
    )
    p.add_argument("--kinds", default="", help="office2 insider kinds (default: clean + all)")
    p.add_argument(
        "--cached-only",
        action="store_true",
        help="score only runs already in --cache (re-detect, never simulate)",
    )
    p.add_argument("--jobs", type=int, default=2, help="runs in parallel (processes)")
    p.add_argument("--out", default="", help="directory for scorecard.json, .md and plots")
    p.add_argument("--cache", default="", help="keep simulated runs here (Parquet) and reuse them")
    p.set_defaults(func=cmd_evaluate)
