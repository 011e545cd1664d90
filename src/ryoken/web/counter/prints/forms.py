"""Forms of the print and copy screens, Japanese first (msgids)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from ryoken.web.counter.pickup.forms import REQUIRED
from ryoken.web.counter.prints.service import MAX_REASON, CopyDocument
from ryoken.web.labels import DOCUMENT_LABELS_JA

# Formatted when shown, in the language of that request.
_reason_too_long = lazy(
    lambda: gettext("理由は%(max)s文字以内で入力してください。") % {"max": MAX_REASON}, str
)


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("理由"),
        max_length=MAX_REASON,
        error_messages={
            "required": _("印刷・複写の理由を入力してください。"),
            "max_length": _reason_too_long(),
        },
        widget=forms.TextInput(
            attrs={"placeholder": _("例：申請者への交付、紙詰まりによる再印刷")}
        ),
    )


class PrintForm(forms.Form):
    grant = forms.CharField(widget=forms.HiddenInput, max_length=40)
    application = forms.IntegerField(widget=forms.HiddenInput)
    document = forms.ChoiceField(
        label=_("書類"),
        choices=[("receipt", _("受理票")), ("pickup_record", _("交付記録"))],
        error_messages=REQUIRED,
    )
    reason = _reason_field()


class ReprintForm(forms.Form):
    reason = _reason_field()


class CopyForm(forms.Form):
    grant = forms.ChoiceField(
        label=_("業務（受付中の整理券）"), choices=(), error_messages=REQUIRED
    )
    document = forms.ChoiceField(
        label=_("複写する書類"),
        choices=[(d.value, gettext_lazy(DOCUMENT_LABELS_JA[d])) for d in CopyDocument],
        error_messages=REQUIRED,
    )
    pages = forms.IntegerField(
        label=_("枚数"),
        min_value=1,
        max_value=200,
        initial=1,
        error_messages={
            "required": _("枚数を入力してください。"),
            "min_value": _("枚数は1以上で入力してください。"),
            "max_value": _("枚数は200以下で入力してください。"),
            "invalid": _("枚数は数字で入力してください。"),
        },
    )
    reason = _reason_field()

    def __init__(self, *args: Any, grant_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grant"].choices = grant_choices  # type: ignore[attr-defined]
