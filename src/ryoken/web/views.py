"""Site-wide views: the health check and the page shown when storage fails.

When the database cannot be written (a full or read-only disk) or the ledger cannot record,
the request stops: the gateway refuses before decrypting anything, and whatever the view had
rendered is replaced by `server_error`'s page (503, in the staff member's language) or, under
`/api/`, the API's error shape. A session that cannot be saved (Django's "Bad Request") gets
the same page from `bad_request`. Other errors get Django's plain 400 and 500 pages.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext
from django.views.defaults import bad_request as plain_bad_request
from django.views.defaults import server_error as plain_server_error

from ryoken.errors import LedgerError
from ryoken.web.i18n import staff_message
from ryoken.web.ledger.recovery import recover_after_failure
from ryoken.web.storage import storage_failure


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for the load balancer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a clear page (or API error) when storage failed, else Django's own."""
    failure = storage_failure(sys.exc_info()[1])
    if failure is None:
        return plain_server_error(request)
    return _unavailable(request, failure)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400. The session cannot be saved on a full or read-only disk, which Django
    reports as a bad request (SessionInterrupted): say what happened instead."""
    failure = storage_failure(exception)
    if failure is None:
        return plain_bad_request(request, exception)
    return _unavailable(request, failure)


def _unavailable(request: HttpRequest, failure: LedgerError | DatabaseError) -> HttpResponse:
    recover_after_failure(connection)  # so the next request can work once the disk can
    if isinstance(failure, LedgerError):
        what = staff_message(failure)
        detail = "the ledger could not record; nothing was disclosed"
    else:
        what = gettext("データベースに書き込めないため、処理を中止しました。")
        detail = "the database cannot be written (disk full or read-only); the request stopped"
    hint = gettext(
        "ディスクの空き容量が不足しているか、読み取り専用になっている可能性があります。"
        "個人情報は表示していません。システム管理者に連絡してください。"
    )
    if request.path.startswith("/api/"):
        body = {"message": f"{what}{hint}", "detail": detail, "errors": []}
        response: HttpResponse = JsonResponse(body, status=503)
    else:
        page = render_to_string(
            "unavailable.html",
            {"what": what, "hint": hint, "LANG": get_language() or "ja"},
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response
