"""Intake forms: the paper application, romaji and scans.

Every form says what is wrong in Japanese a clerk understands. Cleaning normalises what the
vault will store (katakana readings, NNN-NNNN postcodes, ISO dates), so the blind indexes
and the masks see one form of each value. Cross-field rules that need the passport rules
(validity by age, proxy submission, renewal grounds) are checked in `intake/service.py`,
because they use the domain core.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from ryoken import clock
from ryoken.domain import field_rules, hepburn
from ryoken.domain.applications import ApplicationKind, ProxyRelation, RecordChange
from ryoken.domain.fields import SubjectRole
from ryoken.errors import InvalidInput, InvalidKana
from ryoken.privacy import normalise
from ryoken.privacy.normalise import PREFECTURES
from ryoken.web.counter.intake.service import SCAN_DOCUMENTS, IntakeInput, PersonInput
from ryoken.web.i18n import staff_message

MAX_FAMILY_MEMBERS = 5
DEFAULT_MAX_SCAN_BYTES = 5 * 1024 * 1024  # settings.RYOKEN_MAX_SCAN_BYTES overrides


def max_scan_bytes() -> int:
    return int(getattr(settings, "RYOKEN_MAX_SCAN_BYTES", DEFAULT_MAX_SCAN_BYTES))


KIND_LABELS: dict[str, str | Promise] = {
    ApplicationKind.NEW: _("新規"),
    ApplicationKind.RENEWAL: _("切替"),
    ApplicationKind.RECORD_CHANGE: _("記載事項変更"),
    ApplicationKind.RECORD_CHANGE_SAME_EXPIRY: _("記載事項変更（残存有効期間同一旅券）"),
}
RECORD_CHANGE_LABELS: dict[str, str | Promise] = {
    RecordChange.NAME: _("氏名"),
    RecordChange.HONSEKI_PREFECTURE: _("本籍の都道府県"),
    RecordChange.SEX: _("性別"),
    RecordChange.BIRTH_DATE: _("生年月日"),
}
PROXY_LABELS: dict[str, str | Promise] = {
    ProxyRelation.SPOUSE: _("配偶者"),
    ProxyRelation.RELATIVE_WITHIN_TWO_DEGREES: _("二親等内の親族"),
    ProxyRelation.DESIGNATED: _("申請者が指定した方"),
}
SEX_CHOICES = [("M", _("男")), ("F", _("女"))]

_CONTROL = re.compile(r"[\x00-\x1f\x7f<>]")
_PASSPORT = field_rules.PASSPORT_NUMBER_RE


# --- field cleaners --------------------------------------------------------------------------


def clean_name_kanji(value: str, *, two_parts: bool) -> str:
    """A name as written in the 戸籍. No NFKC: it would fold compatibility ideographs."""
    text = " ".join(value.replace("\u3000", " ").split())
    if not text:
        raise forms.ValidationError(gettext("氏名を入力してください。"))
    if _CONTROL.search(text):
        raise forms.ValidationError(gettext("氏名に使えない文字が含まれています。"))
    if two_parts and len(text.split(" ")) != 2:
        raise forms.ValidationError(
            gettext("氏と名の間に空白を1つ入れてください（例：山田 太郎）。")
        )
    return text


def clean_name_kana(value: str, *, two_parts: bool) -> str:
    """フリガナ in katakana (hiragana and half-width kana are converted), parts by spaces."""
    if not value.strip():
        raise forms.ValidationError(gettext("フリガナを入力してください。"))
    text = field_rules.normal_kana(value)
    if text is None:
        raise forms.ValidationError(
            gettext(
                "フリガナはカタカナで入力してください（氏と名の間は空白）。"
                "漢字・英数字・記号は使えません。"
            )
        )
    if two_parts and len(text.split(" ")) != 2:
        raise forms.ValidationError(gettext("フリガナの氏と名の間に空白を1つ入れてください。"))
    try:
        hepburn.to_passport_romaji(text)
    except InvalidKana as error:  # e.g. a small ッ with nothing after it
        raise forms.ValidationError(
            gettext("フリガナを確認してください：%(detail)s") % {"detail": staff_message(error)}
        ) from None
    return text


def clean_birth_date(value: date, *, today: date | None = None) -> date:
    today = today or clock.today()
    if value > today:
        raise forms.ValidationError(gettext("生年月日が未来の日付です。"))
    if value.year < 1900:
        raise forms.ValidationError(gettext("生年月日を確認してください。"))
    return value


def clean_postcode(value: str) -> str:
    text = field_rules.normal_postcode(value)
    if text is None:
        raise forms.ValidationError(
            gettext("郵便番号は7桁の数字で入力してください（例：170-0013）。")
        )
    return text


def clean_phone(value: str, *, mobile: bool = False) -> str:
    text = field_rules.normal_phone(value)
    if text is None:
        raise forms.ValidationError(
            gettext("電話番号は0から始まる10〜11桁の数字で入力してください。")
        )
    if mobile and not field_rules.is_mobile(text):
        raise forms.ValidationError(gettext("携帯電話番号は070・080・090から始まる11桁です。"))
    return text


def clean_text(value: str, what: str | Promise, *, max_length: int = 200) -> str:
    text = " ".join(value.replace("\u3000", " ").split())
    if not text:
        raise forms.ValidationError(gettext("%(what)sを入力してください。") % {"what": what})
    if _CONTROL.search(text) or len(text) > max_length:
        raise forms.ValidationError(gettext("%(what)sを確認してください。") % {"what": what})
    return text


class JapaneseDateField(forms.DateField):
    """A date typed as at the counter: 1990-04-01, 1990/4/1, 昭和60年4月1日, S60.4.1, R7.4.1.

    The parsing is the one the lookups use (`privacy.normalise.parse_date`, which the pickup
    screen already accepts), so every form of a date means the same day everywhere.
    """

    widget = forms.TextInput

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        try:
            return normalise.parse_date(str(value))
        except InvalidInput as error:
            raise forms.ValidationError(_date_refusal(error), code="invalid") from None


# The era names and the core's refusals of a date, for the catalog.
_ERA_NAMES = (
    gettext_noop("明治"),
    gettext_noop("大正"),
    gettext_noop("昭和"),
    gettext_noop("平成"),
    gettext_noop("令和"),
)
_DATE_REFUSALS = (
    gettext_noop("存在しない日付です。"),
    gettext_noop("明治5年以前の日付は変換できません。"),
)
_OUTSIDE_ERA = "の期間外の日付です。"


def _date_refusal(error: InvalidInput) -> str:
    """Why a typed date was refused, in the screen's language (never echoing the input)."""
    ja = error.message_ja
    if ja.endswith(_OUTSIDE_ERA):  # 昭和65年: the era ended before that year
        era = ja.removesuffix(_OUTSIDE_ERA)
        return gettext("%(era)sの期間外の日付です。") % {"era": gettext(era)}
    if ja in _DATE_REFUSALS:
        return staff_message(error)
    return gettext("日付は 1990-04-01、平成2年4月1日、H2.4.1 のように入力してください。")


