"""The inquiry desk's screens (電話照会・状況確認): parse → access → use case → render.

A callback search's persons stay in the session (vault ids, server-side), never in the page
or the URL: the page shows their list number, the masked reading and the birth year.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ryoken.errors import AccessDenied, KeyUnavailable, RyokenError
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import requires
from ryoken.web.applications.screens import watermark_for
from ryoken.web.counter.desk import inquiry
from ryoken.web.counter.models import Inquiry
from ryoken.web.counter.prints.text import KIND_LABELS_JA
from ryoken.web.i18n import staff_message, state_label

SESSION_FOUND = "ryoken_inquiry_found:{grant}"
REQUIRED = {"required": _("入力してください。")}


class OpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("照会の種類"), choices=Inquiry.Kind.choices)
    reason = forms.CharField(
        label=_("照会の理由"),
        max_length=500,
        error_messages=REQUIRED,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reception = forms.CharField(label=_("受理番号"), max_length=40, required=False)
    callback = forms.CharField(label=_("折返し先の電話番号"), max_length=20, required=False)


class CallbackForm(forms.Form):
    callback = forms.CharField(
        label=_("折返し先の電話番号（確認のためもう一度）"), max_length=20, error_messages=REQUIRED
    )


class ChooseForm(forms.Form):
    candidate = forms.IntegerField(min_value=0, max_value=19)


def _staff(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.staff  # type: ignore[attr-defined]


def _access(request: HttpRequest, grant_id: str) -> Grant:
    try:
        return inquiry.access_inquiry(_staff(request), grant_id)
    except AccessDenied:
        raise Http404 from None


@requires("desk.inquiry")
def desk(request: HttpRequest) -> HttpResponse:
    """The desk: one's open inquiry (if any), else the form that opens one."""
    current = inquiry.open_inquiry_of(_staff(request))
    if current is not None:
        return redirect("desk:inquiry_task", grant_id=current.grant_id)
    return render(request, "counter/inquiry_desk.html", {"form": OpenForm()})


@requires("desk.inquiry")
@require_POST
def open_view(request: HttpRequest) -> HttpResponse:
    form = OpenForm(request.POST)
    if not form.is_valid():
        return render(request, "counter/inquiry_desk.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        grant = inquiry.open_inquiry(
            staff=_staff(request),
            kind=data["kind"],
            reason=data["reason"],
            reception=data.get("reception", ""),
            callback=data.get("callback", ""),
        )
    except RyokenError as error:
        form.add_error(None, staff_message(error))
        return render(request, "counter/inquiry_desk.html", {"form": form}, status=400)
    return redirect("desk:inquiry_task", grant_id=grant.grant_id)


def _context(request: HttpRequest, grant: Grant, record: Inquiry) -> dict[str, object]:
    return {
        "grant": grant,
        "inquiry": record,
        "kind_label": record.get_kind_display(),
        "watermark": watermark_for(request, grant),
    }


@requires("desk.inquiry")
def task(request: HttpRequest, grant_id: str) -> HttpResponse:
    """The open inquiry: its status screen once an application is known; else the callback
    search (its result list is shown only by the search that ledgered it)."""
    grant = _access(request, grant_id)
    record = Inquiry.objects.get(grant=grant)
    context = _context(request, grant, record)
    if record.application_id is None:
        context.update(stage="search", callback_form=CallbackForm())
        return render(request, "counter/inquiry_task.html", context)
    try:
        status = inquiry.status(grant=grant)
    except (AccessDenied, KeyUnavailable) as error:  # a LedgerError goes to the 503 page
        context.update(stage="error", error=staff_message(error))
        return render(request, "counter/inquiry_task.html", context, status=403)
    context.update(
        stage="status",
        status=status,
        state_text=state_label(status.state),
        kind_text=gettext(KIND_LABELS_JA[status.kind])
        if status.kind in KIND_LABELS_JA
        else status.kind,
    )
    return render(request, "counter/inquiry_task.html", context)


@requires("desk.inquiry")
@require_POST
def search_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    grant = _access(request, grant_id)
    context = _context(request, grant, Inquiry.objects.get(grant=grant))
    form = CallbackForm(request.POST)
    if not form.is_valid():
        context.update(stage="search", callback_form=form)
        return render(request, "counter/inquiry_task.html", context, status=400)
    try:
        found, rows = inquiry.search_callback(grant=grant, callback=form.cleaned_data["callback"])
    except RyokenError as error:
        form.add_error(None, staff_message(error))
        context.update(stage="search", callback_form=form)
        return render(request, "counter/inquiry_task.html", context, status=400)
    request.session[SESSION_FOUND.format(grant=grant.grant_id)] = found
    context.update(stage="search", callback_form=CallbackForm(), searched=True, rows=rows)
    return render(request, "counter/inquiry_task.html", context)


@requires("desk.inquiry")
@require_POST
def choose_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    grant = _access(request, grant_id)
    found = request.session.get(SESSION_FOUND.format(grant=grant.grant_id)) or []
    form = ChooseForm(request.POST)
    if not form.is_valid() or form.cleaned_data["candidate"] >= len(found):
        raise Http404
    try:
        inquiry.choose(grant=grant, subject_id=found[form.cleaned_data["candidate"]])
    except RyokenError as error:
        messages.error(request, staff_message(error))
    request.session.pop(SESSION_FOUND.format(grant=grant.grant_id), None)
    return redirect("desk:inquiry_task", grant_id=grant.grant_id)


@requires("desk.inquiry")
@require_POST
def close_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    grant = _access(request, grant_id)
    inquiry.close_inquiry(grant)
    request.session.pop(SESSION_FOUND.format(grant=grant.grant_id), None)
    return redirect("desk:inquiry")
