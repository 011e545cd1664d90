"""Fixtures for the machine API: clients of each kind with their one-time tokens."""

from __future__ import annotations

import pytest


@pytest.fixture
def api_token(db):
    """make(kind, name=..., office=...) → the token of a new active client of that kind."""
    from ryoken.web.api.auth import create_client

    made = {"n": 0}

    def make(kind: str, name: str | None = None, office: str = "TKY-IKB") -> str:
        made["n"] += 1
        _, token = create_client(name or f"{kind}-{made['n']}", kind, office=office)
        return token

    return make


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
