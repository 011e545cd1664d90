"""The intake screens of one ticket: enter the form, romaji, scans, review, accept.

Every view reaches its objects through the clerk's own open grant (`intake_grant`): a
wrong, closed or someone else's grant is a 404, "missing" and "forbidden" alike. URLs carry
ids, never names. Every screen passes the watermark; every personal value on a screen came
through the vault gateway under the grant, so it is in the ledger.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from ryoken import clock
from ryoken.domain import hepburn
from ryoken.domain.applications import ApplicationState
from ryoken.domain.documents import Visit
from ryoken.domain.fields import FIELDS_BY_NAME, FIELDS_BY_ROLE, SubjectRole
from ryoken.errors import AccessDenied, InvalidKana, RyokenError
from ryoken.privacy.policy import Exposure, Step, exposure
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import requires
from ryoken.web.applications import screens as views_of
from ryoken.web.applications.fees import fee_quote
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.counter.intake import page as intake_page
from ryoken.web.counter.intake import service as intake
from ryoken.web.counter.intake.forms import (
    KIND_LABELS,
    AcceptForm,
    ApplicationForm,
    EmergencyContactForm,
    FamilyFormSet,
    RepresentativeForm,
    RevealForm,
    RomajiForm,
    ScanForm,
    intake_input,
    sniff,
)
from ryoken.web.counter.models import Ticket
from ryoken.web.i18n import bilingual, staff_message, state_label, yen

# Japanese, marked for the catalog; translated where shown.
ROLE_LABELS: dict[str, str] = {
    SubjectRole.APPLICANT: gettext_noop("申請者"),
    SubjectRole.FAMILY_MEMBER: gettext_noop("家族（戸籍謄本）"),
    SubjectRole.LEGAL_REPRESENTATIVE: gettext_noop("法定代理人"),
    SubjectRole.EMERGENCY_CONTACT: gettext_noop("緊急連絡先"),
}
ROLE_ORDER = list(ROLE_LABELS)
SEX_LABELS = {"M": gettext_noop("男"), "F": gettext_noop("女")}


# --- access ----------------------------------------------------------------------------------


def intake_grant(request: HttpRequest, grant_id: str) -> Grant:
    """The clerk's own open counter grant for an application ticket, or 404."""
    try:
        grant = grants.access_grant(request.staff, grant_id)  # type: ignore[attr-defined]
    except AccessDenied:
        raise Http404 from None
    ticket = grant.ticket
    if (
        grant.kind != Grant.Kind.COUNTER
        or ticket is None
        or ticket.purpose != Ticket.Purpose.APPLICATION
        or grant.step != Step.INTAKE
    ):
        raise Http404
    return grant


def intake_application(grant: Grant, app_id: int) -> Application:
    """An application attached to the grant's ticket, or 404."""
    assert grant.ticket is not None  # noqa: S101 - checked by intake_grant
    app = grant.ticket.applications.select_related("intake").filter(pk=app_id).first()
    if app is None:
        raise Http404
    return app


def screen_context(request: HttpRequest, grant: Grant, **extra: Any) -> dict[str, Any]:
    """What every intake screen passes its template: the grant, its ticket, the watermark."""
    now_text = clock.local_now().strftime("%Y-%m-%d %H:%M")
    staff_id = request.staff.staff_id  # type: ignore[attr-defined]
    return {
        "grant": grant,
        "ticket": grant.ticket,
        "watermark": views_of.watermark(grant, staff_id, now_text),
        **extra,
    }


def _state_label(app: Application) -> str:
    return state_label(app.state)


# --- the ticket's work screen ----------------------------------------------------------------


