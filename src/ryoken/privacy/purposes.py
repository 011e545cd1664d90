"""Break-glass purposes: what an urgent need outside any task may open, by purpose.

Break-glass used to open every identity and contact field of a whole application's family,
whatever the reason. Now the staff member picks a purpose; the grant opens only that
purpose's fields (within the break-glass row of `policy.POLICY`), and only for the person
named (for a reception number: the applicant, not the family). Which roles may use which
purpose is the office's configuration (web/casework/breakglass_policy.py).

- status_inquiry: the applicant calls about their application or pickup date. The clerk
  needs to be sure who the record is, not how to reach them: name and reading.
- urgent_contact: the office must reach the applicant now (a document problem, a production
  error before a trip): name and contact data.
- identify_person: somebody must be identified now (a person at the counter without their
  ticket, an emergency): name, romaji, sex, birth date and photo.
- passport_record: a report about a passport (police, an embassy) needs its number and the
  previous one, with the name and birth date to be sure.
- appi_notice: the privacy officer's notice to each person of an incident: name and address.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ryoken.privacy.policy import POLICY, Step

_PURPOSES: dict[str, tuple[str, ...]] = {
    "status_inquiry": ("name_kanji", "name_kana"),
    "urgent_contact": ("name_kanji", "name_kana", "phone", "mobile", "email"),
    "identify_person": (
        "name_kanji", "name_kana", "name_romaji", "sex", "birth_date", "face_photo",
    ),
    "passport_record": (
        "name_kanji", "name_kana", "name_romaji", "birth_date",
        "passport_number", "previous_passport",
    ),
    # Not a staff purpose: the privacy officer's notices to the persons of an incident
    # (web/incident/notification.notices_of); no role picks it on the break-glass screen.
    "appi_notice": ("name_kanji", "postcode", "address"),
}  # fmt: skip

PURPOSE_FIELDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {p: frozenset(f) for p, f in _PURPOSES.items()}
)

_outside = {f for fields in PURPOSE_FIELDS.values() for f in fields} - set(POLICY[Step.BREAK_GLASS])
if _outside:  # a purpose can narrow break-glass, never widen it
    raise ValueError(f"purposes name fields break-glass may not open: {sorted(_outside)}")


def purpose_allows(purpose: str, field: str) -> bool:
    """Whether a break-glass grant for `purpose` may touch `field` (unknown purpose: no)."""
    return field in PURPOSE_FIELDS.get(purpose, frozenset())
