"""English as the second language of the staff screens (Japanese first, the default).

The Japanese text is the msgid, so Japanese needs no catalog; English comes from
src/ryoken/web/locale/en. A screen in English must not leak a Japanese label: the check
below looks for any kana or kanji on the page once the one deliberate exception, the
"日本語" button of the language switch, is taken out.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

import ryoken.web
from ryoken.domain.applications import STATE_LABELS_JA
from ryoken.errors import RuleViolation
from ryoken.web.accounts.views import HOME_LINKS
from ryoken.web.counter.intake.forms import ApplicationForm, ScanForm
from ryoken.web.counter.loss.forms import LossReportForm, LossSearchForm
from ryoken.web.counter.pickup.forms import MatchForm
from ryoken.web.i18n import staff_message

pytestmark = pytest.mark.django_db(transaction=True)

LOCALE = Path(ryoken.web.__file__).parent / "locale" / "en" / "LC_MESSAGES"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# Kana and kanji (not the punctuation 「」・（）, which English pages may still use).
_JAPANESE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff]+")
_SWITCH_TO_JA = '<button name="language" value="ja">日本語</button>'


def japanese_left(html: str) -> list[str]:
    return _JAPANESE.findall(html.replace(_SWITCH_TO_JA, ""))


def page(client, url: str, **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# --- screens ---------------------------------------------------------------------------------


def test_it_shows_the_login_page_in_japanese_by_default(client):
    html = page(client, "/login/")
    assert '<html lang="ja">' in html
    assert "ログイン" in html and "職員ID" in html and "パスワード" in html


def test_it_shows_the_login_page_in_english(client):
    html = page(client, "/login/", **EN)
    assert '<html lang="en">' in html
    assert "Log in" in html and "Staff ID" in html and "Password" in html
    assert japanese_left(html) == []


def test_it_keeps_english_once_switched_and_switches_back(client, personas, login_as):
    login_as(personas["supervisor"])
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302
    home = page(client, "/")
    assert "Work menu" in home and "Log out" in home
    assert japanese_left(home) == []
    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    assert "業務メニュー" in page(client, "/")


def test_it_shows_the_home_menu_in_english(client, personas, login_as):
    login_as(personas["supervisor"])
    html = page(client, "/", **EN)
    assert "Work menu" in html
    # The areas' menu entries, translated, and the role in the header.
    for label in ("Counter intake (call)", "Review assignment", "Break-glass access"):
        assert label in html
    assert "(Supervisor)" in html
    assert japanese_left(html) == []


def test_it_shows_the_home_menu_in_japanese_by_default(client, personas, login_as):
    login_as(personas["supervisor"])
    html = page(client, "/")
    assert "業務メニュー" in html and "審査の割当" in html and "緊急アクセス" in html
    assert "Work menu" not in html


def test_it_shows_the_counter_queue_in_english(client, personas, login_as):
    login_as(personas["counter_clerk"])
    html = page(client, "/counter/", **EN)
    assert "Counter intake (applications)" in html
    assert "Call the next person" in html
    assert "Intake window 1" in html  # a window the system seeded, by its translated label
    assert japanese_left(html) == []


def test_it_shows_the_counter_queue_in_japanese_by_default(client, personas, login_as):
    login_as(personas["counter_clerk"])
    html = page(client, "/counter/")
    assert "窓口受付（申請）" in html and "受付1番窓口" in html and "次の方を呼び出す" in html


def test_it_shows_the_pickup_queue_in_english(client, personas, login_as):
    login_as(personas["issuance_clerk"])
    html = page(client, "/pickup/", **EN)
    assert "Pickup and loss report windows" in html
    assert "Pickup window 1" in html and "Loss report window" in html
    assert japanese_left(html) == []


def test_it_shows_the_pickup_queue_in_japanese_by_default(client, personas, login_as):
    login_as(personas["issuance_clerk"])
    html = page(client, "/pickup/")
    assert "交付・紛失届窓口" in html and "交付1番窓口" in html


def test_it_shows_the_review_queue_in_english(client, personas, login_as):
    login_as(personas["reviewer"])
    html = page(client, "/casework/review/", **EN)
    assert "My reviews" in html and "You have no reviews assigned." in html
    assert japanese_left(html) == []


def test_it_shows_the_review_queue_in_japanese_by_default(client, personas, login_as):
    login_as(personas["reviewer"])
    html = page(client, "/casework/review/")
    assert "担当する審査" in html and "担当する審査はありません。" in html


def test_it_explains_a_refusal_in_english(client, personas, login_as):
    login_as(personas["counter_clerk"])
    response = client.get("/casework/review/", **EN)
    html = response.content.decode()
    assert response.status_code == 403
    assert "You do not have permission to use this screen." in html
    assert japanese_left(html) == []


def test_it_explains_an_ended_contract_in_english(client, make_staff, login_as):
    from datetime import date

    login_as(make_staff("counter_clerk", contract_end=date(2020, 3, 31)))
    html = client.get("/counter/", **EN).content.decode()
    assert "Your contract ended on 2020-03-31." in html
    ja = client.get("/counter/").content.decode()
    assert "契約期間は2020年03月31日に終了しました。" in ja


# --- what is shown outside templates ---------------------------------------------------------


def test_it_translates_every_menu_entry_and_form_label():
    with translation.override("en"):
        labels = [str(label) for _cap, _name, label in HOME_LINKS]
        for form in (ApplicationForm(), ScanForm(), MatchForm(), LossSearchForm()):
            labels += [str(f.label) for f in form.fields.values() if f.label]
        labels += [str(f.label) for f in LossReportForm().fields.values()]
    assert labels and "Application type" in labels
    assert [label for label in labels if _JAPANESE.search(label)] == []


def test_it_translates_every_application_state_of_the_core():
    with translation.override("en"):
        untranslated = [ja for ja in STATE_LABELS_JA.values() if translation.gettext(ja) == ja]
    assert untranslated == []


def test_it_shows_a_core_refusal_in_english_and_japanese():
    error = RuleViolation("the fee is not settled", message_ja="手数料が確定していません。")
    with translation.override("en"):
        assert staff_message(error) == "The fee is not settled"
    with translation.override("ja"):
        assert staff_message(error) == "手数料が確定していません。"


# --- the catalog -----------------------------------------------------------------------------


def _po_entries(text: str) -> list[dict[str, str | bool]]:
    """(msgctxt, msgid, msgstr, fuzzy) of each entry of a .po file (not the header)."""

    def unquote(lines: list[str]) -> str:
        joined = "".join(line.strip()[1:-1] for line in lines)
        return joined.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")

    entries = []
    for block in text.strip().split("\n\n"):
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        parts: dict[str, list[str]] = {}
        current = ""
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid", "msgstr"):
                current = keyword
                parts[current] = [rest]
            elif line.startswith('"') and current:
                parts[current].append(line)
        if "msgid" not in parts:
            continue
        entry = {key: unquote(value) for key, value in parts.items()}
        if entry["msgid"]:
            entries.append({**entry, "fuzzy": fuzzy})
    return entries


def test_it_has_an_english_msgstr_for_every_msgid_and_nothing_fuzzy():
    entries = _po_entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    assert len(entries) > 500
    assert [e["msgid"] for e in entries if not e.get("msgstr")] == []
    assert [e["msgid"] for e in entries if e["fuzzy"]] == []
    assert [e["msgid"] for e in entries if _JAPANESE.search(str(e["msgstr"]))] == [
        # Examples of Japanese input a clerk types, kept as they are on purpose.
        "氏と名の間に空白を1つ入れてください（例：山田 太郎）。",
        "例：1990-01-02、平成2年1月2日",
    ]


def test_it_ships_a_compiled_catalog_that_matches_the_po():
    """django.mo is what Django reads: a stale one would show old (or no) English."""
    entries = _po_entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = stdlib_gettext.GNUTranslations(mo)
    stale = [
        e["msgid"]
        for e in entries
        if (
            compiled.pgettext(str(e["msgctxt"]), str(e["msgid"]))
            if "msgctxt" in e
            else compiled.gettext(str(e["msgid"]))
        )
        != e["msgstr"]
    ]
    assert stale == []


_TRANSLATE_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1(?:\s+[^%]*)?%\}""")


