"""A staff member's timeline in words, for the privacy officer.

The ledger's entries are grouped by task — a grant: a ticket at a window, a review, a
break-glass lookup — and, outside any task, by day. Each group reads as one line:

    A-014 (counter, W01), 3 persons: Screen display – Application intake: Name (kanji),
    Date of birth, Address; Screen display – Application intake (reveal with a reason):
    Phone, reason "callback"

Consecutive entries of the same kind, purpose and reason are one phrase (×n when
repeated). Every code is put into words by `ryoken.web.labels`; the code itself goes to
the CSV as a secondary column. Filters: dates, kind, within a task or outside any task, and
a person (named by reception number: the persons of that application).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ryoken.audit.events import Event, EventCode
from ryoken.web import labels
from ryoken.web.access.models import Grant
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.i18n import bilingual
from ryoken.web.ledger.frames import iter_entries

MAX_ENTRIES = 20_000  # read at most this many entries for one screen (the filters narrow it)
PAGE_SIZE = 30

KINDS: dict[str, tuple[object, frozenset[str]]] = {
    "data": (
        _("個人情報の表示・照合"),
        frozenset({EventCode.DISCLOSURE, EventCode.MATCH, EventCode.DOCUMENT_SCAN}),
    ),
    "paper": (_("印刷・複写"), frozenset({EventCode.PRINT, EventCode.COPY})),
    "search": (_("検索"), frozenset({EventCode.SEARCH})),
    "work": (
        _("業務の開始・終了、整理券"),
        frozenset(
            {
                EventCode.GRANT_OPEN,
                EventCode.GRANT_CLOSE,
                EventCode.BREAKGLASS_OPEN,
                EventCode.TICKET_ISSUE,
                EventCode.TICKET_CALL,
                EventCode.TICKET_CLOSE,
                EventCode.WORKFLOW_TRANSITION,
                EventCode.REVIEW_ASSIGN,
                EventCode.REVIEW_QA_CHECK,
            }
        ),
    ),
    "login": (
        _("ログイン・ログアウト"),
        frozenset({EventCode.AUTH_LOGIN, EventCode.AUTH_LOGIN_FAILED, EventCode.AUTH_LOGOUT}),
    ),
}
SCOPES = {"within": _("業務の中"), "outside": _("業務の外")}


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    kind: str = ""  # a KINDS key, or "" for all; "other" for what no kind names
    scope: str = ""  # "within", "outside" or ""
    reception_number: str = ""

    def codes(self) -> frozenset[str] | None:
        if self.kind in KINDS:
            return frozenset(str(c) for c in KINDS[self.kind][1])
        return None


@dataclass
class Phrase:
    text: str
    count: int = 1

    def __str__(self) -> str:
        return self.text if self.count == 1 else f"{self.text} ×{self.count}"


@dataclass
class Group:
    """One task (or, outside any task, one day's entries)."""

    title: str
    within_task: bool
    start: datetime
    end: datetime
    persons: set[str] = field(default_factory=set)
    phrases: list[Phrase] = field(default_factory=list)
    entries: list[tuple[int, Event]] = field(default_factory=list)
    _last: tuple[str, str, str] | None = None

    def add(self, seq: int, event: Event) -> None:
        self.entries.append((seq, event))
        self.end = timezone.localtime(event.at)
        self.persons.update(event.subjects)
        if str(event.code) in _QUIET:
            return
        key = (str(event.code), event.purpose, _reason(event))
        if key == self._last and self.phrases:
            self.phrases[-1].count += 1
            return
        self._last = key
        self.phrases.append(Phrase(phrase(event)))

    @property
    def text(self) -> str:
        return bilingual("；", "; ").join(str(p) for p in self.phrases)


def _reason(event: Event) -> str:
    value = event.details.get("reason")
    return value if isinstance(value, str) else ""


def phrase(event: Event) -> str:
    """One entry in words: kind – purpose: items, reason "…"."""
    text = labels.event(str(event.code))
    if event.purpose and not _ticket_of(event):  # a ticket's purpose is always "queue"
        text += " – " + labels.purpose(event.purpose)
    if event.fields:
        text += bilingual("：", ": ") + labels.fields(event.fields)
    reason = _reason(event)
    if reason:
        text += bilingual("、理由「{}」", ', reason "{}"').format(reason)
    return text


def persons_of_application(reception_number: str) -> set[str] | None:
    """The persons named in the application with this number (None: no such application)."""
    app = Application.objects.filter(reception_number=reception_number.strip().upper()).first()
    if app is None:
        return None
    named = set(ApplicationPerson.objects.filter(application=app).values_list("subject", flat=True))
    return named | {app.applicant}


def _task_titles(grant_ids: Iterable[str]) -> dict[str, str]:
    out = {}
    for grant in Grant.objects.filter(grant_id__in=set(grant_ids)).select_related(
        "ticket", "window", "review__application"
    ):
        kind = labels.grant_kind(grant.kind)
        parts = []
        if grant.ticket is not None:
            parts.append(grant.ticket.number)
        if grant.review is not None and grant.review.application.reception_number:
            parts.append(grant.review.application.reception_number)
        where = kind + (f" {grant.window.code}" if grant.window is not None else "")
        title = " ".join(parts)
        out[grant.grant_id] = (
            bilingual(f"{title}（{where}）", f"{title} ({where})") if title else where
        )
    return out


def _entries(staff_id: str, filters: Filters) -> Iterator[tuple[int, Event]]:
    tz = timezone.get_current_timezone()
    since = datetime.combine(filters.start, datetime.min.time(), tzinfo=tz)
    until = datetime.combine(filters.end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    for chunk in iter_entries(actor=staff_id, since=since, until=until, codes=filters.codes()):
        yield from chunk


@dataclass
class Story:
    groups: list[Group]
    cut: bool  # more than MAX_ENTRIES entries: narrow the filters
    unknown_person: bool = False


def _ticket_grants(staff_id: str, entries: list[tuple[int, Event]]) -> dict[tuple[str, date], str]:
    """(ticket number, local day) -> the grant the ticket opened for this staff member, so
    a ticket's call and close join the task they belong to."""
    days = {timezone.localtime(e.at).date() for _, e in entries if _ticket_of(e)}
    if not days:
        return {}
    out = {}
    for grant_id, number, opened in Grant.objects.filter(
        staff__staff_id=staff_id, ticket__isnull=False
    ).values_list("grant_id", "ticket__number", "opened_at"):
        day = timezone.localtime(opened).date()
        if day in days:
            out.setdefault((number, day), grant_id)
    return out


def _ticket_of(event: Event) -> str:
    if not str(event.code).startswith("ticket."):
        return ""
    number = event.details.get("ticket")
    return number if isinstance(number, str) else ""


# Opening and closing a grant are the task's own edges: the group shows them as its title.
_QUIET = frozenset({EventCode.GRANT_OPEN.value, EventCode.GRANT_CLOSE.value})


def story(staff_id: str, filters: Filters) -> Story:
    """The staff member's groups over the filters, oldest first."""
    person: set[str] | None = None
    if filters.reception_number.strip():
        person = persons_of_application(filters.reception_number)
        if person is None:
            return Story([], cut=False, unknown_person=True)
    other_codes = frozenset(str(c) for _l, codes in KINDS.values() for c in codes)
    read: list[tuple[int, Event]] = []
    cut = False
    for seq, event in _entries(staff_id, filters):
        if filters.kind == "other" and str(event.code) in other_codes:
            continue
        if person is not None and not person & set(event.subjects):
            continue
        if len(read) >= MAX_ENTRIES:
            cut = True
            break
        read.append((seq, event))
    by_ticket = _ticket_grants(staff_id, read)

    def task_of(event: Event) -> str:
        if event.grant:
            return event.grant
        number = _ticket_of(event)
        return by_ticket.get((number, timezone.localtime(event.at).date()), "") if number else ""

    picked = [
        (seq, event, task_of(event))
        for seq, event in read
        if not (filters.scope == "within" and not task_of(event))
        and not (filters.scope == "outside" and task_of(event))
    ]
    titles = _task_titles(task for _, _, task in picked if task)
    groups: dict[tuple[str, date | None], Group] = {}
    for seq, event, task in picked:
        at = timezone.localtime(event.at)
        key: tuple[str, date | None] = (task, None) if task else ("", at.date())
        group = groups.get(key)
        if group is None:
            title = titles.get(task, gettext("業務")) if task else gettext("業務の外")
            group = groups[key] = Group(title=title, within_task=bool(task), start=at, end=at)
        group.add(seq, event)
    return Story(sorted(groups.values(), key=lambda g: (g.start, g.entries[0][0])), cut)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


CSV_HEADER = (
    _("日付"),
    _("時刻"),
    _("業務"),
    _("業務の中か"),
    _("操作"),
    _("目的"),
    _("項目"),
    _("理由"),
    _("人数"),
    _("記録番号"),
    _("操作コード"),
    _("目的コード"),
)


def csv_rows(found: Story) -> Iterator[list[str]]:
    """One row per entry, in words; the codes last, as secondary columns."""
    yes, no = gettext("はい"), gettext("いいえ")
    for group in found.groups:
        for seq, event in group.entries:
            at = timezone.localtime(event.at)
            row = [
                f"{at:%Y-%m-%d}",
                f"{at:%H:%M:%S}",
                group.title,
                yes if group.within_task else no,
                labels.event(str(event.code)),
                labels.purpose(event.purpose) if event.purpose else "",
                labels.fields(event.fields),
                _reason(event),
                str(len(event.subjects)),
                str(seq),
                str(event.code),
                event.purpose,
            ]
            yield [_cell(c) for c in row]
