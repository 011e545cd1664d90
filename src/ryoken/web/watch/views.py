"""The privacy office screens: case queue, case and triage, a staff member's timeline and
exposure against peers, canary registry, watchlist and the fairness panel.

Cases are read by the privacy officer and the auditor (`watch.read`); only the privacy
officer triages and manages canaries and the watchlist (`watch.cases`).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ryoken import clock
from ryoken.detect.cases import GROUP_DIMENSIONS
from ryoken.errors import RyokenError
from ryoken.web.accounts.access import holds, requires
from ryoken.web.accounts.models import Staff, Window
from ryoken.web.i18n import bilingual, staff_message
from ryoken.web.vault.models import Subject
from ryoken.web.watch import charts, screens, service, triage
from ryoken.web.watch.models import Case, Watchlist, WatchState


def _staff(request: HttpRequest) -> Staff:
    staff: Staff = request.staff  # type: ignore[attr-defined]
    return staff


def _can_manage(request: HttpRequest) -> bool:
    return holds(_staff(request), "watch.cases")


def _case(case_id: int) -> Case:
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise Http404("no such case")
    return case


def _staff_member(staff_id: str) -> Staff:
    member = Staff.objects.filter(staff_id=staff_id).first()
    if member is None:
        raise Http404("no such staff member")
    return member


@requires("watch.read")
def queue(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    cases = list(screens.ranked_cases(show_all=show_all)[:500])
    rows = [
        {"case": c, "rank": i, "reasons": screens.reasons_of(c)} for i, c in enumerate(cases, 1)
    ]
    return render(
        request,
        "watch/queue.html",
        {
            "rows": rows,
            "show_all": show_all,
            "state": WatchState.load(),
            "can_manage": _can_manage(request),
        },
    )


def _render_case(
    request: HttpRequest, case: Case, *, error: str = "", reason: str = "", status: int = 200
) -> HttpResponse:
    detectors = [
        {
            **d,
            "reason": bilingual(d["reason_ja"], d.get("reason_en", "")),
            "first": datetime.fromisoformat(d["first_at"]),
            "last": datetime.fromisoformat(d["last_at"]),
        }
        for d in case.evidence.get("detectors", [])
    ]
    return render(
        request,
        "watch/case.html",
        {
            "case": case,
            "detectors": detectors,
            "events": screens.events_at(case.seqs),
            "notes": list(case.notes.all()),
            "next_states": [
                (s, Case.Status(s).label) for s in sorted(triage.TRANSITIONS[case.status])
            ],
            "can_manage": _can_manage(request),
            "error": error,
            "reason": reason,
            "min_reason": triage.MIN_DISMISS_REASON,
        },
        status=status,
    )


@requires("watch.read")
def case_view(request: HttpRequest, case_id: int) -> HttpResponse:
    return _render_case(request, _case(case_id))


@requires("watch.cases")
@require_POST
def triage_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    reason = request.POST.get("reason", "")
    try:
        triage.transition_case(
            case.pk, request.POST.get("to", ""), acting_staff=_staff(request), reason=reason
        )
    except RyokenError as refusal:
        case.refresh_from_db()
        return _render_case(request, case, error=staff_message(refusal), reason=reason, status=400)
    messages.success(request, gettext("事案の状態を変更しました。"))
    return redirect("watch:case", case_id=case.pk)


@requires("watch.cases")
@require_POST
def note_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(case_id)
    try:
        triage.add_note(case.pk, acting_staff=_staff(request), text=request.POST.get("text", ""))
    except RyokenError as refusal:
        return _render_case(request, case, error=staff_message(refusal), status=400)
    messages.success(request, gettext("メモを追加しました。"))
    return redirect("watch:case", case_id=case.pk)


# A staff member's timeline and the staff directory: views_staff.py.


@requires("watch.read")
def exposure(request: HttpRequest, staff_id: str) -> HttpResponse:
    member = _staff_member(staff_id)
    figures = screens.exposure_of(member)
    chart = None
    rows = []
    if figures is not None:
        labels = [str(screens.METRIC_LABELS[m]) for m in service.EXPOSURE_METRICS]
        chart = charts.grouped_bars(
            labels,
            [
                (member.staff_id, [figures.mine[m] for m in service.EXPOSURE_METRICS]),
                (
                    gettext("同じ役割の同僚の中央値"),
                    [figures.peers[m] for m in service.EXPOSURE_METRICS],
                ),
            ],
            title=gettext("対応した人（申請者と書類上の家族等）1人当たりの件数"),
        )
        rows = [
            (label, figures.mine[m], figures.peers[m])
            for label, m in zip(labels, service.EXPOSURE_METRICS, strict=True)
        ]
    return render(
        request,
        "watch/exposure.html",
        {
            "member": member,
            "figures": figures,
            "chart": chart,
            "rows": rows,
            "state": WatchState.load(),
        },
    )


@requires("watch.cases")  # the registry is the privacy officer's alone (not the auditor's)
def canaries(request: HttpRequest) -> HttpResponse:
    return _render_canaries(request)


def _render_canaries(
    request: HttpRequest, *, error: str = "", form: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    ids = Subject.objects.filter(canary=True).values_list("id", flat=True)
    return render(
        request,
        "watch/canaries.html",
        {
            "canaries": screens.canaries(ids),
            "can_manage": _can_manage(request),
            "windows": Window.objects.order_by("code"),
            "error": error,
            "form": form or {},
        },
        status=status,
    )


@requires("watch.cases")
@require_POST
def canary_place(request: HttpRequest) -> HttpResponse:
    form = {k: request.POST.get(k, "") for k in ("subject", "window", "staff_id", "note")}
    try:
        triage.place_canary(
            form["subject"],
            window=form["window"],
            staff_id=form["staff_id"],
            note=form["note"],
            acting_staff=_staff(request),
        )
    except RyokenError as refusal:
        return _render_canaries(request, error=staff_message(refusal), form=form, status=400)
    messages.success(request, gettext("カナリアの配置を記録しました。"))
    return redirect("watch:canaries")


@requires("watch.cases")
def watchlist(request: HttpRequest) -> HttpResponse:
    error = ""
    form = {k: request.POST.get(k, "") for k in ("subject", "reason")}
    if request.method == "POST":
        try:
            triage.add_to_watchlist(
                form["subject"], reason=form["reason"], acting_staff=_staff(request)
            )
        except RyokenError as refusal:
            error = staff_message(refusal)
        else:
            messages.success(request, gettext("要注意リストに登録しました。"))
            return redirect("watch:watchlist")
    return render(
        request,
        "watch/watchlist.html",
        {
            "entries": Watchlist.objects.order_by("-added_at", "-pk"),
            "error": error,
            "form": form,
        },
        status=400 if error else 200,
    )


@requires("watch.cases")
@require_POST
def watchlist_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    if not Watchlist.objects.filter(pk=entry_id).exists():
        raise Http404("no such entry")
    triage.remove_from_watchlist(entry_id, acting_staff=request.staff)  # type: ignore[attr-defined]
    messages.success(request, gettext("要注意リストから外しました。"))
    return redirect("watch:watchlist")


@requires("watch.read")
def fairness(request: HttpRequest) -> HttpResponse:
    rows = screens.group_rates()
    dimensions = []
    for dim in GROUP_DIMENSIONS:
        mine = [r for r in rows if r["dimension"] == dim]
        if not mine:
            continue
        chart = charts.grouped_bars(
            [str(r["group_label"]) for r in mine],
            [(gettext("1,000職員日当たりの警告"), [r["alerts_per_1000_staff_days"] for r in mine])],
            title=str(screens.GROUP_LABELS[dim]),
            height=240,
        )
        dimensions.append({"label": screens.GROUP_LABELS[dim], "rows": mine, "chart": chart})
    return render(
        request,
        "watch/fairness.html",
        {"dimensions": dimensions, "state": WatchState.load()},
    )


@requires("watch.cases")
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    result = service.run_detection(clock.now())
    messages.success(
        request,
        gettext(
            "検知を実行しました：新しい事案 %(new)d件、更新 %(updated)d件、再開 %(reopened)d件。"
        )
        % {
            "new": len(result.created),
            "updated": len(result.updated),
            "reopened": len(result.reopened),
        },
    )
    return redirect("watch:queue")
