from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ryoken.office2 import generate

Run = Callable[..., Path]


@pytest.fixture(scope="session")
def office2_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """generate() once per (config, seed, days, insider) for the whole test session."""
    cache: dict[tuple[str, int, int, str | None], Path] = {}

    def run(config: str, seed: int, days: int, insider: str | None = None) -> Path:
        key = (config, seed, days, insider)
        if key not in cache:
            out = tmp_path_factory.mktemp(f"{config}-{seed}-{days}-{insider}")
            cache[key] = generate(config, seed, out, days=days, insider=insider)
        return cache[key]

    return run
