"""Print and copy jobs: print a document, list my jobs, print again (a new job), declare a copy.

A PDF leaves the server only after its job is in the ledger (`prints.do_print` commits first);
downloading again is a reprint: a new job, a new watermark id, a new reason.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from ryoken.errors import AccessDenied, RyokenError
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import requires
from ryoken.web.applications.screens import watermark_for
from ryoken.web.confirm import back_url, confirm_page, confirmed
from ryoken.web.counter.models import PrintJob
from ryoken.web.counter.prints import service as prints
from ryoken.web.counter.prints import text
from ryoken.web.counter.prints.forms import CopyForm, PrintForm, ReprintForm
from ryoken.web.i18n import staff_message
from ryoken.web.labels import DOCUMENT_LABELS_JA

MAX_LISTED = 100


def _pdf(job: PrintJob) -> HttpResponse:
    pdf = prints.render_pdf(job)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{job.document}-{job.watermark}.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Ryoken-Watermark"] = job.watermark
    return response


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "counter/prints_error.html",
        {"message": message, "watermark": watermark_for(request, None)},
        status=status,
    )


def _document(document: str) -> str:
    return gettext(DOCUMENT_LABELS_JA[document]) if document in DOCUMENT_LABELS_JA else document


@requires("counter.print")
def prints_view(request: HttpRequest) -> HttpResponse:
    """My print and copy jobs, newest first."""
    staff = request.staff  # type: ignore[attr-defined]
    jobs = list(
        PrintJob.objects.filter(staff=staff)
        .select_related("grant", "application")
        .order_by("-created_at", "-pk")[:MAX_LISTED]
    )
    open_ids = {g.pk for g in grants.open_grants_of(staff)}
    rows = [(job, _document(job.document), job.grant_id in open_ids) for job in jobs]
    return render(
        request,
        "counter/prints_list.html",
        {"rows": rows, "reprint_form": ReprintForm(), "watermark": watermark_for(request, None)},
    )


def _document_label(form: PrintForm, document: str) -> str:
    """The document's name in the reader's language, as the form's choice shows it."""
    choices = dict(getattr(form.fields["document"], "choices", ()))
    return str(choices.get(document, document))


@requires("counter.print")
@require_http_methods(["GET", "POST"])
def print_new_view(request: HttpRequest) -> HttpResponse:
    """Print a document of an application in the clerk's current work, with a reason."""
    staff = request.staff  # type: ignore[attr-defined]
    form = PrintForm(request.POST or None, initial=request.GET.dict())
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(
            request,
            "counter/prints_new.html",
            {"form": form, "watermark": watermark_for(request, None)},
            status=status,
        )
    try:
        grant = grants.access_grant(staff, form.cleaned_data["grant"])
    except AccessDenied:
        raise Http404 from None
    application = prints.application_in_work(grant, form.cleaned_data["application"])
    if application is None:
        raise Http404
    document = form.cleaned_data["document"]
    if not confirmed(request):
        try:
            text.check_printable(document, application)
        except RyokenError as error:
            form.add_error(None, staff_message(error))
            return render(
                request,
                "counter/prints_new.html",
                {"form": form, "watermark": watermark_for(request, grant)},
                status=400,
            )
        return confirm_page(
            request,
            title=gettext("印刷の確認"),
            lines=[
                gettext("%(number)s の「%(document)s」を印刷します。")
                % {
                    "number": application.reception_number,
                    "document": _document_label(form, document),
                },
                gettext("理由「%(reason)s」とともに記録され、各ページに透かしIDが入ります。")
                % {"reason": form.cleaned_data["reason"]},
            ],
            button=gettext("印刷する"),
            cancel=back_url(request, reverse("counter:work", args=[grant.grant_id])),
            fields={
                "grant": grant.grant_id,
                "application": str(form.cleaned_data["application"]),
                "document": document,
                "reason": form.cleaned_data["reason"],
            },
            extra={"watermark": watermark_for(request, grant)},
        )
    try:
        text.check_printable(document, application)
        job = prints.do_print(
            staff=staff,
            grant=grant,
            kind=PrintJob.Kind.PRINT,
            document=document,
            reason=form.cleaned_data["reason"],
            application=application,
        )
    except RyokenError as error:
        form.add_error(None, staff_message(error))
        return render(
            request,
            "counter/prints_new.html",
            {"form": form, "watermark": watermark_for(request, grant)},
            status=400,
        )
    return _pdf(job)


@requires("counter.print")
@require_POST
def reprint_view(request: HttpRequest, job_id: str) -> HttpResponse:
    """Print a job's document again: a new, recorded job (a printer jam, say)."""
    staff = request.staff  # type: ignore[attr-defined]
    job = PrintJob.objects.filter(job_id=job_id, staff=staff).select_related("grant").first()
    if job is None:
        raise Http404
    form = ReprintForm(request.POST)
    if not form.is_valid():
        return _refused(request, gettext("再印刷の理由を入力してください。"), 400)
    try:
        again = prints.reprint(staff=staff, job=job, reason=form.cleaned_data["reason"])
    except AccessDenied as error:
        return _refused(request, staff_message(error), 403)
    except RyokenError as error:
        return _refused(request, staff_message(error), 400)
    return _pdf(again)


def _grant_label(grant: Grant) -> str:
    ticket = grant.ticket.number if grant.ticket else "-"
    window = grant.window.code if grant.window else "-"
    return gettext("整理券 %(ticket)s（%(window)s・%(kind)s）") % {
        "ticket": ticket,
        "window": window,
        "kind": grant.get_kind_display(),
    }


@requires("counter.print")
@require_http_methods(["GET", "POST"])
def copy_view(request: HttpRequest) -> HttpResponse:
    """Declare a copier copy before making it; the next page gives the watermark id."""
    staff = request.staff  # type: ignore[attr-defined]
    mine = grants.open_grants_of(staff)
    form = CopyForm(
        request.POST or None, grant_choices=[(g.grant_id, _grant_label(g)) for g in mine]
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        grant = next(g for g in mine if g.grant_id == form.cleaned_data["grant"])
        try:
            job = prints.do_print(
                staff=staff,
                grant=grant,
                kind=PrintJob.Kind.COPY,
                document=form.cleaned_data["document"],
                reason=form.cleaned_data["reason"],
                subjects=grant.subjects.values_list("subject", flat=True),
                pages=form.cleaned_data["pages"],
            )
        except RyokenError as error:
            form.add_error(None, staff_message(error))
        else:
            return redirect("pickup:copy_done", job_id=job.job_id)
    if request.method == "POST":
        status = 400
    return render(
        request,
        "counter/prints_copy.html",
        {"form": form, "has_work": bool(mine), "watermark": watermark_for(request, None)},
        status=status,
    )


@requires("counter.print")
def copy_done_view(request: HttpRequest, job_id: str) -> HttpResponse:
    staff = request.staff  # type: ignore[attr-defined]
    job = (
        PrintJob.objects.filter(job_id=job_id, staff=staff, kind=PrintJob.Kind.COPY)
        .select_related("grant__window")
        .first()
    )
    if job is None:
        raise Http404
    return render(
        request,
        "counter/prints_copy_done.html",
        {
            "job": job,
            "document_ja": _document(job.document),
            "watermark": watermark_for(request, job.grant),
        },
    )
