"""A database-backed `SequenceStore` for `ryoken.domain.numbers` (and queue tickets).

Race-free on both databases: the increment is one `UPDATE counter_sequence SET value =
value + 1 WHERE key = ...`, which takes the row's lock until the surrounding transaction
ends (PostgreSQL), or runs inside a write transaction SQLite has already serialised (the
settings use BEGIN IMMEDIATE). A key seen for the first time is INSERTed; two first callers
racing on the unique key are resolved by retrying the UPDATE after the loser's
IntegrityError. Called inside the caller's transaction, a rolled-back caller also rolls back
its number, so reception numbers have no gaps.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from ryoken.domain.numbers import ReceptionNumbers
from ryoken.web.applications.models import CounterSequence

# 受理番号 office codes are 2–8 of A–Z/0–9 (domain.numbers); by convention the JIS X 0401
# prefecture code and a short tag. The office field of our rows is the longer "TKY-IKB".
RECEPTION_OFFICE_CODES: dict[str, str] = {"TKY-IKB": "13IKB"}


class DbSequenceStore:
    """`SequenceStore.next_value` over the `counter_sequence` table."""

    def next_value(self, key: str, *, at_least: int = 1) -> int:
        """Advance `key` and return the new value; never less than `at_least`.

        `at_least` lets a counter skip numbers already taken outside it (tickets seeded by
        the demo, say): the caller computes it under the same lock.
        """
        with transaction.atomic():
            if self._advance(key, at_least):
                return self._value(key)
            try:
                with transaction.atomic():
                    CounterSequence.objects.create(key=key, value=max(1, at_least))
                return max(1, at_least)
            except IntegrityError:  # another first caller inserted it meanwhile
                if not self._advance(key, at_least):
                    raise
                return self._value(key)

    @staticmethod
    def _advance(key: str, at_least: int) -> bool:
        updated = CounterSequence.objects.filter(key=key).update(
            value=Greatest(F("value") + 1, Value(at_least))
        )
        return updated == 1

    @staticmethod
    def _value(key: str) -> int:
        return int(CounterSequence.objects.values_list("value", flat=True).get(key=key))


def reception_office_code(office: str) -> str:
    """The 受理番号 office code for an office row ("TKY-IKB" → "13IKB")."""
    code = RECEPTION_OFFICE_CODES.get(office)
    if code is None:
        code = "".join(c for c in office.upper() if c.isalnum())[:8]
    return code


def reception_numbers(office: str) -> ReceptionNumbers:
    return ReceptionNumbers(DbSequenceStore(), reception_office_code(office))
