"""The staff and subjects tables detection reads, built from the database (docs/events.md).

Staff: role, employer kind, vendor (the employer's name, for contractors), hire date,
contract end and notice date. Nothing else: the office records no nationality or other
protected attribute, and detection is given none.

Subjects: a family token per group of persons named together as applicant and family on an
application (the 戸籍 the papers show; joined across applications that share a person), the
watchlist flag, canary flags with the canary's planted window and clerk, and the surname and
municipality tokens the vault derived when it stored the name and address (blind indexes for
detection only: no search finds a person by them).

Staff carry the same two tokens: the surname of their display name (family name first, then a
space) and the municipality of their home address, kept only as a token (`Staff.area_token`).
Tokens are HMACs under the office's blind-index key: equal or not, nothing more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import polars as pl

from ryoken.detect.load import empty_staff, empty_subjects
from ryoken.domain.fields import SubjectRole
from ryoken.web.accounts.models import Employer, Staff
from ryoken.web.applications.models import Application, ApplicationPerson
from ryoken.web.vault import keys
from ryoken.web.vault.models import Subject, Token
from ryoken.web.watch.models import CanaryPlacement, Watchlist

FAMILY_ROLES = (SubjectRole.APPLICANT.value, SubjectRole.FAMILY_MEMBER.value)
_IN_CHUNK = 500  # ids per IN (...) clause: well under every database's parameter limit


def staff_table() -> pl.DataFrame:
    """Every staff member, in the staff-file columns."""
    schema = empty_staff().schema
    columns: dict[str, list[object]] = {name: [] for name in schema}
    indexer = keys.blind_indexer()
    for s in Staff.objects.select_related("employer").order_by("staff_id"):
        contractor = s.employer.kind == Employer.Kind.CONTRACTOR
        row: dict[str, object] = {
            "staff_id": s.staff_id,
            "role": s.role,
            "employer_kind": s.employer.kind,
            "vendor": s.employer.name if contractor else None,
            "hired_on": s.hired_on,
            "contract_end": s.contract_end,
            "notice_given_on": s.notice_given_on,
            "office": s.office,
            "surname_token": indexer.derived_tokens("name_kanji", s.display_name).get("surname"),
            "area_token": s.area_token or None,
        }
        for name in schema:
            columns[name].append(row[name])
    return pl.DataFrame(columns, schema=schema)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def family_tokens(subjects: Iterable[str]) -> dict[str, str]:
    """subject → family token, for the given subjects and everyone named with them.

    Persons named together as applicant or family member on one application share a token;
    a person on two applications joins the two groups (union-find). The token is a hash of
    the group's smallest subject id, so it reveals nothing beyond "same family"."""
    wanted = sorted(set(subjects))
    apps: set[int] = set()
    for part in _chunks(wanted):
        apps.update(
            ApplicationPerson.objects.filter(subject__in=part, role__in=FAMILY_ROLES).values_list(
                "application_id", flat=True
            )
        )
        apps.update(Application.objects.filter(applicant__in=part).values_list("pk", flat=True))
    members: dict[int, set[str]] = {}
    app_ids = sorted(apps)
    for part_ids in (app_ids[i : i + _IN_CHUNK] for i in range(0, len(app_ids), _IN_CHUNK)):
        rows = ApplicationPerson.objects.filter(
            application_id__in=part_ids, role__in=FAMILY_ROLES
        ).values_list("application_id", "subject")
        for app_id, subject in rows:
            members.setdefault(app_id, set()).add(subject)
        for app_id, applicant in Application.objects.filter(pk__in=part_ids).values_list(
            "pk", "applicant"
        ):
            members.setdefault(app_id, set()).add(applicant)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in members.values():
        if len(group) < 2:
            continue
        first, *rest = sorted(group)
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {
        subject: "fam_" + hashlib.sha256(find(subject).encode()).hexdigest()[:24]
        for subject in parent
    }


def subjects_table(subjects: Iterable[str]) -> pl.DataFrame:
    """Tokens and flags for the subjects detection will see (and every canary and
    watch-listed person, whom it must recognise wherever they appear)."""
    subjects = list(subjects)
    families = family_tokens(subjects)
    watch = set(Watchlist.objects.values_list("subject_id", flat=True))
    placements = {
        p.subject_id: (p.window or None, p.staff_id or None) for p in CanaryPlacement.objects.all()
    }
    canaries = set(Subject.objects.filter(canary=True).values_list("id", flat=True))
    canaries |= set(placements)
    ids = sorted(set(families) | watch | canaries | set(subjects))
    derived: dict[tuple[str, str], str] = {}
    for part in _chunks(ids):
        rows = Token.objects.filter(subject_id__in=part, kind__in=("surname", "municipality"))
        for subject, kind, token in rows.values_list("subject_id", "kind", "token"):
            derived[(subject, kind)] = token
    schema = empty_subjects().schema
    window_staff = [placements.get(s, (None, None)) for s in ids]
    return pl.DataFrame(
        {
            "subject_id": ids,
            "family_token": [families.get(s) for s in ids],
            "surname_token": [derived.get((s, "surname")) for s in ids],
            "area_token": [derived.get((s, "municipality")) for s in ids],
            "watchlist": [s in watch for s in ids],
            "canary": [s in canaries for s in ids],
            "canary_window": [w for w, _ in window_staff],
            "canary_staff": [st for _, st in window_staff],
        },
        schema=schema,
    )


def subjects_in(frame: pl.DataFrame) -> list[str]:
    """The distinct subject ids an events frame names."""
    if frame.is_empty():
        return []
    return (
        frame.select(pl.col("subjects").explode().drop_nulls().unique())
        .to_series()
        .sort()
        .to_list()
    )
