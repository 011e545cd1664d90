"""`ryoken incident`: the privacy office's answer on the day the police call.

    ryoken incident open --title T --staff ID[,ID] --from DATE --to DATE --officer ID
    ryoken incident hold --incident N --officer ID [--out BUNDLE.zip]
    ryoken incident facts --incident N --officer ID [--summary TEXT] [--cause TEXT] ...
    ryoken incident scope --incident N [--channel screen|print|copy|document_image]
                          [--csv FILE] [--xlsx FILE] --officer ID
    ryoken incident attribute --leaked FILE.csv --from DATE --to DATE --officer ID [--top 5]
    ryoken incident report --incident N --out DIR --officer ID
    ryoken incident notices --incident N --out FILE.pdf [--json FILE.json] --officer ID
    ryoken incident who-saw SUBJECT_ID
    ryoken incident verify-bundle FILE [--key PUB] [--witness FILE]

Dates are local (Asia/Tokyo) days; `--to` is inclusive. Every step that reads or exports
personal data is recorded in the ledger under the officer's staff id.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ryoken import clock
from ryoken.cli import bundles
from ryoken.cli.files import read_input, write_private
from ryoken.cli.setup import django_setup
from ryoken.errors import InvalidInput

JST = ZoneInfo("Asia/Tokyo")
MAX_LEAK_BYTES = 50 * 1024 * 1024
MAX_LEAK_LINE = 1024 * 1024  # a cell may hold 128 KiB; a row of a few such is plenty


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in Tokyo time."""
    return (
        datetime.combine(start, time(), JST),
        datetime.combine(end + timedelta(days=1), time(), JST),
    )


def _write(path: Path, data: bytes) -> None:
    write_private(path, data)  # scope lists, notices and reports name people: 0600


def _incident(args: argparse.Namespace) -> Any:
    from ryoken.web.incident import incidents

    return incidents.get_incident(args.incident)


def _officer(args: argparse.Namespace) -> Any:
    from ryoken.web.incident import incidents

    return incidents.officer_of(args.officer)


