"""The office side of `python -m bench load`, run as a subprocess inside Django.

    python -m bench.loadoffice prepare OUT.json --intake N --pickup M --tickets T --ready R
    python -m bench.loadoffice tally SINCE

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


def _ready_passports(count: int, rng: random.Random) -> dict[str, dict[str, str]]:
    """Passports ready for pickup, each holder through the gateway, each with a ticket."""
    from django.db import transaction
    from django.utils import timezone

    now = timezone.now()
    today = timezone.localdate()
    presented: dict[str, dict[str, str]] = {}
    with transaction.atomic():  # one commit (one fsync) for all of them
        for i in range(count):
            app_id, document = _ready_passport(i, rng, now, today)
            presented[app_id] = document
    return presented


def _ready_passport(
    i: int, rng: random.Random, now: datetime, today: date
) -> tuple[str, dict[str, str]]:
    """One holder in the vault, their application ready, their pickup ticket waiting.
    Returns the application id and what the holder presents at the window."""
    from ryoken.web.casework.models import Application, ApplicationPerson
    from ryoken.web.counter.models import Ticket
    from ryoken.web.vault import gateway

    surname, surname_kana = rng.choice(_SURNAMES)
    given, given_kana = rng.choice(_GIVEN)
    birth = (today - timedelta(days=rng.randint(20 * 365, 70 * 365))).isoformat()
    number = f"T{rng.choice('KRS')}{rng.randint(0, 9_999_999):07d}"
    subject = gateway.create_subject(
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
    return str(app.pk), {"birth_date": birth, "passport_number": number}


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
    presented = _ready_passports(args.ready, rng)
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
    p.set_defaults(func=prepare)
    p = sub.add_parser("tally")
    p.add_argument("since", type=int)
    p.set_defaults(func=tally)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
