"""`ryoken replay`: load a simulated office's run into this database, as if it had happened.

    ryoken simulate --seed 7 --days 735 --staff 8 --scenario S1 --out var/sim/s1
    ryoken replay var/sim/s1

For tests, demonstrations and incident drills on a test or demo database, never a production
office: it adds the run's staff, its (synthetic) data subjects to the vault, its
applications, canary placements, and its events to the ledger; the external events (copier
logs, door badges) go through the same importer as `ryoken events import`. Every file is
checked first; a run marked anything but synthetic, or already loaded, is refused.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ryoken.cli.setup import django_setup


def cmd_replay(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.replay import load_run

    began = time.perf_counter()
    summary = load_run(args.directory)
    seconds = time.perf_counter() - began
    period = (
        f"{summary.first:%Y-%m-%d} to {summary.last:%Y-%m-%d}"
        if summary.first and summary.last
        else "no events"
    )
    print(
        f"replayed {args.directory} ({period}): {summary.staff} staff, {summary.subjects} "
        f"data subjects, {summary.applications} applications, {summary.canaries} canaries"
    )
    print(
        f"ledger: {summary.events} events of the office, {summary.external} external events "
        f"through the importer, in {seconds:.1f} s"
    )
    if summary.scenario:
        print(f"scenario {summary.scenario}: insiders {', '.join(summary.insiders)}")
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "replay",
        help="load a simulated office's run into this (test or demo) database",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("directory", type=Path, help="the output directory of `ryoken simulate`")
    p.set_defaults(func=cmd_replay)
