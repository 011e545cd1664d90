import importlib
import importlib.util

from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic.base import RedirectView
from django.views.i18n import set_language

from ryoken.web import views
from ryoken.web.accounts import views as accounts

# A full or read-only disk: a clear page (503) instead of "Server Error" or "Bad Request".
handler400 = "ryoken.web.views.bad_request"
handler500 = "ryoken.web.views.server_error"

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on their own (a PDF tab, say): send them to the icon.
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("ryoken/favicon.svg"), permanent=True),
        name="favicon",
    ),
    path("", accounts.home, name="home"),
    path("login/", accounts.login_view, name="login"),
    path("login/code/", accounts.login_otp_view, name="login_otp"),
    path("logout/", accounts.logout_view, name="logout"),
    path("reauth/", accounts.reauth_view, name="reauth"),
    path("i18n/setlang/", set_language, name="set_language"),
]

# Each area owns its URL module; an area not built yet is simply absent.
for prefix, dotted in (
    ("counter/", "ryoken.web.counter.urls"),
    ("pickup/", "ryoken.web.counter.pickup_urls"),
    ("desk/", "ryoken.web.counter.desk_urls"),
    ("casework/", "ryoken.web.casework.urls"),
    ("watch/", "ryoken.web.watch.urls"),
    ("incident/", "ryoken.web.incident.urls"),
    ("api/", "ryoken.web.api.urls"),
):
    try:
        present = importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError:  # the area's package does not exist yet
        present = False
    if present:
        urlpatterns.append(path(prefix, include(dotted)))
        # The area's home-page entries: (capability, url name, label), label marked for
        # translation in the area's module and rendered in the staff member's language.
        for entry in getattr(importlib.import_module(dotted), "MENU", ()):
            if entry not in accounts.HOME_LINKS:  # the URLconf may be imported again
                accounts.HOME_LINKS.append(entry)
