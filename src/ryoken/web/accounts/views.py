"""Login in two steps (password, then TOTP), logout, step-up re-authentication, home."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
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


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("home")


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
            return redirect(f"{reverse('reauth')}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    wrapped.capability = getattr(view, "capability", None)  # type: ignore[attr-defined]
    return wrapped


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
            return HttpResponseRedirect(_next_url(request))
        error = gettext("パスワードまたは確認コードが正しくありません。")
    return render(
        request, "accounts/reauth.html", {"form": form, "error": error, "next": _next_url(request)}
    )


@requires("home")
def home(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request.user)
    assert staff is not None  # noqa: S101 - guaranteed by @requires
    links = [(cap, name, label) for cap, name, label in HOME_LINKS if holds(staff, cap)]
    return render(request, "accounts/home.html", {"links": links})


# (capability, url name, label) shown on the home page to those who hold the capability.
HOME_LINKS: list[tuple[str, str, str]] = []