@requires("counter.intake")
def work(request: HttpRequest, grant_id: str) -> HttpResponse:
    """The applications of this visit (ids and states only) and what to do next."""
    grant = intake_grant(request, grant_id)
    assert grant.ticket is not None  # noqa: S101
    apps = [
        {
            "app": app,
            "kind": KIND_LABELS.get(app.kind, app.kind),
            "state": _state_label(app),
            "draft": app.state == ApplicationState.DRAFT,
        }
        for app in grant.ticket.applications.order_by("pk")
    ]
    return render(request, "counter/work.html", screen_context(request, grant, apps=apps))


# --- intake ----------------------------------------------------------------------------------


def _intake_forms(request: HttpRequest) -> tuple[Any, ...]:
    data = request.POST if request.method == "POST" else None
    return (
        ApplicationForm(data),
        RepresentativeForm(data, prefix="lr"),
        EmergencyContactForm(data, prefix="ec"),
        FamilyFormSet(data, prefix="fm"),
    )


@requires("counter.intake")
def intake_new(request: HttpRequest, grant_id: str) -> HttpResponse:
    """Enter a paper application. Invalid input re-renders with errors; nothing is written."""
    grant = intake_grant(request, grant_id)
    app_form, rep_form, contact_form, family = _intake_forms(request)
    error = ""
    if request.method == "POST":
        valid = all(f.is_valid() for f in (app_form, rep_form, contact_form, family))
        if valid:
            data = intake_input(app_form, rep_form, contact_form, family)
            problems = intake.rule_errors(data, clock.today())
            for name, message in problems.items():
                if name == "representative":
                    rep_form.add_error(None, message)
                else:
                    app_form.add_error(name if name in app_form.fields else None, message)
            if not problems:
                try:
                    app = intake.do_intake(
                        grant=grant,
                        staff=request.staff,  # type: ignore[attr-defined]
                        data=data,
                    )
                except RyokenError as exc:
                    error = staff_message(exc)
                else:
                    messages.success(
                        request, gettext("申請を登録しました。ローマ字氏名を確認してください。")
                    )
                    return redirect("counter:romaji", grant_id=grant.grant_id, app_id=app.pk)
        if not error:
            error = gettext("入力内容に誤りがあります。赤字の項目を確認してください。")
    forms = (app_form, rep_form, contact_form, family)
    intake_page.focus(*forms)  # autofocus: the first field, or the first in error
    return render(
        request,
        "counter/intake_form.html",
        screen_context(
            request,
            grant,
            form=app_form,
            representative=rep_form,
            contact=contact_form,
            family=family,
            family_rows=intake_page.family_rows(family),
            problems=intake_page.problems(*forms),
            error=error,
        ),
        status=400 if error else 200,
    )


# --- romaji ----------------------------------------------------------------------------------


def _names(grant: Grant, app: Application) -> tuple[str, str]:
    """The applicant's kanji and kana, read through the gateway under this grant."""
    rows = views_of.person_view(
        grant=grant,
        subject_id=app.applicant,
        fields=("name_kanji", "name_kana"),
        purpose=f"{Step.INTAKE}:romaji",
    )
    values = {r.name: r.value for r in rows}
    return str(values.get("name_kanji") or ""), str(values.get("name_kana") or "")


def split_reason(text: str) -> str:
    """The half of the core's "日本語 / English" for the staff member's language."""
    ja, _sep, en = text.partition(" / ")
    return bilingual(ja, en)