DATE_HINT = _("例：1990-04-01、平成2年4月1日、H2.4.1")


def _date_field(label: str | Promise, *, required: bool = True) -> forms.DateField:
    return JapaneseDateField(
        label=label,
        required=required,
        widget=forms.TextInput(
            attrs={"placeholder": DATE_HINT, "autocomplete": "off", "class": "date"}
        ),
    )


class _FocusFirstOption:
    """A radio or checkbox group whose `autofocus` goes on its first input only."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)  # type: ignore[misc]
        if option["index"] != "0":
            option["attrs"].pop("autofocus", None)
        return option


class RadioSelect(_FocusFirstOption, forms.RadioSelect):
    pass


class CheckboxSelectMultiple(_FocusFirstOption, forms.CheckboxSelectMultiple):
    pass


# --- the paper application -------------------------------------------------------------------


# The 現在の旅券 section: only for a renewal or a record change.
CURRENT_PASSPORT_FIELDS = (
    "current_passport_number",
    "current_passport_issued",
    "current_passport_expiry",
    "record_changes",
    "visa_pages_full",
    "passport_damaged",
    "ic_chip_failed",
)


class ApplicationForm(forms.Form):
    """The applicant's part of 一般旅券発給申請書 and the application's own choices."""

    kind = forms.ChoiceField(
        label=_("申請の種類"),
        choices=list(KIND_LABELS.items()),
        widget=RadioSelect,  # radios, so CSS can hide the current passport on 新規
    )
    name_kanji = forms.CharField(label=_("氏名（漢字）"), max_length=60)
    name_kana = forms.CharField(label=_("フリガナ"), max_length=60)
    sex = forms.ChoiceField(label=_("性別"), choices=SEX_CHOICES, widget=RadioSelect)
    birth_date = _date_field(_("生年月日"))
    honseki_prefecture = forms.ChoiceField(
        label=_("本籍（都道府県）"),
        choices=[("", _("選択してください")), *((p, p) for p in PREFECTURES)],
    )
    honseki_rest = forms.CharField(label=_("本籍（市区町村以下）"), max_length=150)
    postcode = forms.CharField(label=_("郵便番号"), max_length=10)
    address = forms.CharField(label=_("住所"), max_length=200)
    phone = forms.CharField(label=_("電話番号"), max_length=20)
    mobile = forms.CharField(label=_("携帯電話番号"), max_length=20, required=False)
    email = forms.EmailField(
        label=_("メールアドレス"),
        required=False,
        max_length=200,
        error_messages={"invalid": _("メールアドレスの形式が正しくありません。")},
    )
    requested_validity = forms.TypedChoiceField(
        label=_("希望する有効期間"),
        choices=[("", "—"), ("5", _("5年")), ("10", _("10年"))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    criminal_record = forms.ChoiceField(
        label=_("刑罰等関係"),
        choices=[("no", _("いいえ")), ("yes", _("はい"))],
        widget=RadioSelect,
    )
    proxy = forms.BooleanField(label=_("代理提出"), required=False)
    proxy_relation = forms.ChoiceField(
        label=_("提出者と申請者の関係"),
        choices=[("", "—"), *PROXY_LABELS.items()],
        required=False,
    )
    # The current passport (renewal, record change): its number goes to the vault only.
    current_passport_number = forms.CharField(
        label=_("現在の旅券番号"), max_length=12, required=False
    )
    current_passport_issued = _date_field(_("現在の旅券の発行年月日"), required=False)
    current_passport_expiry = _date_field(_("現在の旅券の有効期間満了日"), required=False)
    record_changes = forms.MultipleChoiceField(
        label=_("記載事項の変更内容"),
        choices=list(RECORD_CHANGE_LABELS.items()),
        widget=CheckboxSelectMultiple,
        required=False,
    )
    visa_pages_full = forms.BooleanField(label=_("査証欄の余白がない"), required=False)
    passport_damaged = forms.BooleanField(label=_("旅券の著しい損傷"), required=False)
    ic_chip_failed = forms.BooleanField(label=_("ICチップの不具合"), required=False)

    def clean_name_kanji(self) -> str:
        return clean_name_kanji(self.cleaned_data["name_kanji"], two_parts=True)

    def clean_name_kana(self) -> str:
        return clean_name_kana(self.cleaned_data["name_kana"], two_parts=True)

    def clean_birth_date(self) -> date:
        return clean_birth_date(self.cleaned_data["birth_date"])

    def clean_honseki_rest(self) -> str:
        text = clean_text(self.cleaned_data["honseki_rest"], _("本籍"), max_length=150)
        if any(text.startswith(p) for p in PREFECTURES):
            raise forms.ValidationError(
                gettext("都道府県は左の欄で選び、ここには市区町村以下を入力してください。")
            )
        return text

    def clean_postcode(self) -> str:
        return clean_postcode(self.cleaned_data["postcode"])

    def clean_address(self) -> str:
        return clean_text(self.cleaned_data["address"], _("住所"))

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean_mobile(self) -> str:
        value = self.cleaned_data.get("mobile") or ""
        return clean_phone(value, mobile=True) if value.strip() else ""

    def clean_current_passport_number(self) -> str:
        raw = self.cleaned_data.get("current_passport_number") or ""
        text = unicodedata.normalize("NFKC", raw).strip().upper()
        if text and not _PASSPORT.fullmatch(text):
            raise forms.ValidationError(
                gettext("旅券番号は英字2文字と数字7桁です（例：TK1234567）。")
            )
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == ApplicationKind.NEW:
            # A new application has no current passport: the section is hidden, and whatever
            # was typed there before the kind was chosen is ignored rather than refused.
            for name in CURRENT_PASSPORT_FIELDS:
                self.errors.pop(name, None)
                data[name] = None
            data["record_changes"] = []
            for name in ("visa_pages_full", "passport_damaged", "ic_chip_failed"):
                data[name] = False
        if data.get("proxy") and not data.get("proxy_relation"):
            self.add_error(
                "proxy_relation", gettext("代理提出の場合は提出者との関係を選んでください。")
            )
        if kind == ApplicationKind.RECORD_CHANGE_SAME_EXPIRY:
            if data.get("requested_validity") is not None:
                self.add_error(
                    "requested_validity", gettext("残存有効期間同一旅券では有効期間を選びません。")
                )
        elif kind and data.get("requested_validity") is None and "requested_validity" in data:
            self.add_error(
                "requested_validity", gettext("希望する有効期間（5年・10年）を選んでください。")
            )
        if kind and kind != ApplicationKind.NEW:
            for name, what in (
                ("current_passport_number", _("現在の旅券番号")),
                ("current_passport_issued", _("現在の旅券の発行年月日")),
                ("current_passport_expiry", _("現在の旅券の有効期間満了日")),
            ):
                if name in data and not data.get(name):
                    self.add_error(
                        name,
                        gettext("%(kind)sの申請には%(what)sが必要です。")
                        % {"kind": KIND_LABELS[kind], "what": what},
                    )
        issued, expiry = data.get("current_passport_issued"), data.get("current_passport_expiry")
        if issued and expiry and expiry <= issued:
            self.add_error(
                "current_passport_expiry", gettext("満了日は発行年月日より後の日付です。")
            )
        if kind in (ApplicationKind.RECORD_CHANGE, ApplicationKind.RECORD_CHANGE_SAME_EXPIRY):
            if not data.get("record_changes"):
                self.add_error("record_changes", gettext("変更した記載事項を選んでください。"))
        elif data.get("record_changes"):
            self.add_error(
                "record_changes", gettext("記載事項の変更は「記載事項変更」で申請してください。")
            )
        return data


class _OptionalPersonForm(forms.Form):
    """A block of the form that may be left empty; once begun, every field is required."""

    block_label: str | Promise = ""

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.block_required = required
        for field in self.fields.values():
            field.required = False

    def is_blank(self) -> bool:
        if not self.is_bound:
            return True
        return not any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank():
            if self.block_required:
                raise forms.ValidationError(
                    gettext("%(what)sを入力してください。") % {"what": self.block_label}
                )
            return {}
        for name in self.fields:
            if name not in self.errors and not data.get(name):
                self.add_error(name, gettext("この項目を入力してください。"))
        return data

    def _clean_optional(self, name: str, cleaner: Any) -> Any:
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            return value
        return cleaner(value)


class EmergencyContactForm(_OptionalPersonForm):
    block_label = _("緊急連絡先")
    name_kanji = forms.CharField(label=_("氏名（漢字）"), max_length=60)
    name_kana = forms.CharField(label=_("フリガナ"), max_length=60)
    relation = forms.CharField(label=_("続柄"), max_length=20)
    postcode = forms.CharField(label=_("郵便番号"), max_length=10)
    address = forms.CharField(label=_("住所"), max_length=200)
    phone = forms.CharField(label=_("電話番号"), max_length=20)

    def clean_name_kanji(self) -> str:
        return self._clean_optional("name_kanji", lambda v: clean_name_kanji(v, two_parts=False))

    def clean_name_kana(self) -> str:
        return self._clean_optional("name_kana", lambda v: clean_name_kana(v, two_parts=False))

    def clean_relation(self) -> str:
        return self._clean_optional("relation", lambda v: clean_text(v, _("続柄"), max_length=20))

    def clean_postcode(self) -> str:
        return self._clean_optional("postcode", clean_postcode)

    def clean_address(self) -> str:
        return self._clean_optional("address", lambda v: clean_text(v, _("住所")))

    def clean_phone(self) -> str:
        return self._clean_optional("phone", clean_phone)


class RepresentativeForm(_OptionalPersonForm):
    """法定代理人: required when the applicant is a minor on the application date."""

    block_label = _("法定代理人（未成年の申請者）")
    name_kanji = forms.CharField(label=_("氏名（漢字）"), max_length=60)
    name_kana = forms.CharField(label=_("フリガナ"), max_length=60)
    relation = forms.CharField(label=_("続柄"), max_length=20)
    address = forms.CharField(label=_("住所"), max_length=200)
    phone = forms.CharField(label=_("電話番号"), max_length=20)

    clean_name_kanji = EmergencyContactForm.clean_name_kanji
    clean_name_kana = EmergencyContactForm.clean_name_kana
    clean_relation = EmergencyContactForm.clean_relation
    clean_address = EmergencyContactForm.clean_address
    clean_phone = EmergencyContactForm.clean_phone


class FamilyMemberForm(_OptionalPersonForm):
    """One family member named in the 戸籍謄本."""

    block_label = _("家族")
    name_kanji = forms.CharField(label=_("氏名（漢字）"), max_length=60)
    name_kana = forms.CharField(label=_("フリガナ"), max_length=60)
    relation = forms.CharField(label=_("続柄"), max_length=20)
    birth_date = _date_field(_("生年月日"), required=False)
    sex = forms.ChoiceField(label=_("性別"), choices=[("", "—"), *SEX_CHOICES], required=False)

    clean_name_kanji = EmergencyContactForm.clean_name_kanji
    clean_name_kana = EmergencyContactForm.clean_name_kana
    clean_relation = EmergencyContactForm.clean_relation

    def clean_birth_date(self) -> date | None:
        return self._clean_optional("birth_date", clean_birth_date)


FamilyFormSet = forms.formset_factory(
    FamilyMemberForm, extra=MAX_FAMILY_MEMBERS, max_num=MAX_FAMILY_MEMBERS, validate_max=True
)


# --- romaji ----------------------------------------------------------------------------------


class RomajiForm(forms.Form):
    """The clerk's choice: the suggestion, an alternative, or the spelling the form requests."""

    choice = forms.CharField(max_length=60, required=False)
    written = forms.CharField(label=_("申請書に記入された綴り"), max_length=60, required=False)
    documented = forms.BooleanField(label=_("外国式の綴りを示す書類を確認した"), required=False)
    confirmed = forms.BooleanField(label=_("申請者と綴りを確認した"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("choice") or data.get("written", "").strip()):
            raise forms.ValidationError(
                gettext("ローマ字の綴りを選ぶか、記入された綴りを入力してください。")
            )
        return data


# --- scans -----------------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)


def sniff(head: bytes) -> str | None:
    """The content type from the first bytes (magic numbers), or None if not accepted."""
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    return None


def _path_like(name: str) -> bool:
    return (
        not name
        or any(c in name for c in "/\\\x00")
        or name.startswith(".")
        or ".." in name
        or any(unicodedata.category(c).startswith("C") for c in name)
        or len(name) > 120
    )


class ScanForm(forms.Form):
    koseki = forms.FileField(label=_("戸籍謄本"), required=False)
    photo = forms.FileField(label=_("顔写真"), required=False)
    signature = forms.FileField(label=_("申請者の署名"), required=False)
    representative_signature = forms.FileField(label=_("法定代理人の署名"), required=False)

    def __init__(self, *args: Any, with_representative: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_representative:
            del self.fields["representative_signature"]
        self.contents: dict[str, tuple[bytes, str]] = {}

    def _check(self, name: str) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get(name)
        if upload is None:
            return None
        what = {"label": SCAN_DOCUMENTS[name][1]}
        limit = max_scan_bytes()
        if upload.size is None or upload.size > limit:
            raise forms.ValidationError(
                gettext("%(label)sのファイルが大きすぎます（上限 %(mb)s MB）。")
                % {**what, "mb": limit // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(gettext("%(label)sのファイルが空です。") % what)
        if _path_like(upload.name or ""):
            raise forms.ValidationError(gettext("%(label)sのファイル名が正しくありません。") % what)
        content = upload.read(limit + 1)
        if len(content) > limit:
            raise forms.ValidationError(gettext("%(label)sのファイルが大きすぎます。") % what)
        mime = sniff(content[:16])
        if mime is None:  # the name and the browser's content type are not trusted
            raise forms.ValidationError(
                gettext(
                    "%(label)sはPNG・JPEG・PDFの画像のみ受け付けます（ファイルの内容で判定します）。"
                )
                % what
            )
        self.contents[name] = (content, mime)
        return upload

    def clean_koseki(self) -> UploadedFile | None:
        return self._check("koseki")

    def clean_photo(self) -> UploadedFile | None:
        return self._check("photo")

    def clean_signature(self) -> UploadedFile | None:
        return self._check("signature")

    def clean_representative_signature(self) -> UploadedFile | None:
        return self._check("representative_signature")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.contents:
            raise forms.ValidationError(gettext("取り込むファイルを選んでください。"))
        return data


# --- review: reveal and accept ---------------------------------------------------------------


class RevealForm(forms.Form):
    subject = forms.CharField(max_length=40)
    field = forms.CharField(max_length=40)
    reason = forms.CharField(
        label=_("表示する理由"),
        max_length=300,
        error_messages={"required": _("表示する理由を入力してください。")},
    )

    def clean_reason(self) -> str:
        text = " ".join(self.cleaned_data["reason"].split())
        if len(text) < 4:
            raise forms.ValidationError(
                gettext("表示する理由を具体的に入力してください（4文字以上）。")
            )
        return text


class AcceptForm(forms.Form):
    """The clerk ticks each document of the checklist that was checked at the window."""

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in items:
            self.fields[f"item_{code}"] = forms.BooleanField(
                label=label,
                required=True,
                error_messages={
                    "required": gettext("「%(label)s」を確認してチェックしてください。")
                    % {"label": label}
                },
            )
        self.fields["identity_confirmed"] = forms.BooleanField(
            label=_("本人であること（人違いでないこと）を確認した"),
            required=True,
            error_messages={
                "required": gettext("本人確認（人違いでないこと）をチェックしてください。")
            },
        )

    def ticked(self) -> list[str]:
        return [name[5:] for name in self.fields if name.startswith("item_")]


# --- from the forms to the use case ----------------------------------------------------------


def _person(role: SubjectRole, data: dict[str, Any], names: tuple[str, ...]) -> PersonInput:
    values = {}
    for name in names:
        value = data.get(name)
        if value in (None, ""):
            continue
        values[name] = value.isoformat() if isinstance(value, date) else str(value)
    # The relation is always in the vault; like the demo's data, only a representative's and
    # an emergency contact's relation is also on the (plaintext) application-person row.
    column = "" if role is SubjectRole.FAMILY_MEMBER else str(data.get("relation", ""))
    return PersonInput(role, values, relation=column)


def intake_input(
    application: ApplicationForm,
    representative: RepresentativeForm,
    contact: EmergencyContactForm,
    family: Any,
) -> IntakeInput:
    """The cleaned forms as one `IntakeInput` (every form must be valid)."""
    d = application.cleaned_data
    values = {
        "name_kanji": d["name_kanji"],
        "name_kana": d["name_kana"],
        "sex": d["sex"],
        "birth_date": d["birth_date"].isoformat(),
        "honseki": d["honseki_prefecture"] + d["honseki_rest"],
        "postcode": d["postcode"],
        "address": d["address"],
        "phone": d["phone"],
        "criminal_answers": d["criminal_record"],
    }
    if d.get("mobile"):
        values["mobile"] = d["mobile"]
    if d.get("email"):
        values["email"] = d["email"]
    if d.get("current_passport_number"):
        issued = d.get("current_passport_issued")
        values["previous_passport"] = " ".join(
            [d["current_passport_number"], *([issued.isoformat()] if issued else [])]
        )
    others: list[PersonInput] = []
    for form in family.forms:
        if form.cleaned_data:
            others.append(
                _person(
                    SubjectRole.FAMILY_MEMBER,
                    form.cleaned_data,
                    ("name_kanji", "name_kana", "sex", "birth_date", "relation"),
                )
            )
    if representative.cleaned_data:
        others.append(
            _person(
                SubjectRole.LEGAL_REPRESENTATIVE,
                representative.cleaned_data,
                ("name_kanji", "name_kana", "relation", "address", "phone"),
            )
        )
    if contact.cleaned_data:
        others.append(
            _person(
                SubjectRole.EMERGENCY_CONTACT,
                contact.cleaned_data,
                ("name_kanji", "name_kana", "relation", "postcode", "address", "phone"),
            )
        )
    return IntakeInput(
        kind=ApplicationKind(d["kind"]),
        applicant=PersonInput(SubjectRole.APPLICANT, values),
        birth_date=d["birth_date"],
        criminal_record_yes=d["criminal_record"] == "yes",
        requested_validity=d.get("requested_validity"),
        proxy=ProxyRelation(d["proxy_relation"]) if d.get("proxy") else None,
        record_changes=frozenset(RecordChange(c) for c in d.get("record_changes") or ()),
        current_passport_issued=d.get("current_passport_issued"),
        current_passport_expiry=d.get("current_passport_expiry"),
        visa_pages_full=bool(d.get("visa_pages_full")),
        passport_damaged=bool(d.get("passport_damaged")),
        ic_chip_failed=bool(d.get("ic_chip_failed")),
        others=tuple(others),
    )
