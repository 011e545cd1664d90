"""Login in two steps (password, then TOTP), logout, step-up re-authentication, home."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.web.accounts.access import holds, requires, staff_of
from ryoken.web.ledger import store as ledger

STEP_UP_SECONDS = 300
_PENDING = "ryoken_pending_user"
_STEP_UP = "ryoken_step_up_at"
# A download asked for before the step-up: started from the page that asked, once.
PENDING_DOWNLOAD = "ryoken_pending_download"


class PasswordForm(forms.Form):
    username = forms.CharField(label=_("職員ID"), max_length=150)
    password = forms.CharField(label=_("パスワード"), widget=forms.PasswordInput)


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("確認コード（6桁）"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("6桁の数字を入力してください。")},
    )


def failed_login_actor(username: str) -> str:
    """Who a failed login names in the ledger: a known account by its name; anything else
    by a keyed hash, never the raw text (a password typed into the user field would stay in
    the append-only ledger forever). The same text gives the same hash, so repeated tries
    with one unknown name still show up as one actor."""
    if get_user_model().objects.filter(username=username).exists():
        return username[:64]
    digest = salted_hmac("ryoken.failed-login", username, algorithm="sha256").hexdigest()
    return f"unknown:{digest[:16]}"


def _auth_event(code: EventCode, actor: str, request: HttpRequest, **details: Any) -> Event:
    return Event(
        code=code,
        at=clock.now(),
        actor=actor,
        subjects=(),
        fields=(),
        purpose="authentication",
        grant=None,
        terminal=request.META.get("REMOTE_ADDR"),
        details={k: v for k, v in details.items() if isinstance(v, str | int | bool)},
    )


def safe_local(request: HttpRequest, target: str) -> str:
    """`target` if it is a relative URL on this site ("/incident/1/"), else ""."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return ""
    return target


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return safe_local(request, target) or reverse("home")


def _back_url(request: HttpRequest) -> str:
    return safe_local(request, request.POST.get("back") or request.GET.get("back") or "")


def referring_page(request: HttpRequest) -> str:
    """The page (path and query) of this site the request came from, or ""."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.get_host() or referer.scheme not in ("http", "https"):
        return ""
    page = referer.path + (f"?{referer.query}" if referer.query else "")
    return safe_local(request, page)


def login_view(request: HttpRequest) -> HttpResponse:
    form = PasswordForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            ledger.record(
                _auth_event(EventCode.AUTH_LOGIN_FAILED, failed_login_actor(username), request)
            )
            if getattr(request, "axes_locked_out", False):
                error = gettext(
                    "ログインの失敗が続いたため、このアカウントは一時的にロックされています。"
                )
            else:
                error = gettext("職員IDまたはパスワードが正しくありません。")
        else:
            request.session.cycle_key()  # no session fixation across the two steps
            request.session[_PENDING] = user.pk
            request.session["ryoken_pending_at"] = clock.timestamp()
            return redirect(f"{reverse('login_otp')}?next={_next_url(request)}")
    return render(
        request, "accounts/login.html", {"form": form, "error": error, "next": _next_url(request)}
    )


def login_otp_view(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(_PENDING)
    started = request.session.get("ryoken_pending_at", 0)
    if user_id is None or clock.timestamp() - started > 300:
        return redirect("login")
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return redirect("login")
    form = TokenForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(form.cleaned_data["token"]):
            request.session.pop(_PENDING, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            request.session[_STEP_UP] = clock.timestamp()
            ledger.record(_auth_event(EventCode.AUTH_LOGIN, user.get_username(), request))
            return HttpResponseRedirect(_next_url(request))
        ledger.record(
            _auth_event(EventCode.AUTH_LOGIN_FAILED, user.get_username(), request, factor="totp")
        )
        error = gettext("確認コードが正しくありません。")
    return render(
        request,
        "accounts/login_otp.html",
        {"form": form, "error": error, "next": _next_url(request)},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        ledger.record(_auth_event(EventCode.AUTH_LOGOUT, request.user.get_username(), request))
    logout(request)
    return redirect("login")


def step_up_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sensitive actions (break-glass, exports, key operations) need a fresh password+code."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fresh = clock.timestamp() - request.session.get(_STEP_UP, 0) < STEP_UP_SECONDS
        if not fresh:
            query = {"next": request.get_full_path()}
            back = referring_page(request) if getattr(view, "download", False) else ""
            if back and request.method == "GET":
                query["back"] = back
            return redirect(f"{reverse('reauth')}?{urlencode(query)}")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    wrapped.capability = getattr(view, "capability", None)  # type: ignore[attr-defined]
    return wrapped


def step_up_download(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`step_up_required` for a file download: after the step-up the browser goes back to
    the page the link was on, and that page starts the download (a download never replaces
    the page, so returning to the download's URL would leave the browser on /reauth/)."""
    view.download = True
    return step_up_required(view)


def pending_download(request: HttpRequest) -> dict[str, str]:
    """Context processor: the download to start on this page, once (see step_up_download)."""
    session = getattr(request, "session", None)
    if session is None or PENDING_DOWNLOAD not in session:
        return {}
    target = safe_local(request, str(session.pop(PENDING_DOWNLOAD)))
    return {"pending_download": target} if target else {}


class ReauthForm(forms.Form):
    password = forms.CharField(label=_("パスワード"), widget=forms.PasswordInput)
    token = TokenForm.base_fields["token"]


@requires("home")
def reauth_view(request: HttpRequest) -> HttpResponse:
    form = ReauthForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        user = request.user
        ok_password = user.check_password(form.cleaned_data["password"])  # type: ignore[union-attr]
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if ok_password and device is not None and device.verify_token(form.cleaned_data["token"]):
            request.session[_STEP_UP] = clock.timestamp()
            back = _back_url(request)
            if back:
                # A download: back to the page that asked, which then starts it (once).
                request.session[PENDING_DOWNLOAD] = _next_url(request)
                return HttpResponseRedirect(back)
            return HttpResponseRedirect(_next_url(request))
        error = gettext("パスワードまたは確認コードが正しくありません。")
    return render(
        request,
        "accounts/reauth.html",
        {"form": form, "error": error, "next": _next_url(request), "back": _back_url(request)},
    )


@requires("home")
def home(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request.user)
    assert staff is not None  # noqa: S101 - guaranteed by @requires
    links = [(cap, name, label) for cap, name, label in HOME_LINKS if holds(staff, cap)]
    return render(request, "accounts/home.html", {"links": links})


# (capability, url name, label) shown on the home page to those who hold the capability.
HOME_LINKS: list[tuple[str, str, str]] = []
