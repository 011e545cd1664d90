"""`ryoken init`, `ryoken demo`, `ryoken serve`: set up the data dir and run the office."""

from __future__ import annotations

import argparse
import os
import secrets
from pathlib import Path
from typing import Any

from ryoken.errors import ConfigurationError, InvalidInput


def data_dir() -> Path:
    return Path(os.environ.get("RYOKEN_DATA_DIR", "var")).resolve()


def django_setup(settings: str = "ryoken.web.settings") -> None:
    """Start Django inside the CLI process; errors become one clear line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def init_data_dir(path: Path) -> list[str]:
    """Create the data dir and the secret key if missing. Returns what was created."""
    created: list[str] = []
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        created.append(str(path))
    secret = path / "secret_key"
    if not secret.exists() and not os.environ.get("RYOKEN_SECRET_KEY"):
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        created.append(str(secret))
    return created


def cmd_init(args: argparse.Namespace) -> int:
    path = data_dir()
    created = init_data_dir(path)
    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from ryoken.web import bootstrap

    created += bootstrap.init_keys(path)
    created += bootstrap.init_ledger()
    for item in created:
        print(f"created {item}")
    print(f"ryoken data dir ready: {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("RYOKEN_HTTPS", "0")
    path = data_dir()
    if not (path / "secret_key").exists() and not os.environ.get("RYOKEN_SECRET_KEY"):
        raise ConfigurationError(f"{path} is not initialised: run `ryoken init` first.")
    django_setup()
    if args.action == "code":
        from ryoken.web.demo import current_code

        if not args.user:
            raise InvalidInput("usage: ryoken demo code USER")
        print(current_code(args.user))
        return 0
    from ryoken.web import bootstrap

    summary = bootstrap.seed_demo(seed=args.seed, days=args.days, per_day=args.per_day)
    for line in summary:
        print(line)
    if args.action == "seed":
        return 0
    return _serve(args.host, args.port)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.insecure_http:
        os.environ["RYOKEN_HTTPS"] = "0"
    django_setup()
    return _serve(args.host, args.port)


def startup_checks() -> None:
    """Refuse to start with missing or unusable keys: one clear message, no traceback."""
    from ryoken.web.checks import startup_checks as refuse_unless_ready

    refuse_unless_ready()


def _serve(host: str, port: int) -> int:
    from django.core.management import call_command

    startup_checks()
    print(f"serving on http://{host}:{port}/  (Ctrl-C stops)", flush=True)
    call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("init", help="create the data dir, database and keys")
    p.set_defaults(func=cmd_init)

    p = subparsers.add_parser("demo", help="seed a synthetic passport office and serve it")
    p.add_argument(
        "action",
        nargs="?",
        choices=["serve", "seed", "code"],
        default="serve",
        help="'seed' only seeds; 'code USER' prints USER's current TOTP code; "
        "the default seeds and serves",
    )
    p.add_argument("user", nargs="?", help="with 'code': the demo user")
    p.add_argument("--seed", type=int, default=2023, help="random seed for the synthetic office")
    p.add_argument("--days", type=int, default=24, help="business days of applications")
    p.add_argument("--per-day", type=int, default=25, help="applications per business day")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_demo)

    p = subparsers.add_parser("serve", help="serve the web app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--insecure-http",
        action="store_true",
        help="serve over plain HTTP on localhost (no secure cookies)",
    )
    p.set_defaults(func=cmd_serve)
