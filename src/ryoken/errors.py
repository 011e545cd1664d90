"""The one exception tree of ryoken.

    RyokenError                      anything ryoken refuses, with a message a person can read
    ├── InvalidInput                 malformed input: a form, an import line, a CLI argument
    │   ├── InvalidKana              romaji conversion got something that is not kana
    │   └── InvalidMRZ               an MRZ that cannot be parsed at all
    ├── RuleViolation                the passport rules forbid it (fees, eligibility, ...)
    │   └── IllegalTransition        an application state change that is not allowed
    ├── AccessDenied                 the access policy refuses (also used for "missing")
    ├── LedgerError                  the ledger could not record; callers must fail closed
    │   └── LedgerTampered           verification found a difference
    ├── KeyUnavailable                  a key is missing, wrong or destroyed (crypto-shredded)
    └── ConfigurationError           settings or files needed to start are missing or wrong

Every message is written for the person who will read it; `message_ja` carries the
Japanese text shown in staff screens where one exists.
"""

from __future__ import annotations


class RyokenError(Exception):
    """Base of every error ryoken raises on purpose."""

    def __init__(self, message: str, *, message_ja: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_ja = message_ja or message


class InvalidInput(RyokenError):
    """Input that is malformed: rejected whole, nothing written."""


class InvalidKana(InvalidInput):
    """Text given for romaji conversion contains characters that are not kana."""


class InvalidMRZ(InvalidInput):
    """An MRZ that is not two lines of 44 characters from A-Z, 0-9 and '<'."""


class RuleViolation(RyokenError):
    """The passport rules forbid what was asked."""


class IllegalTransition(RuleViolation):
    """An application cannot move from its current state to the one asked for."""


class AccessDenied(RyokenError):
    """The access policy refuses. Also raised for objects that do not exist."""


class LedgerError(RyokenError):
    """The ledger could not record an event; no personal data may be shown."""


class LedgerTampered(LedgerError):
    """Verification found entries, hashes or checkpoints that do not agree."""


class KeyUnavailable(RyokenError):
    """A key is missing, wrong, retired or destroyed."""


class ConfigurationError(RyokenError):
    """Settings or files ryoken needs to start are missing or wrong."""
