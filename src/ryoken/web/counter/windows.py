"""Which window a clerk works at: the one they last chose, else the right one for their role.

The choice is kept per staff member and desk in the database (`WindowChoice`), not in the
session, so it survives logging out and in. Without a choice, the pickup/loss queue starts
on a window the role may serve: a pickup window for an issuance clerk or a supervisor, the
loss-report window only for a clerk who may not hand over passports. The application queue
has no default: two clerks must not both find themselves at 受付1番窓口.
"""

from __future__ import annotations

from ryoken.web.accounts.access import holds
from ryoken.web.accounts.models import Staff, Window
from ryoken.web.counter.models import WindowChoice

Desk = WindowChoice.Desk
_KINDS: dict[str, tuple[str, ...]] = {
    Desk.INTAKE: (Window.Kind.INTAKE,),
    Desk.PICKUP: (Window.Kind.PICKUP, Window.Kind.LOSS),
}


def remembered(staff: Staff, desk: str) -> Window | None:
    """The window `staff` last chose at `desk`, if it still exists and still belongs there."""
    choice = (
        WindowChoice.objects.select_related("window")
        .filter(staff=staff, desk=desk, window__kind__in=_KINDS[desk])
        .first()
    )
    return choice.window if choice else None


def remember(staff: Staff, desk: str, window: Window) -> None:
    if window.kind not in _KINDS[desk]:
        raise ValueError(f"window {window.code} is not a {desk} window")
    WindowChoice.objects.update_or_create(staff=staff, desk=desk, defaults={"window": window})


def role_default(staff: Staff, desk: str) -> Window | None:
    """The window a role starts at before choosing one (see the module docstring)."""
    if desk != Desk.PICKUP:
        return None
    kind = Window.Kind.PICKUP if holds(staff, "counter.pickup") else Window.Kind.LOSS
    return Window.objects.filter(kind=kind, office=staff.office).order_by("code").first()


def current(staff: Staff, desk: str) -> Window | None:
    """The window to preselect: the remembered one, else the role's default."""
    return remembered(staff, desk) or role_default(staff, desk)
