"""Settings for the HTTP load benchmark only: production settings plus the baseline pages.

`python -m bench load` serves ryoken with these settings so that each screen that discloses
personal data can be measured next to the same screen without the gateway
(`bench.web.views`), each response carrying its server CPU time and query count.
Everything else is `ryoken.web.settings`, unchanged. The module
refuses to load unless RYOKEN_BENCH_BASELINE=1, so a misconfigured deployment cannot route
to the baseline pages by accident.
"""

import os

from ryoken.errors import ConfigurationError

if os.environ.get("RYOKEN_BENCH_BASELINE") != "1":
    raise ConfigurationError(
        "bench.web.settings is for `python -m bench load` only "
        "(set RYOKEN_BENCH_BASELINE=1 to use it); production uses ryoken.web.settings."
    )

from ryoken.web.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web.views"
# Each response says what it cost the server (its thread's CPU time and its database
# queries), so the benchmark prints both next to the same page without the gateway.
MIDDLEWARE = ["bench.web.views.cost_headers", *MIDDLEWARE]  # noqa: F405
