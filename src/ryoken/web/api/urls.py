"""The NinjaAPI instance, mounted at /api/ by ryoken.web.urls.

Routers: /kiosk (kiosk tokens), /copier (copier tokens), /badges (badge tokens), and
/production (bureau tokens) when `ryoken.web.api.production` exists. Every router names its
token kind; /production is mounted with the bureau auth so it can never be left open.
The schema (/api/openapi.json) and docs page (/api/docs) are for developers: served when
DEBUG is on, otherwise only to logged-in staff in standing.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from ryoken.web.accounts.access import requires
from ryoken.web.api import badges, copier, errors, kiosk
from ryoken.web.api.auth import bureau_auth
from ryoken.web.api.middleware import Utf8Parser

VERSION = "1.0"


class Utf8JSON(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Japanese messages readable as sent


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """DEBUG: open. Otherwise: staff logged in with a second factor and in standing."""
    guarded = requires("home")(view)

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.DEBUG:
            return view(request, *args, **kwargs)
        return guarded(request, *args, **kwargs)

    wrapped.capability = "home"  # type: ignore[attr-defined]
    return wrapped


def _production_router() -> Any:
    try:
        present = importlib.util.find_spec("ryoken.web.api.production") is not None
    except ModuleNotFoundError:
        present = False
    return importlib.import_module("ryoken.web.api.production").router if present else None


api = NinjaAPI(
    title="ryoken API",
    version=VERSION,
    description="Machine clients of a passport office: kiosk, copier/MFP job logs, door "
    "badges, printing-bureau exchange. Bearer tokens only; see docs/api.md.",
    urls_namespace="api",
    renderer=Utf8JSON(),
    parser=Utf8Parser(),
    docs_decorator=docs_access,
)
errors.install(api)
api.add_router("/kiosk", kiosk.router)
api.add_router("/copier", copier.router)
api.add_router("/badges", badges.router)
_production = _production_router()
if _production is not None:
    api.add_router("/production", _production, auth=bureau_auth)

urlpatterns = [path("", api.urls)]
