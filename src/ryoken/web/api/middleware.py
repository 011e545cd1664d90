"""The API's body rules, in its JSON error shape.

- `ApiBodyMiddleware`: a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` gets 413 with the JSON
  error shape (Django's own refusal is an HTML 400 page a device cannot read).
- `Utf8Parser`: JSON on the wire is UTF-8 (RFC 8259 §8.1). `json.loads(bytes)` would also
  guess UTF-16 and UTF-32; the parser decodes UTF-8 strictly, so such a body (and a UTF-8
  byte-order mark) is "Cannot parse request body" (400), after the token is checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.parser import Parser


class Utf8Parser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        text = request.body.decode("utf-8")  # strict: UTF-16/32 bytes fail here or below
        return cast(dict[str, Any], json.loads(text))  # NUL and a BOM are not JSON


def _error(status: int, message: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"message": message, "detail": detail, "errors": []},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


class ApiBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH"):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        too_big = _error(
            413,
            "送信内容が大きすぎます。件数を分けて送ってください。",
            f"the body is larger than {limit:,} bytes; send smaller batches",
        )
        try:
            if limit is not None and int(request.META.get("CONTENT_LENGTH") or 0) > limit:
                return too_big
            request.body  # noqa: B018 - read now, so a chunked oversize body is refused here
        except RequestDataTooBig:
            return too_big
        except ValueError:
            return _error(400, "送信内容を読み取れません。", "invalid Content-Length")
        return None
