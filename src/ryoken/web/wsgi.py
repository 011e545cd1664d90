"""The WSGI application (gunicorn `ryoken.web.wsgi:application`).

Start-up refuses, with one clear line on stderr and exit status 3, when the settings cannot
load (no secret key) or a key file is missing, unreadable or readable by others: the same
checks as `ryoken serve`, so a server never comes up to fail on its first disclosure.

Every serving process runs the checkpoint timer (`ryoken.web.ledger.timer`): started here at
import, and again in a forked worker on its first request.
"""

import os
import sys

from django.core.wsgi import get_wsgi_application

from ryoken.errors import RyokenError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ryoken.web.settings")
try:
    _django = get_wsgi_application()
    from ryoken.web.checks import startup_checks

    startup_checks()
    from ryoken.web.ledger import timer

    timer.ensure_started()
except RyokenError as error:
    print(f"ryoken: {error.message}", file=sys.stderr, flush=True)
    # SystemExit is not an error to gunicorn: the worker exits with status 3 (its "worker
    # failed to boot"), and the arbiter stops instead of restarting it in a loop.
    raise SystemExit(3) from None


def application(environ, start_response):  # type: ignore[no-untyped-def]
    timer.ensure_started()  # a no-op unless this process (a forked worker) has none yet
    return _django(environ, start_response)
