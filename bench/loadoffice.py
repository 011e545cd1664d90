"""The office side of `python -m bench load`, run as a subprocess inside Django.

    python -m bench.loadoffice prepare OUT.json --intake N --pickup M --tickets T --ready R
    python -m bench.loadoffice tally SINCE
    python -m bench.loadoffice entries SINCE
    python -m bench.loadoffice lookup-canary STAFF SUBJECT
    python -m bench.loadoffice production OUT.json
    python -m bench.loadoffice watch-state

`prepare` adds to an initialised, demo-seeded data dir (or DATABASE_URL): N counter clerks
and M issuance clerks (each with a TOTP device and a window of their own), T waiting
application tickets, and R passports ready for pickup with a waiting ticket each (every
holder created through the vault gateway, like any applicant). It writes what the simulated
clerks need to OUT.json: logins with their TOTP secrets, and the "identity documents" the
pickup visitors present (birth date and passport number, by application id) — the clerk at
the window never reads these from the system. It also records the ledger size, so `tally`
counts only what the load wrote.

`tally SINCE` prints, as JSON, the ledger entries from sequence SINCE on, by code and by
(grant, code): what the load benchmark compares with the responses it saw.

`lookup-canary STAFF SUBJECT` has STAFF look the canary SUBJECT up by break-glass (a case
for the watcher). `entries SINCE` prints every entry from SINCE on, decoded, one JSON line each, and
`watch-state` the watcher's bookmark, the ledger's top and the cases: what the fault tests
(`bench/faultload.py`) cross-check the responses and the watcher against. `prepare
--canaries K` makes K of the ready holders canaries planted at a window nobody uses;
`production OUT.json` orders a production batch and adds a bureau API client.

This is bench-only tooling: no CLI command, nothing in production imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import struct
import sys
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path

OFFICE = "TKY-IKB"


def tiny_png() -> bytes:
    """A real (tiny, grey, 2×2) PNG: the face photo of every ready passport's holder."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80\x80" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


_SURNAMES = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
]
_GIVEN = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("健", "ケン"),
    ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"),
    ("陽子", "ヨウコ"),
]


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ryoken.web.settings")
    import django

    django.setup()


def _create_clerks(prefix: str, count: int, role: str, kind: str) -> list[dict[str, object]]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.test.utils import override_settings

    from ryoken.web.accounts.models import Window
    from ryoken.web.accounts.services import create_staff

    if count == 0:
        return []
    password = "bench-" + secrets.token_urlsafe(12)
    # One production (argon2) hash shared by every bench clerk: hashing costs ~0.5 s each
    # on this machine. Logging in still verifies argon2 on the server, as in production.
    shared_hash = make_password(password)
    clerks: list[dict[str, object]] = []
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for i in range(1, count + 1):
            username = f"{prefix}{i:03d}"
            _, device = create_staff(
                username=username,
                password=password,
                role=role,
                display_name=f"負荷試験 {username}",
                actor="bench",
            )
            window = f"B{prefix[-1].upper()}{i:03d}"
            clerks.append(
                {
                    "username": username,
                    "password": password,
                    "key": device.key,
                    "step": device.step,
                    "t0": device.t0,
                    "digits": device.digits,
                    "window": window,
                    "role": role,
                }
            )
    names = [str(c["username"]) for c in clerks]
    get_user_model().objects.filter(username__in=names).update(password=shared_hash)
    Window.objects.bulk_create(
        Window(code=str(c["window"]), label=f"負荷試験 {c['window']}", kind=kind, office=OFFICE)
        for c in clerks
    )
    return clerks


def _application_tickets(count: int) -> None:
    from django.utils import timezone

    from ryoken.web.counter.models import Ticket

    start = timezone.now() - timedelta(hours=1)
    Ticket.objects.bulk_create(
        Ticket(
            number=f"A-{5000 + i}",
            office=OFFICE,
            purpose=Ticket.Purpose.APPLICATION,
            issued_at=start + timedelta(milliseconds=i),
        )
        for i in range(count)
    )


