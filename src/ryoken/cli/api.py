"""`ryoken api client add|list|revoke`: the machine clients of the JSON API.

A token is printed once, when the client is added; ryoken keeps only its SHA-256 digest.
A lost token is replaced by revoking the client and adding a new one.
"""

from __future__ import annotations

import argparse
from typing import Any

from ryoken.cli.setup import django_setup

KINDS = ("kiosk", "copier", "bureau", "badge")


def cmd_add(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.api.auth import create_client

    client, token = create_client(args.name, args.kind, office=args.office)
    print(f"API client {client.name} ({client.kind}, office {client.office}) added.")
    print(f"token: {token}")
    print("Store this token in the device now: it is not kept and cannot be shown again.")
    return 0


def _when(value: Any) -> str:
    if value is None:
        return "-"
    from django.utils import timezone

    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def cmd_list(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.api.models import ApiClient

    rows = list(ApiClient.objects.order_by("name"))
    if not rows:
        print("no API clients")
        return 0
    print(f"{'NAME':<24} {'KIND':<7} {'OFFICE':<10} {'STATE':<8} {'CREATED':<16} LAST USED")
    for c in rows:
        state = "active" if c.active else "revoked"
        print(
            f"{c.name:<24} {c.kind:<7} {c.office:<10} {state:<8} "
            f"{_when(c.created_at):<16} {_when(c.last_used_at)}"
        )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    django_setup()
    from ryoken.web.api.auth import revoke_client

    client = revoke_client(args.name)
    print(f"API client {client.name} revoked: its token no longer works.")
    return 0


def register(subparsers: Any) -> None:
    api = subparsers.add_parser("api", help="machine clients of the JSON API")
    groups = api.add_subparsers(dest="api_command", metavar="GROUP")
    groups.required = True
    client = groups.add_parser("client", help="add, list or revoke API clients")
    actions = client.add_subparsers(dest="client_command", metavar="ACTION")
    actions.required = True

    p = actions.add_parser("add", help="add a client and print its token once")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--kind", required=True, choices=KINDS)
    p.add_argument("--office", default="TKY-IKB", help="the office the client serves")
    p.set_defaults(func=cmd_add)

    p = actions.add_parser("list", help="list clients (never their tokens)")
    p.set_defaults(func=cmd_list)

    p = actions.add_parser("revoke", help="deactivate a client: its token stops working")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_revoke)
