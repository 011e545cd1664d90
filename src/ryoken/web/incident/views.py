"""The privacy officer's incident screens: list and open, evidence hold, scoping with its
exports, leak attribution, the APPI documents, and "who saw my data" for a person.

Auditors read the list and each incident (`watch.read`); everything that acts or exports
is the privacy officer's (`incident.manage`), and the hold, the exports and the notices
(which read names and addresses) need a fresh step-up.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from ryoken import clock
from ryoken.errors import InvalidInput, RyokenError
from ryoken.incident import appi
from ryoken.incident.documents import to_json_bytes
from ryoken.incident.exposures import Period
from ryoken.web import labels
from ryoken.web.accounts.access import holds, requires
from ryoken.web.accounts.models import Staff
from ryoken.web.accounts.views import step_up_download, step_up_required
from ryoken.web.confirm import confirm_page, confirmed
from ryoken.web.i18n import bilingual, staff_message
from ryoken.web.incident import attribution, evidence, incidents, notification, reports, scoping
from ryoken.web.incident.models import Hold, Incident

MAX_LEAK_BYTES = 20 * 1024 * 1024


def _staff(request: HttpRequest) -> Staff:
    staff: Staff = request.staff  # type: ignore[attr-defined]
    return staff


def _incident(incident_id: int) -> Incident:
    found = Incident.objects.filter(pk=incident_id).first()
    if found is None:
        raise Http404("no such incident")
    return found


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time(), zone),
        datetime.combine(end + timedelta(days=1), time(), zone),
    )


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("件名"), max_length=200)
    staff = forms.CharField(label=_("対象職員ID（複数はカンマ区切り）"), max_length=200)
    start = forms.DateField(label=_("期間の開始日"))
    end = forms.DateField(label=_("期間の終了日"))
    learned_on = forms.DateField(label=_("事態を知った日"))
    unlawful_purpose = forms.BooleanField(
        label=_("不正の目的のおそれ（職員による持ち出し）"), required=False, initial=True
    )
    case = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _text(label: str | Promise, rows: int, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=reports.MAX_FACT_CHARS,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class FactsForm(forms.Form):
    """The report's items the privacy officer writes (see `reports.FACT_ITEMS`)."""

    summary = _text(_("① 概要（発生の経緯、事態を知った経緯）"), 4)
    cause = _text(_("④ 原因"), 3)
    secondary_harm = _text(_("⑤ 二次被害又はそのおそれの有無及びその内容"), 3)
    response_to_persons = _text(_("⑥ 本人への対応の実施状況"), 3)
    publication = _text(_("⑦ 公表の実施状況"), 2)
    recurrence_measures = _text(_("⑧ 再発防止のための措置（実施済みの措置と今後の予定）"), 4)
    other = _text(_("⑨ その他参考となる事項（通知にも記載）"), 2, required=False)
    notice_summary = _text(
        _("本人への通知の①概要（空欄の場合は報告書の①と同じ）"), 3, required=False
    )


class LeakForm(forms.Form):
    leaked = forms.FileField(label=_("流出リスト（CSV）"))
    start = forms.DateField(label=_("期間の開始日"))
    end = forms.DateField(label=_("期間の終了日"))


@requires("watch.read")
def incident_list(request: HttpRequest) -> HttpResponse:
    """The incidents, and the form to open one. `?case=N` (the link on a confirmed case)
    leads to the incident opened from that case, or starts the form from the case."""
    can_manage = holds(_staff(request), "incident.manage")
    initial: dict[str, object] = {"learned_on": clock.today()}
    from_case = None
    if "case" in request.GET:
        case_id = _case_id(request.GET["case"])
        opened = Incident.objects.filter(case_id=case_id).first() if case_id else None
        if opened is not None:
            return redirect("incident:detail", opened.pk)
        if can_manage:
            try:
                if case_id is None:
                    raise InvalidInput(
                        "not a case number",
                        message_ja=gettext_noop("事案番号が正しくありません。"),
                    )
                initial = incidents.draft_from_case(case_id, today=clock.today())
            except RyokenError as error:
                messages.error(request, staff_message(error))
            else:
                from_case = case_id
    return render(
        request,
        "incident/list.html",
        {
            "incidents": Incident.objects.all()[:200],
            "can_manage": can_manage,
            "form": IncidentForm(initial=initial),
            "from_case": from_case,
        },
    )


