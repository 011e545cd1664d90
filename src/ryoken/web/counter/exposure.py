"""What a screen may show of a person at a step, fetched through the gateway.

`person_view` asks the vault once for the fields the step SHOWS and once for those it
MASKS (masking happens inside the vault); MATCH_ONLY fields are listed as "照合のみ" with no
value; HIDDEN fields are absent. Every value on screen is therefore in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

from ryoken.domain.fields import FIELDS_BY_NAME, FIELDS_BY_ROLE, SubjectRole
from ryoken.privacy.policy import Exposure, Step, exposure
from ryoken.web.counter.models import Grant
from ryoken.web.vault import gateway


@dataclass(frozen=True)
class FieldView:
    name: str
    label_ja: str
    label_en: str
    exposure: Exposure
    value: str | bytes | None  # None for match-only, or a value not on file


def person_view(
    *,
    grant: Grant,
    subject_id: str,
    role: SubjectRole | str = SubjectRole.APPLICANT,
    fields: tuple[str, ...] | None = None,
    purpose: str | None = None,
) -> list[FieldView]:
    """The fields of one person this grant's step allows, in catalogue order."""
    step = Step(grant.step)
    wanted = fields if fields is not None else FIELDS_BY_ROLE[SubjectRole(role)]
    by_exposure: dict[Exposure, list[str]] = {e: [] for e in Exposure}
    for name in wanted:
        by_exposure[exposure(step, name)].append(name)
    values: dict[str, str | bytes | None] = {}
    common = {
        "actor": grant.staff.staff_id,
        "subject_id": subject_id,
        "purpose": purpose or str(step),
        "grant": grant.grant_id,
        "terminal": grant.window.code if grant.window else None,
    }
    if by_exposure[Exposure.SHOWN]:
        values.update(gateway.disclose(fields=by_exposure[Exposure.SHOWN], **common))
    if by_exposure[Exposure.MASKED]:
        values.update(gateway.disclose(fields=by_exposure[Exposure.MASKED], masked=True, **common))
    out = []
    for name in wanted:
        level = exposure(step, name)
        if level is Exposure.HIDDEN:
            continue
        meta = FIELDS_BY_NAME[name]
        out.append(FieldView(name, meta.label_ja, meta.label_en, level, values.get(name)))
    return out


def reveal(*, grant: Grant, subject_id: str, field: str, reason: str) -> str | bytes | None:
    """Reveal one masked field with a typed reason (the ledger records the reason)."""
    return gateway.disclose(
        actor=grant.staff.staff_id,
        subject_id=subject_id,
        fields=[field],
        purpose=f"{grant.step}:reveal",
        grant=grant.grant_id,
        terminal=grant.window.code if grant.window else None,
        reason=reason,
    )[field]


def watermark(grant: Grant | None, staff_id: str, now_text: str) -> dict[str, object]:
    """The visible watermark on every screen that shows personal data."""
    window = grant.window.code if grant is not None and grant.window else "-"
    return {"text": f"{staff_id} / {window} / {now_text}", "repeat": range(40)}
