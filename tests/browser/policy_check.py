"""Checks the browser tests make of what a screen shows and of what the ledger recorded.

`screen_violations(html, step, persons)` compares a page with the step's field policy
(`ryoken.privacy.policy.exposure`), using the plaintext the test itself entered:

- a HIDDEN or MATCH_ONLY value must not appear in the page at all;
- a MASKED value must not appear in full (nor the part its mask hides), unless the test
  says it was revealed on this page;
- a row the page labels as a field (`data-testid="row-FIELD"`, or a `<dt>` carrying the
  field's catalogue label, Japanese or English) must be a field the step does not hide,
  and a row that says how it is exposed (`data-exposure`) must not be more exposed than
  the policy allows.

`step=None` is a screen that must show no personal data at all (kiosk, queues, lists).
Values shorter than `MIN_CHECKED_LENGTH` (a sex "F", a relation "夫", an answer "no") are
too common to search for in a page; for those the row check above is what counts.

`unexplained_disclosures()` reads every disclosure and match in the ledger and checks that
each is covered by a grant of the same staff member, naming the person, open at the time.
"""

from __future__ import annotations

import base64
import html as html_lib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ryoken.domain.fields import FIELDS, FIELDS_BY_NAME
from ryoken.privacy.masking import mask
from ryoken.privacy.policy import Exposure, Step, exposure

MIN_CHECKED_LENGTH = 4
# What a mask leaves out is searched for only when at least this long: a postcode's last four
# digits ("0021") could turn up by chance in a random token on the page.
MIN_HIDDEN_PART = 5
_RANK = {Exposure.HIDDEN: 0, Exposure.MATCH_ONLY: 1, Exposure.MASKED: 2, Exposure.SHOWN: 3}
_LABELS = {label: f.name for f in FIELDS for label in (f.label_ja, f.label_en)}
_ROW = re.compile(r'data-testid="row-([a-z_]+)"(?:\s+data-exposure="([a-z_]+)")?')
_DT = re.compile(r"<dt[^>]*>(.*?)</dt>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")

Plain = str | bytes


@dataclass(frozen=True)
class Violation:
    person: str
    field: str
    allowed: Exposure
    seen: str  # what the page gave away

    def __str__(self) -> str:
        return f"{self.person}.{self.field} (policy: {self.allowed}) — {self.seen}"


def allowed(step: Step | str | None, name: str) -> Exposure:
    return Exposure.HIDDEN if step is None else exposure(step, name)


def _date_forms(text: str) -> set[str]:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return set()
    return {
        f"{day:%Y/%m/%d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y年%m月%d日}",
        f"{day:%Y%m%d}",
        f"{day:%y%m%d}",  # as an MRZ writes it
    }


def full_forms(name: str, value: Plain) -> set[str]:
    """The ways a page could write `value` in full (escaped HTML is unescaped first)."""
    if isinstance(value, bytes):
        return {base64.b64encode(value).decode()}  # images travel as data: URIs
    text = value.strip()
    forms = {text, text.replace(" ", ""), text.replace(" ", "\u3000")}
    forms |= _date_forms(text)
    if re.fullmatch(r"[\d-]+", text):
        forms.add(text.replace("-", ""))  # a phone or postcode without hyphens
    if name == "previous_passport":
        forms |= set(text.split())  # "TK1234567 2019-05-10": the number on its own
    return {f for f in forms if len(f) >= MIN_CHECKED_LENGTH}


def hidden_part(name: str, value: Plain) -> set[str]:
    """What the mask of `value` leaves out (東京都豊島区西池袋3-21-7 → 西池袋3-21-7)."""
    if isinstance(value, bytes):
        return set()
    text = value.strip()
    masked = mask(name, text)
    keep = 0
    while keep < min(len(text), len(masked)) and text[keep] == masked[keep]:
        keep += 1
    rest = text[keep:].strip(" -")
    return {rest} if len(rest) >= MIN_HIDDEN_PART else set()


