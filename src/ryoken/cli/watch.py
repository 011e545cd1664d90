"""`ryoken watch` keeps the privacy office's queue current; `ryoken events import` brings in
external events (copier logs, door badges, a queue system).

    ryoken watch [--once] [--interval 60] [--full-every 60] [--days 90] [--iterations N]
    ryoken events import FILE.jsonl [--skip-bad] [--actor NAME]

The watcher runs in a loop: every `--interval` seconds it closes grants whose time is up and
checks the ledger entries appended since the last pass for canary touches and access outside
any task (seconds); every `--full-every` minutes it runs every detector over the last
`--days` days (the in-task footprints, volume, contract end, credentials) and forgets the
devices' delivery receipts older than any retry (`api.batches.prune_seen`). `--once` does one
full run and exits. Each pass is bounded (entries are read in chunks, the window in memory is
`--days` long); Ctrl-C or SIGTERM stops it between passes.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime, timedelta
from typing import Any

from ryoken import clock
from ryoken.cli.files import read_input
from ryoken.cli.setup import django_setup, startup_checks

MAX_FILE_BYTES = 500 * 1024 * 1024


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _report(result: Any) -> None:
    from ryoken.web.watch.models import Case

    print(result.line(), flush=True)
    # "updated": a case opened at once (watch.alerts) that a run adds detectors' evidence to
    labelled = (("new", result.created), ("reopened", result.reopened), ("updated", result.updated))
    for label, ids in labelled:
        for case in Case.objects.filter(pk__in=ids).order_by("-score"):
            reason = case.reasons_en[0] if case.reasons_en else ""
            print(f"  {label} case #{case.pk} {case.staff_id} score {case.score:.1f}: {reason}")


def cmd_watch(args: argparse.Namespace) -> int:
    django_setup()
    startup_checks()  # missing or unusable keys: one clear line, before any pass

    from ryoken.web.api.batches import prune_seen
    from ryoken.web.counter.queue.service import expire_grants
    from ryoken.web.ledger.frames import RollingWindow
    from ryoken.web.watch import service
    from ryoken.web.watch.models import WatchState

    # Where the bookmark stands: after a crash the watcher resumes right after the last
    # pass that committed (a pass's cases and its bookmark commit together).
    print(f"watching the ledger after entry #{WatchState.load().last_seq}", flush=True)

    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    window = RollingWindow(days=args.days)
    full_every = timedelta(minutes=args.full_every)
    last_full: datetime | None = None
    passes = 0
    from ryoken.web.ledger import timer

    if not args.once:  # a long-running watcher also signs the quiet ledger's tail
        timer.ensure_started()
    try:
        while not stop.is_set():
            now = clock.now()
            expire_grants(now)
            if args.once or last_full is None or now - last_full >= full_every:
                result = service.run_detection(now, days=args.days, window=window)
                last_full = now
                prune_seen(now=now)  # device delivery receipts past any retry
            else:
                result = service.run_quick_checks(now)
            _report(result)
            passes += 1
            if args.once or (args.iterations and passes >= args.iterations):
                break
            stop.wait(args.interval)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        timer.stop()
    return 0


def _read(path_text: str) -> bytes:
    return read_input(path_text, max_total=MAX_FILE_BYTES)


def cmd_import(args: argparse.Namespace) -> int:
    data = _read(args.file)
    django_setup()
    from ryoken.web.watch.importer import describe_bad, import_events

    result = import_events(data, name=args.file, skip_bad=args.skip_bad, actor=args.actor)
    print(
        f"imported {result.imported} external event(s) from {args.file} "
        f"(sha256 {result.sha256[:16]}…) into the ledger"
    )
    if result.bad_lines:
        print(f"skipped {len(result.bad_lines)} bad line(s): {describe_bad(result.bad_lines)}")
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "watch", help="score new ledger events into the privacy office's cases, in a loop"
    )
    p.add_argument("--once", action="store_true", help="one full run, then exit")
    p.add_argument(
        "--interval", type=_positive, default=60, help="seconds between passes (default 60)"
    )
    p.add_argument(
        "--full-every",
        type=_positive,
        default=60,
        help="minutes between full runs of every detector (default 60)",
    )
    p.add_argument(
        "--days", type=_positive, default=90, help="rolling window of a full run (default 90)"
    )
    p.add_argument("--iterations", type=_positive, default=None, help="stop after this many passes")
    p.set_defaults(func=cmd_watch)

    events = subparsers.add_parser("events", help="external events (copier, badges, queue)")
    actions = events.add_subparsers(dest="events_command", metavar="ACTION")
    actions.required = True
    p = actions.add_parser(
        "import", help="import a JSON Lines file of external.* events (docs/events.md)"
    )
    p.add_argument("file", metavar="FILE.jsonl")
    p.add_argument(
        "--skip-bad", action="store_true", help="import the good lines and report the bad ones"
    )
    p.add_argument("--actor", default="system", help="who runs the import (recorded)")
    p.set_defaults(func=cmd_import)
