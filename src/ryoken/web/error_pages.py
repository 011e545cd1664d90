"""A styled page, in the staff member's language, for a method the URL does not allow.

`require_POST` and friends answer 405 with an empty body; opening such a URL in the
browser (GET /incident/new/) showed a blank page. This middleware fills the body with the
405 page (with a way back home) for the screens; the API keeps its own error shape.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class StyledMethodNotAllowed:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.content
            and not request.path.startswith("/api/")
        ):
            response.content = render_to_string("405.html", request=request).encode("utf-8")
            response["Content-Type"] = "text/html; charset=utf-8"
        return response
