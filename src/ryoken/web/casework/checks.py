"""The break-glass policy, checked at start-up (tag "ryoken": `manage.py check` and
`web.checks.startup_checks`, which `ryoken serve`, gunicorn and `ryoken watch` run), so a
bad `RYOKEN_BREAKGLASS_PURPOSES` or limit stops the server, not a clerk's request."""

from __future__ import annotations

from typing import Any

from django.core import checks

from ryoken.web.casework import breakglass_policy


@checks.register("ryoken")
def check_breakglass_policy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(problem, hint="See docs/breakglass.md.", id="ryoken.E030")
        for problem in breakglass_policy.problems()
    ]
