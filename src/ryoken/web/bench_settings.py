"""Settings for the HTTP load benchmark only: production settings plus the baseline pages.

`python -m bench load` serves ryoken with these settings so that each screen that discloses
personal data can be measured next to the same screen without the gateway
(`ryoken.web.benchviews`). Everything else is `ryoken.web.settings`, unchanged. The module
refuses to load unless RYOKEN_BENCH_BASELINE=1, so a misconfigured deployment cannot route
to the baseline pages by accident.
"""

import os

from ryoken.errors import ConfigurationError

if os.environ.get("RYOKEN_BENCH_BASELINE") != "1":
    raise ConfigurationError(
        "ryoken.web.bench_settings is for `python -m bench load` only "
        "(set RYOKEN_BENCH_BASELINE=1 to use it); production uses ryoken.web.settings."
    )

from ryoken.web.settings import *  # noqa: F403

ROOT_URLCONF = "ryoken.web.benchviews"