def test_every_literal_the_templates_translate_has_english():
    """`{% translate "…" %}` with a Japanese literal must be in the compiled catalogue:
    a new screen string without an entry shows Japanese inside the English page."""
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = stdlib_gettext.GNUTranslations(mo)
    templates = Path(__file__).resolve().parents[3] / "src" / "ryoken" / "web" / "templates"
    missing = []
    for path in sorted(templates.rglob("*.html")):
        for match in _TRANSLATE_TAG.finditer(path.read_text(encoding="utf-8")):
            text = match.group(2)
            if _JAPANESE.search(text) and compiled.gettext(text) == text:
                missing.append(f"{path.relative_to(templates)}: {text}")
    assert len(list(templates.rglob("*.html"))) > 30
    assert missing == []


_GETTEXT_CALL = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|pgettext_lazy)\(\s*(["'])([^"'\n]+)\1\s*\)"""
)


def test_every_literal_the_views_translate_has_english():
    """The same for one-line `_("…")` / `gettext_lazy("…")` calls in the web app's code."""
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = stdlib_gettext.GNUTranslations(mo)
    web = Path(ryoken.web.__file__).parent
    seen, missing = 0, []
    for path in sorted(web.rglob("*.py")):
        for match in _GETTEXT_CALL.finditer(path.read_text(encoding="utf-8")):
            seen += 1
            text = match.group(2)
            if _JAPANESE.search(text) and compiled.gettext(text) == text:
                missing.append(f"{path.relative_to(web)}: {text}")
    assert seen > 100
    assert missing == []