def _case_id(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value > 0 else None


@requires("incident.manage")
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        start, end = _bounds(data["start"], data["end"])
        try:
            incident = incidents.open_incident(
                title=data["title"],
                learned_on=data["learned_on"],
                suspects=data["staff"].split(","),
                start=start,
                end=end,
                officer=_staff(request),
                unlawful_purpose=data["unlawful_purpose"],
                case_id=data["case"],
            )
        except RyokenError as error:
            form.add_error(None, staff_message(error))
        else:
            return redirect("incident:detail", incident.pk)
    response = render(
        request,
        "incident/list.html",
        {
            "incidents": Incident.objects.all()[:200],
            "can_manage": True,
            "form": form,
            "from_case": form.cleaned_data.get("case") if form.is_valid() else None,
        },
    )
    response.status_code = 400
    return response


@requires("watch.read")
def detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    found = scoping.incident_scope(incident)
    today = max(clock.today(), incident.learned_on)
    decision = appi.assess_scope(
        found, learned_on=incident.learned_on, unlawful_purpose=incident.unlawful_purpose
    )
    # Per person: how many of their exposures no task explains (0: all within a task).
    outside = {s.subject: sum(e.outside for e in s.exposures) for s in found.subjects}
    return render(
        request,
        "incident/detail.html",
        {
            "incident": incident,
            "scope": found,
            "by_field_class": [
                (labels.field_class(k.value), v) for k, v in found.by_field_class.items()
            ],
            "by_field": [(labels.field(f), v) for f, v in found.by_field.items()],
            "by_role": [(labels.named_role(r), v) for r, v in found.by_role.items()],
            "by_channel": [(labels.channel(k.value), v) for k, v in found.by_channel.items()],
            "notice_rows": [
                {
                    "subject": n.subject,
                    "roles": bilingual("、", ", ").join(labels.named_role(r) for r in n.roles),
                    "status": n.status,
                    "outside": outside.get(n.subject, 0),
                }
                for n in notification.notice_accounting(found)
            ],
            "decision": decision,
            "reasons": [bilingual(r.text_ja, r.text_en) for r in decision.reasons],
            "deadlines": appi.deadlines(
                incident.learned_on, unlawful_purpose=incident.unlawful_purpose
            ),
            "reminders": [
                bilingual(r.message_ja, r.message_en)
                for r in appi.reminders(
                    incident.learned_on, today, unlawful_purpose=incident.unlawful_purpose
                )
            ],
            "within_persons": found.persons - found.persons_outside_task,
            "holds": incident.holds.all(),
            "can_manage": holds(_staff(request), "incident.manage"),
            "facts": _fact_rows(incident),
        },
    )


def _fact_rows(incident: Incident) -> list[dict[str, object]]:
    """The report's free-text items as the report will print them, marked if still draft."""
    current, written = reports.current_facts(incident), reports.written_facts(incident)
    labels = FactsForm.base_fields
    return [
        {"label": labels[name].label, "text": current[name], "written": name in written}
        for name in reports.FACT_NAMES
    ]


def purpose_label(code: str) -> str:
    """A ledger purpose code in the reader's language (see ryoken.web.labels)."""
    return labels.purpose(code)


def _field_label(name: str) -> str:
    return labels.field(name)


@requires("incident.manage")
def facts(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The privacy officer writes the report's free-text items (each change is ledgered)."""
    incident = _incident(incident_id)
    status = 200
    if request.method == "POST":
        form = FactsForm(request.POST)
        if form.is_valid():
            try:
                changed = reports.update_facts(
                    incident, dict(form.cleaned_data), officer=_staff(request)
                )
            except RyokenError as error:
                form.add_error(None, staff_message(error))
            else:
                if changed:
                    messages.success(request, _("報告書の記載事項を保存しました。"))
                else:
                    messages.info(request, _("変更はありませんでした。"))
                return redirect("incident:detail", incident.pk)
        status = 400
    else:
        form = FactsForm(initial=reports.current_facts(incident))
    response = render(
        request,
        "incident/facts.html",
        {
            "incident": incident,
            "form": form,
            "written": reports.written_facts(incident),
            "can_manage": True,
        },
    )
    response.status_code = status
    return response


@requires("incident.manage")
@step_up_required
def hold(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    if not confirmed(request):
        # Asked first (also when the step-up brings the browser back here with a GET): the
        # hold freezes colleagues' access, so it is placed by a second, explicit press.
        return confirm_page(
            request,
            title=_("証拠保全の確認"),
            lines=[
                _("次の職員のアクセスを直ちに停止します: %(staff)s")
                % {"staff": ", ".join(incident.suspects)},
                _("影響範囲の対象者のデータを保存期間経過後も保全します。"),
                _("署名付きの証拠パッケージを作成します。この操作は記録されます。"),
            ],
            button=_("証拠保全を実施"),
            cancel=reverse("incident:detail", args=[incident.pk]),
            danger=True,
        )
    try:
        result = evidence.place_hold(incident, officer=_staff(request))
    except RyokenError as error:
        messages.error(request, staff_message(error))
    else:
        messages.success(
            request,
            _("証拠保全を実施しました（対象者 %(n)d 名、記録 %(e)d 件）。")
            % {"n": result.subjects, "e": result.entries},
        )
    return redirect("incident:detail", incident.pk)


@requires("incident.manage")
@step_up_download
def bundle(request: HttpRequest, hold_id: int) -> HttpResponse:
    found = Hold.objects.filter(pk=hold_id).first()
    if found is None or not found.bundle:
        raise Http404("no such bundle")
    name = f"incident-{found.incident_id}-hold-{found.pk}-evidence.zip"
    return _download(bytes(found.bundle), name, "application/zip")


@requires("incident.manage")
@step_up_download
def export(request: HttpRequest, incident_id: int, fmt: str) -> HttpResponse:
    incident = _incident(incident_id)
    types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    if fmt not in types:
        raise Http404("no such format")
    data = scoping.export_scope(incident, fmt, officer=_staff(request))
    return _download(data, f"incident-{incident.pk}-scope.{fmt}", types[fmt])


@requires("incident.manage")
@step_up_download
def report(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    result = reports.report_of(incident, officer=_staff(request))
    return _download(result.pdf, f"incident-{incident.pk}-report.pdf", "application/pdf")


@requires("incident.manage")
@step_up_download
def report_json(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    result = reports.report_of(incident, officer=_staff(request))
    return _download(
        to_json_bytes(result.report), f"incident-{incident.pk}-report.json", "application/json"
    )


@requires("incident.manage")
@step_up_download
def notices(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    try:
        _, pdf = notification.notices_of(incident, officer=_staff(request))
    except RyokenError as error:
        messages.error(request, staff_message(error))
        return redirect("incident:detail", incident.pk)
    return _download(pdf, f"incident-{incident.pk}-notices.pdf", "application/pdf")


@requires("incident.manage")
def attribute_view(request: HttpRequest) -> HttpResponse:
    result = None
    status = 200
    if request.method == "POST":
        form = LeakForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["leaked"]
            start, end = _bounds(form.cleaned_data["start"], form.cleaned_data["end"])
            try:
                if upload.size > MAX_LEAK_BYTES:
                    raise InvalidInput(
                        "the list is too large", message_ja="ファイルが大きすぎます。"
                    )
                result = attribution.attribute_leak(
                    upload.read(), Period(start, end), officer=_staff(request)
                )
            except RyokenError as error:
                form.add_error(None, staff_message(error))
                status = 400
        else:
            status = 400
    else:
        today = clock.today()
        form = LeakForm(initial={"start": today - timedelta(days=365), "end": today})
    response = render(
        request,
        "incident/attribute.html",
        {
            "form": form,
            "result": result,
            "suspects": result.staff[:10] if result else [],
            "windows": result.windows[:5] if result else [],
        },
    )
    response.status_code = status
    return response
