"""Back-office jobs: `ryoken applications import`, `ryoken lapse run`, `ryoken production ...`.

    ryoken applications import FILE [--actor NAME]       online applications (JSON Lines)
    ryoken lapse run [--today YYYY-MM-DD]                uncollected passports lapse
    ryoken production order --staff ID [--out FILE]      approved → a batch and its order file
    ryoken production import FILE --staff ID [--today]   the bureau's results → ready

Malformed input (a bad line or row, a missing file) exits 2 with one line; nothing is
written then. Production acts under a production grant of the named staff member, who
must hold the `production.order` capability and be in standing.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from ryoken import clock
from ryoken.cli.files import read_input, write_private
from ryoken.cli.setup import django_setup
from ryoken.errors import AccessDenied, InvalidInput

MAX_FILE_BYTES = 200 * 1024 * 1024


def _today(text: str | None) -> date:

    if not text:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--today {text!r} is not a date written YYYY-MM-DD") from None


def _read(path_text: str) -> bytes:
    return read_input(path_text, max_total=MAX_FILE_BYTES)


def _staff(staff_id: str) -> Any:

    from ryoken.web.accounts.access import holds, standing
    from ryoken.web.accounts.models import Staff

    staff = Staff.objects.filter(staff_id=staff_id).first()
    if staff is None or not holds(staff, "production.order"):
        raise AccessDenied(f"{staff_id!r} is not a staff member who may order production")
    state = standing(staff, clock.today())
    if not state.ok:
        raise AccessDenied(f"{staff_id} may not act today: {'; '.join(state.reasons_en)}")
    return staff


def cmd_import(args: argparse.Namespace) -> int:
    data = _read(args.file)
    django_setup()
    from ryoken.web.casework.importer import import_file

    summary = import_file(data, actor=args.actor, today=_today(args.today), office=args.office)
    print(
        f"imported {summary.imported} online application(s) from {args.file} "
        f"(sha256 {summary.file_sha256[:16]}…), all now in review"
    )
    return 0


def cmd_lapse(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.casework.lapse import run_lapse

    today = _today(args.today)
    run = run_lapse(today)
    print(
        f"lapse run for {today.isoformat()}: {run.ready} ready, {len(run.lapsed)} lapsed, "
        f"{run.skipped} skipped (changed meanwhile)"
    )
    return 0


def cmd_order(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.casework import production

    staff = _staff(args.staff)
    batch = production.order_batch(acting_staff=staff)
    document = production.build_order(batch, acting_staff=staff, via="cli")
    text = json.dumps(document, ensure_ascii=False, indent=1)
    summary = f"batch {batch.batch_id}: {document['count']} application(s) ordered"
    if args.out:
        write_private(args.out, (text + "\n").encode("utf-8"))  # names and numbers: 0600
        print(f"{summary}; order file written to {args.out}")
    else:  # the file is the output; the summary goes where it cannot corrupt it
        sys.stdout.write(text + "\n")
        print(summary, file=sys.stderr)
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    raw = _read(args.file)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, too deep, huge number
        raise InvalidInput(f"{args.file} is not UTF-8 JSON: {error}") from None
    django_setup()
    from ryoken.web.casework import production

    staff = _staff(args.staff)
    batch_id = args.batch or (data.get("batch") if isinstance(data, dict) else None)
    if not batch_id:
        raise InvalidInput("name the batch: --batch, or a `batch` field in the file")
    try:
        batch = production.access_batch(str(batch_id))
    except AccessDenied:
        raise InvalidInput(f"no batch {batch_id}") from None
    summary = production.import_results(
        batch, data, acting_staff=staff, today=_today(args.today), via="cli"
    )
    print(f"batch {summary.batch}: {summary.imported} passport(s) produced and ready for pickup")
    return 0


def register(subparsers: Any) -> None:
    apps = subparsers.add_parser("applications", help="online applications")
    apps_sub = apps.add_subparsers(dest="action", metavar="ACTION")
    apps_sub.required = True
    p = apps_sub.add_parser("import", help="import a JSON Lines file (all lines or none)")
    p.add_argument(
        "file", help="JSON Lines, one application per line (docs/applications-import.md)"
    )
    p.add_argument("--actor", default="system", help="who the ledger names (default: system)")
    p.add_argument("--office", default="TKY-IKB", help="the receiving office (default TKY-IKB)")
    p.add_argument("--today", help="YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_import)

    lapse = subparsers.add_parser("lapse", help="the daily lapse job")
    lapse_sub = lapse.add_subparsers(dest="action", metavar="ACTION")
    lapse_sub.required = True
    p = lapse_sub.add_parser("run", help="lapse ready passports not collected within 6 months")
    p.add_argument("--today", help="YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_lapse)

    prod = subparsers.add_parser("production", help="the printing-bureau exchange")
    prod_sub = prod.add_subparsers(dest="action", metavar="ACTION")
    prod_sub.required = True
    p = prod_sub.add_parser("order", help="order every approved application; write the file")
    p.add_argument("--staff", required=True, help="the supervisor ordering (staff id)")
    p.add_argument("--out", help="write the order file here (default: standard output)")
    p.set_defaults(func=cmd_order)
    p = prod_sub.add_parser("import", help="import the bureau's results (all rows or none)")
    p.add_argument("file", help="results JSON")
    p.add_argument("--staff", required=True, help="the supervisor importing (staff id)")
    p.add_argument("--batch", help="the batch id (default: the file's `batch`)")
    p.add_argument("--today", help="YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_results)
