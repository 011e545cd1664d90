"""The one place that decides who may do what.

Views declare a capability with `@requires("capability")`. The decorator answers, in order:
logged in with a verified second factor? → a staff member? → in standing today (not frozen,
inside the contract period, the role's qualifications current)? → does the role hold the
capability? A refusal renders a page that says why (403), in the staff member's language;
an anonymous visitor is sent to the login page.

Objects are reached only through `access_*` helpers, which raise `Http404` for "missing"
and "forbidden" alike, so a stranger cannot probe which records exist.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_noop

from ryoken import clock
from ryoken.web.accounts.models import Qualification, Role, RoleRequirement, Staff
from ryoken.web.i18n import bilingual

R = Role
# capability → roles that hold it. Every view names exactly one capability.
CAPABILITIES: dict[str, frozenset[str]] = {
    "home": frozenset(R.values),
    "counter.serve": frozenset({R.COUNTER_CLERK, R.ISSUANCE_CLERK, R.SUPERVISOR}),
    "counter.intake": frozenset({R.COUNTER_CLERK, R.SUPERVISOR}),
    "counter.pickup": frozenset({R.ISSUANCE_CLERK, R.SUPERVISOR}),
    "counter.assist": frozenset({R.SUPERVISOR}),
    "desk.inquiry": frozenset({R.COUNTER_CLERK, R.ISSUANCE_CLERK, R.SUPERVISOR}),
    "counter.print": frozenset({R.COUNTER_CLERK, R.ISSUANCE_CLERK, R.REVIEWER, R.SUPERVISOR}),
    "review.work": frozenset({R.REVIEWER, R.SUPERVISOR}),
    "review.assign": frozenset({R.SUPERVISOR}),
    "qa.work": frozenset({R.SUPERVISOR}),
    "production.order": frozenset({R.SUPERVISOR}),
    "breakglass.open": frozenset({R.COUNTER_CLERK, R.ISSUANCE_CLERK, R.REVIEWER, R.SUPERVISOR}),
    "breakglass.review": frozenset({R.SUPERVISOR}),
    "watch.cases": frozenset({R.PRIVACY_OFFICER}),
    "watch.read": frozenset({R.PRIVACY_OFFICER, R.AUDITOR}),
    "incident.manage": frozenset({R.PRIVACY_OFFICER}),
    "ledger.read": frozenset({R.PRIVACY_OFFICER, R.AUDITOR, R.ADMINISTRATOR}),
    "staff.manage": frozenset({R.ADMINISTRATOR}),
}


@dataclass(frozen=True)
class Standing:
    ok: bool
    reasons_ja: tuple[str, ...] = ()
    reasons_en: tuple[str, ...] = ()
    # The same reasons in the language of the current request, for the refusal page.
    reasons: tuple[str, ...] = ()


def staff_of(user: Any) -> Staff | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        staff: Staff = user.staff
    except Staff.DoesNotExist:
        return None
    return staff


def _both(msgid: str, **params: str) -> tuple[str, str]:
    """The Japanese text (the msgid) and the same text in the active language."""
    return msgid % params, gettext(msgid) % params


def _day(day: date) -> dict[str, str]:
    return {"year": f"{day:%Y}", "month": f"{day:%m}", "day": f"{day:%d}"}


def standing(staff: Staff, today: date) -> Standing:
    """Whether `staff` may act today, with every reason they may not."""
    ja: list[str] = []
    en: list[str] = []
    shown: list[str] = []

    def refuse(texts: tuple[str, str], english: str) -> None:
        ja.append(texts[0])
        shown.append(texts[1])
        en.append(english)

    if staff.frozen:
        refuse(
            _both(gettext_noop("アクセスは停止されています（調査中）。")),
            "access is frozen (evidence hold)",
        )
    if today < staff.contract_start:
        refuse(
            _both(
                gettext_noop("契約期間は%(year)s年%(month)s月%(day)s日からです。"),
                **_day(staff.contract_start),
            ),
            f"contract starts {staff.contract_start}",
        )
    if staff.contract_end is not None and today > staff.contract_end:
        refuse(
            _both(
                gettext_noop("契約期間は%(year)s年%(month)s月%(day)s日に終了しました。"),
                **_day(staff.contract_end),
            ),
            f"contract ended {staff.contract_end}",
        )
    required = RoleRequirement.objects.filter(role=staff.role).select_related("kind")
    current = set(
        Qualification.objects.filter(
            staff=staff, obtained_on__lte=today, valid_until__gte=today
        ).values_list("kind_id", flat=True)
    )
    for requirement in required:
        if requirement.kind_id not in current:
            kind = requirement.kind
            msgid = gettext_noop("必要な資格「%(name)s」が未取得か期限切れです。")
            ja.append(msgid % {"name": kind.label_ja})
            shown.append(gettext(msgid) % {"name": bilingual(kind.label_ja, kind.label_en)})
            en.append(f"qualification '{kind.label_en}' missing or expired")
    return Standing(not ja, tuple(ja), tuple(en), tuple(shown))


def holds(staff: Staff, capability: str) -> bool:
    return staff.role in CAPABILITIES[capability]


def _refuse(
    request: HttpRequest, reasons: tuple[str, ...], *, may_go_home: bool = False
) -> HttpResponse:
    """The 403 page. Its way home only when home would not refuse too (a staff member in
    standing who lacks this one capability): a suspended user's page offers the logout."""
    return render(
        request,
        "accounts/denied.html",
        {"reasons": reasons, "may_go_home": may_go_home},
        status=403,
    )


def requires(
    capability: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: the request must come from staff in standing who hold `capability`."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.is_verified():  # type: ignore[union-attr]
                return redirect_to_login(request.get_full_path())
            staff = staff_of(user)
            if staff is None:
                return _refuse(request, (gettext("職員として登録されていません。"),))
            state = standing(staff, clock.today())
            if not state.ok:
                return _refuse(request, state.reasons)
            if not holds(staff, capability):
                return _refuse(
                    request,
                    (gettext("この画面を利用する権限がありません。"),),
                    may_go_home=holds(staff, "home"),
                )
            request.staff = staff  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorate
