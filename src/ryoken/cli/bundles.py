"""Checking an evidence bundle offline, as `ryoken incident verify-bundle` and `ryoken audit
verify-bundle` both do: the ledger's public key and, optionally, the witness log; no
database and no Django settings. Not a command group itself (no `register`)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ryoken.cli import CheckFailed
from ryoken.errors import InvalidInput


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `verify-bundle`, wherever it is registered."""
    parser.add_argument("file", type=Path)
    parser.add_argument("--key", type=Path, default=None, help="the ledger's public key")
    parser.add_argument("--witness", type=Path, help="the auditor's witness log")
    parser.set_defaults(func=cmd_verify_bundle)


def default_public_key() -> Path:
    """The ledger's public key where the server keeps it: RYOKEN_KEYS_DIR, else the keys
    directory under RYOKEN_DATA_DIR (the same rule as ryoken.web.ledger.paths, without
    reading Django's settings: verifying a bundle needs no database)."""
    from ryoken.web.env import data_dir

    keys = os.environ.get("RYOKEN_KEYS_DIR") or str(data_dir() / "keys")
    return Path(keys) / "ledger-signing.pub"


def cmd_verify_bundle(args: argparse.Namespace) -> int:
    """Verify `args.file` with `args.key` (this installation's own public key when None)."""
    from ryoken.audit.checkpoints import load_public_key
    from ryoken.incident.bundle import verify_bundle

    key_path = args.key if args.key is not None else default_public_key()
    try:
        bundle = args.file.read_bytes()
        key = load_public_key(key_path.read_bytes())
        witness = args.witness.read_text().splitlines() if args.witness else None
    except OSError as error:
        raise InvalidInput(f"cannot read {error.filename}: {error.strerror}") from None
    report = verify_bundle(bundle, key, witness_lines=witness)
    if not report.ok:
        raise CheckFailed("the evidence bundle does not verify: " + "; ".join(report.problems))
    size = report.checkpoint.size if report.checkpoint else "?"
    print(
        f"evidence bundle verified: {report.entries_checked} entries, proofs to the signed "
        f"checkpoint of size {size}"
    )
    return 0
