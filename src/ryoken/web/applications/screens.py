"""What a screen may show of a person at a step, fetched through the gateway.

`screen_views` asks the vault once for everything a screen shows of its persons
(`gateway.disclose_screen`: one access decision, one durable ledger commit): the fields the
step SHOWS, those it MASKS (masking happens inside the vault) and the MATCH_ONLY ones, listed
as "照合のみ" with no value; HIDDEN fields are absent. Every value on screen is therefore in
the ledger. `person_view` is the screen of one person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest

from ryoken import clock
from ryoken.domain.fields import FIELDS_BY_NAME, FIELDS_BY_ROLE, SubjectRole
from ryoken.privacy.policy import Exposure, Step, exposure
from ryoken.web.access.models import Grant
from ryoken.web.access.policy import ScreenItem
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
    wanted = fields if fields is not None else FIELDS_BY_ROLE[SubjectRole(role)]
    return screen_views(grant=grant, people=[(subject_id, wanted)], purpose=purpose)[subject_id]


def screen_views(
    *,
    grant: Grant,
    people: Sequence[tuple[str, Sequence[str]]],
    purpose: str | None = None,
    actor: str | None = None,
) -> dict[str, list[FieldView]]:
    """For each (person, fields) of a screen, the fields this grant's step allows: one
    access decision and one durable ledger commit for the whole screen. `actor` is who
    looks (the grant's holder, or a supervisor assisting at it)."""
    step = Step(grant.step)
    merged: dict[str, list[str]] = {}  # a person named twice is asked for once
    for subject_id, wanted in people:
        fields = merged.setdefault(subject_id, [])
        fields += [name for name in wanted if name not in fields]
    items = []
    for subject_id, wanted in merged.items():
        by_exposure: dict[Exposure, list[str]] = {e: [] for e in Exposure}
        for name in wanted:
            by_exposure[exposure(step, name)].append(name)
        items.append(
            ScreenItem(
                subject_id,
                shown=tuple(by_exposure[Exposure.SHOWN]),
                masked=tuple(by_exposure[Exposure.MASKED]),
                match_only=tuple(by_exposure[Exposure.MATCH_ONLY]),
            )
        )
    values: dict[str, dict[str, str | bytes | None]] = {}
    if any(item.shown or item.masked for item in items):  # else nothing leaves the vault
        values = gateway.disclose_screen(
            actor=actor or grant.staff.staff_id,
            grant=grant.grant_id,
            terminal=grant.window.code if grant.window else None,
            purpose=purpose or str(step),
            items=[item for item in items if item.shown or item.masked or item.match_only],
        )
    out: dict[str, list[FieldView]] = {}
    for subject_id, wanted in merged.items():
        shown = values.get(subject_id, {})
        rows = out[subject_id] = []
        for name in wanted:
            level = exposure(step, name)
            if level is Exposure.HIDDEN:
                continue
            meta = FIELDS_BY_NAME[name]
            rows.append(FieldView(name, meta.label_ja, meta.label_en, level, shown.get(name)))
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


def watermark_for(request: HttpRequest, grant: Grant | None) -> dict[str, object]:
    """The watermark of a counter screen: the staff member, the grant's window, the time."""
    now = clock.local_now().strftime("%Y-%m-%d %H:%M")
    return watermark(grant, request.staff.staff_id, now)  # type: ignore[attr-defined]