def _ready_passports(
    count: int, rng: random.Random, holders: dict[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    """Passports ready for pickup, each holder through the gateway, each with a ticket.
    Fills `holders` (application id → subject id and name, for the fault tests' checks)."""
    from django.db import transaction
    from django.utils import timezone

    now = timezone.now()
    today = timezone.localdate()
    presented: dict[str, dict[str, str]] = {}
    with transaction.atomic():  # one commit (one fsync) for all of them
        for i in range(count):
            app_id, document, holder = _ready_passport(i, rng, now, today)
            presented[app_id] = document
            holders[app_id] = holder
    return presented


def _plant_canaries(holders: dict[str, dict[str, str]], count: int) -> list[str]:
    """Make the last `count` holders (last in the pickup queue) canaries planted at a window
    no bench clerk uses: any clerk who looks one up is a case for the watcher."""
    from django.utils import timezone

    from ryoken.web.vault.models import Subject
    from ryoken.web.watch.models import CanaryPlacement

    chosen = [h["subject"] for h in list(holders.values())[-count:]]
    Subject.objects.filter(id__in=chosen).update(canary=True)
    CanaryPlacement.objects.bulk_create(
        CanaryPlacement(
            subject_id=s, window="CANARY", planted_at=timezone.now(), planted_by="bench"
        )
        for s in chosen
    )
    return chosen


def _ready_passport(
    i: int, rng: random.Random, now: datetime, today: date
) -> tuple[str, dict[str, str], dict[str, str]]:
    """One holder in the vault, their application ready, their pickup ticket waiting.
    Returns the application id, what the holder presents at the window, and who they are."""
    from ryoken.web.applications.models import Application, ApplicationPerson
    from ryoken.web.counter.models import Ticket
    from ryoken.web.vault import writes

    surname, surname_kana = rng.choice(_SURNAMES)
    given, given_kana = rng.choice(_GIVEN)
    birth = (today - timedelta(days=rng.randint(20 * 365, 70 * 365))).isoformat()
    number = f"T{rng.choice('KRS')}{rng.randint(0, 9_999_999):07d}"
    subject = writes.create_subject(
        actor="bench",
        values={
            "name_kanji": f"{surname} {given}",
            "name_kana": f"{surname_kana} {given_kana}",
            "birth_date": birth,
            "passport_number": number,
            "face_photo": tiny_png(),
        },
        purpose="bench seed",
        retain_until=today.replace(year=today.year + 11),
        now=now,
    )
    app = Application.objects.create(
        reception_number=f"BENCH-{today:%Y%m%d}-{i:06d}",
        office=OFFICE,
        kind="new",
        channel="paper",
        state="ready",
        applicant=subject,
        application_date=today - timedelta(days=20),
        created_at=now - timedelta(days=20),
        accepted_at=now - timedelta(days=20),
        accepted_by="bench",
        requested_validity=10,
        validity_years=10,
        romaji_confirmed=True,
        issue_date=today - timedelta(days=10),
    )
    ApplicationPerson.objects.create(application=app, subject=subject, role="applicant")
    ticket = Ticket.objects.create(
        number=f"B-{5000 + i}",
        office=OFFICE,
        purpose=Ticket.Purpose.PICKUP,
        issued_at=now - timedelta(hours=1) + timedelta(milliseconds=i),
    )
    ticket.applications.add(app)
    holder = {"subject": subject, "name_kanji": f"{surname} {given}"}
    return str(app.pk), {"birth_date": birth, "passport_number": number}, holder


def prepare(args: argparse.Namespace) -> int:
    _django()
    from django.db import transaction
    from django.utils import timezone

    from ryoken.web.accounts.models import Role, Window
    from ryoken.web.accounts.services import current_code
    from ryoken.web.ledger.store import ledger_size

    rng = random.Random(args.seed)
    with transaction.atomic():
        intake = _create_clerks("lc", args.intake, Role.COUNTER_CLERK, Window.Kind.INTAKE)
        pickup = _create_clerks("li", args.pickup, Role.ISSUANCE_CLERK, Window.Kind.PICKUP)
        _application_tickets(args.tickets)
    holders: dict[str, dict[str, str]] = {}
    presented = _ready_passports(args.ready, rng, holders)
    canaries = _plant_canaries(holders, args.canaries) if args.canaries else []
    # One code computed by the server's own function, so the client can check its TOTP.
    check = None
    if intake or pickup:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        first = (intake or pickup)[0]
        device = TOTPDevice.objects.get(user__username=first["username"])
        at = timezone.now().timestamp()
        check = {"username": first["username"], "at": at, "code": current_code(device, at=at)}
    out = {
        "intake": intake,
        "pickup": pickup,
        "presented": presented,
        "holders": holders,
        "canaries": canaries,
        "totp_check": check,
        "ledger_since": ledger_size(),
    }
    Path(args.out).write_text(json.dumps(out))
    return 0


def tally(args: argparse.Namespace) -> int:
    _django()
    from django.db.models import Count

    from ryoken.web.ledger.models import Entry

    rows = (
        Entry.objects.filter(seq__gte=args.since)
        .values("grant", "code")
        .annotate(n=Count("seq"))
        .order_by()
    )
    by_code: dict[str, int] = {}
    by_grant: dict[str, dict[str, int]] = {}
    for row in rows:
        by_code[row["code"]] = by_code.get(row["code"], 0) + row["n"]
        if row["grant"]:
            by_grant.setdefault(row["grant"], {})[row["code"]] = row["n"]
    json.dump({"by_code": by_code, "by_grant": by_grant}, sys.stdout)
    return 0


def entries(args: argparse.Namespace) -> int:
    """Every ledger entry from SINCE on, decoded, as JSON lines: what the fault tests
    cross-check the responses against (seq, time, code, actor, grant, subjects, fields)."""
    _django()
    from ryoken.audit.events import decode_entry
    from ryoken.web.ledger.audit import iter_entries

    for seq, data, _digest in iter_entries():
        if seq < args.since:
            continue
        _, event = decode_entry(data)
        row = {
            "seq": seq,
            "at": event.at.timestamp(),
            "code": str(event.code),
            "actor": event.actor,
            "grant": event.grant or "",
            "subjects": list(event.subjects),
            "fields": list(event.fields),
            "details": dict(event.details),
        }
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


def lookup_canary(args: argparse.Namespace) -> int:
    """STAFF looks a canary up by break-glass and reads its name: off the canary's path,
    a case for the watcher."""
    _django()
    from ryoken.web.accounts.models import Staff
    from ryoken.web.applications.models import Application
    from ryoken.web.casework import breakglass
    from ryoken.web.vault import gateway

    staff = Staff.objects.get(staff_id=args.staff)
    app = Application.objects.get(applicant=args.subject)
    grant = breakglass.open_breakglass(
        staff=staff,
        reason="電話での問い合わせに回答するため申請内容を確認します",
        target=breakglass.Target(reception_number=app.reception_number),
        purpose="status_inquiry",  # the name only: all a status inquiry may show
    )
    gateway.disclose(
        actor=staff.staff_id,
        subject_id=args.subject,
        fields=("name_kanji",),
        purpose="break_glass",
        grant=grant.grant_id,
    )
    breakglass.close_breakglass(grant)
    return 0


def production(args: argparse.Namespace) -> int:
    """A supervisor, a production batch ordered from one ready holder's application (made
    approved), a second approved application still waiting, and a bureau API client; writes
    the batch id, the client's token and the supervisor's id to OUT.json. For the disk-fault
    tests: the order file is a disclosure through the gateway, over the API and the CLI."""
    _django()
    from django.test.utils import override_settings

    from ryoken.web.accounts.models import Role
    from ryoken.web.accounts.services import create_staff
    from ryoken.web.api.auth import create_client
    from ryoken.web.applications.models import Application
    from ryoken.web.casework import production as casework_production

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        supervisor, _ = create_staff(
            username="sv001",
            password="bench-" + secrets.token_urlsafe(12),
            role=Role.SUPERVISOR,
            display_name="負荷試験 監督者",
            actor="bench",
        )
    apps = list(Application.objects.filter(state="ready").order_by("-pk")[:2])
    if len(apps) < 2:
        raise SystemExit("production: two ready applications are needed (--ready 2 or more)")
    Application.objects.filter(pk=apps[0].pk).update(state="approved")
    batch = casework_production.order_batch(acting_staff=supervisor)
    Application.objects.filter(pk=apps[1].pk).update(state="approved")
    _, token = create_client("bench-bureau", "bureau", office=OFFICE)
    Path(args.out).write_text(
        json.dumps(
            {
                "batch": batch.batch_id,
                "token": token,
                "supervisor": supervisor.staff_id,
                "ordered": str(apps[0].pk),
                "waiting": str(apps[1].pk),
            }
        )
    )
    return 0


def watch_state(args: argparse.Namespace) -> int:
    """The watcher's bookmark and the ledger's top, and the cases, as JSON."""
    _django()
    from ryoken.web.ledger.store import ledger_size
    from ryoken.web.watch.models import Case, WatchState

    state = WatchState.objects.filter(pk=1).first()
    cases = [
        {"id": c.pk, "staff": c.staff_id, "detectors": c.detector_list, "seqs": c.seqs}
        for c in Case.objects.order_by("pk")
    ]
    json.dump(
        {
            "last_seq": state.last_seq if state else -1,
            "top": ledger_size() - 1,
            "cases": cases,
        },
        sys.stdout,
    )
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadoffice")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("out")
    p.add_argument("--intake", type=int, default=70)
    p.add_argument("--pickup", type=int, default=30)
    p.add_argument("--tickets", type=int, default=1000)
    p.add_argument("--ready", type=int, default=500)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--canaries", type=int, default=0)
    p.set_defaults(func=prepare)
    p = sub.add_parser("tally")
    p.add_argument("since", type=int)
    p.set_defaults(func=tally)
    p = sub.add_parser("entries")
    p.add_argument("since", type=int)
    p.set_defaults(func=entries)
    p = sub.add_parser("lookup-canary")
    p.add_argument("staff")
    p.add_argument("subject")
    p.set_defaults(func=lookup_canary)
    p = sub.add_parser("production")
    p.add_argument("out")
    p.set_defaults(func=production)
    p = sub.add_parser("watch-state")
    p.set_defaults(func=watch_state)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
