"""The staff directory and a staff member's timeline in words (the privacy office).

The directory lists every staff member with role, employer, the window they last worked
at, open cases and last activity, searchable by id or name and filterable by role. The
timeline (`story`) groups the ledger by task and puts every code into words, with filters,
paging and a CSV export (ledgered: it says what a staff member did and when).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, timedelta

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.web import labels
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import requires
from ryoken.web.accounts.models import Role, Staff
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry
from ryoken.web.watch import charts, story
from ryoken.web.watch.models import Case
from ryoken.web.watch.screens import ACTIVE

DIRECTORY_PAGE = 50
DEFAULT_DAYS = 14
MAX_DAYS = 366


class DirectoryForm(forms.Form):
    q = forms.CharField(label=_("職員IDまたは氏名"), max_length=100, required=False)
    role = forms.ChoiceField(
        label=_("役割"), required=False, choices=[("", _("すべて")), *Role.choices]
    )


@requires("watch.read")
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryForm(request.GET or None)
    staff = Staff.objects.select_related("employer").order_by("staff_id")
    if form.is_valid():
        text = form.cleaned_data["q"].strip()
        if text:
            staff = staff.filter(Q(staff_id__icontains=text) | Q(display_name__icontains=text))
        if form.cleaned_data["role"]:
            staff = staff.filter(role=form.cleaned_data["role"])
    page = Paginator(staff, DIRECTORY_PAGE).get_page(request.GET.get("page"))
    ids = [s.staff_id for s in page]
    open_cases = dict(
        Case.objects.filter(staff_id__in=ids, status__in=ACTIVE)
        .values("staff_id")
        .annotate(n=Count("pk"))
        .values_list("staff_id", "n")
    )
    rows = []
    for member in page:
        last = (
            Entry.objects.filter(actor=member.staff_id)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        grant = (
            Grant.objects.filter(staff=member, window__isnull=False)
            .select_related("window")
            .order_by("-opened_at")
            .first()
        )
        rows.append(
            {
                "member": member,
                "role": labels.staff_role(member.role),
                "employer": member.employer.name,
                "employer_kind": member.employer.get_kind_display(),
                "window": grant.window if grant else None,
                "open_cases": open_cases.get(member.staff_id, 0),
                "last": last,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "watch/staff_list.html",
        {"form": form, "rows": rows, "page": page, "query": query.urlencode()},
    )


class TimelineForm(forms.Form):
    start = forms.DateField(label=_("開始日"), required=False)
    end = forms.DateField(label=_("終了日"), required=False)
    kind = forms.ChoiceField(
        label=_("種類"),
        required=False,
        choices=[
            ("", _("すべて")),
            *((k, label) for k, (label, _codes) in story.KINDS.items()),
            ("other", _("その他")),
        ],
    )
    scope = forms.ChoiceField(
        label=_("業務の中か外か"),
        required=False,
        choices=[("", _("すべて")), *story.SCOPES.items()],
    )
    reception_number = forms.CharField(label=_("対象者（受理番号）"), max_length=40, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        end = data.get("end") or clock.today()
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("start", gettext("開始日は終了日以前にしてください。"))
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", gettext("期間は1年以内にしてください。"))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> story.Filters:
        data = self.cleaned_data
        return story.Filters(
            start=data["start"],
            end=data["end"],
            kind=data.get("kind") or "",
            scope=data.get("scope") or "",
            reception_number=data.get("reception_number") or "",
        )


def _actor(staff_id: str) -> Staff | None:
    member = Staff.objects.filter(staff_id=staff_id).first()
    if member is None and not Entry.objects.filter(actor=staff_id).exists():
        raise Http404("no such staff member")
    return member


def _form(request: HttpRequest) -> TimelineForm:
    return TimelineForm(request.GET or {"end": clock.today().isoformat()})


def _day_counts(found: story.Story, start: date, end: date) -> list[tuple[str, int]]:
    counts: dict[date, int] = {}
    for group in found.groups:
        for _seq, event in group.entries:
            day = timezone.localtime(event.at).date()
            counts[day] = counts.get(day, 0) + 1
    span = (end - start).days + 1
    return [
        (f"{start + timedelta(days=i):%Y-%m-%d}", counts.get(start + timedelta(days=i), 0))
        for i in range(span)
    ]


@requires("watch.read")
def timeline(request: HttpRequest, staff_id: str) -> HttpResponse:
    member = _actor(staff_id)
    form = _form(request)
    context: dict[str, object] = {"member": member, "actor": staff_id, "form": form}
    status = 200
    if form.is_valid():
        filters = form.filters()
        found = story.story(staff_id, filters)
        page = Paginator(found.groups, story.PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            found=found,
            page=page,
            filters=filters,
            query=query.urlencode(),
            entries=sum(len(g.entries) for g in found.groups),
            chart=charts.day_bars(
                _day_counts(found, filters.start, filters.end),
                title=gettext("1日ごとの記録件数"),
            ),
            role=labels.staff_role(member.role) if member else "",
            office=labels.office(member.office) if member else "",
            cases=Case.objects.filter(staff_id=staff_id).order_by("-pk")[:20],
        )
    else:
        status = 400
    response = render(request, "watch/timeline.html", context)
    response.status_code = status
    return response


@requires("watch.read")
def timeline_csv(request: HttpRequest, staff_id: str) -> HttpResponse:
    _actor(staff_id)
    form = _form(request)
    if not form.is_valid():
        return timeline(request, staff_id)
    found = story.story(staff_id, form.filters())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(h) for h in story.CSV_HEADER])
    writer.writerows(story.csv_rows(found))
    data = ("\ufeff" + out.getvalue()).encode("utf-8")
    officer: Staff = request.staff  # type: ignore[attr-defined]
    ledger.record(
        Event(
            code=EventCode.EXPORT_EVIDENCE,
            at=clock.now(),
            actor=officer.staff_id,
            purpose="watch",
            details={
                "what": "staff_timeline",
                "staff": staff_id,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    )
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", staff_id)
    response["Content-Disposition"] = f'attachment; filename="timeline-{safe}.csv"'
    response["Cache-Control"] = "no-store"
    return response
