"""Production screens: order a batch, download its order file, upload the bureau's results."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from ryoken import clock
from ryoken.errors import AccessDenied, InvalidInput, RyokenError
from ryoken.web.accounts.access import requires
from ryoken.web.accounts.models import Staff
from ryoken.web.accounts.views import step_up_download
from ryoken.web.casework import production, screens
from ryoken.web.casework.models import ProductionBatch
from ryoken.web.i18n import is_japanese, staff_message
from ryoken.web.labels import mrz_check

MAX_RESULTS_BYTES = 5 * 1024 * 1024


def _staff(request: HttpRequest) -> Staff:
    staff: Staff = request.staff  # type: ignore[attr-defined]
    return staff


def _batch(batch_id: str) -> ProductionBatch:
    try:
        return production.access_batch(batch_id)
    except AccessDenied:
        raise Http404("no such batch") from None


@requires("production.order")
def index(request: HttpRequest) -> HttpResponse:
    batches = ProductionBatch.objects.annotate(count=Count("items")).order_by("-created_at")[:50]
    return render(
        request,
        "casework/production_index.html",
        {"waiting": production.approved_waiting().count(), "batches": batches},
    )


@requires("production.order")
@require_POST
def order(request: HttpRequest) -> HttpResponse:
    try:
        batch = production.order_batch(acting_staff=_staff(request))
    except RyokenError as refusal:
        messages.error(request, staff_message(refusal))
        return redirect("casework:production")
    messages.success(
        request,
        gettext("発注 %(batch)s を作成しました（%(count)s件）。")
        % {"batch": batch.batch_id, "count": batch.items.count()},
    )
    return redirect("casework:production_batch", batch_id=batch.batch_id)


def problem_text(problem: production.RowProblem) -> str:
    """A refused row in the staff member's language: an MRZ's failed checks in words from the
    label catalogue on the Japanese screen, the core's English on the English one."""
    if not is_japanese():
        return problem.message
    if problem.mrz_checks:
        listed = gettext("、").join(mrz_check(code) for code in problem.mrz_checks)
        return gettext("機械読取り領域：%(checks)s。") % {"checks": listed}
    return problem.message_ja or problem.message


@requires("production.order")
def batch_view(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(batch_id)
    problems: list[production.RowProblem] = []
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("results")
        try:
            if upload is None:
                raise InvalidInput(
                    "no results file",
                    message_ja=gettext("作製結果ファイル（JSON）を選んでください。"),
                )
            if (upload.size or 0) > MAX_RESULTS_BYTES:
                raise InvalidInput(
                    "results file too large",
                    message_ja=gettext(
                        "作製結果ファイルが大きすぎます（上限 %(mb)s MB）。"
                        "発注ごとのファイルを選んでください。"
                    )
                    % {"mb": MAX_RESULTS_BYTES // (1024 * 1024)},
                )
            try:
                data = json.loads(upload.read().decode("utf-8"))
            except (ValueError, RecursionError):  # not UTF-8, not JSON, too deep, huge number
                raise InvalidInput(
                    "the results file is not UTF-8 JSON; nothing was imported",
                    message_ja=gettext_noop(
                        "作製結果ファイルがJSONとして読めません。何も取り込んでいません。"
                    ),
                ) from None
            summary = production.import_results(
                batch, data, acting_staff=_staff(request), today=clock.today()
            )
        except production.ResultsRejected as rejected:
            problems, error = rejected.problems, staff_message(rejected)
        except RyokenError as refusal:
            error = staff_message(refusal)
        else:
            messages.success(
                request, gettext("%(count)s件を交付待ちにしました。") % {"count": summary.imported}
            )
            return redirect("casework:production_batch", batch_id=batch.batch_id)
    items = [
        {"app": a, "kind": screens.kind_label(a.kind), "state": screens.state_label(a.state)}
        for a in batch.items.order_by("pk")
    ]
    return render(
        request,
        "casework/production_batch.html",
        {
            "batch": batch,
            "items": items,
            "problems": [{"row": p.row, "message": problem_text(p)} for p in problems],
            "error": error,
        },
        status=400 if error else 200,
    )


@requires("production.order")
@step_up_download
def order_file(request: HttpRequest, batch_id: str) -> HttpResponse:
    """The order file, built now through the gateway (an export: it needs a fresh step-up)."""
    batch = _batch(batch_id)
    document = production.build_order(batch, acting_staff=_staff(request), via="web")
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{batch.batch_id}-order.json"'
    response["Cache-Control"] = "no-store"
    return response
