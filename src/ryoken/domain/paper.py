"""What each printed or copied document shows of the persons on it.

A print or copy job records its persons and its document, not field values (the ledger
never holds values). Scoping an incident (`ryoken.incident.exposures`) and the simulator's
ground truth (`ryoken.sim.shown`) both need to know which personal-data items each document
carries; this is the office's one answer. A document's fields are what its layout carries
for every person on it. A document not listed here is counted by scoping with every field
the office holds for the person's roles and is reported as unknown, so the officer can add it.

Names are those the print and copy events use: the web app's (`web/counter/prints/text.py`
and `service.py`) and the simulator's (`sim/workday.py`, `sim/scenarios.py`) where they
differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ryoken.domain.fields import FIELDS_BY_NAME

_IDENTITY_DOCUMENT = ("name_kanji", "birth_date", "address", "face_photo")
_PICKUP = ("name_kanji", "passport_number")

DOCUMENT_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # printed by ryoken
        "receipt": ("name_kanji",),  # 受理票
        "loss_receipt": ("name_kanji",),  # 紛失届の受理票
        "pickup_record": _PICKUP,  # 交付記録
        "issuance_receipt": _PICKUP,  # 交付の控え (the simulator's name)
        "search_results": ("name_kanji", "birth_date", "address"),  # 照会結果の一覧
        # copied through ryoken
        "identity_document": _IDENTITY_DOCUMENT,  # 本人確認書類 (運転免許証など)
        "id_document": _IDENTITY_DOCUMENT,  # the same (the simulator's name)
        "police_report": ("name_kanji", "address"),  # 遺失届の受理番号控え・罹災証明書
        "application_form": (  # 一般旅券発給申請書
            "name_kanji",
            "name_kana",
            "name_romaji",
            "sex",
            "birth_date",
            "honseki",
            "address",
            "postcode",
            "phone",
            "relation",
            "signature_image",
        ),
        "loss_report_form": (  # 紛失一般旅券等届出書
            "name_kanji",
            "name_kana",
            "birth_date",
            "address",
            "phone",
            "passport_number",
        ),
        "koseki": ("koseki_image",),  # 戸籍謄本: scoping adds the family it names
        "old_passport": (  # 旧旅券 (voided)
            "name_romaji",
            "sex",
            "birth_date",
            "passport_number",
            "face_photo",
            "signature_image",
        ),
    }
)

_unknown = {f for fields in DOCUMENT_FIELDS.values() for f in fields} - set(FIELDS_BY_NAME)
if _unknown:  # a typo would otherwise under-report a document silently
    raise ValueError(f"documents name fields not in the catalogue: {sorted(_unknown)}")
