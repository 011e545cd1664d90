"""Forms of the pickup screens, Japanese first (msgids)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ryoken.errors import InvalidInput
from ryoken.web.accounts.models import Window
from ryoken.web.counter.pickup import service as pickup
from ryoken.web.i18n import staff_message

REQUIRED = {"required": _("入力してください。")}


def _windows() -> list[tuple[str, str]]:
    rows = Window.objects.filter(kind__in=[Window.Kind.PICKUP, Window.Kind.LOSS]).order_by("code")
    return [(w.code, f"{w.code} {gettext(w.label)}") for w in rows]


class CallForm(forms.Form):
    window = forms.ChoiceField(label=_("窓口"), choices=(), error_messages=REQUIRED)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["window"].choices = _windows()  # type: ignore[attr-defined]


class MatchForm(forms.Form):
    """What the clerk types from what the person presents. Values are never echoed back."""

    birth_date = forms.CharField(
        label=_("生年月日（提示された本人確認書類から）"),
        max_length=40,
        error_messages=REQUIRED,
        help_text=_("例：1990-01-02、平成2年1月2日"),
    )
    passport_number = forms.CharField(
        label=_("交付する旅券の旅券番号"), max_length=20, error_messages=REQUIRED
    )
    old_passport_number = forms.CharField(
        label=_("返納される旧旅券の旅券番号（ある場合）"), max_length=20, required=False
    )
    old_passport_issued = forms.CharField(
        label=_("旧旅券の発行年月日（ある場合）"), max_length=40, required=False
    )

    def __init__(self, *args: Any, returns_old_passport: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not returns_old_passport:  # a new application: there is no old passport to return
            del self.fields["old_passport_number"]
            del self.fields["old_passport_issued"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["presented"] = pickup.parse_presented(
                data["birth_date"],
                data["passport_number"],
                data.get("old_passport_number", ""),
                data.get("old_passport_issued", ""),
            )
        except InvalidInput as error:
            raise forms.ValidationError(staff_message(error)) from None
        return data


class IssueForm(forms.Form):
    fee_paid = forms.BooleanField(label=_("手数料を受領した"), required=False)
    old_passport_returned = forms.BooleanField(label=_("旧旅券の返納を受けた"), required=False)

    def __init__(self, *args: Any, returns_old_passport: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not returns_old_passport:  # 旧旅券の返納 is not offered on a new application
            del self.fields["old_passport_returned"]
