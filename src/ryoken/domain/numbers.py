"""Reception numbers (受理番号) and passport numbers, allocated without collision.

The core holds no counters of its own. Allocation goes through two small interfaces the web
layer backs with the database:

* `SequenceStore.next_value(key)` — an atomic per-key counter starting at 1 (a PostgreSQL
  sequence, or a row updated under `select_for_update`). Uniqueness comes from here.
* `NumberRegistry.claim(number)` — atomically records a number as used and says whether it
  was free (an INSERT into a table with a unique constraint). A separate "is it used?" query
  followed by an insert would race between two counters; a claim does not.

Formats:

* 受理番号: ``{office}-{YYYYMMDD}-{NNNNNN}``, e.g. ``13IKB-20250324-000042``. The office
  code is 2–8 characters from A–Z and 0–9 (by convention the JIS X 0401 prefecture code
  and a short office tag); the date is the application date; the sequence restarts at 1 per
  office per day, so a counter covers 999,999 receptions a day.
* Passport number: two letters and seven digits (FACTS.md), e.g. ``TK0000001``. The
  two-letter prefixes are configuration, used in order; each gives 0000001–9999999.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from ryoken.errors import ConfigurationError, InvalidInput, RuleViolation

OFFICE_CODE_RE = re.compile(r"^[A-Z0-9]{2,8}$")
RECEPTION_NUMBER_RE = re.compile(r"^([A-Z0-9]{2,8})-(\d{8})-(\d{6})$")
PASSPORT_NUMBER_RE = re.compile(r"^[A-Z]{2}[0-9]{7}$")
PASSPORT_PREFIX_RE = re.compile(r"^[A-Z]{2}$")
MAX_RECEPTIONS_PER_DAY = 999_999
NUMBERS_PER_PREFIX = 9_999_999  # 0000001–9999999; all zeros is never issued


class SequenceStore(Protocol):
    def next_value(self, key: str) -> int:
        """Atomically advance the counter `key` and return its new value (1, 2, 3, ...)."""
        ...


class NumberRegistry(Protocol):
    def claim(self, number: str) -> bool:
        """Record `number` as used; False if it already was (then nothing changes)."""
        ...


class InMemorySequenceStore:
    """A thread-safe SequenceStore for tests, the simulator and single-process tools."""

    def __init__(self) -> None:
        self._values: dict[str, int] = {}
        self._lock = threading.Lock()

    def next_value(self, key: str) -> int:
        with self._lock:
            value = self._values.get(key, 0) + 1
            self._values[key] = value
            return value


class InMemoryRegistry:
    """A thread-safe NumberRegistry, optionally seeded with numbers already in use."""

    def __init__(self, used: Sequence[str] = ()) -> None:
        self._used = set(used)
        self._lock = threading.Lock()

    def claim(self, number: str) -> bool:
        with self._lock:
            if number in self._used:
                return False
            self._used.add(number)
            return True


# --- reception numbers --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceptionNumber:
    office: str
    on: date
    sequence: int

    def __str__(self) -> str:
        return f"{self.office}-{self.on:%Y%m%d}-{self.sequence:06d}"


def _check_office(office: str) -> str:
    if not OFFICE_CODE_RE.fullmatch(office):
        raise ConfigurationError(
            f"an office code is 2–8 characters from A–Z and 0–9, not {office!r}"
        )
    return office


class ReceptionNumbers:
    """Allocates 受理番号 for one office from a SequenceStore."""

    def __init__(self, store: SequenceStore, office: str) -> None:
        self._store = store
        self._office = _check_office(office)

    def allocate(self, on: date) -> ReceptionNumber:
        seq = self._store.next_value(f"reception/{self._office}/{on:%Y%m%d}")
        if not 1 <= seq <= MAX_RECEPTIONS_PER_DAY:
            raise RuleViolation(
                f"office {self._office} has used all {MAX_RECEPTIONS_PER_DAY} reception "
                f"numbers for {on.isoformat()}",
                message_ja=f"{on.isoformat()} の受理番号の上限に達しました。",
            )
        return ReceptionNumber(self._office, on, seq)


def parse_reception_number(text: str) -> ReceptionNumber:
    match = RECEPTION_NUMBER_RE.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        office, day, seq = match.groups()
        number = ReceptionNumber(office, date.fromisoformat(day), int(seq))
        if number.sequence == 0:
            raise ValueError(text)
    except ValueError:
        raise InvalidInput(
            f"not a reception number: {text!r} (expected OFFICE-YYYYMMDD-NNNNNN)",
            message_ja="受理番号の形式が正しくありません。",
        ) from None
    return number


# --- passport numbers -----------------------------------------------------------------------


def is_passport_number(text: str) -> bool:
    return PASSPORT_NUMBER_RE.fullmatch(text) is not None


class PassportNumbers:
    """Allocates passport numbers from a counter, skipping any the registry already holds.

    The counter guarantees no two allocations get the same candidate; the optional registry
    covers numbers issued outside this counter (e.g. imported from an earlier system), which
    are skipped rather than reissued.
    """

    def __init__(
        self,
        store: SequenceStore,
        prefixes: Sequence[str],
        *,
        registry: NumberRegistry | None = None,
        key: str = "passport-number",
    ) -> None:
        if not prefixes or any(not PASSPORT_PREFIX_RE.fullmatch(p) for p in prefixes):
            raise ConfigurationError(f"passport number prefixes must be two letters: {prefixes!r}")
        if len(set(prefixes)) != len(prefixes):
            raise ConfigurationError(f"passport number prefixes repeat: {prefixes!r}")
        self._store = store
        self._prefixes = tuple(prefixes)
        self._registry = registry
        self._key = key

    def _candidate(self, value: int) -> str:
        index, digits = divmod(value - 1, NUMBERS_PER_PREFIX)
        if value < 1 or index >= len(self._prefixes):
            raise ConfigurationError(
                "every configured passport number prefix is used up: add a prefix",
                message_ja="旅券番号の英字部分をすべて使い切りました。設定を追加してください。",
            )
        return f"{self._prefixes[index]}{digits + 1:07d}"

    def allocate(self) -> str:
        while True:
            number = self._candidate(self._store.next_value(self._key))
            if self._registry is None or self._registry.claim(number):
                return number
