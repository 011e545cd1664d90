"""Attribution: which staff, windows and print jobs a leaked list most likely came from
(`ryoken.incident.attribution` on the ledger's screens and the blind indexes; recorded)."""

from __future__ import annotations

from typing import Any

from ryoken.audit.events import EventCode, decode_entry
from ryoken.incident.attribution import Attribution, Canary, ExposureTable, attribute
from ryoken.incident.exposures import NON_STAFF_ACTORS, Period, exposures
from ryoken.incident.leaks import TokenMatcher, match_rows, read_leaked_csv
from ryoken.privacy.blind_index import KIND_OF_FIELD
from ryoken.web.accounts.models import Staff
from ryoken.web.incident.incidents import PURPOSE, SCREEN_CODES, officer_event
from ryoken.web.ledger import store as ledger
from ryoken.web.ledger.models import Entry
from ryoken.web.vault import keys
from ryoken.web.vault.models import Subject, Token


def _lookup() -> Any:
    fields_of: dict[str, list[str]] = {}
    for name, kind in KIND_OF_FIELD.items():
        fields_of.setdefault(kind, []).append(name)

    def lookup(kind: str, token: str) -> frozenset[str]:
        rows = Token.objects.filter(kind__in=fields_of.get(kind, [kind]), token=token)
        return frozenset(rows.values_list("subject_id", flat=True))

    return lookup


def _canaries(frame: Any) -> list[Canary]:
    """Planted subjects and the path each was shown along: the watch registry's placement
    when there is one, else the one staff member who was ever exposed to it."""
    placed: dict[str, Canary] = {}
    try:
        from ryoken.web.watch.models import CanaryPlacement
    except ImportError:  # pragma: no cover - the watch app is absent
        pass
    else:
        for row in CanaryPlacement.objects.all():
            placed[row.subject_id] = Canary(
                row.subject_id, staff=row.staff_id or None, window=row.window or None
            )
    for subject in Subject.objects.filter(canary=True).values_list("pk", flat=True):
        if subject in placed:
            continue
        actors = set(frame.filter(frame["subject"] == subject)["actor"].to_list())
        if len(actors) == 1:
            placed[subject] = Canary(subject, staff=actors.pop())
    return list(placed.values())


def attribute_leak(data: bytes, period: Period, *, officer: Staff) -> Attribution:
    """Rank staff, windows and print jobs as the source of a leaked list (recorded)."""
    rows = read_leaked_csv(data)
    matches = match_rows(rows, TokenMatcher(keys.blind_indexer(), _lookup()))
    entries = Entry.objects.filter(at__gte=period.start, at__lt=period.end, code__in=SCREEN_CODES)
    entries = entries.exclude(actor__in=list(NON_STAFF_ACTORS)).order_by("seq")
    events = [decode_entry(bytes(d)) for d in entries.values_list("data", flat=True)]
    # The response's own reads (names and addresses for the notices) are not a source.
    events = [(seq, e) for seq, e in events if e.purpose != PURPOSE]
    found = exposures(events, period=period)
    table = ExposureTable(found.frame)
    result = attribute(matches, table, canaries=_canaries(found.frame))
    ledger.record(
        officer_event(
            EventCode.EXPORT_EVIDENCE,
            officer,
            what="attribution",
            rows=len(rows),
            resolved=len(result.leaked_subjects),
            top=result.staff[0].agent if result.staff else None,
        )
    )
    return result
