"""Who may break glass, for which purposes, how often, and who must co-sign.

The office's configuration, with defaults that fit a passport office (docs/breakglass.md):

- purposes by role (`RYOKEN_BREAKGLASS_PURPOSES`, e.g.
  ``counter_clerk=status_inquiry;supervisor=status_inquiry,urgent_contact``; a role named
  there replaces its default list, a role not named keeps it, an empty list takes the role's
  break-glass away). Defaults: a counter clerk only answers a status inquiry; an issuance
  clerk may also identify a person; a reviewer may also reach an applicant; a supervisor may
  use every purpose.
- a contractor's staff never break glass alone: a supervisor of the prefecture co-signs
  before anything is shown (`needs_cosign`).
- one open break-glass per staff member at a time; at most `RYOKEN_BREAKGLASS_PER_DAY`
  (default 3) opened per local day.
- lookups by reception number, passport number or name: at most
  `RYOKEN_BREAKGLASS_LOOKUPS_PER_HOUR` (default 10); `RYOKEN_BREAKGLASS_MISSES_ALERT`
  (default 3) lookups that found nobody within an hour raise a case at once.
"""

from __future__ import annotations

import os

from django.utils.translation import gettext_lazy as _

from ryoken.errors import ConfigurationError
from ryoken.web.accounts.models import Employer, Role, Staff
from ryoken.web.env import env_int

PURPOSE_LABELS = {
    "status_inquiry": _("申請・受取日の問い合わせへの回答（氏名のみ）"),
    "urgent_contact": _("申請者への緊急の連絡（氏名・連絡先）"),
    "identify_person": _("本人の特定（氏名・生年月日・写真）"),
    "passport_record": _("旅券に関する照会（旅券番号）"),
}

DEFAULT_PURPOSES: dict[str, tuple[str, ...]] = {
    Role.COUNTER_CLERK: ("status_inquiry",),
    Role.ISSUANCE_CLERK: ("status_inquiry", "identify_person"),
    Role.REVIEWER: ("status_inquiry", "urgent_contact", "identify_person"),
    Role.SUPERVISOR: tuple(PURPOSE_LABELS),  # every staff purpose (not appi_notice)
}
COUNTER_ROLES = frozenset({Role.COUNTER_CLERK, Role.ISSUANCE_CLERK})


def purposes_by_role() -> dict[str, tuple[str, ...]]:
    """The configured purposes of every role (defaults, overridden per role)."""
    out = dict(DEFAULT_PURPOSES)
    raw = os.environ.get("RYOKEN_BREAKGLASS_PURPOSES", "").strip()
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        role, sep, names = part.partition("=")
        chosen = tuple(n.strip() for n in names.split(",") if n.strip())
        unknown = [n for n in chosen if n not in PURPOSE_LABELS]
        if not sep or role.strip() not in Role.values or unknown:
            raise ConfigurationError(
                f"RYOKEN_BREAKGLASS_PURPOSES: cannot read {part!r}: write role=purpose,..."
                f" with roles among {', '.join(sorted(Role.values))} and purposes among"
                f" {', '.join(PURPOSE_LABELS)}, parts separated by ';'"
            )
        out[role.strip()] = chosen
    return out


def purposes_for(staff: Staff) -> tuple[str, ...]:
    return purposes_by_role().get(staff.role, ())


def needs_cosign(staff: Staff) -> bool:
    """A contractor's staff member never breaks glass alone."""
    return bool(staff.employer.kind == Employer.Kind.CONTRACTOR)


def may_cosign(staff: Staff) -> bool:
    """A co-signer is a supervisor employed by the office itself."""
    return staff.role == Role.SUPERVISOR and staff.employer.kind != Employer.Kind.CONTRACTOR


def is_counter_staff(staff: Staff) -> bool:
    return staff.role in COUNTER_ROLES


def per_day() -> int:
    return env_int("RYOKEN_BREAKGLASS_PER_DAY", 3)


def lookups_per_hour() -> int:
    return env_int("RYOKEN_BREAKGLASS_LOOKUPS_PER_HOUR", 10)


def misses_alert() -> int:
    return env_int("RYOKEN_BREAKGLASS_MISSES_ALERT", 3)


# Every break-glass (and match-limit) setting, with the least value it may take; checked at
# start-up (`web/checks.py`), so a bad value stops the server, not a clerk's request.
LIMITS: tuple[tuple[str, int], ...] = (
    ("RYOKEN_BREAKGLASS_PER_DAY", 0),
    ("RYOKEN_BREAKGLASS_LOOKUPS_PER_HOUR", 1),
    ("RYOKEN_BREAKGLASS_MISSES_ALERT", 1),
    ("RYOKEN_BREAKGLASS_MINUTES", 1),
    ("RYOKEN_MATCH_NO_MATCH_PER_TASK", 1),
    ("RYOKEN_MATCH_NO_MATCH_PER_DAY", 1),
)


def problems() -> list[str]:
    """What is wrong with the configured break-glass policy; empty when all is well."""
    out = []
    try:
        purposes_by_role()
    except ConfigurationError as error:
        out.append(error.message)
    for name, least in LIMITS:
        try:
            value = env_int(name, least)
        except ConfigurationError as error:
            out.append(error.message)
            continue
        if value < least:
            out.append(f"{name} must be at least {least}, not {value}")
    return out
