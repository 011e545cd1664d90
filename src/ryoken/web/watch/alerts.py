"""Immediate alerts: a case for the privacy officer at once, not at the next detection run.

Some acts need no scoring to deserve a look: break-glass by counter staff, a run of lookups
that find nobody (enumeration), repeated no-match answers, repeated refusals. The code that
sees them calls `raise_alert`, which opens (or adds to) the staff member's case the same way
a detection run does (`service.upsert_case`), with a named detector and the ledger entries
that show what happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from ryoken.web.ledger.models import Entry

# detector name → (weight, reason in Japanese, reason in English); {n} is the count.
ALERTS: dict[str, tuple[float, str, str]] = {
    "breakglass_counter": (
        50.0,
        "窓口職員による緊急アクセス: {n}件 — 理由と閲覧内容を確認してください",
        "break-glass by counter staff: {n} — check the reason and what was seen",
    ),
    "lookup_misses": (
        50.0,
        "該当者なしの照会が続いています（番号の推測の疑い）: {n}件",
        "a run of lookups that found nobody (possible enumeration): {n}",
    ),
    "match_misses": (
        50.0,
        "照合の不一致が続いています（値の推測の疑い）: {n}件",
        "repeated no-match answers (possible guessing of a stored value): {n}",
    ),
    "access_denied": (
        50.0,
        "拒否されたアクセスが続いています: {n}件",
        "repeated refused access to personal data: {n}",
    ),
}


def recent_count(actor: str, code: str, *, now: datetime, minutes: int) -> int:
    """How many `code` entries `actor` has in the ledger over the last `minutes`."""
    since = now - timedelta(minutes=minutes)
    return Entry.objects.filter(actor=actor, code=code, at__gt=since, at__lte=now).count()


def raise_alert(staff_id: str, detector: str, *, seqs: Iterable[int], n: int, now: datetime) -> int:
    """Open or update `staff_id`'s case with one immediate alert; the case id."""
    from ryoken.web.watch.service import upsert_case  # service imports polars: only when used

    weight, ja, en = ALERTS[detector]
    at = now.isoformat()
    cited = sorted({int(s) for s in seqs})
    record = {
        "staff": staff_id,
        "score": weight,
        "first_alert_at": at,
        "first_signal_at": at,
        "last_signal_at": at,
        "detectors": [
            {
                "detector": detector,
                "signals": n,
                "weight": weight,
                "persons": 0,
                "days": 1,
                "first_at": at,
                "last_at": at,
                "reason_ja": ja.format(n=n),
                "reason_en": en.format(n=n),
                "notes": [],
                "evidence_lines": cited,
            }
        ],
    }
    return upsert_case(record, None, now=now)[1]
