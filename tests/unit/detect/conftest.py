from __future__ import annotations

import pytest

from .logs import OfficeLog


@pytest.fixture
def log() -> OfficeLog:
    return OfficeLog()