def _rows(page: str) -> list[tuple[str, str | None]]:
    """(field, exposure the page claims or None) for every row labelled with a field."""
    rows: list[tuple[str, str | None]] = [(m[1], m[2]) for m in _ROW.finditer(page)]
    for m in _DT.finditer(page):
        label = html_lib.unescape(_TAG.sub("", m[1])).strip()
        if label in _LABELS:
            rows.append((_LABELS[label], None))
    return list(dict.fromkeys(rows))  # a row named both ways is reported once


def screen_violations(
    html: str,
    step: Step | str | None,
    persons: Mapping[str, Mapping[str, Plain]],
    *,
    revealed: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
) -> list[Violation]:
    """Everything on the page that the step's policy does not let out (empty: clean).

    `persons` maps a label of each person (for the message) to field → the plaintext the
    test entered; `revealed` lists (person, field) pairs revealed with a reason on this page.
    """
    page = html_lib.unescape(html)
    out: list[Violation] = []
    for name, claimed in _rows(page):
        level = allowed(step, name)
        if level is Exposure.HIDDEN:
            out.append(Violation("(row)", name, level, "a row for a hidden field"))
        elif claimed in _RANK and _RANK[Exposure(claimed)] > _RANK[level]:
            out.append(Violation("(row)", name, level, f"a row exposed as {claimed}"))
    for person, values in persons.items():
        for name, value in values.items():
            if name not in FIELDS_BY_NAME:
                raise ValueError(f"not a catalogue field: {name}")
            level = allowed(step, name)
            if level is Exposure.SHOWN or (person, name) in revealed:
                continue
            forms = full_forms(name, value)
            if level is not Exposure.MATCH_ONLY:
                forms |= hidden_part(name, value)
            for form in sorted(forms, key=lambda f: (-len(f), f)):  # the fullest first
                if form in page:
                    out.append(Violation(person, name, level, f"value on the page: {form[:40]!r}"))
                    break
    return out


# --- the ledger ------------------------------------------------------------------------------


@dataclass
class LedgerCheck:
    checked: Counter[str] = field(default_factory=Counter)  # event code → how many
    problems: list[str] = field(default_factory=list)
    refused: int = 0  # disclosure.refused events: a screen asked for what it may not see


def unexplained_disclosures() -> LedgerCheck:
    """Every disclosure and match in the ledger, checked against the grants table."""
    from ryoken.audit.events import EventCode, decode_entry
    from ryoken.web.access.models import Grant, GrantSubject
    from ryoken.web.ledger.models import Entry

    result = LedgerCheck()
    codes = [EventCode.DISCLOSURE.value, EventCode.MATCH.value]
    result.refused = Entry.objects.filter(code=EventCode.DISCLOSURE_REFUSED.value).count()
    grants = {g.grant_id: g for g in Grant.objects.select_related("staff")}
    covered = set(GrantSubject.objects.values_list("grant__grant_id", "subject"))
    for row in Entry.objects.filter(code__in=codes).order_by("seq"):
        seq, event = decode_entry(bytes(row.data))
        result.checked[str(event.code)] += 1
        where = f"#{seq} {event.code} {','.join(event.fields)} by {event.actor}"
        grant = grants.get(event.grant or "")
        if grant is None:
            result.problems.append(f"{where}: no grant ({event.grant!r})")
            continue
        if grant.staff.staff_id != event.actor:
            result.problems.append(f"{where}: grant {grant.grant_id} is {grant.staff.staff_id}'s")
        for subject in event.subjects:
            if (grant.grant_id, subject) not in covered:
                result.problems.append(f"{where}: grant {grant.grant_id} does not cover {subject}")
        ends = min(grant.expires_at, grant.closed_at or grant.expires_at)
        if not grant.opened_at <= event.at <= ends:
            result.problems.append(
                f"{where}: at {event.at} outside grant {grant.grant_id} "
                f"({grant.opened_at} – {ends})"
            )
    return result
