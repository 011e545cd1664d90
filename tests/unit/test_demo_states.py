"""The demo office withdraws a few applications, as offices do, so the withdrawn canaries
(web/watch/demo_seed.py) are not the only withdrawn applications on any screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ryoken.domain.applications import ApplicationKind, ApplicationState
from ryoken.web.demo import WITHDRAWN_AFTER_DAYS, _state_for


@dataclass
class _App:
    application_id: str
    kind: ApplicationKind = ApplicationKind.NEW


def test_a_few_in_a_hundred_older_applications_are_withdrawn_stably() -> None:
    apps = [_App(f"AP20261101-{n:04d}") for n in range(2000)]
    today = date(2026, 12, 7)
    states = [_state_for(a, today, 10) for a in apps]  # type: ignore[arg-type]
    share = states.count(ApplicationState.WITHDRAWN) / len(apps)
    assert 0.02 <= share <= 0.06
    assert states == [_state_for(a, today, 10) for a in apps]  # type: ignore[arg-type]
    # an application made today has not been withdrawn yet
    fresh = [_state_for(a, today, WITHDRAWN_AFTER_DAYS - 1) for a in apps]  # type: ignore[arg-type]
    assert ApplicationState.WITHDRAWN not in fresh
