"""Review and QA screens: assign (supervisor), the reviewer's queue and case, QA samples.

Lists show reception number, kind and dates only. A case screen opens (or reuses) the
review's grant and shows each person through `person_view`, with the watermark.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ryoken import clock
from ryoken.errors import AccessDenied, RyokenError
from ryoken.web.accounts.access import requires
from ryoken.web.accounts.models import Staff
from ryoken.web.applications.models import Application
from ryoken.web.casework import qa, review, screens
from ryoken.web.casework.models import Review
from ryoken.web.confirm import confirm_page, confirmed
from ryoken.web.i18n import staff_message

ASSIGN_PAGE = 100


def _staff(request: HttpRequest) -> Staff:
    staff: Staff = request.staff  # type: ignore[attr-defined]
    return staff


def _row(app: Application) -> dict[str, Any]:
    return {
        "app": app,
        "kind": screens.kind_label(app.kind),
        "channel": screens.channel_label(app.channel),
        "state": screens.state_label(app.state),
    }


# --- assignment (supervisor) ---------------------------------------------------------------


@requires("review.assign")
def assign(request: HttpRequest) -> HttpResponse:
    """Unassigned applications in review, each with the reviewers who may take it."""
    error = ""
    if request.method == "POST":
        app = Application.objects.filter(pk=request.POST.get("application") or 0).first()
        reviewer = Staff.objects.filter(staff_id=request.POST.get("reviewer", "")).first()
        if app is None or reviewer is None:
            error = gettext("申請と審査担当者を選んでください。")
        else:
            try:
                done = review.assign_review(app, reviewer, acting_staff=_staff(request))
            except RyokenError as refusal:
                error = staff_message(refusal)
            else:
                messages.success(
                    request,
                    gettext("%(number)s を %(reviewer)s に割り当てました（%(kind)s）。")
                    % {
                        "number": app.reception_number,
                        "reviewer": reviewer.display_name,
                        "kind": done.get_kind_display(),
                    },
                )
                return redirect("casework:assign")
    today = clock.today()
    pool = review.reviewer_pool(today)
    rows = []
    for app in review.unassigned_in_review()[:ASSIGN_PAGE]:
        kind = review.review_kind_for(app)
        rows.append(
            _row(app)
            | {
                "senior": kind == Review.Kind.SENIOR,
                "reviewers": review.eligible_reviewers(app, today, pool),
            }
        )
    assigned = (
        Review.objects.filter(kind__in=review.REVIEW_KINDS, decided_at=None)
        .select_related("application", "reviewer")
        .order_by("assigned_at")[:ASSIGN_PAGE]
    )
    return render(
        request,
        "casework/assign.html",
        {"rows": rows, "assigned": assigned, "error": error},
        status=400 if error else 200,
    )


# --- the reviewer ---------------------------------------------------------------------------


@requires("review.work")
def queue(request: HttpRequest) -> HttpResponse:
    reviews = [{"review": r} | _row(r.application) for r in review.reviewer_queue(_staff(request))]
    return render(request, "casework/review_queue.html", {"reviews": reviews})


def _access_review(request: HttpRequest, review_id: int) -> Review:
    try:
        return review.access_review(_staff(request), review_id)
    except AccessDenied:
        raise Http404("no such review") from None


@requires("review.work")
def case(request: HttpRequest, review_id: int) -> HttpResponse:
    """The case: each person as the step allows, and the decision form."""
    item = _access_review(request, review_id)
    error = ""
    approving = request.method == "POST" and request.POST.get("decision") == "approve"
    if approving and not confirmed(request):
        number = item.application.reception_number
        return confirm_page(
            request,
            title=_("発給の承認の確認"),
            lines=[
                _("%(number)s の旅券の発給を承認します。") % {"number": number},
                _("承認すると旅券の作製に進み、この審査の閲覧権限は終了します。"),
            ],
            button=_("発給を承認"),
            cancel=reverse("casework:case", args=[item.pk]),
            fields={"decision": "approve", "reasons": request.POST.get("reasons", "")},
        )
    if request.method == "POST":
        try:
            decision = review.parse_decision(
                request.POST.get("decision", ""), request.POST.get("reasons", "")
            )
            app = review.decide_review(item, decision, acting_staff=_staff(request))
        except RyokenError as refusal:
            error = staff_message(refusal)
        else:
            messages.success(
                request,
                gettext("%(number)s: %(state)sとしました。")
                % {"number": app.reception_number, "state": screens.state_label(app.state)},
            )
            return redirect("casework:queue")
    grant = review.work_grant(item)
    context = {
        "review": item,
        "grant": grant,
        "people": screens.sections(grant, screens.roles_in(item.application)),
        "watermark": screens.watermark(grant, _staff(request).staff_id),
        "error": error,
        "reasons": request.POST.get("reasons", ""),
        "online": getattr(item.application, "online_submission", None),
    } | _row(item.application)
    return render(request, "casework/review_case.html", context, status=400 if error else 200)


# --- QA (supervisor) ------------------------------------------------------------------------


@requires("qa.work")
def qa_list(request: HttpRequest) -> HttpResponse:
    """Today's sample (drawn on request) and the supervisor's open QA reviews."""
    error = ""
    if request.method == "POST":
        try:
            day = date.fromisoformat(request.POST.get("day", ""))
            sample = qa.draw_qa_sample(day, acting_staff=_staff(request))
        except ValueError:
            error = gettext("日付を正しく入力してください。")
        except RyokenError as refusal:
            error = staff_message(refusal)
        else:
            messages.success(
                request,
                gettext(
                    "%(year)s年%(month)s月%(day)s日の抽出：受理%(population)s件から"
                    "%(drawn)s件（抽出率%(rate)s%%）。"
                )
                % {
                    "year": f"{sample.day:%Y}",
                    "month": f"{sample.day:%m}",
                    "day": f"{sample.day:%d}",
                    "population": sample.population,
                    "drawn": sample.reviews.count(),
                    "rate": f"{sample.rate_percent:g}",
                },
            )
            return redirect("casework:qa")
    reviews = [{"review": r} | _row(r.application) for r in qa.qa_queue(_staff(request))]
    return render(
        request,
        "casework/qa_list.html",
        {
            "reviews": reviews,
            "today": clock.today().isoformat(),
            "rate": qa.qa_rate_percent(),
            "error": error,
        },
        status=400 if error else 200,
    )


@requires("qa.work")
def qa_case(request: HttpRequest, review_id: int) -> HttpResponse:
    try:
        item = qa.access_qa_review(_staff(request), review_id)
    except AccessDenied:
        raise Http404("no such QA review") from None
    error = ""
    if request.method == "POST":
        try:
            qa.mark_checked(item, request.POST.get("note", ""), acting_staff=_staff(request))
        except RyokenError as refusal:
            error = staff_message(refusal)
        else:
            messages.success(
                request,
                gettext("%(number)s: 確認済としました。")
                % {"number": item.application.reception_number},
            )
            return redirect("casework:qa")
    grant = review.work_grant(item)
    context = {
        "review": item,
        "grant": grant,
        "people": screens.sections(grant, screens.roles_in(item.application)),
        "watermark": screens.watermark(grant, _staff(request).staff_id),
        "error": error,
    } | _row(item.application)
    return render(request, "casework/qa_case.html", context, status=400 if error else 200)


@requires("review.work")
@require_POST
def release(request: HttpRequest, review_id: int) -> HttpResponse:
    """Leave a case without deciding: its grant ends now rather than at its timeout."""
    item = _access_review(request, review_id)
    review.close_work_grants(item, now=clock.now(), why="left without decision")
    return redirect("casework:queue")
