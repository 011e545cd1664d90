"""Queue forms: the kiosk's ticket, the clerk's window, closing a ticket."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ryoken.domain.numbers import RECEPTION_NUMBER_RE
from ryoken.web.accounts.models import Window
from ryoken.web.counter.models import Ticket


class KioskForm(forms.Form):
    purpose = forms.ChoiceField(
        choices=Ticket.Purpose.choices,
        error_messages={"invalid_choice": _("ご用件を選んでください。")},
    )
    reception_number = forms.CharField(required=False, max_length=60)

    def clean_reception_number(self) -> str:
        raw = self.cleaned_data.get("reception_number") or ""
        text = unicodedata.normalize("NFKC", raw).strip().upper()
        if text and not RECEPTION_NUMBER_RE.fullmatch(text):  # office-date-sequence
            raise forms.ValidationError(
                gettext("受理番号は受理票に印字された英数字で入力してください。")
            )
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("purpose") == Ticket.Purpose.PICKUP and not data.get("reception_number"):
            self.add_error("reception_number", gettext("受理票の受理番号を入力してください。"))
        return data


class _WindowField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return gettext(obj.label)  # the seeded labels are in the catalog; others stay as typed


class WindowForm(forms.Form):
    window = _WindowField(
        queryset=Window.objects.filter(kind=Window.Kind.INTAKE).order_by("code"),
        to_field_name="code",
        label=_("担当窓口"),
        error_messages={"invalid_choice": _("窓口を選んでください。")},
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("done", _("対応終了")), ("no_show", _("不在"))])
