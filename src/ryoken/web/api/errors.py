"""One error shape for every API response that is not a success.

    {"message": "<Japanese, for the person at the device>",
     "detail":  "<English, for the integrator>",
     "errors":  [{"index": 3, "field": "pages", "reason": "..."}]}   # validation only

401 bad or missing token · 400 refused by the rules · 404 not found (one message whether
missing or not ready) · 422 invalid input (a batch: every bad index) · 503 the ledger or a
key is unavailable: nothing was recorded, retry later.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ryoken.errors import (
    AccessDenied,
    ConfigurationError,
    KeyUnavailable,
    LedgerError,
    RyokenError,
)
from ryoken.web.api.batches import BatchRejected


class ErrorItem(Schema):
    index: int | None = Field(
        default=None, description="Position of the bad record in a batch (from 0); null if none."
    )
    field: str = Field(default="", description="The offending field, dotted; empty if none.")
    reason: str = Field(description="What is wrong, in English.")


class ErrorOut(Schema):
    message: str = Field(description="Japanese, for the person at the device.")
    detail: str = Field(description="English, for the integrator and the logs.")
    errors: list[ErrorItem] = Field(default=[], description="Validation problems, if any.")


class ApiError(Exception):
    """A refusal with an HTTP status, a Japanese message and an English detail."""

    def __init__(self, status: int, message_ja: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.message_ja = message_ja
        self.detail = detail


def status_of(error: RyokenError) -> int:
    if isinstance(error, LedgerError | ConfigurationError | KeyUnavailable):
        return 503  # fail closed: nothing recorded, the device should retry later
    if isinstance(error, AccessDenied):
        return 403
    return 400


def _item(error: dict[str, Any]) -> dict[str, Any]:
    """ninja's loc is (source, parameter, [index,] field...): keep the index and the field."""
    loc = list(error.get("loc", ()))
    if loc and loc[0] in ("body", "query", "path", "header", "form"):
        loc = loc[1:]
    index = next((p for p in loc if isinstance(p, int)), None)
    if index is not None:
        loc = loc[loc.index(index) + 1 :]
    elif len(loc) > 1:
        loc = loc[1:]  # drop the parameter's name: the client never sees it
    return {"index": index, "field": ".".join(str(p) for p in loc), "reason": error.get("msg", "")}


def install(api: NinjaAPI) -> None:
    def body(
        message: str, detail: str, errors: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        return {"message": message, "detail": detail, "errors": errors or []}

    @api.exception_handler(AuthenticationError)
    def unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            body(
                "認証できません。端末の設定を確認してください。",
                "a valid bearer token of an active client of the right kind is required",
            ),
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja's own refusals, e.g. a body that is not JSON (400)
        message = (
            "送信内容を読み取れません。" if exc.status_code < 500 else "処理できませんでした。"
        )
        return api.create_response(request, body(message, exc.message), status=exc.status_code)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        items = [_item(e) for e in exc.errors]
        batch = any(i["index"] is not None for i in items)
        message = (
            "送信された記録に誤りがあるため、すべて受け付けませんでした。"
            if batch
            else "入力内容に誤りがあります。"
        )
        detail = f"{len(items)} invalid value(s); nothing was recorded"
        return api.create_response(request, body(message, detail, items), status=422)

    @api.exception_handler(BatchRejected)
    def rejected(request: HttpRequest, exc: BatchRejected) -> HttpResponse:
        items = [{"index": e.index, "field": e.field, "reason": e.reason} for e in exc.errors]
        return api.create_response(
            request,
            body(
                "送信された記録に誤りがあるため、すべて受け付けませんでした。",
                f"{len(items)} problem(s) in a batch of {exc.received}; nothing was recorded",
                items,
            ),
            status=422,
        )

    @api.exception_handler(ApiError)
    def refused(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return api.create_response(request, body(exc.message_ja, exc.detail), status=exc.status)

    @api.exception_handler(RyokenError)
    def ryoken_error(request: HttpRequest, exc: RyokenError) -> HttpResponse:
        return api.create_response(
            request, body(exc.message_ja, exc.message), status=status_of(exc)
        )
