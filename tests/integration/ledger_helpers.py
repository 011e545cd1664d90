"""Helpers for ledger tests: events and the moves of a dishonest database administrator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection

from ryoken.audit.events import Event, EventCode
from ryoken.web.ledger.triggers import create_triggers, drop_triggers

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def event(i: int, actor: str = "staff-1", subject: str = "ds_000001") -> Event:
    """Entry `i` of an honest ledger: every tenth opens grant `grant-{i // 10}` for `actor`,
    the others are disclosures under it (verify checks that every disclosure has its grant).
    """
    return Event(
        code=EventCode.GRANT_OPEN if i % 10 == 0 else EventCode.DISCLOSURE,
        at=T0 + timedelta(seconds=i),
        actor=actor,
        subjects=(subject,),
        fields=("name_kanji", "address"),
        purpose="intake",
        grant=f"grant-{i // 10}",
        terminal="window-3",
        details={},
    )


def as_dba(sql: str, params: list[object] | None = None) -> None:
    """Run SQL the way an administrator with DDL rights could: triggers dropped first."""
    drop_triggers(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
    finally:
        create_triggers(connection)
