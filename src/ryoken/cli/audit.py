"""`ryoken audit verify|prove|checkpoint`, `ryoken keys rotate`, `ryoken retention run`."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from ryoken import clock
from ryoken.cli import bundles
from ryoken.cli.setup import django_setup
from ryoken.errors import InvalidInput


def cmd_verify(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.ledger import audit

    report = audit.verify()
    if report.ok:
        print(
            f"ledger verified: {report.entries_checked} entries, checkpoints and witness agree; "
            "every stored column, subject link and grant matches its entry; append-only "
            "triggers in place"
        )
        tail = report.entries_checked - report.signed_size
        if tail > 0:
            from ryoken.web.ledger.checkpoints import every_seconds

            print(
                f"not signed yet: the last {tail} entries (from seq {report.signed_size}); "
                f"the checkpoint timer signs them within {every_seconds()} s"
            )
        return 0
    from ryoken.cli import CheckFailed

    first = report.first_bad_seq
    lines = [f"first bad entry: {first}" if first is not None else "ledger does not verify"]
    lines += report.problems[:20]
    raise CheckFailed("LEDGER DOES NOT VERIFY\n" + "\n".join(lines))


def cmd_prove(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.ledger import audit

    print(json.dumps(audit.prove(args.seq), indent=2))
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.ledger import checkpoints

    signed = checkpoints.create_checkpoint()
    if signed is None:
        latest = checkpoints.latest()
        size = latest.size if latest else 0
        print(f"no new entries since the last checkpoint (size {size})")
    else:
        print(f"checkpoint signed: size {signed.size}, root {signed.root.hex()}")
    return _cosign()


def _cosign() -> int:
    from ryoken.web.ledger import witnesses

    failed = []
    for outcome in witnesses.cosign_latest():
        print(f"witness {outcome.witness}: {outcome.message}")
        if not outcome.ok:
            failed.append(outcome.witness)
    if failed:
        from ryoken.cli import CheckFailed

        raise CheckFailed(f"not cosigned by {', '.join(failed)}")
    return 0


def cmd_cosign(args: argparse.Namespace) -> int:
    django_setup()
    return _cosign()


def cmd_vkey(args: argparse.Namespace) -> int:
    """The verifier key of the ledger's checkpoints, for witnesses and auditors."""
    django_setup()
    from ryoken.audit.signers import verifier_key
    from ryoken.web.ledger import signing

    print(verifier_key(signing.signer()).text())
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    """The latest (or the given) checkpoint as a signed note with its cosignatures."""
    django_setup()
    from ryoken.web.ledger import witnesses
    from ryoken.web.ledger.models import Checkpoint

    rows = Checkpoint.objects.order_by("-size")
    row = rows.filter(size=args.size).first() if args.size is not None else rows.first()
    if row is None:
        raise InvalidInput(
            f"the ledger has no checkpoint at size {args.size}"
            if args.size is not None
            else "the ledger has no checkpoint yet (`ryoken audit checkpoint` signs one)"
        )
    print(witnesses.cosigned_note(row), end="")
    return 0


def cmd_hsm_keygen(args: argparse.Namespace) -> int:
    """Generate the ledger's Ed25519 key inside the configured PKCS#11 token."""
    django_setup()
    from ryoken.audit.hsm import generate_hsm_key, read_pin
    from ryoken.web.ledger import signing

    module, token, label, pin_file = signing.pkcs11_settings()
    generate_hsm_key(module, token, label, read_pin(pin_file))
    signing.forget()
    from ryoken.audit.signers import verifier_key

    print(verifier_key(signing.signer()).text())
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.vault.operations import rotate_keys

    result = rotate_keys(actor=args.actor)
    print(
        f"new key-encryption key {result.new_kek}; {result.rewrapped} data keys re-wrapped; "
        f"old key {result.old_kek} {'retired' if result.retired else 'kept'}"
    )
    return 0


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_retention(args: argparse.Namespace) -> int:
    django_setup()

    from ryoken.web.vault.operations import run_retention

    today = _parse_date(args.today) if args.today else clock.today()
    result = run_retention(actor=args.actor, today=today)
    print(f"{len(result.shredded)} data keys destroyed; {result.held} kept under legal hold")
    return 0


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser(
        "audit", help="verify the ledger, prove entries, sign checkpoints"
    )
    sub = audit.add_subparsers(dest="audit_command", metavar="ACTION")
    sub.required = True
    p = sub.add_parser("verify", help="recompute the ledger; check signatures and the witness")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("prove", help="print an RFC 6962 inclusion proof of entry SEQ (JSON)")
    p.add_argument("seq", type=int)
    p.set_defaults(func=cmd_prove)
    p = sub.add_parser("checkpoint", help="sign a checkpoint now and ask the witnesses to cosign")
    p.set_defaults(func=cmd_checkpoint)
    p = sub.add_parser(
        "cosign", help="ask every configured witness to cosign the latest checkpoint"
    )
    p.set_defaults(func=cmd_cosign)
    p = sub.add_parser("vkey", help="print the checkpoints' verifier key (C2SP signed-note vkey)")
    p.set_defaults(func=cmd_vkey)
    p = sub.add_parser("note", help="print a checkpoint as a C2SP signed note with cosignatures")
    p.add_argument("--size", type=int, default=None, help="the checkpoint's size (default: latest)")
    p.set_defaults(func=cmd_note)
    p = sub.add_parser("hsm-keygen", help="create the ledger signing key inside the PKCS#11 token")
    p.set_defaults(func=cmd_hsm_keygen)
    bundles.add_arguments(
        sub.add_parser("verify-bundle", help="check an evidence bundle offline (no database)")
    )

    keys = subparsers.add_parser("keys", help="key management")
    sub = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    sub.required = True
    p = sub.add_parser("rotate", help="new key-encryption key; re-wrap data keys; retire old")
    p.add_argument("--actor", default="system", help="staff id recorded in the ledger")
    p.set_defaults(func=cmd_rotate)

    retention = subparsers.add_parser("retention", help="crypto-shred subjects past retention")
    sub = retention.add_subparsers(dest="retention_command", metavar="ACTION")
    sub.required = True
    p = sub.add_parser("run", help="destroy data keys of subjects whose retention has ended")
    p.add_argument("--today", help="the date to judge retention by (default: today)")
    p.add_argument("--actor", default="system")
    p.set_defaults(func=cmd_retention)
