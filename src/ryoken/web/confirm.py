"""A confirmation step for consequential actions, without JavaScript.

The action's form posts as before; without `confirmed=1` the view answers with a page that
says what will happen and carries the same fields in hidden inputs, with one button to go
ahead and a link back. Only the second post acts. The page works the same in both languages
and with the keyboard alone (the confirm button has focus).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme

KEY = "confirmed"


def confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(KEY) == "1"


def back_url(request: HttpRequest, default: str) -> str:
    """The page the form was on (its Referer, if on this site), else `default`."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, {request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return default


def confirm_page(
    request: HttpRequest,
    *,
    title: str | Promise,
    lines: Iterable[str | Promise],
    button: str | Promise,
    cancel: str,
    fields: Mapping[str, str] | None = None,
    danger: bool = False,
    extra: Mapping[str, object] | None = None,
) -> HttpResponse:
    """The page that asks before acting; it posts back to the same URL with `confirmed=1`."""
    return render(
        request,
        "confirm.html",
        {
            "title": title,
            "lines": list(lines),
            "button": button,
            "cancel": cancel,
            "fields": sorted((fields or {}).items()),
            "danger": danger,
            "action": request.path,
            **(extra or {}),
        },
    )
