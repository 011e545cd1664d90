"""What a person is told when they ask who saw their data (see docs/who-saw.md).

An access log handed to one person can reveal another person's business: a person named on
a relative's application (a child in the parent's 戸籍謄本) would learn from "the counter
read your record on 3 May" that the relative applied that day, and a person under a police
inquiry would learn of the inquiry. So each access is judged by what it was for:

- the person's own procedures (their application, pickup, review, production, loss report),
  the office's oversight (break-glass, incident response) and system imports: told;
- work on an application in which the person is named but is not the applicant: withheld,
  because it is the applicant's business, not theirs;
- an inquiry by an investigating authority (`LAW_PURPOSES`): withheld until the date the
  entry names in `disclose_after`, if any; until then it stays out of the answer.

Every answer carries the same fixed sentence saying that these two kinds are left out,
whether or not there are any, so the sentence itself reveals nothing. Pure: no Django.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

# Purpose steps (the part of a ledger purpose before ':') of an investigating authority's
# inquiry. No screen records them yet; an entry with one of them is never told early.
LAW_PURPOSES = frozenset({"police_inquiry", "court_order"})


class Told(StrEnum):
    TOLD = "told"
    RELATIVE = "relative"  # another person's application: that person's business
    LAW = "law"  # an authority's inquiry: withheld until the law allows


class NamedAs(StrEnum):
    """The person's part in the work an access was for."""

    APPLICANT = "applicant"  # their own application (or visit)
    OTHER = "other"  # named on someone else's application (family, contact, ...)
    NONE = "none"  # the access was not for any application (break-glass, oversight)


def purpose_step(purpose: str) -> str:
    """The step of a ledger purpose: "intake:reveal" -> "intake"."""
    return purpose.partition(":")[0]


def decide(
    purpose: str, named_as: NamedAs, *, on: date, disclose_after: date | None = None
) -> Told:
    """Whether an access for `purpose` is told to the person, as judged on the day `on`."""
    if purpose_step(purpose) in LAW_PURPOSES:
        if disclose_after is not None and on >= disclose_after:
            return Told.TOLD
        return Told.LAW
    if named_as is NamedAs.OTHER:
        return Told.RELATIVE
    return Told.TOLD
