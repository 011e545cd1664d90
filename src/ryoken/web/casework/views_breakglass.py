"""Break-glass screens: open (purpose, reason, step-up), use until it expires, a supervisor's
co-signature for a contractor's staff (on the requester's screen, or from the supervisors'
queue), supervisors' review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.domain.fields import FIELDS_BY_NAME
from ryoken.errors import AccessDenied, InvalidInput, RyokenError
from ryoken.privacy.purposes import PURPOSE_FIELDS
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import requires, staff_of
from ryoken.web.accounts.models import Staff
from ryoken.web.accounts.views import failed_login_actor, step_up_required
from ryoken.web.applications import screens as exposure
from ryoken.web.casework import breakglass, screens
from ryoken.web.casework import breakglass_policy as bg_policy
from ryoken.web.i18n import bilingual, staff_message
from ryoken.web.ledger import store as ledger


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
    return _use_page(request, _own(request, grant_id))


def _use_page(request: HttpRequest, grant: Grant, error: str = "") -> HttpResponse:
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
            "error": error,
        },
        status=400 if error else 200,
    )


@requires("breakglass.open")
@require_POST
def countersign(request: HttpRequest, grant_id: str) -> HttpResponse:
    """A supervisor co-signs the request on the requester's screen: their own staff ID,
    password and code (checked like a login; a failure is ledgered like one). Nothing is
    shown before, and a clerk's credentials are refused."""
    grant = _own(request, grant_id)
    if not breakglass.awaiting_cosign(grant):
        return redirect("casework:breakglass_use", grant_id=grant.grant_id)
    username = request.POST.get("cosigner", "").strip()[:150]
    user = authenticate(request, username=username, password=request.POST.get("password", ""))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
    token = request.POST.get("token", "").strip()
    if device is None or not token.isdigit() or not device.verify_token(token):
        ledger.record(
            Event(
                code=EventCode.AUTH_LOGIN_FAILED,
                at=clock.now(),
                actor=failed_login_actor(username),
                purpose="authentication",
                terminal=request.META.get("REMOTE_ADDR"),
                details={"factor": "cosign", "grant": grant.grant_id},
            )
        )
        return _use_page(
            request,
            grant,
            gettext("監督者の職員ID、パスワードまたは確認コードが正しくありません。"),
        )
    cosigner = staff_of(user)
    try:
        if cosigner is None:
            raise AccessDenied(
                "not staff", message_ja=gettext("承認者は本庁の監督者でなければなりません。")
            )
        breakglass.cosign_breakglass(grant.grant_id, acting_staff=cosigner)
    except RyokenError as refusal:
        return _use_page(request, grant, staff_message(refusal))
    messages.success(request, gettext("監督者が承認しました。緊急アクセスを開始しました。"))
    return redirect("casework:breakglass_use", grant_id=grant.grant_id)


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
    for g in waiting:  # the purpose in words, never its code
        g.purpose_label = bg_policy.PURPOSE_LABELS.get(g.purpose, g.purpose)
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
