"""The kiosk and the clerk's queue screen. No personal data on either.

The kiosk is the one page here without a login: a terminal in the waiting hall that prints
queue tickets. It shows nothing but ticket numbers, validates what it is given, and limits
how fast one terminal (address) may take tickets.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ryoken.errors import AccessDenied, RyokenError
from ryoken.web.access import grants
from ryoken.web.access.models import Grant
from ryoken.web.accounts.access import holds, requires
from ryoken.web.accounts.models import Window
from ryoken.web.confirm import back_url, confirm_page, confirmed
from ryoken.web.counter import windows
from ryoken.web.counter.intake import service as intake
from ryoken.web.counter.models import Ticket
from ryoken.web.counter.queue import service as queue
from ryoken.web.counter.queue.forms import CloseForm, KioskForm, WindowForm
from ryoken.web.i18n import staff_message

KIOSK_SESSION_KEY = "ryoken_kiosk_ticket"
RECEPTION_EXAMPLE = "13IKB-20261203-000123"  # the one format (domain.numbers), as on 受理票
DEFAULT_KIOSK_TICKETS_PER_MINUTE = 30  # settings.RYOKEN_KIOSK_TICKETS_PER_MINUTE overrides


def _kiosk_allows(request: HttpRequest) -> bool:
    """At most N tickets a minute per terminal address (a fixed one-minute window)."""
    limit = int(
        getattr(settings, "RYOKEN_KIOSK_TICKETS_PER_MINUTE", DEFAULT_KIOSK_TICKETS_PER_MINUTE)
    )
    key = "ryoken:kiosk:" + (request.META.get("REMOTE_ADDR") or "-")
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    return count <= limit


def _waiting(purpose: str, office: str = "TKY-IKB") -> int:
    return Ticket.objects.filter(
        status=Ticket.Status.WAITING, purpose=purpose, office=office
    ).count()


def kiosk(request: HttpRequest) -> HttpResponse:
    """整理券発券機: choose what you came for, take a numbered ticket."""
    form = KioskForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        if not _kiosk_allows(request):
            error = gettext("発券が混み合っています。しばらくしてからもう一度お試しください。")
            status = 429
        elif form.is_valid():
            try:
                ticket = queue.issue_ticket(
                    form.cleaned_data["purpose"],
                    reception_number=form.cleaned_data["reception_number"] or None,
                )
            except RyokenError as exc:
                error = staff_message(exc)
                status = 400
            else:
                request.session[KIOSK_SESSION_KEY] = ticket.pk
                return redirect("counter:kiosk_slip")
        else:
            status = 400
    return render(
        request,
        "counter/kiosk.html",
        {
            "form": form,
            "error": error,
            "purposes": Ticket.Purpose.choices,
            "reception_example": RECEPTION_EXAMPLE,
        },
        status=status,
    )


kiosk.public = True  # type: ignore[attr-defined]  # no login: the waiting-hall terminal


def kiosk_slip(request: HttpRequest) -> HttpResponse:
    """The ticket just issued, shown once (a reload goes back to the kiosk)."""
    pk = request.session.pop(KIOSK_SESSION_KEY, None)
    ticket = Ticket.objects.filter(pk=pk).first() if pk else None
    if ticket is None:
        return redirect("counter:kiosk")
    ahead = Ticket.objects.filter(
        status=Ticket.Status.WAITING,
        purpose=ticket.purpose,
        office=ticket.office,
        issued_at__lt=ticket.issued_at,
    ).count()
    return render(request, "counter/kiosk_slip.html", {"ticket": ticket, "ahead": ahead})


kiosk_slip.public = True  # type: ignore[attr-defined]


# --- the clerk's queue screen ----------------------------------------------------------------


def _current_grant(request: HttpRequest) -> Grant | None:
    """The clerk's open grant for an application ticket (pickup work has its own screen)."""
    for grant in grants.open_grants_of(request.staff):  # type: ignore[attr-defined]
        ticket = grant.ticket
        if grant.kind == Grant.Kind.COUNTER and ticket and ticket.purpose == "application":
            return grant
    return None


