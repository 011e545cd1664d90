"""Ground truth: everything the office's system showed to the watched staff members.

An insider's scenario truth (`exposures` in truth.json) is what they *took*; an incident is
scoped on what they were *shown*, which is far more. This records the latter as
(subject, field, channel) per actor, at the places where the simulator emits the events
(workday.py, scenarios.py), from what it knows there: the fields a step shows, the document
on a print job, the family a 戸籍謄本 names. It never reads the event rows back, so the
incident scoping (`ryoken.incident`, which reads the ledger) is checked against an
independent answer.

What the system shows (the same rules the office documents in docs/events.md):

- `screen`: every field shown, or shown in masked form, on a screen, and every field
  checked by a match (the answer confirms a value). A 戸籍謄本 image shown also shows each
  family member it names, with what a 戸籍謄本 gives of a family member
  (`FIELDS_BY_ROLE[FAMILY_MEMBER]`).
- `print`, `copy`: every person on a print or copy job through ryoken, with the fields of
  the document (`ryoken.domain.paper`). The copier's own log of the same job adds nothing.

Not shown by the system, so not here: paper the applicant hands over, notes and copies made
around the system (a copier job with no ryoken watermark), the persons a search finds.
"""

from __future__ import annotations

from collections.abc import Iterable

from ryoken.domain.fields import FIELDS_BY_ROLE, SubjectRole
from ryoken.domain.paper import DOCUMENT_FIELDS
from ryoken.errors import InvalidInput

SCREEN, PRINT, COPY = "screen", "print", "copy"
KOSEKI_IMAGE = "koseki_image"
NAMED_FIELDS: tuple[str, ...] = FIELDS_BY_ROLE[SubjectRole.FAMILY_MEMBER]


class ShownLog:
    """(subject, field, channel) shown to each watched actor, over the whole run."""

    __slots__ = ("_named", "_rows", "watched")

    def __init__(self, watched: Iterable[str] = ()) -> None:
        self.watched = frozenset(watched)
        self._rows: dict[str, set[tuple[str, str, str]]] = {a: set() for a in self.watched}
        self._named: dict[str, set[str]] = {}

    def names(self, applicant: str, family: Iterable[str]) -> None:
        """The applicant filed a 戸籍謄本 naming `family` (called when the application is made)."""
        named = [p for p in family if p != applicant]
        if named:
            self._named.setdefault(applicant, set()).update(named)

    def screen(self, actor: str, subject: str, fields: Iterable[str]) -> None:
        if actor not in self.watched:
            return
        self._add(self._rows[actor], subject, fields, SCREEN)

    def paper(self, actor: str, subjects: Iterable[str], document: str, channel: str) -> None:
        if actor not in self.watched:
            return
        if channel not in (PRINT, COPY):
            raise InvalidInput(f"not a paper channel: {channel!r}")
        fields = DOCUMENT_FIELDS.get(document)
        if fields is None:  # the simulator prints only documents the office defines
            raise InvalidInput(f"the simulator printed an undefined document {document!r}")
        rows = self._rows[actor]
        for subject in subjects:
            self._add(rows, subject, fields, channel)

    def _add(
        self, rows: set[tuple[str, str, str]], subject: str, fields: Iterable[str], channel: str
    ) -> None:
        for name in fields:
            rows.add((subject, name, channel))
            if name == KOSEKI_IMAGE:  # the 戸籍謄本 names the family
                for member in self._named.get(subject, ()):
                    rows.update((member, f, channel) for f in NAMED_FIELDS)

    def truth(self) -> dict[str, object]:
        """For truth.json: per actor, the number of persons and the sorted rows."""
        return {
            actor: {
                "persons": len({s for s, _, _ in rows}),
                "rows": [list(r) for r in sorted(rows)],
            }
            for actor, rows in sorted(self._rows.items())
        }
