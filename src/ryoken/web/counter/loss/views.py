"""The loss window (紛失届): find the holder, confirm, file the report, offer a new application.

The candidates found are kept in the session (vault ids, server-side), never in the page or
the URL: the page shows their number and facts that tell them apart.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ryoken.errors import AccessDenied, RyokenError
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import requires
from ryoken.web.applications import screens
from ryoken.web.applications.screens import watermark_for
from ryoken.web.counter.loss import service as loss
from ryoken.web.counter.loss.forms import ChooseForm, LossReportForm, LossSearchForm
from ryoken.web.i18n import staff_message

SESSION_CANDIDATES = "ryoken_loss_candidates:{grant}"
HOLDER_FIELDS = ("name_kanji", "name_kana", "birth_date")


def _access(request: HttpRequest, grant_id: str) -> Grant:
    try:
        return loss.access_loss_grant(request.staff, grant_id)  # type: ignore[attr-defined]
    except AccessDenied:
        raise Http404 from None


def _render(
    request: HttpRequest,
    grant: Grant,
    *,
    search_form: LossSearchForm | None = None,
    report_form: LossReportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    report = loss.report_of(grant)
    holder = loss.holder_of(grant)
    context: dict[str, object] = {"grant": grant, "watermark": watermark_for(request, grant)}
    if report is not None:
        context.update(stage="done", report=report)
        return render(request, "counter/loss.html", context, status=status)
    if holder is not None:
        context.update(
            stage="report",
            fields=screens.person_view(
                grant=grant, subject_id=holder, fields=HOLDER_FIELDS, purpose="loss_report:confirm"
            ),
            photo_url=reverse("pickup:photo", args=[grant.grant_id, holder]),
            report_form=report_form or LossReportForm(),
        )
        return render(request, "counter/loss.html", context, status=status)
    found = request.session.get(SESSION_CANDIDATES.format(grant=grant.grant_id))
    too_many = found is not None and len(found) > loss.MAX_CANDIDATES
    context.update(
        stage="search",
        search_form=search_form or LossSearchForm(),
        searched=found is not None,
        candidates=[] if too_many else loss.describe(found or []),
        count=len(found or []),
        too_many=too_many,
    )
    return render(request, "counter/loss.html", context, status=status)


@requires("counter.serve")
def loss_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    return _render(request, _access(request, grant_id))


@requires("counter.serve")
@require_POST
def search_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    grant = _access(request, grant_id)
    if loss.holder_of(grant) is not None:
        return redirect("pickup:loss", grant_id=grant.grant_id)
    form = LossSearchForm(request.POST)
    if not form.is_valid():
        return _render(request, grant, search_form=form, status=400)
    try:
        found = loss.find_holders(
            grant=grant,
            name_kana=form.cleaned_data["name_kana"],
            birth_date=form.cleaned_data["birth_date"],
            passport_number=form.cleaned_data.get("passport_number", ""),
        )
    except RyokenError as error:  # the lookup limit: a supervisor takes over
        messages.error(request, staff_message(error))
        return redirect("pickup:loss", grant_id=grant.grant_id)
    request.session[SESSION_CANDIDATES.format(grant=grant.grant_id)] = found
    return redirect("pickup:loss", grant_id=grant.grant_id)


@requires("counter.serve")
@require_POST
def choose_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    grant = _access(request, grant_id)
    found = request.session.get(SESSION_CANDIDATES.format(grant=grant.grant_id)) or []
    form = ChooseForm(request.POST)
    if not form.is_valid() or len(found) > loss.MAX_CANDIDATES:
        raise Http404
    index = form.cleaned_data["candidate"]
    if index >= len(found):
        raise Http404
    try:
        loss.choose_holder(grant, found[index])
    except RyokenError as error:
        messages.error(request, staff_message(error))
    request.session.pop(SESSION_CANDIDATES.format(grant=grant.grant_id), None)
    return redirect("pickup:loss", grant_id=grant.grant_id)


@requires("counter.serve")
@require_POST
def file_view(request: HttpRequest, grant_id: str) -> HttpResponse:
    grant = _access(request, grant_id)
    form = LossReportForm(request.POST, request.FILES)
    if loss.holder_of(grant) is None:
        return redirect("pickup:loss", grant_id=grant.grant_id)
    if not form.is_valid():
        return _render(request, grant, report_form=form, status=400)
    try:
        report, matched = loss.file_loss_report(
            staff=request.staff,  # type: ignore[attr-defined]
            grant=grant,
            evidence=form.cleaned_data["evidence"],
        )
    except RyokenError as error:
        form.add_error(None, staff_message(error))
        return _render(request, grant, report_form=form, status=400)
    note = {
        None: "",
        True: gettext("（旅券番号：記録と一致）"),
        False: gettext("（旅券番号：記録と不一致）"),
    }[matched]
    messages.success(
        request,
        gettext("紛失届を受理しました（%(number)s）。旅券は失効しました。%(note)s")
        % {"number": report.reception_number, "note": note},
    )
    return redirect("pickup:loss", grant_id=grant.grant_id)
