"""Forms of the loss-report screens, Japanese first (msgids)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ryoken.errors import InvalidInput
from ryoken.web.counter.loss import service as loss
from ryoken.web.counter.pickup.forms import REQUIRED
from ryoken.web.i18n import staff_message


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
