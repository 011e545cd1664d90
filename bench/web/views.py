"""Baseline pages for the HTTP load benchmark: the same screens, without the vault gateway.

`python -m bench load` measures each screen that discloses personal data next to this
copy of it, served by the same server in the same run: the same login, capability check,
grant lookup, queries, template and watermark, but placeholder values instead of
`gateway.disclose` (no access decision, no durable ledger write, no decryption). The
difference between the two is what the gateway costs a clerk.

These routes exist ONLY under `bench.web.settings` (ROOT_URLCONF = this module),
which refuses to load unless RYOKEN_BENCH_BASELINE=1. The production URL module
`ryoken.web.urls` never imports this module; tests/integration/test_bench_isolation.py
proves it has no bench routes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, include, path

from ryoken import clock
from ryoken.domain import hepburn
from ryoken.domain.applications import ApplicationState
from ryoken.domain.documents import Visit
from ryoken.domain.fields import FIELDS_BY_NAME, FIELDS_BY_ROLE, SubjectRole
from ryoken.errors import AccessDenied, RyokenError
from ryoken.privacy.policy import Exposure, Step, exposure
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import requires
from ryoken.web.applications.fees import fee_quote
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.applications.screens import FieldView, watermark_for
from ryoken.web.counter.intake import service as intake
from ryoken.web.counter.intake import views as real_intake
from ryoken.web.counter.intake.forms import KIND_LABELS, AcceptForm, RevealForm, RomajiForm
from ryoken.web.counter.pickup import service as pickup
from ryoken.web.counter.pickup import views as real_pickup
from ryoken.web.counter.pickup.forms import IssueForm, MatchForm
from ryoken.web.counter.prints.forms import PrintForm
from ryoken.web.counter.prints.text import KIND_LABELS_JA
from ryoken.web.i18n import state_label, yen
from ryoken.web.urls import urlpatterns as production_urlpatterns

PLACEHOLDER_TEXT = "＊＊＊＊"
PLACEHOLDER_KANJI = "山田 太郎"
PLACEHOLDER_KANA = "ヤマダ タロウ"
PLACEHOLDER_BIRTH = "1985-06-15"
# A real 2×2 grey PNG, the size of the bench's scans: stands in for every image field.
PLACEHOLDER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d494844520000000200000002080000000057dd52f80000000e49444154789c"
    "6368686068680000060602012cc150d70000000049454e44ae426082"
)
_BINARY = {"face_photo", "signature_image", "koseki_image", "document_image"}


def cost_headers(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: X-Bench-CPU-us (this request's thread CPU time, so the clerks' own CPU in
    the same machine is not counted) and X-Bench-Queries (database queries it ran)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        queries = 0

        def count(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        cpu = time.thread_time()
        with connection.execute_wrapper(count):
            response = get_response(request)
        response["X-Bench-CPU-us"] = str(round((time.thread_time() - cpu) * 1e6))
        response["X-Bench-Queries"] = str(queries)
        return response

    return middleware


def _placeholder(name: str, level: Exposure) -> str | bytes | None:
    if level is Exposure.MATCH_ONLY:
        return None
    if name in _BINARY:
        return PLACEHOLDER_PNG
    return PLACEHOLDER_TEXT


# --- intake: romaji and review ---------------------------------------------------------------


@requires("counter.intake")
def romaji(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """The romaji screen (GET) with a placeholder name instead of the gateway's."""
    grant = real_intake.intake_grant(request, grant_id)
    app = real_intake.intake_application(grant, app_id)
    result = hepburn.romanize(PLACEHOLDER_KANA, PLACEHOLDER_KANJI)
    form = RomajiForm(initial={"choice": result.spelling})
    return render(
        request,
        "counter/romaji.html",
        real_intake.screen_context(
            request,
            grant,
            app=app,
            kanji=PLACEHOLDER_KANJI,
            kana=PLACEHOLDER_KANA,
            result=result,
            reasons=[real_intake.split_reason(r) for r in result.reasons],
            notes=[real_intake.split_reason(n) for n in result.notes],
            form=form,
            error="",
        ),
    )


def _people(grant: Grant, app: Application) -> list[dict[str, Any]]:
    """The intake views' people sections with placeholders: same persons, fields, exposures."""
    roles: dict[str, list[str]] = defaultdict(list)
    for person in ApplicationPerson.objects.filter(application=app).order_by("pk"):
        roles[person.subject].append(person.role)
    step = Step(grant.step)
    order = real_intake.ROLE_ORDER
    sections = []
    for subject, held in roles.items():
        wanted: list[str] = []
        for role in held:
            wanted += [f for f in FIELDS_BY_ROLE[SubjectRole(role)] if f not in wanted]
        rows = []
        for name in (f for f in FIELDS_BY_NAME if f in wanted):
            level = exposure(step, name)
            if level is Exposure.HIDDEN:
                continue
            rows.append(
                {"name": name, "label": FIELDS_BY_NAME[name].label_ja, "exposure": str(level)}
                | real_intake.display_value(name, _placeholder(name, level))
            )
        first = min(held, key=order.index)
        sections.append(
            {
                "subject": subject,
                "order": order.index(first),
                "title": "・".join(
                    real_intake.ROLE_LABELS[r] for r in sorted(held, key=order.index)
                ),
                "rows": rows,
            }
        )
    return sorted(sections, key=lambda s: s["order"])


