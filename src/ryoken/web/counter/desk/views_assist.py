"""A supervisor's assist at a colleague's window (応援): the board, join, the screen, leave."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ryoken.errors import AccessDenied, KeyUnavailable
from ryoken.web.access.models import GrantAssist
from ryoken.web.accounts.access import requires
from ryoken.web.applications.screens import watermark_for
from ryoken.web.counter.desk import assist
from ryoken.web.i18n import staff_message
from ryoken.web.labels import label


class JoinForm(forms.Form):
    reason = forms.CharField(label=_("応援の理由（任意）"), max_length=500, required=False)


@requires("counter.assist")
def board(request: HttpRequest) -> HttpResponse:
    """The colleagues' open counter tasks (window, ticket, clerk) and one's own assists."""
    staff = request.staff  # type: ignore[attr-defined]
    mine = set(
        GrantAssist.objects.filter(
            staff=staff, ended_at__isnull=True, grant__closed_at__isnull=True
        ).values_list("grant__grant_id", flat=True)
    )
    tasks = assist.assistable_grants(staff)
    return render(
        request,
        "counter/assist_board.html",
        {"tasks": [(g, g.grant_id in mine) for g in tasks], "form": JoinForm()},
    )


@requires("counter.assist")
@require_POST
def join_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    form = JoinForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        assist.join_assist(
            staff=request.staff,  # type: ignore[attr-defined]
            grant_id=grant_id,
            reason=form.cleaned_data.get("reason", ""),
        )
    except AccessDenied:
        raise Http404 from None
    return redirect("desk:assist_screen", grant_id=grant_id)


@requires("counter.assist")
def screen(request: HttpRequest, grant_id: str) -> HttpResponse:
    """The host task's persons as its step allows, seen by the assistant (ledgered first)."""
    try:
        current = assist.access_assist(request.staff, grant_id)  # type: ignore[attr-defined]
    except AccessDenied:
        raise Http404 from None
    try:
        people = assist.assist_screen(current)
    except (AccessDenied, KeyUnavailable) as error:  # a LedgerError goes to the 503 page
        messages.error(request, staff_message(error))
        return redirect("desk:assist")
    grant = current.grant
    return render(
        request,
        "counter/assist_screen.html",
        {
            "grant": grant,
            "assist": current,
            "people": [(label("named_role", role), fields) for role, fields in people],
            "watermark": watermark_for(request, grant),
        },
    )


@requires("counter.assist")
@require_POST
def leave_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    try:
        assist.leave_assist(staff=request.staff, grant_id=grant_id)  # type: ignore[attr-defined]
    except AccessDenied:
        raise Http404 from None
    return redirect("desk:assist")
