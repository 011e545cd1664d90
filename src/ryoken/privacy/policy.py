"""Least exposure: what each step of the work may see of each personal-data field.

Exposures, from most to least:

- SHOWN       the value itself
- MASKED      the masked form (`masking.py`): enough to recognise, not to copy
- MATCH_ONLY  the clerk types what the applicant presents and the system answers
              match / no match; the stored value is never shown
- HIDDEN      nothing, not even whether a value exists

A field the table does not list for a step is HIDDEN (fail-safe): a field added to the
catalogue is invisible everywhere until someone decides who needs it.

Why each step sees what it sees:

- intake (受付/受理): the counter clerk enters and confirms the form and checks identity and
  residence (人違いでないこと) against the documents in hand, so names, romaji, sex, birth
  date, 本籍, address, the photo and the scanned 戸籍謄本 are shown. Phones and e-mail only
  need confirming: masked. The old passport's number is checked against the passport the
  applicant hands over: match only. 刑罰等関係 answers and other nationality are not the
  clerk's to judge: hidden (the workflow routes a "yes" on its own).
- review (審査): the examiner decides eligibility and the spelling of the name, checks the
  form against the 戸籍謄本, previous passports (lapse surcharge, lost records) and other
  nationality. Where the applicant lives matters only to the municipality (masked); the
  examiner does not contact the applicant (phone masked, e-mail hidden).
- senior_review: review's view plus the 刑罰等関係 answers, which only this step judges
  (要配慮個人情報). The 戸籍謄本 has been checked by then and names the whole family: hidden.
- production (発注): the order to the National Printing Bureau needs what is printed: romaji
  (and 別名併記), sex, birth date, 本籍 prefecture (the mask keeps exactly that), passport
  number, photo and signature. Kanji, kana, address and phones are not printed: hidden.
  (Nationality is always JAPAN and not a catalogue field; other nationality stays hidden.)
- pickup (交付): the person collecting is checked against the photo (shown); birth date and
  passport number (and the returned old passport) are confirmed by match only; the name is
  shown to call and hand over; readings, romaji and address masked for confirmation.
- loss_report (紛失届): the clerk identifies the lost passport with the person present: the
  name and reading shown, birth date match only, photo shown, the lost passport's number and
  the contact data masked, the police report or 罹災証明書 (document image) shown.
- qa_review: quality assurance checks that the work was done right, from the ledger and the
  workflow; it must tell records apart but need not read them: masked text, no images.
- inquiry (電話照会・状況確認): a phone or status inquiry answers where an application is
  (its state, dates, whether it is ready to collect) from the application record, not from
  the vault; the reading of the name is shown masked, enough to confirm with the caller,
  and a callback's result list tells namesakes apart by the masked reading and birth year.
  Everything else is hidden. The application's status is a record field
  (`RECORD_FIELDS`): named in the ledger like a personal-data field, never in the vault.
- break_glass: an urgent need outside any task (a person to identify or reach now), with a
  typed reason a supervisor reviews: identity and contact data shown; sensitive answers,
  signatures and document images never open by a typed reason alone — they need a task.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from ryoken.domain.fields import FIELDS, FIELDS_BY_NAME


class Exposure(StrEnum):
    SHOWN = "shown"
    MASKED = "masked"
    MATCH_ONLY = "match_only"
    HIDDEN = "hidden"


class Step(StrEnum):
    INTAKE = "intake"  # 受付・受理
    REVIEW = "review"  # 審査
    SENIOR_REVIEW = "senior_review"  # 刑罰等関係 cases
    PRODUCTION = "production"  # 発注 to the National Printing Bureau
    PICKUP = "pickup"  # 交付
    LOSS_REPORT = "loss_report"  # 紛失届・焼失届
    QA_REVIEW = "qa_review"
    BREAK_GLASS = "break_glass"
    INQUIRY = "inquiry"  # 電話照会・状況確認 (schema v2)


S, M, X = Exposure.SHOWN, Exposure.MASKED, Exposure.MATCH_ONLY

# The policy, one row per step. Anything not listed is HIDDEN.
_TABLE: dict[Step, dict[str, Exposure]] = {
    Step.INTAKE: {
        "name_kanji": S, "name_kana": S, "name_romaji": S, "other_name": S, "sex": S,
        "birth_date": S, "honseki": S, "address": S, "postcode": S, "relation": S,
        "phone": M, "mobile": M, "email": M,
        "passport_number": X, "previous_passport": X,
        "face_photo": S, "signature_image": S, "koseki_image": S, "document_image": S,
    },
    Step.REVIEW: {
        "name_kanji": S, "name_kana": S, "name_romaji": S, "other_name": S, "sex": S,
        "birth_date": S, "honseki": S, "relation": S, "previous_passport": S,
        "other_nationality": S,
        "address": M, "postcode": M, "phone": M, "mobile": M, "passport_number": M,
        "face_photo": S, "signature_image": S, "koseki_image": S, "document_image": S,
    },
    Step.SENIOR_REVIEW: {
        "name_kanji": S, "name_kana": S, "name_romaji": S, "other_name": S, "sex": S,
        "birth_date": S, "honseki": S, "relation": S, "previous_passport": S,
        "other_nationality": S, "criminal_answers": S,
        "address": M, "postcode": M, "phone": M, "mobile": M, "passport_number": M,
        "face_photo": S, "signature_image": S, "document_image": S,
    },
    Step.PRODUCTION: {
        "name_romaji": S, "other_name": S, "sex": S, "birth_date": S, "honseki": M,
        "passport_number": S, "face_photo": S, "signature_image": S,
    },
    Step.PICKUP: {
        "name_kanji": S, "name_kana": M, "name_romaji": M, "address": M,
        "birth_date": X, "passport_number": X, "previous_passport": X,
        "face_photo": S,
    },
    Step.LOSS_REPORT: {
        "name_kanji": S, "name_kana": S, "name_romaji": M, "birth_date": X,
        "address": M, "phone": M, "mobile": M, "passport_number": M, "previous_passport": M,
        "face_photo": S, "document_image": S,
    },
    Step.QA_REVIEW: {
        "name_kanji": M, "name_kana": M, "name_romaji": M, "birth_date": M, "honseki": M,
        "address": M, "postcode": M, "phone": M, "mobile": M, "email": M,
        "passport_number": M, "previous_passport": M,
    },
    Step.BREAK_GLASS: {
        "name_kanji": S, "name_kana": S, "name_romaji": S, "sex": S, "birth_date": S,
        "address": S, "postcode": S, "phone": S, "mobile": S, "email": S, "relation": S,
        "passport_number": S, "previous_passport": S, "honseki": M,
        "face_photo": S,
    },
    Step.INQUIRY: {"name_kana": M, "birth_date": M},
}  # fmt: skip

# Fields about an application (not a person's values, not in the vault) that a step's
# screen shows and the ledger names as shown: the inquiry desk's status.
RECORD_FIELDS: Mapping[Step, frozenset[str]] = MappingProxyType(
    {Step.INQUIRY: frozenset({"application_status"})}
)
ALL_RECORD_FIELDS: frozenset[str] = frozenset().union(*RECORD_FIELDS.values())

POLICY: Mapping[Step, Mapping[str, Exposure]] = MappingProxyType(
    {step: MappingProxyType(row) for step, row in _TABLE.items()}
)

_unknown = {f for row in POLICY.values() for f in row} - set(FIELDS_BY_NAME)
if _unknown:  # a typo in the table would otherwise hide a field silently
    raise ValueError(f"policy names fields not in the catalogue: {sorted(_unknown)}")

_FULL: Mapping[Step, Mapping[str, Exposure]] = {
    step: MappingProxyType(
        {f.name: POLICY.get(step, {}).get(f.name, Exposure.HIDDEN) for f in FIELDS}
    )
    for step in Step
}


def policy_for(step: Step | str) -> Mapping[str, Exposure]:
    """Every catalogue field's exposure at `step` (read-only). Unknown step → ValueError."""
    return _FULL[Step(step)]


def exposure(step: Step | str, field: str) -> Exposure:
    """The exposure of one field at one step; a field outside the catalogue is HIDDEN."""
    return policy_for(step).get(field, Exposure.HIDDEN)


def fields_with(step: Step | str, *exposures: Exposure) -> tuple[str, ...]:
    """The fields at `step` with any of `exposures`, in catalogue order."""
    return tuple(name for name, e in policy_for(step).items() if e in exposures)
