"""Break-glass screens: open (reason + step-up), use until it expires, supervisors' review."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ryoken import clock
from ryoken.errors import AccessDenied, InvalidInput, RyokenError
from ryoken.web.accounts.access import requires
from ryoken.web.accounts.models import Staff
from ryoken.web.accounts.views import step_up_required
from ryoken.web.casework import breakglass, screens
from ryoken.web.counter import grants
from ryoken.web.counter.models import Grant
from ryoken.web.i18n import staff_message


def _staff(request: HttpRequest) -> Staff:
    staff: Staff = request.staff  # type: ignore[attr-defined]
    return staff


@requires("breakglass.open")
@step_up_required
def open_view(request: HttpRequest) -> HttpResponse:
    error = ""
    keys = ("reason", "reception_number", "passport_number", "name_kanji", "birth_date")
    form = {k: request.POST.get(k, "") for k in keys}
    if request.method == "POST":
        target = breakglass.Target(
            reception_number=form["reception_number"],
            passport_number=form["passport_number"],
            name_kanji=form["name_kanji"],
            birth_date=form["birth_date"],
        )
        try:
            grant = breakglass.open_breakglass(
                staff=_staff(request), reason=form["reason"], target=target
            )
        except RyokenError as refusal:
            error = staff_message(refusal)
        else:
            return redirect("casework:breakglass_use", grant_id=grant.grant_id)
    return render(
        request,
        "casework/breakglass_open.html",
        {
            "form": form,
            "error": error,
            "min_reason": breakglass.MIN_REASON,
            "minutes": grants.breakglass_minutes(),
        },
        status=400 if error else 200,
    )


def _own(request: HttpRequest, grant_id: str) -> Grant:
    try:
        return breakglass.access_breakglass(_staff(request), grant_id)
    except AccessDenied:
        raise Http404("no open break-glass grant") from None


@requires("breakglass.open")
def use(request: HttpRequest, grant_id: str) -> HttpResponse:
    grant = _own(request, grant_id)
    subjects = list(grant.subjects.values_list("subject", flat=True))
    known = breakglass.roles_of(subjects)
    people = screens.sections(grant, screens.subjects_roles(subjects, known))
    for person in people:
        person["reception_number"] = known.get(person["subject"], ("", ""))[1]
    return render(
        request,
        "casework/breakglass_use.html",
        {
            "grant": grant,
            "people": people,
            "remaining": max(0, int((grant.expires_at - clock.now()).total_seconds() // 60)),
            "watermark": screens.watermark(grant, _staff(request).staff_id),
        },
    )


@requires("breakglass.open")
@require_POST
def close(request: HttpRequest, grant_id: str) -> HttpResponse:
    breakglass.close_breakglass(_own(request, grant_id))
    messages.success(request, gettext("緊急アクセスを終了しました。"))
    return redirect("home")


@requires("breakglass.review")
def review_queue(request: HttpRequest) -> HttpResponse:
    uses = breakglass.review_queue(_staff(request))
    return render(request, "casework/breakglass_queue.html", {"uses": uses})


@requires("breakglass.review")
def review(request: HttpRequest, grant_id: str) -> HttpResponse:
    """One use: who, why, when, what the ledger says was done; the verdict form."""
    try:
        grant = breakglass.access_for_review(_staff(request), grant_id)
    except AccessDenied:
        raise Http404("no such break-glass use") from None
    error = ""
    if request.method == "POST":
        verdict = request.POST.get("verdict", "")
        try:
            if verdict not in ("justified", "not_justified"):
                raise InvalidInput(
                    "choose a verdict", message_ja=gettext("正当かどうかを選んでください。")
                )
            breakglass.review_breakglass(
                grant,
                justified=verdict == "justified",
                note=request.POST.get("note", ""),
                acting_staff=_staff(request),
            )
        except RyokenError as refusal:
            error = staff_message(refusal)
        else:
            messages.success(request, gettext("確認結果を記録しました。"))
            return redirect("casework:breakglass_queue")
    return render(
        request,
        "casework/breakglass_review.html",
        {
            "grant": grant,
            "uses": breakglass.uses_of(grant),
            "subjects": grant.subjects.count(),
            "error": error,
            "note": request.POST.get("note", ""),
        },
        status=400 if error else 200,
    )
