"""Break-glass screens: open (purpose, reason, step-up), use until it expires, a supervisor's
co-signature for a contractor's staff, supervisors' review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ryoken import clock
from ryoken.domain.fields import FIELDS_BY_NAME
from ryoken.errors import AccessDenied, InvalidInput, RyokenError
from ryoken.privacy.purposes import PURPOSE_FIELDS
from ryoken.web.accounts.access import requires
from ryoken.web.accounts.models import Staff
from ryoken.web.accounts.views import step_up_required
from ryoken.web.casework import breakglass, screens
from ryoken.web.casework import breakglass_policy as bg_policy
from ryoken.web.counter import exposure, grants
from ryoken.web.counter.models import Grant
from ryoken.web.i18n import bilingual, staff_message


def _staff(request: HttpRequest) -> Staff:
    staff: Staff = request.staff  # type: ignore[attr-defined]
    return staff


@requires("breakglass.open")
@step_up_required
def open_view(request: HttpRequest) -> HttpResponse:
    error = ""
    keys = ("purpose", "reason", "reception_number", "passport_number", "name_kanji", "birth_date")
    form = {k: request.POST.get(k, "") for k in keys}
    purposes = [(p, bg_policy.PURPOSE_LABELS[p]) for p in bg_policy.purposes_for(_staff(request))]
    if request.method == "POST":
        target = breakglass.Target(
            reception_number=form["reception_number"],
            passport_number=form["passport_number"],
            name_kanji=form["name_kanji"],
            birth_date=form["birth_date"],
        )
        try:
            grant = breakglass.open_breakglass(
                staff=_staff(request),
                reason=form["reason"],
                target=target,
                purpose=form["purpose"],
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
            "purposes": purposes,
            "cosign": bg_policy.needs_cosign(_staff(request)),
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
    waiting = breakglass.awaiting_cosign(grant)
    return render(
        request,
        "casework/breakglass_use.html",
        {
            "grant": grant,
            "waiting": waiting,
            "purpose": bg_policy.PURPOSE_LABELS.get(grant.purpose, grant.purpose),
            "people": [] if waiting else _purpose_people(grant),
            "remaining": max(0, int((grant.expires_at - clock.now()).total_seconds() // 60)),
            "watermark": screens.watermark(grant, _staff(request).staff_id),
        },
    )


def _purpose_people(grant: Grant) -> list[dict[str, Any]]:
    """One card per person: only the fields the grant's purpose needs."""
    subjects = list(grant.subjects.values_list("subject", flat=True))
    known = breakglass.roles_of(subjects)
    wanted = PURPOSE_FIELDS.get(grant.purpose, frozenset())
    ordered = tuple(f for f in FIELDS_BY_NAME if f in wanted)
    people = []
    for subject in subjects:
        role, number = known.get(subject, ("applicant", ""))
        rows = exposure.person_view(grant=grant, subject_id=subject, fields=ordered)
        people.append(
            {
                "subject": subject,
                "title": gettext(screens.ROLE_LABELS.get(role, screens.ROLE_LABELS["applicant"])),
                "reception_number": number,
                "rows": [
                    {
                        "name": r.name,
                        "label": bilingual(r.label_ja, FIELDS_BY_NAME[r.name].label_en),
                        "exposure": str(r.exposure),
                    }
                    | screens.display(r.name, r.value)
                    for r in rows
                ],
            }
        )
    return people


@requires("breakglass.open")
@require_POST
def close(request: HttpRequest, grant_id: str) -> HttpResponse:
    breakglass.close_breakglass(_own(request, grant_id))
    messages.success(request, gettext("緊急アクセスを終了しました。"))
    return redirect("home")


@requires("breakglass.review")
def review_queue(request: HttpRequest) -> HttpResponse:
    uses = breakglass.review_queue(_staff(request))
    waiting = breakglass.cosign_queue(_staff(request))
    return render(
        request,
        "casework/breakglass_queue.html",
        {"uses": uses, "waiting": waiting, "labels": bg_policy.PURPOSE_LABELS},
    )


@requires("breakglass.review")
@step_up_required
@require_POST
def cosign(request: HttpRequest, grant_id: str) -> HttpResponse:
    """A supervisor co-signs a contractor's break-glass: from then on it shows its fields."""
    try:
        breakglass.cosign_breakglass(grant_id, acting_staff=_staff(request))
    except AccessDenied:
        raise Http404("nothing to co-sign") from None
    messages.success(request, gettext("緊急アクセスを承認しました。"))
    return redirect("casework:breakglass_queue")


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
