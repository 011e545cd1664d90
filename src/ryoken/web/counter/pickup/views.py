"""Pickup and loss windows: call the next ticket, serve a pickup, stream the photo, close.

Views are short: parse → access (the clerk's own open grant, else 404) → use case → render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from ryoken import clock
from ryoken.errors import AccessDenied, ConfigurationError, RyokenError
from ryoken.privacy.policy import Step
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import holds, requires
from ryoken.web.accounts.models import Window
from ryoken.web.applications import screens
from ryoken.web.applications.fees import fee_quote
from ryoken.web.applications.models import Application
from ryoken.web.applications.screens import watermark_for
from ryoken.web.counter import windows
from ryoken.web.counter.models import Ticket
from ryoken.web.counter.pickup import service as pickup
from ryoken.web.counter.pickup.forms import CallForm, IssueForm, MatchForm
from ryoken.web.counter.prints.forms import PrintForm
from ryoken.web.counter.prints.text import KIND_LABELS_JA
from ryoken.web.counter.queue import service as queue
from ryoken.web.i18n import staff_message, state_label
from ryoken.web.vault import gateway

SESSION_FEE = "ryoken_pickup_fee:{grant}:{app}"


def screen_of(grant: Grant) -> str:
    """Where a grant's work is done."""
    if grant.step == Step.LOSS_REPORT:
        return reverse("pickup:loss", args=[grant.grant_id])
    if grant.step == Step.PICKUP:
        return reverse("pickup:serve", args=[grant.grant_id])
    return reverse("home")


def forget_visit(request: HttpRequest, grant_id: str) -> None:
    for key in list(request.session.keys()):
        if grant_id in key:
            del request.session[key]


# --- the queue at the pickup and loss windows -----------------------------------------------


def _kind(kind: str) -> str:
    return gettext(KIND_LABELS_JA[kind]) if kind in KIND_LABELS_JA else kind


