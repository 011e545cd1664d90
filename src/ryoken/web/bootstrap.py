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


def seed_demo(seed: int, *, days: int = 24, per_day: int = 25) -> list[str]:
    """Seed a synthetic passport office. Returns lines to print (demo logins, counts)."""
    from ryoken.web.demo import seed_office

    return seed_office(seed, days=days, per_day=per_day)
