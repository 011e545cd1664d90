"""No page a person reads shows a code of the label catalogue where a label exists.

The text a person reads (not attributes, option values, <code> or secondary `.muted`
detail) is checked on the privacy office's screens in both languages: a text that is
exactly a catalogue code is refused, and so is a code with "_" or "." inside any text
(family_member, name_kanji, ticket.call: no English word looks like that).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from ryoken.web import labels
from ryoken.web.applications.models import Application

pytestmark = pytest.mark.django_db(transaction=True)

SKIPPED_TAGS = {"script", "style", "code", "option", "title"}
VOID = {"br", "img", "input", "meta", "link", "hr", "col", "area", "base", "wbr", "source"}


class ReadableText(HTMLParser):
    """The text nodes a person reads, outside <code>, <option> and `.muted` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # whether each open element hides its text
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append(tag in SKIPPED_TAGS or "muted" in classes)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and not any(self.stack):
            self.texts.append(data.strip())


def raw_codes(html: str, allowed: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    """(kind, code, text) for each catalogue code a person would read; `allowed` texts are
    identifiers that happen to spell a code (a staff id "auditor")."""
    parser = ReadableText()
    parser.feed(html)
    found = []
    for kind, codes in labels.catalogue().items():
        marked = [c for c in codes if "_" in c or "." in c]
        pattern = (
            re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, marked)) + r")(?![\w.])")
            if marked
            else None
        )
        for text in parser.texts:
            if text in allowed:
                continue
            if text in codes:
                found.append((kind, text, text))
            elif pattern is not None and (match := pattern.search(text)):
                found.append((kind, match.group(1), text))
    return found


def test_the_checker_finds_a_raw_code() -> None:
    assert raw_codes("<table><tr><td>family_member</td></tr></table>")
    assert raw_codes("<p>shown: name_kanji, phone</p>")
    assert not raw_codes('<p><code>name_kanji</code> <span class="muted">ticket.call</span></p>')
    assert not raw_codes("<p>Print the answer</p>")


def pages(office, client) -> list[str]:
    incident = office.incident()
    shown = office.shown[office.clerk.staff_id]
    app = Application.objects.filter(applicant__in=shown).order_by("pk").first()
    return [
        reverse("incident:detail", args=[incident.pk]),
        reverse("incident:who_saw") + f"?reception_number={app.reception_number}",
        f"/watch/staff/{office.clerk.staff_id}/",
        "/watch/staff/",
        "/incident/",
    ]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_privacy_office_page_shows_a_raw_code(office, client, login_as, language):
    from ryoken.web.accounts.models import Staff

    # The fixture names staff after their role code ("counter_clerk 1"): a person's name
    # is data, not a code, so give them names.
    Staff.objects.update(display_name="試験 職員")
    staff_ids = frozenset(Staff.objects.values_list("staff_id", flat=True))
    login_as(office.officer)
    client.cookies["django_language"] = language
    problems = {}
    for url in pages(office, client):
        response = client.get(url)
        assert response.status_code == 200, url
        found = raw_codes(response.content.decode(), staff_ids)
        if found:
            problems[url] = found[:5]
    assert not problems, problems