@requires("counter.intake")
def review(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """The review screen with placeholder values (as `counter.intake.views.review` builds it)."""
    grant = real_intake.intake_grant(request, grant_id)
    app = real_intake.intake_application(grant, app_id)
    fee = fee_error = None
    try:
        fee = fee_quote(app, date.fromisoformat(PLACEHOLDER_BIRTH))
    except RyokenError as exc:
        fee_error = exc.message_ja
    items = intake.checklist_of(app)
    context = real_intake.screen_context(
        request,
        grant,
        app=app,
        kind=KIND_LABELS.get(app.kind, app.kind),
        state=state_label(app.state),
        people=_people(grant, app),
        fee_rows=real_intake.fee_rows(fee) if fee else None,
        fee_total=yen(fee.total) if fee else None,
        fee_error=fee_error,
        pickup_items=[i for i in items if i.visit == Visit.PICKUP],
        accept_form=AcceptForm(items=real_intake.accept_items(app)),
        missing=[intake.SCAN_DOCUMENTS[n][1] for n in intake.missing_scans(app)],
        draft=app.state == ApplicationState.DRAFT,
        reveal_form=RevealForm(),
    )
    return render(request, "counter/review.html", context)


# --- pickup: the application screen and the photo -------------------------------------------


@requires("counter.pickup")
def pickup_application(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """`counter.pickup.views.application_view` with placeholder fields and the baseline photo."""
    grant, app = real_pickup.pickup_access(request, grant_id, app_id)
    step = Step(grant.step)
    fields = [
        FieldView(
            name,
            FIELDS_BY_NAME[name].label_ja,
            FIELDS_BY_NAME[name].label_en,
            exposure(step, name),
            _placeholder(name, exposure(step, name)),
        )
        for name in pickup.SCREEN_FIELDS
        if exposure(step, name) is not Exposure.HIDDEN
    ]
    checks = pickup.identity_checks(grant, app.applicant)
    fee, fee_error = real_pickup.visit_fee(request, grant, app)
    today = clock.today()
    context: dict[str, Any] = {
        "grant": grant,
        "app": app,
        "kind_ja": KIND_LABELS_JA.get(app.kind, app.kind),
        "fields": fields,
        "photo_url": f"/bench/baseline/photo/{grant.grant_id}/{app.applicant}/",
        "checks": pickup.match_rows(checks),
        "confirmed": pickup.identity_confirmed(checks),
        "fee": fee,
        "fee_error": fee_error,
        "lapse_refusal": pickup.lapse_refusal(app, today) if app.state == "ready" else "",
        "returns_old_passport": pickup.returns_old_passport(app),
        "match_form": MatchForm(),
        "issue_form": IssueForm(),
        "print_form": PrintForm(
            initial={"grant": grant.grant_id, "application": app.pk, "document": "pickup_record"}
        ),
        "watermark": watermark_for(request, grant),
    }
    return render(request, "counter/pickup_serve.html", context)


@requires("counter.serve")
def photo(request: HttpRequest, grant_id: str, subject_id: str) -> HttpResponse:
    """`counter.pickup.views.photo_view` streaming a placeholder instead of the vault's photo."""
    try:
        grant = grants.access_grant(request.staff, grant_id)  # type: ignore[attr-defined]
    except AccessDenied:
        raise Http404 from None
    if not grant.subjects.filter(subject=subject_id).exists():
        raise Http404
    response = HttpResponse(PLACEHOLDER_PNG, content_type="image/png")
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


_baseline = [
    path("intake/<str:grant_id>/<int:app_id>/romaji/", romaji, name="romaji"),
    path("intake/<str:grant_id>/<int:app_id>/review/", review, name="review"),
    path("pickup/<str:grant_id>/<int:app_id>/", pickup_application, name="pickup_application"),
    path("photo/<str:grant_id>/<str:subject_id>/", photo, name="photo"),
]

handler400 = "ryoken.web.views.bad_request"  # as in production (ryoken.web.urls)
handler500 = "ryoken.web.views.server_error"

urlpatterns: list[URLPattern | URLResolver] = [
    *production_urlpatterns,
    path("bench/baseline/", include((_baseline, "bench"))),
]
