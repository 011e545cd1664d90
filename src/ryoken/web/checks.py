"""ryoken's own Django system checks: keys present and private, witness outside the data.

They run with `manage.py check` (and `--deploy`) and before `ryoken serve` starts, so a
missing or wrong key file stops start-up with a clear message instead of failing on the
first disclosure.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core import checks

from ryoken.errors import ConfigurationError, RyokenError


def startup_checks() -> None:
    """Refuse to start with missing or unusable keys: one clear message, no traceback.

    Run before serving by `ryoken serve`, the WSGI module (gunicorn) and `ryoken watch`.
    """
    errors = [m for m in checks.run_checks(tags=["ryoken"]) if m.is_serious()]
    if errors:
        lines = [f"{m.msg}" + (f" ({m.hint})" if m.hint else "") for m in errors]
        raise ConfigurationError("cannot start:\n  " + "\n  ".join(lines))


@checks.register("ryoken")
def check_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from ryoken.web.ledger import paths, signing
    from ryoken.web.vault import keys

    problems: list[checks.CheckMessage] = []
    files = [
        (keys.keyring_path(), "ryoken.E001", "the vault keyring"),
        (keys.blind_index_key_path(), "ryoken.E002", "the blind-index key"),
    ]
    if signing.backend() == "file":  # with an HSM the signing key is not a file here
        files.append((paths.signing_key_path(), "ryoken.E003", "the ledger signing key"))
    for path, code, what in files:
        if not path.exists():
            problems.append(
                checks.Error(
                    f"{what} is missing at {path}",
                    hint="Run `ryoken init`, or restore the keys directory from its backup.",
                    id=code,
                )
            )
        elif path.stat().st_mode & 0o077:
            problems.append(
                checks.Error(
                    f"{what} at {path} is readable by other users",
                    hint=f"chmod 600 {path}",
                    id=code.replace("E", "E1"),
                )
            )
    if problems:
        return problems
    for loader, code, what in (
        (keys.keyring, "ryoken.E004", "the vault keyring"),
        (keys.blind_indexer, "ryoken.E005", "the blind-index key"),
        (signing.signer, "ryoken.E006", "the ledger signing key"),
    ):
        try:
            loader()
        except RyokenError as error:
            problems.append(checks.Error(f"{what} cannot be used: {error.message}", id=code))
    return problems


@checks.register("ryoken", deploy=True)
def check_deployment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from ryoken.web.ledger import paths

    problems: list[checks.CheckMessage] = []
    witness = paths.witness_path().resolve()
    if str(witness).startswith(str(settings.DATA_DIR.resolve())):
        problems.append(
            checks.Warning(
                "the ledger witness is inside the data directory",
                hint="Set RYOKEN_WITNESS_PATH to a disk the database administrator cannot "
                "write (the auditor's copy); see docs/operations.md.",
                id="ryoken.W001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            checks.Warning(
                "SQLite is the embedded default, not a production database",
                hint="Set DATABASE_URL to PostgreSQL.",
                id="ryoken.W002",
            )
        )
    if not settings.HTTPS:
        problems.append(
            checks.Error(
                "RYOKEN_HTTPS is off: cookies are sent without the Secure flag",
                hint="Serve behind TLS and unset RYOKEN_HTTPS.",
                id="ryoken.E010",
            )
        )
    if os.environ.get("RYOKEN_SECRET_KEY", "").startswith("test-only"):
        problems.append(checks.Error("the test secret key is in use", id="ryoken.E011"))
    return problems
