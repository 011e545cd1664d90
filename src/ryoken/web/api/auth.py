"""Bearer tokens for machine clients: each router accepts one kind of client only.

A token is 32 random bytes (URL-safe base64 after a `ryk_` prefix), shown once. The database
keeps its SHA-256 digest. Looking a client up by that digest reveals nothing useful to a
timing attacker (they would need a preimage); the final comparison is constant-time anyway.
Session cookies are never consulted here, so no API route needs CSRF protection: a browser
cannot attach a bearer header to a cross-site request on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja.security import HttpBearer

from ryoken import clock
from ryoken.errors import InvalidInput
from ryoken.web.api.models import ApiClient

TOKEN_PREFIX = "ryk_"  # noqa: S105 - a public marker that makes leaked tokens greppable
# Writing last_used_at on every request would make each kiosk poll a write; once a minute
# is enough to see which devices are alive.
_TOUCH_EVERY = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh token: 32 bytes from the OS's CSPRNG (`secrets`), URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_client(
    name: str, kind: str, *, office: str = "TKY-IKB", now: datetime | None = None
) -> tuple[ApiClient, str]:
    """A new active client and its token. The token is not stored: show it once."""
    name = name.strip()
    if not name or len(name) > 60:
        raise InvalidInput(
            "a client name must be 1-60 characters",
            message_ja="クライアント名は1〜60文字で入力してください。",
        )
    if kind not in ApiClient.Kind.values:
        raise InvalidInput(
            f"unknown client kind {kind!r}; use one of {', '.join(ApiClient.Kind.values)}",
            message_ja="クライアントの種類が正しくありません。",
        )
    token = new_token()
    try:
        with transaction.atomic():
            client = ApiClient.objects.create(
                name=name,
                kind=kind,
                office=office,
                token_hash=hash_token(token),
                created_at=now or clock.now(),
            )
            _record_change(client, "added")
    except IntegrityError:
        raise InvalidInput(
            f"an API client named {name!r} already exists",
            message_ja="同じ名前のクライアントが既に登録されています。",
        ) from None
    return client, token


def revoke_client(name: str) -> ApiClient:
    """Deactivate a client: its token stops working at once. The row stays for the record."""
    client = ApiClient.objects.filter(name=name).first()
    if client is None:
        raise InvalidInput(
            f"no API client named {name!r}", message_ja="そのクライアントは登録されていません。"
        )
    with transaction.atomic():
        ApiClient.objects.filter(pk=client.pk).update(active=False)
        client.active = False
        _record_change(client, "revoked")
    return client


def _record_change(client: ApiClient, change: str) -> None:
    """Adding or revoking a device token is itself evidence (a fake badge client, say)."""
    from ryoken.audit.events import Event, EventCode
    from ryoken.web.ledger import store

    store.record_in_transaction(
        Event(
            code=EventCode.API_CLIENT_CHANGE,
            at=clock.now(),
            actor="admin",
            purpose="api client",
            details={"client": client.name, "kind": client.kind, "change": change},
        )
    )


def client_for_token(token: str, kind: str, *, now: datetime | None = None) -> ApiClient | None:
    """The active client of `kind` holding `token`, or None (missing, revoked, wrong kind)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    client = ApiClient.objects.filter(token_hash=digest).first()
    if client is None or not hmac.compare_digest(client.token_hash, digest):
        return None
    if not client.active or client.kind != kind:
        return None
    at = now or clock.now()
    if client.last_used_at is None or at - client.last_used_at >= _TOUCH_EVERY:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=at)
        client.last_used_at = at
    return client


class ClientToken(HttpBearer):
    """Bearer auth for one kind of client. `request.auth` is the ApiClient."""

    kind: str = ""
    openapi_bearerFormat = "ryk_..."

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        return client_for_token(token, self.kind)


class KioskToken(ClientToken):
    kind = ApiClient.Kind.KIOSK
    openapi_description = "Token of an active API client of kind `kiosk`."


class CopierToken(ClientToken):
    kind = ApiClient.Kind.COPIER
    openapi_description = "Token of an active API client of kind `copier`."


class BadgeToken(ClientToken):
    kind = ApiClient.Kind.BADGE
    openapi_description = "Token of an active API client of kind `badge`."


class BureauToken(ClientToken):
    kind = ApiClient.Kind.BUREAU
    openapi_description = "Token of an active API client of kind `bureau`."


kiosk_auth = KioskToken()
copier_auth = CopierToken()
badge_auth = BadgeToken()
bureau_auth = BureauToken()


def client_of(request: HttpRequest) -> ApiClient:
    """The authenticated client of a request that passed one of the auths above."""
    client = getattr(request, "auth", None)
    if not isinstance(client, ApiClient):  # only reachable if a route forgot its auth
        raise RuntimeError("API route reached without client authentication")
    return client