@requires("counter.intake")
def romaji(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """Suggest the passport spelling; the clerk confirms it, or a requested non-Hepburn one."""
    grant = intake_grant(request, grant_id)
    app = intake_application(grant, app_id)
    if app.state != ApplicationState.DRAFT:
        return redirect("counter:review", grant_id=grant.grant_id, app_id=app.pk)
    kanji, kana = _names(grant, app)
    try:
        result = hepburn.romanize(kana, kanji or None)
    except InvalidKana:
        messages.error(
            request,
            gettext("登録されたフリガナからローマ字を作れません。申請を確認してください。"),
        )
        return redirect("counter:work", grant_id=grant.grant_id)
    form = RomajiForm(request.POST or None, initial={"choice": result.spelling})
    error = ""
    if request.method == "POST" and form.is_valid():
        written = (form.cleaned_data["written"] or "").strip() or form.cleaned_data["choice"]
        verdict = hepburn.validate_spelling(
            kana, written, kanji or None, documented=form.cleaned_data["documented"]
        )
        if not verdict.accepted:
            error = bilingual(verdict.reason_ja, verdict.reason_en)
        elif not form.cleaned_data["confirmed"]:  # every spelling is read back to the applicant
            error = gettext(
                "綴りを申請者と確認し、「申請者と綴りを確認した」にチェックしてください。"
            )
        else:
            try:
                intake.do_confirm_romaji(
                    grant=grant,
                    staff=request.staff,  # type: ignore[attr-defined]
                    application=app,
                    spelling=verdict.written,
                    non_hepburn=verdict.non_hepburn,
                    rule=verdict.rule,
                )
            except RyokenError as exc:
                error = staff_message(exc)
            else:
                # No name in the message: messages may travel in a cookie.
                messages.success(request, gettext("ローマ字氏名を確認しました。"))
                return redirect("counter:scans", grant_id=grant.grant_id, app_id=app.pk)
    elif request.method == "POST":
        error = " ".join(str(e) for e in form.non_field_errors()) or gettext(
            "入力を確認してください。"
        )
    return render(
        request,
        "counter/romaji.html",
        screen_context(
            request,
            grant,
            app=app,
            kanji=kanji,
            kana=kana,
            result=result,
            reasons=[split_reason(r) for r in result.reasons],
            notes=[split_reason(n) for n in result.notes],
            form=form,
            error=error,
        ),
        status=400 if error else 200,
    )


# --- scans -----------------------------------------------------------------------------------


@requires("counter.intake")
def scans(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """Upload the 戸籍謄本, photo and signatures into the vault (PNG, JPEG or PDF)."""
    grant = intake_grant(request, grant_id)
    app = intake_application(grant, app_id)
    if app.state != ApplicationState.DRAFT:
        return redirect("counter:review", grant_id=grant.grant_id, app_id=app.pk)
    minor = app.intake.applicant_minor  # type: ignore[attr-defined]
    data = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = ScanForm(*data, with_representative=minor)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                stored = intake.do_store_scans(
                    grant=grant,
                    staff=request.staff,  # type: ignore[attr-defined]
                    application=app,
                    contents=form.contents,
                )
            except RyokenError as exc:
                error = staff_message(exc)
            else:
                labels = gettext("、").join(str(intake.SCAN_DOCUMENTS[n][1]) for n in stored)
                messages.success(
                    request, gettext("%(documents)sを取り込みました。") % {"documents": labels}
                )
                # do_store_scans updated the record through its own row: re-read it, or the
                # clerk is sent back here with every document already in.
                app.intake.refresh_from_db()  # type: ignore[attr-defined]
                if not intake.missing_scans(app):
                    return redirect("counter:review", grant_id=grant.grant_id, app_id=app.pk)
                return redirect("counter:scans", grant_id=grant.grant_id, app_id=app.pk)
        else:
            error = gettext("取り込めないファイルがあります。何も保存していません。")
    app.intake.refresh_from_db()  # type: ignore[attr-defined]
    done = app.intake.scanned_set()  # type: ignore[attr-defined]
    status_rows = [(intake.SCAN_DOCUMENTS[n][1], n in done) for n in intake.required_scans(app)]
    return render(
        request,
        "counter/scans.html",
        screen_context(request, grant, app=app, form=form, error=error, status_rows=status_rows),
        status=400 if error else 200,
    )


# --- review ----------------------------------------------------------------------------------


def display_value(name: str, value: str | bytes | None) -> dict[str, Any]:
    """One field's value as the review template shows it: text, or an image or PDF."""
    if value is None:
        return {"text": None}
    if isinstance(value, bytes):
        mime = sniff(value[:16]) or ("image/svg+xml" if value.lstrip().startswith(b"<svg") else "")
        if not mime:
            return {"text": gettext("（画像 %(kb)s KB）") % {"kb": len(value) // 1024}}
        uri = f"data:{mime};base64,{base64.b64encode(value).decode()}"
        return {"image": uri, "pdf": mime == "application/pdf"}
    if name == "sex":
        return {"text": gettext(SEX_LABELS[value]) if value in SEX_LABELS else value}
    return {"text": value}


def _people(grant: Grant, app: Application) -> list[dict[str, Any]]:
    """Each person of the application once, with the fields their roles hold at this step."""
    roles: dict[str, list[str]] = defaultdict(list)
    for person in ApplicationPerson.objects.filter(application=app).order_by("pk"):
        roles[person.subject].append(person.role)
    sections = []
    people: list[tuple[str, tuple[str, ...]]] = []
    for subject, held in roles.items():
        wanted: list[str] = []
        for role in held:
            wanted += [f for f in FIELDS_BY_ROLE[SubjectRole(role)] if f not in wanted]
        people.append((subject, tuple(f for f in FIELDS_BY_NAME if f in wanted)))
    # The whole screen in one access decision and one durable ledger commit.
    views = views_of.screen_views(grant=grant, people=people) if people else {}
    for subject, held in roles.items():
        rows = views[subject]
        first = min(held, key=ROLE_ORDER.index)
        sections.append(
            {
                "subject": subject,
                "order": ROLE_ORDER.index(first),
                "title": gettext("・").join(
                    gettext(ROLE_LABELS[r]) for r in sorted(held, key=ROLE_ORDER.index)
                ),
                "rows": [
                    {"name": r.name, "label": _field_label(r.name), "exposure": str(r.exposure)}
                    | display_value(r.name, r.value)
                    for r in rows
                ],
            }
        )
    return sorted(sections, key=lambda s: s["order"])


def _field_label(name: str) -> str:
    field = FIELDS_BY_NAME[name]
    return bilingual(field.label_ja, field.label_en)


def accept_items(app: Application) -> list[tuple[str, str]]:
    """The checklist items of the application visit, each to be ticked (with its note)."""
    items = []
    for i in intake.application_items(app):
        label, note = bilingual(i.label_ja, i.label_en), bilingual(i.note_ja, i.note_en)
        items.append(
            (
                str(i.item),
                gettext("%(item)s（%(note)s）") % {"item": label, "note": note} if note else label,
            )
        )
    return items


def fee_rows(quote: Any) -> list[tuple[str, str]]:
    """The fee quote's lines, labelled in the staff member's language."""
    return [(bilingual(line.label_ja, line.label_en), yen(line.amount)) for line in quote.lines]


def _review_context(
    request: HttpRequest, grant: Grant, app: Application, accept_form: AcceptForm | None = None
) -> dict[str, Any]:
    people = _people(grant, app)
    applicant = next((p for p in people if p["subject"] == app.applicant), None)
    birth = (
        next((r.get("text") for r in applicant["rows"] if r["name"] == "birth_date"), None)
        if applicant
        else None
    )
    fee = fee_error = None
    if birth:
        try:
            fee = fee_quote(app, date.fromisoformat(birth))
        except (ValueError, RyokenError) as exc:
            fee_error = (
                staff_message(exc)
                if isinstance(exc, RyokenError)
                else gettext("生年月日から手数料を計算できません。")
            )
    items = intake.checklist_of(app)
    if accept_form is None:
        accept_form = AcceptForm(items=accept_items(app))
    return screen_context(
        request,
        grant,
        app=app,
        kind=KIND_LABELS.get(app.kind, app.kind),
        state=_state_label(app),
        people=people,
        fee_rows=fee_rows(fee) if fee else None,
        fee_total=yen(fee.total) if fee else None,
        fee_error=fee_error,
        pickup_items=[_bilingual_item(i) for i in items if i.visit == Visit.PICKUP],
        accept_form=accept_form,
        missing=[intake.SCAN_DOCUMENTS[n][1] for n in intake.missing_scans(app)],
        draft=app.state == ApplicationState.DRAFT,
        reveal_form=RevealForm(),
    )


def _bilingual_item(item: Any) -> dict[str, str]:
    """A checklist item as the template reads it (`label_ja`, `note_ja`), in the language."""
    return {
        "label_ja": bilingual(item.label_ja, item.label_en),
        "note_ja": bilingual(item.note_ja, item.note_en),
    }


@requires("counter.intake")
def review(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """What was entered, as the intake step may see it; the checklist, the fee, 「受理」."""
    grant = intake_grant(request, grant_id)
    app = intake_application(grant, app_id)
    return render(request, "counter/review.html", _review_context(request, grant, app))


@requires("counter.intake")
@require_POST
def reveal(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """「表示」: one masked field in full, with a typed reason the ledger keeps."""
    grant = intake_grant(request, grant_id)
    app = intake_application(grant, app_id)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("counter:review", grant_id=grant.grant_id, app_id=app.pk)
    subject, field = form.cleaned_data["subject"], form.cleaned_data["field"]
    roles = ApplicationPerson.objects.filter(application=app, subject=subject).values_list(
        "role", flat=True
    )
    held = {f for role in roles for f in FIELDS_BY_ROLE[SubjectRole(role)]}
    if field not in held or exposure(grant.step, field) is not Exposure.MASKED:
        raise Http404
    try:
        value = views_of.reveal(
            grant=grant, subject_id=subject, field=field, reason=form.cleaned_data["reason"]
        )
    except RyokenError as exc:
        messages.error(request, staff_message(exc))
        return redirect("counter:review", grant_id=grant.grant_id, app_id=app.pk)
    return render(
        request,
        "counter/reveal.html",
        screen_context(
            request,
            grant,
            app=app,
            label=_field_label(field),
            value=value if isinstance(value, str) else gettext("（未登録）"),
        ),
    )


@requires("counter.intake")
@require_POST
def accept(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """「受理」: every checklist item ticked, scans and romaji done → reception number."""
    grant = intake_grant(request, grant_id)
    app = intake_application(grant, app_id)
    form = AcceptForm(request.POST, items=accept_items(app))
    error = ""
    if form.is_valid():
        try:
            intake.do_accept(
                grant=grant,
                staff=request.staff,  # type: ignore[attr-defined]
                application=app,
                ticked=form.ticked(),
            )
        except RyokenError as exc:
            error = staff_message(exc)
        else:
            return redirect("counter:receipt", grant_id=grant.grant_id, app_id=app.pk)
    else:
        error = gettext("受理の前に確認が必要な項目があります。")
    app.refresh_from_db()
    context = _review_context(request, grant, app, accept_form=form)
    context["error"] = error
    return render(request, "counter/review.html", context, status=400)


@requires("counter.intake")
def receipt(request: HttpRequest, grant_id: str, app_id: int) -> HttpResponse:
    """受理票: the reception number to hand over (the print itself is a print job)."""
    grant = intake_grant(request, grant_id)
    app = intake_application(grant, app_id)
    if not app.reception_number:
        return redirect("counter:review", grant_id=grant.grant_id, app_id=app.pk)
    return render(
        request,
        "counter/receipt.html",
        screen_context(
            request,
            grant,
            app=app,
            kind=KIND_LABELS.get(app.kind, app.kind),
            state=_state_label(app),
            print_url=_print_url(),
        ),
    )


def _print_url() -> str | None:
    """The print-job page (prints.do_print) of the pickup area, if that area is installed."""
    try:
        return reverse("pickup:print_new")
    except NoReverseMatch:
        return None
