"""`ryoken backup DIR [--keys-to DIR]`, `ryoken restore DIR [--force | --check]`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ryoken.cli.setup import django_setup


def cmd_backup(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web import backup

    manifest = backup.backup(Path(args.directory))
    cp = manifest["checkpoint"]
    size = cp["size"] if cp else 0
    print(f"backup written to {args.directory}: {manifest['file']} (ledger size {size})")
    print("keys are NOT in this backup: keep them apart (ryoken backup --keys-to DIR)")
    if args.keys_to:
        copied = backup.backup_keys(Path(args.keys_to))
        print(f"{len(copied)} key files copied to {args.keys_to} (mode 0600)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.cli import CheckFailed
    from ryoken.web import backup

    directory = Path(args.directory)
    if args.check:
        report = backup.check_against_live(directory)
        if not report.ok:
            raise CheckFailed(
                f"the backup (size {report.backup_size}) is NOT a prefix of the live ledger "
                f"(size {report.live_size})"
            )
        print(
            f"consistent: the backup's ledger (size {report.backup_size}) is a prefix of the "
            f"live ledger (size {report.live_size}); proof of {report.proof_length} hashes"
        )
        return 0
    manifest = backup.restore(directory, force=args.force)
    print(f"restored {manifest['file']} from {args.directory}")
    print("run `ryoken audit verify`: entries written after the backup are reported missing")
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("backup", help="back up the database (keys separately)")
    p.add_argument("directory", help="a new, empty directory")
    p.add_argument("--keys-to", help="also copy the keys directory here (store it apart)")
    p.set_defaults(func=cmd_backup)

    p = subparsers.add_parser("restore", help="restore a backup, or check it against the ledger")
    p.add_argument("directory")
    p.add_argument("--force", action="store_true", help="replace the live database")
    p.add_argument(
        "--check",
        action="store_true",
        help="do not restore: prove the backup's ledger is a prefix of the live one",
    )
    p.set_defaults(func=cmd_restore)
