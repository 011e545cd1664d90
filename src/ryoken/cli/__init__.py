"""The `ryoken` command.

Each subcommand lives in its own module under `ryoken.cli` and exposes
`register(subparsers)`. Errors are one clear line on stderr and a non-zero exit, never a
traceback: `RyokenError` and its children map to exit codes below.

Exit codes: 0 success; 1 a check failed (verification, validation of a value);
2 bad usage or malformed input; 3 refused by policy or configuration.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from ryoken.errors import (
    AccessDenied,
    ConfigurationError,
    InvalidInput,
    KeyUnavailable,
    LedgerError,
    RyokenError,
)


# Every module under ryoken.cli with a `register` function contributes subcommands.
def _command_modules() -> list[str]:
    import pkgutil

    import ryoken.cli as package

    return sorted(
        m.name
        for m in pkgutil.iter_modules(package.__path__)
        if not m.ispkg and not m.name.startswith("_")
    )


class CheckFailed(RyokenError):
    """A command's check found problems (exit 1); the message lists them."""


def exit_code_for(error: RyokenError) -> int:
    if isinstance(error, CheckFailed | LedgerError):
        return 1
    if isinstance(error, InvalidInput):
        return 2
    if isinstance(error, AccessDenied | ConfigurationError | KeyUnavailable):
        return 3
    return 2


def _storage_failed(error: Exception) -> bool:
    """A full, read-only or failing disk under the database (only once Django is loaded)."""
    if "django.db" not in sys.modules:
        return False
    from ryoken.web.storage import storage_failure

    return storage_failure(error) is not None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ryoken",
        description="ryoken (旅券): a passport office's system with a disclosure ledger.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in _command_modules():
        module = importlib.import_module(f"ryoken.cli.{name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not at exit
    except RyokenError as error:
        print(f"ryoken: {error.message}", file=sys.stderr)
        return exit_code_for(error)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`ryoken … | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the exit's flush cannot fail again
        return 141  # what a shell reports for a process ended by SIGPIPE
    except Exception as error:  # never a traceback for the person at the terminal
        if os.environ.get("RYOKEN_DEBUG") == "1":
            raise
        if _storage_failed(error):
            print(
                f"ryoken: the database cannot be written (is the disk full or read-only?): "
                f"{error}; nothing was done",
                file=sys.stderr,
            )
            return 1
        print(f"ryoken: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return 70
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