def _chosen_window(request: HttpRequest) -> Window | None:
    """The intake window this clerk last chose (kept across logins), if any."""
    return windows.current(request.staff, windows.Desk.INTAKE)  # type: ignore[attr-defined]


@requires("counter.serve")
def queue_view(request: HttpRequest) -> HttpResponse:
    """The window, how many are waiting, and the call button. Ticket numbers only."""
    window = _chosen_window(request)
    form = WindowForm(initial={"window": window.code if window else None})
    if window is None:  # the first thing to do: choose a window
        form.fields["window"].widget.attrs["autofocus"] = True
    return render(
        request,
        "counter/queue.html",
        {
            "form": form,
            "window": window,
            "waiting": _waiting(Ticket.Purpose.APPLICATION),
            "current": _current_grant(request),
            "may_intake": holds(request.staff, "counter.intake"),  # type: ignore[attr-defined]
        },
    )


@requires("counter.serve")
@require_POST
def choose_window(request: HttpRequest) -> HttpResponse:
    form = WindowForm(request.POST)
    if form.is_valid():
        windows.remember(
            request.staff,  # type: ignore[attr-defined]
            windows.Desk.INTAKE,
            form.cleaned_data["window"],
        )
    else:
        messages.error(request, gettext("窓口を選んでください。"))
    return redirect("counter:queue")


@requires("counter.serve")
@require_POST
def call_next(request: HttpRequest) -> HttpResponse:
    """「次の方を呼び出す」: the oldest waiting application ticket comes to this window."""
    staff = request.staff  # type: ignore[attr-defined]
    window = _chosen_window(request)
    if window is None:
        messages.error(request, gettext("先に担当窓口を選んでください。"))
        return redirect("counter:queue")
    if not holds(staff, "counter.intake"):
        messages.error(request, gettext("申請受付窓口で対応する権限がありません。"))
        return redirect("counter:queue")
    try:
        called = intake.do_call_next(staff, window)
    except RyokenError as exc:
        messages.error(request, staff_message(exc))
        return redirect("counter:queue")
    if called is None:
        messages.info(request, gettext("お待ちの方はいません。"))
        return redirect("counter:queue")
    ticket, grant = called
    messages.success(
        request,
        gettext("整理券 %(ticket)s の方を%(window)sへ呼び出しました。")
        % {"ticket": ticket.number, "window": gettext(window.label)},
    )
    return redirect("counter:work", grant_id=grant.grant_id)


@requires("counter.serve")
@require_POST
def close(request: HttpRequest, grant_id: str) -> HttpResponse:
    """「対応終了」 or 「不在」: the ticket closes, and with it the clerk's access."""
    staff = request.staff  # type: ignore[attr-defined]
    try:
        grant = grants.access_grant(staff, grant_id)
    except AccessDenied:
        raise Http404 from None
    form = CloseForm(request.POST)
    if grant.ticket is None or not form.is_valid():
        messages.error(request, gettext("操作を確認してください。"))
        return redirect("counter:queue")
    no_show = form.cleaned_data["outcome"] == "no_show"
    if not no_show and not confirmed(request):
        return confirm_page(
            request,
            title=gettext("対応終了の確認"),
            lines=[
                gettext("整理券 %(ticket)s の対応を終了します。") % {"ticket": grant.ticket.number},
                gettext("終了すると、この方の情報は表示できなくなります。"),
            ],
            button=gettext("対応終了"),
            cancel=back_url(request, reverse("counter:work", args=[grant.grant_id])),
            fields={"outcome": "done"},
        )
    intake.do_close(grant, staff=staff, no_show=no_show)
    done = (
        gettext("整理券 %(ticket)s の不在として終了しました。")
        if no_show
        else gettext("整理券 %(ticket)s の対応を終了しました。")
    )
    messages.success(request, done % {"ticket": grant.ticket.number})
    return redirect("counter:queue")
