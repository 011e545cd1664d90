"""Forms of the pickup, loss-report and print/copy screens, Japanese first (msgids)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from ryoken.errors import InvalidInput
from ryoken.web.accounts.models import Window
from ryoken.web.counter import loss, pickup
from ryoken.web.counter.prints import DOCUMENT_LABELS_JA, MAX_REASON, CopyDocument
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


class LossSearchForm(forms.Form):
    name_kana = forms.CharField(label=_("氏名（フリガナ）"), max_length=60, error_messages=REQUIRED)
    birth_date = forms.CharField(
        label=_("生年月日"), max_length=40, error_messages=REQUIRED, help_text=_("例：1990-01-02")
    )
    passport_number = forms.CharField(
        label=_("紛失した旅券の旅券番号（わかる場合・絞り込み用）"), max_length=20, required=False
    )

    def clean(self) -> dict[str, Any]:
        from ryoken.privacy import normalise

        data = super().clean() or {}
        if self.errors:
            return data
        try:
            normalise.name_kana(data["name_kana"])
            normalise.birth_date(data["birth_date"])
            if data.get("passport_number", "").strip():
                normalise.passport_number(data["passport_number"])
        except InvalidInput as error:
            raise forms.ValidationError(staff_message(error)) from None
        return data


class ChooseForm(forms.Form):
    candidate = forms.IntegerField(min_value=0, max_value=loss.MAX_CANDIDATES - 1)


class LossReportForm(forms.Form):
    police_report_number = forms.CharField(
        label=_("警察署の受理番号"), max_length=40, required=False
    )
    disaster_certificate = forms.BooleanField(
        label=_("罹災証明書（消防署発行）の提出あり"), required=False
    )
    photo = forms.FileField(
        label=_("写真（PNGまたはJPEG、5MB以下）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    lost_passport_number = forms.CharField(
        label=_("紛失した旅券の旅券番号（わかる場合）"), max_length=20, required=False
    )

    def clean(self) -> dict[str, Any]:
        from ryoken.privacy import normalise

        data = super().clean() or {}
        if self.errors:
            return data
        upload = data.get("photo")
        photo = None
        if upload:
            if upload.size > loss.MAX_PHOTO_BYTES:
                raise forms.ValidationError(gettext("写真のファイルは5MB以下にしてください。"))
            photo = upload.read()
        evidence = loss.LossEvidence(
            police_report_number=data.get("police_report_number", ""),
            disaster_certificate=bool(data.get("disaster_certificate")),
            photo=photo,
            lost_passport_number=data.get("lost_passport_number", ""),
        )
        try:
            loss.check_evidence(evidence)
            if evidence.lost_passport_number.strip():
                normalise.passport_number(evidence.lost_passport_number)
        except InvalidInput as error:
            raise forms.ValidationError(staff_message(error)) from None
        data["evidence"] = evidence
        return data