def cmd_open(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.incident import incidents

    start, end = _period(args.start, args.end)
    incident = incidents.open_incident(
        title=args.title,
        learned_on=args.learned_on or clock.today(),
        suspects=[s for part in args.staff for s in part.split(",")],
        start=start,
        end=end,
        officer=_officer(args),
        unlawful_purpose=not args.not_unlawful,
        case_id=args.case,
    )
    print(f"incident #{incident.pk} opened: {', '.join(incident.suspects)}")
    return 0


def cmd_hold(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.incident import evidence

    result = evidence.place_hold(_incident(args), officer=_officer(args))
    out = args.out or Path(f"incident-{result.hold.incident_id}-evidence.zip")
    _write(out, result.bundle)
    print(
        f"hold placed: frozen {', '.join(result.frozen)}; {result.subjects} persons under legal "
        f"hold; evidence bundle {out} ({result.entries} entries, checkpoint "
        f"{result.hold.checkpoint_size})"
    )
    return 0


def cmd_scope(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.incident.exposures import Channel
    from ryoken.web.incident import scoping

    incident = _incident(args)
    channels = [Channel(c) for c in args.channel] if args.channel else None
    found = scoping.incident_scope(incident, channels=channels)
    # The files first: a reader that closes the pipe early (`| head`) must not cost them.
    officer = _officer(args) if (args.csv or args.xlsx) else None
    written = []
    for fmt, path in (("csv", args.csv), ("xlsx", args.xlsx)):
        if path is not None:
            _write(path, scoping.export_scope(incident, fmt, officer=officer, channels=channels))
            written.append(path)
    print(f"persons: {found.persons}")
    for title, counts in (
        ("by field class", {k.value: v for k, v in found.by_field_class.items()}),
        ("by field", dict(found.by_field)),
        ("by role", dict(found.by_role)),
        ("by channel", {k.value: v for k, v in found.by_channel.items()}),
    ):
        print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_attribute(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.incident.exposures import Period
    from ryoken.web.incident import attribution

    data = read_input(args.leaked, max_total=MAX_LEAK_BYTES, max_line=MAX_LEAK_LINE)
    start, end = _period(args.start, args.end)
    result = attribution.attribute_leak(data, Period(start, end), officer=_officer(args))
    print(
        f"rows: {len(result.rows)}; resolved persons: {len(result.leaked_subjects)}; "
        f"unmatched rows: {len(result.unmatched_rows)}; p = {result.p:.2f}"
    )
    for rank, suspect in enumerate(result.staff[: args.top], start=1):
        canary = f"; canary hits {', '.join(suspect.canary_hits)}" if suspect.decisive else ""
        print(
            f"{rank}. {suspect.agent}: confidence {suspect.probability:.3f}; received "
            f"{suspect.leaked_received} of the leaked persons (of {suspect.received} seen)" + canary
        )
        for item in suspect.evidence[:5]:
            first = item.first_at.isoformat() if item.first_at else "-"
            print(
                f"     rows {','.join(map(str, item.rows))}: {item.subject} first seen {first} "
                f"(entry {item.first_ref}); shared with {item.recipients}"
            )
    for rank, suspect in enumerate(result.windows[:3], start=1):
        canary = f"; canary hits {', '.join(suspect.canary_hits)}" if suspect.decisive else ""
        print(f"window {rank}. {suspect.agent}: confidence {suspect.probability:.3f}" + canary)
    for subject, strays in result.canaries_off_path:
        print(
            f"canary {subject} was also seen off its planted path (by {', '.join(strays)}): "
            "it does not decide the source on its own"
        )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.incident.documents import text_printable, to_json_bytes
    from ryoken.web.documents.pdf import render_document
    from ryoken.web.incident import reports

    incident = _incident(args)
    result = reports.report_of(incident, officer=_officer(args))
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInput(f"cannot create {args.out}: {error.strerror}") from None
    stem = f"incident-{incident.pk}"
    _write(args.out / f"{stem}-report.pdf", result.pdf)
    _write(args.out / f"{stem}-report.json", to_json_bytes(result.report))
    _write(
        args.out / f"{stem}-publication.pdf", render_document(text_printable(result.publication))
    )
    _write(args.out / f"{stem}-publication.json", to_json_bytes(result.publication))
    _write(args.out / f"{stem}-enquiry-script.pdf", render_document(text_printable(result.enquiry)))
    verdict = "must be reported" if result.decision.required else "need not be reported"
    print(f"persons: {result.decision.persons}; the leak {verdict}")
    for reason in result.decision.reasons:
        print(f"  - {reason.text_en}")
    print(
        f"preliminary report due {result.deadlines.preliminary_due.isoformat()}; final report "
        f"due {result.deadlines.final_due.isoformat()}"
    )
    for reminder in result.reminders:
        print(f"  ! {reminder.message_en}")
    print(f"wrote {args.out}/{stem}-*")
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    """Write the report's free-text items (those given), then print all of them."""
    django_setup()
    from ryoken.web.incident import reports

    incident = _incident(args)
    officer = _officer(args)
    given = {
        name: getattr(args, name) for name in reports.FACT_NAMES if getattr(args, name) is not None
    }
    if given:
        changed = reports.update_facts(incident, given, officer=officer)
        print(f"changed: {', '.join(changed)}" if changed else "nothing changed")
    written = reports.written_facts(incident)
    for name, text in reports.current_facts(incident).items():
        flag = "" if name in written else " (draft)"
        print(f"{name}{flag}: {text}")
    return 0


def cmd_notices(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.incident.documents import to_json_bytes
    from ryoken.web.incident import notification

    notices, pdf = notification.notices_of(_incident(args), officer=_officer(args))
    _write(args.out, pdf)
    if args.json is not None:
        _write(args.json, to_json_bytes(notices.to_json()))
    print(
        f"wrote {args.out}: {len(notices.notices)} notices; {len(notices.undeliverable)} persons "
        "without an address (publication and enquiry desk instead)"
    )
    return 0


def cmd_who_saw(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.accounts.models import Role
    from ryoken.web.incident import whosaw

    rows = whosaw.who_saw(args.subject)
    if not rows:
        print("no staff member has seen this person's data")
        return 0
    for row in rows:
        role = Role(row.role).label if row.role in Role.values else row.role
        flag = "  OUTSIDE A VISIT" if row.outside_visit else ""
        print(
            f"{row.at:%Y-%m-%d %H:%M} {row.office or '-'} {role} {row.code} "
            f"{row.purpose} [{', '.join(row.fields)}]{flag}"
        )
    return 0


def register(subparsers: Any) -> None:
    incident = subparsers.add_parser(
        "incident",
        help="evidence hold, scoping, leak attribution, APPI documents",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = incident.add_subparsers(dest="incident_command", metavar="STEP")
    sub.required = True

    def officer(p: argparse.ArgumentParser, required: bool = True) -> None:
        p.add_argument("--officer", required=required, help="the privacy officer's staff id")

    def number(p: argparse.ArgumentParser) -> None:
        p.add_argument("--incident", type=int, required=True, help="the incident number")

    p = sub.add_parser("open", help="open an incident on staff and a period")
    p.add_argument("--title", required=True)
    p.add_argument("--staff", action="append", required=True, help="suspect staff id(s)")
    p.add_argument("--from", dest="start", type=_day, required=True, help="first day")
    p.add_argument("--to", dest="end", type=_day, required=True, help="last day (inclusive)")
    p.add_argument("--learned-on", type=_day, help="the day the office learned of it")
    p.add_argument("--not-unlawful", action="store_true", help="not an unlawful purpose")
    p.add_argument("--case", type=int, help="the watch case that raised it")
    officer(p)
    p.set_defaults(func=cmd_open)

    p = sub.add_parser("hold", help="freeze, legal hold, checkpoint, signed evidence bundle")
    number(p)
    p.add_argument("--out", type=Path, help="where to write the bundle (.zip)")
    officer(p)
    p.set_defaults(func=cmd_hold)

    p = sub.add_parser("facts", help="write the report's items ① ④-⑨ (② and ③ are scoped)")
    number(p)
    for name, help_text in (
        ("summary", "① what happened and how the office learned of it"),
        ("cause", "④ the cause"),
        ("secondary_harm", "⑤ secondary harm, or its risk"),
        ("response_to_persons", "⑥ what was done for the persons"),
        ("publication", "⑦ publication"),
        ("recurrence_measures", "⑧ measures against recurrence, taken and planned"),
        ("other", "⑨ other matters (also on the notices)"),
        ("notice_summary", "① as the notices say it (empty: as the report's)"),
    ):
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, help=help_text)
    officer(p)
    p.set_defaults(func=cmd_facts)

    p = sub.add_parser("scope", help="every person the suspects exposed; CSV/Excel export")
    number(p)
    p.add_argument(
        "--channel",
        action="append",
        choices=["screen", "print", "copy", "document_image"],
        help="keep only this channel (repeatable)",
    )
    p.add_argument("--csv", type=Path, help="write the scoping as CSV")
    p.add_argument("--xlsx", type=Path, help="write the scoping as Excel")
    officer(p, required=False)
    p.set_defaults(func=cmd_scope)

    p = sub.add_parser("attribute", help="rank the staff as the source of a leaked list")
    p.add_argument("--leaked", type=Path, required=True, help="the leaked list (CSV)")
    p.add_argument("--from", dest="start", type=_day, required=True)
    p.add_argument("--to", dest="end", type=_day, required=True)
    p.add_argument("--top", type=int, default=5)
    officer(p)
    p.set_defaults(func=cmd_attribute)

    p = sub.add_parser("report", help="the APPI report (PDF + JSON), publication, desk script")
    number(p)
    p.add_argument("--out", type=Path, required=True, help="directory")
    officer(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("notices", help="one notice per person, as one PDF")
    number(p)
    p.add_argument("--out", type=Path, required=True, help="the PDF file")
    p.add_argument("--json", type=Path, help="also write the notices as JSON (no names)")
    officer(p)
    p.set_defaults(func=cmd_notices)

    p = sub.add_parser("who-saw", help="who saw a person's data (roles, not names)")
    p.add_argument("subject", help="the data subject id")
    p.set_defaults(func=cmd_who_saw)

    bundles.add_arguments(sub.add_parser("verify-bundle", help="check an evidence bundle offline"))
