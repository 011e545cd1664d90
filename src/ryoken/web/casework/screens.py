"""What back-office screens show of people: `person_view` rows, ready for a template.

Every value comes from `applications.screens.screen_views` (one access decision and one ledger
commit for all the persons of a screen) under the work's grant, so the step's
policy decides what appears (hidden fields are absent, match-only fields have no value) and
every value on screen is in the ledger.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext, gettext_noop

from ryoken import clock
from ryoken.domain.fields import FIELDS_BY_NAME, FIELDS_BY_ROLE, SubjectRole
from ryoken.web.access.models import Grant
from ryoken.web.applications import screens
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.i18n import bilingual
from ryoken.web.i18n import state_label as _state_label

# Japanese, marked for the catalog (gettext_noop); translated where shown.
ROLE_LABELS: dict[str, str] = {
    SubjectRole.APPLICANT: gettext_noop("申請者"),
    SubjectRole.FAMILY_MEMBER: gettext_noop("戸籍記載者（家族）"),
    SubjectRole.LEGAL_REPRESENTATIVE: gettext_noop("法定代理人"),
    SubjectRole.EMERGENCY_CONTACT: gettext_noop("緊急連絡先"),
}
ROLE_ORDER = list(ROLE_LABELS)
KIND_LABELS: dict[str, str] = {
    "new": gettext_noop("新規"),
    "renewal": gettext_noop("切替"),
    "record_change": gettext_noop("記載事項変更"),
    "record_change_same_expiry": gettext_noop("記載事項変更（残存有効期間同一）"),
    "loss_report": gettext_noop("紛失届"),
}
CHANNEL_LABELS = {"paper": gettext_noop("窓口"), "online": gettext_noop("オンライン")}
SEX_LABELS = {"M": gettext_noop("男"), "F": gettext_noop("女")}
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"%PDF", "application/pdf"))


def kind_label(kind: str) -> str:
    return gettext(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def channel_label(channel: str) -> str:
    return gettext(CHANNEL_LABELS[channel]) if channel in CHANNEL_LABELS else channel


def state_label(state: str) -> str:
    return _state_label(state)


def display(name: str, value: str | bytes | None) -> dict[str, Any]:
    if value is None:
        return {"text": None}
    if isinstance(value, bytes):
        mime = next((m for magic, m in _MAGIC if value.startswith(magic)), "")
        if not mime and value.lstrip().startswith(b"<svg"):
            mime = "image/svg+xml"  # shown in <img>, where a script in it never runs
        if not mime:
            return {"text": gettext("（画像 %(kb)s KB）") % {"kb": len(value) // 1024}}
        return {
            "image": f"data:{mime};base64,{base64.b64encode(value).decode()}",
            "pdf": mime == "application/pdf",
        }
    if name == "sex":
        return {"text": gettext(SEX_LABELS[value]) if value in SEX_LABELS else value}
    return {"text": value}


def roles_in(application: Application) -> dict[str, list[str]]:
    """subject → the roles the application names them in (the applicant always)."""
    roles: dict[str, list[str]] = defaultdict(list)
    roles[application.applicant].append(SubjectRole.APPLICANT)
    for person in ApplicationPerson.objects.filter(application=application).order_by("pk"):
        if person.role not in roles[person.subject]:
            roles[person.subject].append(person.role)
    return roles


def sections(grant: Grant, roles: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One card per person: the fields their roles hold that the grant's step lets out."""
    out = []
    people: list[tuple[str, tuple[str, ...]]] = []
    roles_known: dict[str, list[str]] = {}
    for subject, held in roles.items():
        known = [r for r in held if r in ROLE_LABELS] or [SubjectRole.APPLICANT]
        wanted: set[str] = set()
        for role in known:
            wanted.update(FIELDS_BY_ROLE[SubjectRole(role)])
        people.append((subject, tuple(f for f in FIELDS_BY_NAME if f in wanted)))
        roles_known[subject] = known
    # The whole screen in one access decision and one durable ledger commit.
    views = screens.screen_views(grant=grant, people=people) if people else {}
    for subject, known in roles_known.items():
        rows = views[subject]
        known.sort(key=ROLE_ORDER.index)
        out.append(
            {
                "subject": subject,
                "order": ROLE_ORDER.index(known[0]),
                "title": gettext("・").join(gettext(ROLE_LABELS[r]) for r in known),
                "rows": [
                    {
                        "name": r.name,
                        "label": bilingual(r.label_ja, FIELDS_BY_NAME[r.name].label_en),
                        "exposure": str(r.exposure),
                    }
                    | display(r.name, r.value)
                    for r in rows
                ],
            }
        )
    return sorted(out, key=lambda s: s["order"])


def subjects_roles(
    subjects: Iterable[str], known: dict[str, tuple[str, str]]
) -> dict[str, list[str]]:
    return {s: [known.get(s, (SubjectRole.APPLICANT, ""))[0]] for s in subjects}


def watermark(grant: Grant | None, staff_id: str) -> dict[str, object]:
    now = clock.local_now().strftime("%Y-%m-%d %H:%M")
    return screens.watermark(grant, staff_id, now)
