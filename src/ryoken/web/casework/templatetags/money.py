"""`{% load money %}` then `{{ amount|yen }}`: the one money format in templates (i18n.yen)."""

from __future__ import annotations

from django import template

from ryoken.web.i18n import yen as _yen

register = template.Library()


@register.filter
def yen(amount: int | str | None) -> str:
    """16,300円 (¥16,300 in English); an empty string when there is no amount."""
    if amount is None or amount == "":
        return ""
    return _yen(int(amount))
