"""Match / no match is no oracle: one limit for every place a value is confirmed.

Wherever the counter asks the vault whether a presented value equals the stored one (the
identity check at pickup, the lost passport's number on a loss report) or looks a person up
by values the visitor gives (the loss window's holder lookup), the answers "no" are counted:
after `RYOKEN_MATCH_NO_MATCH_PER_TASK` (3) for one person in one task, or
`RYOKEN_MATCH_NO_MATCH_PER_DAY` (10) for one staff member over a day, the vault is not asked
again and a supervisor takes over. The refusal is ledgered (`access.denied`, what: match,
with the person when there is one, so detection's `refused` counts it); the task's third
"no" raises a case at once (`match_misses`).

A "no" is a `match` entry whose result is not "match", or a lookup (`search`) under the
task that found nobody.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from ryoken.audit.events import Event, EventCode, decode_entry
from ryoken.errors import RuleViolation
from ryoken.web.access.models import Grant
from ryoken.web.env import env_int
from ryoken.web.ledger import alerting as alerts
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry

_CODES = (EventCode.MATCH.value, EventCode.SEARCH.value)


def no_match_limit() -> int:
    """No-match answers one task may get for one person before a supervisor takes over."""
    return env_int("RYOKEN_MATCH_NO_MATCH_PER_TASK", 3)


def no_match_daily_limit() -> int:
    """No-match answers one staff member may get in a day, over every task."""
    return env_int("RYOKEN_MATCH_NO_MATCH_PER_DAY", 10)


def _misses(entries: QuerySet[Entry]) -> list[int]:
    out = []
    for seq, code, data in entries.order_by("seq").values_list("seq", "code", "data"):
        _, event = decode_entry(bytes(data))
        if (code == EventCode.MATCH.value and event.details.get("result") != "match") or (
            code == EventCode.SEARCH.value and event.grant and event.details.get("found") == 0
        ):
            out.append(seq)
    return out


def task_misses(grant: Grant, subject_id: str | None) -> list[int]:
    """The task's no-matches for the person (or, with no person, its lookups that found
    nobody)."""
    rows = Entry.objects.filter(code__in=_CODES, at__gte=grant.opened_at, grant=grant.grant_id)
    if subject_id is None:
        rows = rows.filter(code=EventCode.SEARCH.value)
    else:
        rows = rows.filter(code=EventCode.MATCH.value, subjects=subject_id)
    return _misses(rows)


def day_misses(staff_id: str, at: datetime) -> list[int]:
    """The staff member's no-matches over the last day, in every task (a lookup outside
    any task, break-glass, has its own limits)."""
    rows = Entry.objects.filter(code__in=_CODES, actor=staff_id, at__gt=at - timedelta(days=1))
    return _misses(rows.exclude(grant=""))


def check_allowance(grant: Grant, subject_id: str | None, *, at: datetime, purpose: str) -> None:
    """Refuse (RuleViolation, ledgered `access.denied`) once the task or the day has had
    its no-matches; call before asking the vault."""
    staff_id = grant.staff.staff_id
    task = len(task_misses(grant, subject_id)) >= no_match_limit()
    if task or len(day_misses(staff_id, at)) >= no_match_daily_limit():
        ledger.record(
            Event(
                code=EventCode.ACCESS_DENIED,
                at=at,
                actor=staff_id,
                subjects=(subject_id,) if subject_id else (),
                purpose=purpose,
                grant=grant.grant_id,
                terminal=grant.window.code if grant.window else None,
                details={"what": "match", "why": "per_task" if task else "per_day"},
            )
        )
        raise RuleViolation(
            "too many no-match answers: a supervisor must take over",
            message_ja=gettext_noop(
                "照合の不一致が続いたため、これ以上照合できません。監督者に交代してください。"
            ),
        )


def alert_on_misses(grant: Grant, subject_id: str | None, at: datetime) -> None:
    """After a "no": the task's third raises a case at once (once, at the limit)."""
    misses = task_misses(grant, subject_id)
    if len(misses) == no_match_limit():
        alerts.raise_alert(grant.staff.staff_id, "match_misses", seqs=misses, n=len(misses), now=at)
