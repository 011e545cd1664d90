"""The "who saw my data" screen, its printable answer (PDF) and the rows' inclusion proofs.

The officer names the person as they would at the desk (see `whosaw`). A name that finds
nobody says so — never "no records", which would be false for a person we do not know.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ryoken import clock
from ryoken.audit.events import Event, EventCode
from ryoken.errors import RyokenError
from ryoken.web import labels
from ryoken.web.accounts.access import requires
from ryoken.web.accounts.models import Staff
from ryoken.web.documents.pdf import render as render_pdf
from ryoken.web.i18n import bilingual, staff_message
from ryoken.web.incident import whosaw
from ryoken.web.ledger import store as ledger


class WhoSawForm(forms.Form):
    reception_number = forms.CharField(label=_("受理番号"), max_length=40, required=False)
    passport_number = forms.CharField(label=_("旅券番号"), max_length=20, required=False)
    name_kanji = forms.CharField(label=_("氏名（漢字）"), max_length=100, required=False)
    birth_date = forms.CharField(
        label=_("生年月日"),
        max_length=30,
        required=False,
        help_text=_("例: 1975-01-02、昭和50年1月2日"),
    )

    def lookup(self) -> whosaw.Lookup:
        return whosaw.Lookup(**{k: str(v) for k, v in self.cleaned_data.items()})


@dataclass(frozen=True)
class Row:
    visit: whosaw.Visit
    when: str
    office: str
    role: str
    purpose: str
    fields: str
    seqs: str


def _rows(found: whosaw.Answer) -> list[Row]:
    out = []
    for v in found.visits:
        start = date_format(v.start, "Y-m-d H:i")
        when = start if v.end == v.start else f"{start}–{date_format(v.end, 'H:i')}"
        out.append(
            Row(
                visit=v,
                when=when,
                office=labels.office(v.office),
                role=labels.staff_role(v.role),
                purpose=labels.purpose(v.purpose),
                fields=labels.fields(v.fields),
                seqs=", ".join(str(s) for s in v.seqs),
            )
        )
    return out


def _staff(request: HttpRequest) -> Staff:
    staff: Staff = request.staff  # type: ignore[attr-defined]
    return staff


def _search(request: HttpRequest, form: WhoSawForm) -> tuple[str, list[str]] | None:
    """(state, subjects) for a valid form; errors go on the form."""
    try:
        found = whosaw.find_person(_staff(request), form.lookup())
    except RyokenError as error:
        form.add_error(None, staff_message(error))
        return None
    if not found:
        return "not_found", []
    if len(found) > 1:
        return "ambiguous", found
    return "found", found


@requires("incident.manage")
def who_saw(request: HttpRequest) -> HttpResponse:
    form = WhoSawForm(request.GET or None)
    context: dict[str, object] = {"form": form, "state": None}
    status = 200
    if form.is_valid():
        searched = _search(request, form)
        if searched is None:
            status = 400
        else:
            state, found = searched
            context["state"] = state
            context["matches"] = len(found)
            if state == "found":
                result = whosaw.answer(found[0])
                context["rows"] = _rows(result)
                context["outside"] = len(result.outside_visits)
                context["withheld"] = sum(result.withheld.values())
                context["query"] = request.GET.urlencode()
    response = render(request, "incident/who_saw.html", context)
    response.status_code = status
    return response


def _record_export(officer: Staff, subject: str, what: str, data: bytes) -> None:
    ledger.record(
        Event(
            code=EventCode.EXPORT_EVIDENCE,
            at=clock.now(),
            actor=officer.staff_id,
            subjects=(subject,),
            purpose=whosaw.PURPOSE,
            details={"what": what, "sha256": hashlib.sha256(data).hexdigest()},
        )
    )


def _the_one(request: HttpRequest) -> tuple[WhoSawForm, str | None]:
    form = WhoSawForm(request.GET or None)
    if not form.is_valid():
        return form, None
    searched = _search(request, form)
    if searched is None or searched[0] != "found":
        return form, None
    return form, searched[1][0]


def _query_lines(form: WhoSawForm) -> list[str]:
    """What the officer typed, echoed (never read from the vault)."""
    data = form.cleaned_data
    out = []
    for name in ("reception_number", "passport_number", "name_kanji", "birth_date"):
        value = str(data.get(name) or "").strip()
        if value:
            out.append(f"{form.fields[name].label}: {value}")
    return out


def answer_pages(form: WhoSawForm, found: whosaw.Answer) -> list[list[tuple[str, str]]]:
    """The printable answer as pages of blocks (see ryoken.web.documents.pdf)."""
    today = clock.today()
    rows = _rows(found)
    sep = bilingual("　", " / ")
    page: list[tuple[str, str]] = [
        ("right", date_format(today, "Y-m-d")),
        ("title", _g("あなたの個人情報の閲覧記録")),
        ("body", bilingual("、", ", ").join(_query_lines(form))),
        (
            "body",
            _g(
                "旅券事務所の職員等があなたの情報を閲覧した記録です。"
                "職員の氏名ではなく、担当と目的を記載しています。"
            ),
        ),
        ("heading", _g("閲覧の記録（%(n)s件）") % {"n": len(rows)}),
    ]
    if not rows:
        page.append(("body", _g("この方の情報を閲覧した記録はありません。")))
    for r in rows:
        during = _g("ご来庁時") if r.visit.during_visit else _g("ご来庁時以外")
        page.append(("body", sep.join((r.when, r.office, r.role))))
        page.append(
            ("indent", sep.join((f"{_g('目的')}: {r.purpose}", f"{_g('項目')}: {r.fields}")))
        )
        page.append(("indent", sep.join((during, f"{_g('記録番号')}: {r.seqs}"))))
    outside = [r for r in rows if r.visit.outside_visit]
    page.append(("heading", _g("ご来庁時以外の窓口職員による閲覧")))
    if outside:
        page.append(
            (
                "body",
                _g(
                    "次の閲覧は、あなたが窓口にいらっしゃらない時に窓口職員が行ったものです。"
                    "心当たりがない場合は下記の窓口にお問い合わせください。"
                ),
            )
        )
        page.extend(("indent", sep.join((r.when, r.role, r.purpose))) for r in outside)
    else:
        page.append(("body", _g("該当する閲覧はありません。")))
    page.append(("heading", _g("記載していない閲覧")))
    page.append(("body", _g(WITHHELD_SENTENCE)))
    page.append(("heading", _g("記録が改ざんされていないことの確認")))
    page.append(
        (
            "small",
            _g(
                "各記録番号について、署名付きチェックポイントまでの包含証明（RFC 6962）を"
                "別ファイル（JSON）でお渡しします。公開鍵で署名を確かめ、証明から計算した"
                "ルートハッシュがチェックポイントのものと一致すれば、その記録が台帳に"
                "含まれていることを第三者の協力なしに確認できます。"
            ),
        )
    )
    return [page]


# The same on every answer, whether or not anything was left out (so it reveals nothing).
WITHHELD_SENTENCE = gettext_noop(
    "他の方の申請の手続きに伴う閲覧（あなたが家族等として記載された申請など）、および"
    "捜査機関等からの照会に伴う閲覧で法令により開示を控えるものは、この回答に記載して"
    "いません。"
)


@requires("incident.manage")
def who_saw_pdf(request: HttpRequest) -> HttpResponse:
    form, subject = _the_one(request)
    if subject is None:
        return who_saw(request)
    pages = answer_pages(form, whosaw.answer(subject))
    title = _g("あなたの個人情報の閲覧記録")
    data, _font = render_pdf(pages, title=title, author=_g("旅券事務所 個人情報保護責任者"))
    _record_export(_staff(request), subject, "who_saw_answer", data)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="who-saw.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@requires("incident.manage")
def who_saw_proofs(request: HttpRequest) -> HttpResponse:
    _form, subject = _the_one(request)
    if subject is None:
        return who_saw(request)
    found = whosaw.answer(subject)
    seqs = [seq for v in found.visits for seq in v.seqs]
    data = json.dumps(
        {**whosaw.proofs(seqs), "prepared_at": timezone.localtime(clock.now()).isoformat()},
        ensure_ascii=False,
        indent=1,
    ).encode("utf-8")
    _record_export(_staff(request), subject, "who_saw_proofs", data)
    response = HttpResponse(data, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="who-saw-proofs.json"'
    response["Cache-Control"] = "no-store"
    return response
