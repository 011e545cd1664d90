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
    Besides the checks registered here it asks the database whether the ledger's append-only
    triggers are in place (a deploy check, which `check --deploy` also runs).
    """
    errors = [m for m in checks.run_checks(tags=["ryoken"]) if m.is_serious()]
    errors += check_ledger_guard()
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
    problems += _private_places()
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


def _private_places() -> list[checks.CheckMessage]:
    """The keys directory and the secret key file: mode 0700 and 0600, as documented."""
    from ryoken.web.ledger import paths

    problems: list[checks.CheckMessage] = []
    directory = paths.keys_dir()
    if directory.is_dir() and directory.stat().st_mode & 0o077:
        problems.append(
            checks.Error(
                f"the keys directory {directory} is open to other users",
                hint=f"chmod 700 {directory}",
                id="ryoken.E007",
            )
        )
    secret = settings.DATA_DIR / "secret_key"
    env_secret = os.environ.get("RYOKEN_SECRET_KEY")
    if not env_secret and secret.exists() and secret.stat().st_mode & 0o077:
        problems.append(
            checks.Error(
                f"the secret key {secret} is readable by other users",
                hint=f"chmod 600 {secret}",
                id="ryoken.E008",
            )
        )
    return problems


@checks.register("ryoken", deploy=True)
def check_ledger_guard(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The ledger's append-only triggers are present, enabled and unaltered."""
    from django.db import DatabaseError, connection

    from ryoken.web.ledger.triggers import missing_triggers

    try:
        missing = missing_triggers(connection)
    except DatabaseError as error:
        return [checks.Error(f"the database cannot be read: {error}", id="ryoken.E020")]
    finally:
        # Not kept open by the thread that started the server: a connection opened while the
        # SQLite file was read-only would pin its read-only -shm for the process's life.
        if not connection.in_atomic_block:
            connection.close()
    if not missing:
        return []
    return [
        checks.Error(
            "the ledger is not append-only: " + "; ".join(missing),
            hint="Run `ryoken init` to restore the triggers, then `ryoken audit verify`, and "
            "find out who removed them.",
            id="ryoken.E021",
        )
    ]


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