@requires("counter.serve")
@require_http_methods(["GET", "POST"])
def queue_view(request: HttpRequest) -> HttpResponse:
    staff = request.staff  # type: ignore[attr-defined]
    preselected = windows.current(staff, windows.Desk.PICKUP)
    form = CallForm(
        request.POST or None, initial={"window": preselected.code if preselected else None}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        window = Window.objects.get(code=form.cleaned_data["window"])
        if window.kind == Window.Kind.PICKUP and not holds(staff, "counter.pickup"):
            messages.error(request, gettext("交付窓口は交付担当の職員のみ利用できます。"))
            return redirect("pickup:queue")
        windows.remember(staff, windows.Desk.PICKUP, window)
        try:
            called = queue.call_next(staff, window)
        except RyokenError as error:
            messages.error(request, staff_message(error))
            return redirect("pickup:queue")
        if called is None:
            messages.info(request, gettext("お待ちの方はいません。"))
            return redirect("pickup:queue")
        ticket, grant = called
        messages.success(
            request,
            gettext("整理券 %(ticket)s を %(window)s に呼び出しました。")
            % {"ticket": ticket.number, "window": window.code},
        )
        return redirect(screen_of(grant))
    if request.method == "POST":
        status = 400
    mine = [g for g in grants.open_grants_of(staff) if g.step in (Step.PICKUP, Step.LOSS_REPORT)]
    waiting = {
        purpose: Ticket.objects.filter(
            status=Ticket.Status.WAITING, purpose=purpose, office=staff.office
        ).count()
        for purpose in (Ticket.Purpose.PICKUP, Ticket.Purpose.LOSS_REPORT)
    }
    return render(
        request,
        "counter/pickup_queue.html",
        {
            "form": form,
            "mine": [(g, screen_of(g)) for g in mine],
            "waiting_pickup": waiting[Ticket.Purpose.PICKUP],
            "waiting_loss": waiting[Ticket.Purpose.LOSS_REPORT],
        },
        status=status,
    )


@requires("counter.serve")
@require_POST
def close_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    """The person leaves the window: the ticket closes and the grant with it."""
    staff = request.staff  # type: ignore[attr-defined]
    try:
        grant = grants.access_grant(staff, grant_id)
    except AccessDenied:
        raise Http404 from None
    if grant.ticket is None:
        raise Http404
    queue.close_ticket(grant.ticket, staff=staff, no_show=request.POST.get("no_show") == "1")
    forget_visit(request, grant_id)
    messages.success(
        request,
        gettext("整理券 %(ticket)s の対応を終了しました。") % {"ticket": grant.ticket.number},
    )
    return redirect("pickup:queue")


# --- pickup -------------------------------------------------------------------------------


@requires("counter.pickup")
def serve_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    """The ticket's applications (a family collects on one ticket)."""
    try:
        grant = pickup.access_pickup_grant(request.staff, grant_id)  # type: ignore[attr-defined]
    except AccessDenied:
        raise Http404 from None
    apps = pickup.applications_of(grant)
    if len(apps) == 1:
        return redirect("pickup:application", grant_id=grant.grant_id, app_id=apps[0].pk)
    return render(
        request,
        "counter/pickup_choose.html",
        {
            "grant": grant,
            "apps": [(a, _kind(a.kind)) for a in apps],
            "watermark": watermark_for(request, grant),
        },
    )


def pickup_access(request: HttpRequest, grant_id: str, app_id: int) -> tuple[Grant, Application]:
    """The clerk's own pickup grant and one of its applications, or 404."""
    try:
        return pickup.access_pickup(request.staff, grant_id, app_id)  # type: ignore[attr-defined]
    except AccessDenied:
        raise Http404 from None


def visit_fee(
    request: HttpRequest, grant: Grant, app: Application
) -> tuple[pickup.Fee | None, str]:
    """The fee of this visit: the one recorded at issue, else the one quoted in this session."""
    stored = pickup.stored_fee(app)
    if stored is not None:
        return stored, ""
    saved = request.session.get(SESSION_FEE.format(grant=grant.grant_id, app=app.pk))
    if not saved:
        return None, ""
    if "error" in saved:
        return None, str(saved["error"])
    lines = tuple((str(label), int(amount)) for label, amount in saved["lines"])
    return pickup.Fee(int(saved["national"]), int(saved["prefectural"]), lines), ""


def _render_application(
    request: HttpRequest,
    grant: Grant,
    app: Application,
    *,
    status: int = 200,
) -> HttpResponse:
    view = screens.person_view(
        grant=grant,
        subject_id=app.applicant,
        fields=pickup.SCREEN_FIELDS,
        purpose="pickup:identify",
    )
    checks = pickup.identity_checks(grant, app.applicant)
    fee, fee_error = visit_fee(request, grant, app)
    today = clock.today()
    returns_old = pickup.returns_old_passport(app)
    context: dict[str, Any] = {
        "grant": grant,
        "app": app,
        "kind_ja": _kind(app.kind),
        "state": state_label(app.state),
        "fields": view,
        "photo_url": reverse("pickup:photo", args=[grant.grant_id, app.applicant]),
        "checks": pickup.match_rows(checks, returns_old_passport=returns_old),
        "confirmed": pickup.identity_confirmed(checks),
        "fee": fee,
        "fee_error": fee_error,
        "lapse_refusal": pickup.lapse_refusal(app, today) if app.state == "ready" else "",
        "returns_old_passport": returns_old,
        "match_form": MatchForm(returns_old_passport=returns_old),
        "issue_form": IssueForm(returns_old_passport=returns_old),
        "print_form": PrintForm(
            initial={"grant": grant.grant_id, "application": app.pk, "document": "pickup_record"}
        ),
        "watermark": watermark_for(request, grant),
    }
    return render(request, "counter/pickup_serve.html", context, status=status)


@requires("counter.pickup")
def application_view(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    grant, app = pickup_access(request, grant_id, app_id)
    return _render_application(request, grant, app)


@requires("counter.pickup")
@require_POST
def match_view(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """Ask the vault 一致 / 不一致 for what the person presents; values are not echoed."""
    grant, app = pickup_access(request, grant_id, app_id)
    if app.state != "ready":
        messages.error(request, gettext("交付待ちの旅券ではないため照合できません。"))
        return redirect("pickup:application", grant_id=grant.grant_id, app_id=app.pk)
    form = MatchForm(request.POST, returns_old_passport=pickup.returns_old_passport(app))
    if not form.is_valid():
        # Not re-rendered with the typed values: nothing typed is echoed into the page.
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(
                    request,
                    gettext("%(field)s：%(answer)s") % {"field": label, "answer": error}
                    if label
                    else error,
                )
        return redirect("pickup:application", grant_id=grant.grant_id, app_id=app.pk)
    presented: pickup.Presented = form.cleaned_data["presented"]
    try:
        results = pickup.check_identity(grant=grant, application=app, presented=presented)
    except RyokenError as refusal:
        messages.error(request, staff_message(refusal))
        return redirect("pickup:application", grant_id=grant.grant_id, app_id=app.pk)
    key = SESSION_FEE.format(grant=grant.grant_id, app=app.pk)
    if results["birth_date"] and pickup.stored_fee(app) is None:
        try:
            fee = pickup.Fee.of(fee_quote(app, presented.birth_date))
            request.session[key] = {
                "national": fee.national,
                "prefectural": fee.prefectural,
                "lines": [list(line) for line in fee.lines],
            }
        except ConfigurationError as error:
            request.session[key] = {"error": staff_message(error)}
    labels = pickup.MATCH_LABELS_JA
    summary = gettext("、").join(
        gettext("%(field)s：%(answer)s")
        % {"field": gettext(labels[k]), "answer": gettext("一致") if v else gettext("不一致")}
        for k, v in results.items()
    )
    if all(results.values()):
        messages.success(request, gettext("照合結果　%(summary)s") % {"summary": summary})
    else:
        messages.error(request, gettext("照合結果　%(summary)s") % {"summary": summary})
    return redirect("pickup:application", grant_id=grant.grant_id, app_id=app.pk)


@requires("counter.pickup")
@require_POST
def issue_view(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    grant, app = pickup_access(request, grant_id, app_id)
    form = IssueForm(request.POST, returns_old_passport=pickup.returns_old_passport(app))
    form.is_valid()  # two tick boxes: always valid
    fee, _ = visit_fee(request, grant, app)
    try:
        pickup.do_issue(
            staff=request.staff,  # type: ignore[attr-defined]
            grant=grant,
            application=app,
            fee=fee,
            fee_paid=bool(form.cleaned_data.get("fee_paid")),
            old_passport_returned=bool(form.cleaned_data.get("old_passport_returned")),
        )
    except RyokenError as error:
        messages.error(request, staff_message(error))
    else:
        messages.success(
            request,
            gettext("受理番号 %(number)s の旅券を交付しました。")
            % {"number": app.reception_number},
        )
    return redirect("pickup:application", grant_id=grant.grant_id, app_id=app.pk)


# --- the photo -----------------------------------------------------------------------------


def _image_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.lstrip()[:5] in (b"<svg ", b"<?xml"):
        return "image/svg+xml"
    return "application/octet-stream"


@requires("counter.serve")
def photo_view(request: HttpRequest, grant_id: str, subject_id: str) -> HttpResponse:
    """Stream the face photo from the vault under the clerk's grant (a ledgered disclosure)."""
    staff = request.staff  # type: ignore[attr-defined]
    try:
        grant = grants.access_grant(staff, grant_id)
        if not grant.subjects.filter(subject=subject_id).exists():
            raise AccessDenied("not a person of this work")
        photo = gateway.disclose(
            actor=staff.staff_id,
            subject_id=subject_id,
            fields=["face_photo"],
            purpose=f"{grant.step}:photo",
            grant=grant.grant_id,
            terminal=grant.window.code if grant.window else None,
        )["face_photo"]
    except AccessDenied:
        raise Http404 from None
    if not isinstance(photo, bytes):
        raise Http404
    response = HttpResponse(photo, content_type=_image_type(photo))
    response["Cache-Control"] = "no-store"
    # An SVG opened on its own must not run anything.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
