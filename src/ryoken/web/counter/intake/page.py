"""The paper-form page for the keyboard: where focus starts, what the error summary lists.

Server-side, so it works without scripts: the first field gets `autofocus` on a fresh form;
after an error, the first field in error gets it (the browser scrolls it into view), and a
summary at the top links to every field in error, in the order the page shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.forms import BoundField, Form
from django.utils.translation import gettext

# The applicant's part in the order the template shows it (sections top to bottom).
APPLICATION_ORDER = (
    "kind",
    "requested_validity",
    "name_kanji",
    "name_kana",
    "sex",
    "birth_date",
    "honseki_prefecture",
    "honseki_rest",
    "postcode",
    "address",
    "phone",
    "mobile",
    "email",
    "criminal_record",
    "current_passport_number",
    "current_passport_issued",
    "current_passport_expiry",
    "record_changes",
    "visa_pages_full",
    "passport_damaged",
    "ic_chip_failed",
    "proxy",
    "proxy_relation",
)


@dataclass(frozen=True)
class Problem:
    """One line of the error summary: what is wrong and where (an element id, or "")."""

    where: str  # the section and field, in words
    message: str
    anchor: str

    @property
    def text(self) -> str:
        if not self.where:
            return self.message
        return gettext("%(where)s：%(message)s") % {"where": self.where, "message": self.message}


@dataclass(frozen=True)
class _Block:
    form: Form
    title: str  # "" for the applicant's own part
    fields: tuple[BoundField, ...]


def _blocks(application: Form, representative: Form, contact: Form, family: Any) -> list[_Block]:
    blocks = [_Block(application, "", tuple(application[n] for n in APPLICATION_ORDER))]
    for i, member in enumerate(family.forms, start=1):
        title = gettext("家族%(n)s") % {"n": i}
        blocks.append(_Block(member, title, tuple(member)))
    blocks.append(_Block(representative, gettext("法定代理人"), tuple(representative)))
    blocks.append(_Block(contact, gettext("緊急連絡先"), tuple(contact)))
    return blocks


def problems(application: Form, representative: Form, contact: Form, family: Any) -> list[Problem]:
    """Every error on the page, in page order, each linking to its field (or its block)."""
    found: list[Problem] = []
    if not application.is_bound:
        return found
    for message in family.non_form_errors():
        first = family.forms[0] if family.forms else None
        anchor = first["name_kanji"].auto_id if first is not None else ""
        found.append(Problem(gettext("家族"), str(message), anchor))
    for block in _blocks(application, representative, contact, family):
        for message in block.form.non_field_errors():
            anchor = block.fields[0].auto_id if block.title else ""
            found.append(Problem(block.title, str(message), anchor))
        for field in block.fields:
            for message in field.errors:
                label = str(field.label)
                where = gettext("%(block)s：%(field)s") % {"block": block.title, "field": label}
                found.append(Problem(where if block.title else label, str(message), field.auto_id))
    return found


def focus(application: Form, representative: Form, contact: Form, family: Any) -> str:
    """Put `autofocus` on the field the clerk should type in next; its element id.

    A fresh form: the first field. After errors: the first field in error, else the first
    field of the first block with an error of its own (a 法定代理人 required for a minor).
    """
    target: BoundField | None = None
    if not application.is_bound:
        target = application[APPLICATION_ORDER[0]]
    else:
        for block in _blocks(application, representative, contact, family):
            in_error = [f for f in block.fields if f.errors]
            if in_error:
                target = in_error[0]
            elif block.form.non_field_errors() and block.title:
                target = block.fields[0]
            if target is not None:
                break
    if target is None:
        return ""
    target.field.widget.attrs["autofocus"] = True
    return target.auto_id


def family_rows(family: Any) -> list[dict[str, Any]]:
    """Each family row with whether it opens: it holds data or errors (else it is folded)."""
    rows = []
    for i, member in enumerate(family.forms, start=1):
        holds = member.is_bound and not member.is_blank()
        rows.append(
            {
                "form": member,
                "n": i,
                "open": holds or bool(member.errors),
                "errors": bool(member.errors),
            }
        )
    return rows
