"""The kiosk's rate limit counts in the cache: start each counter test with it empty."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _empty_kiosk_limit():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
