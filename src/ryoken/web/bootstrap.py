"""What `ryoken init` and `ryoken demo seed` do inside Django."""

from __future__ import annotations

from pathlib import Path

from ryoken import clock


def init_keys(path: Path) -> list[str]:
    """Create the vault keyring, blind-index key and ledger signing key if missing."""
    from ryoken.web.ledger import checkpoints
    from ryoken.web.vault import keys

    created = keys.create_keys(clock.now())
    created += checkpoints.create_signing_key()
    return created


def init_ledger() -> list[str]:
    """Restore the append-only triggers if missing, and sign the first checkpoint (of the
    empty ledger, in a new office) so the witness exists from the start."""
    from django.db import connection

    from ryoken.web.ledger import checkpoints, triggers

    created: list[str] = []
    if triggers.missing_triggers(connection):
        triggers.create_triggers(connection)
        created.append("the ledger's append-only triggers")
    if checkpoints.latest() is None:
        signed = checkpoints.create_checkpoint()
        if signed is not None:
            created.append(f"the first ledger checkpoint (size {signed.size}) and the witness")
    return created


def seed_demo(seed: int, *, days: int = 24, per_day: int = 25) -> list[str]:
    """Seed a synthetic passport office. Returns lines to print (demo logins, counts)."""
    from ryoken.web.demo import seed_office
    from ryoken.web.ledger import checkpoints

    lines = seed_office(seed, days=days, per_day=per_day)
    checkpoints.create_checkpoint()  # the seeded history is signed and witnessed
    return lines
