"""The evidence hold: one action freezes the clerk, holds her persons' data against
retention, and exports a signed bundle; each step is in the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _codes() -> list[str]:
    from ryoken.web.ledger.models import Entry

    return list(Entry.objects.order_by("seq").values_list("code", flat=True))


def test_it_freezes_the_clerk_so_the_vault_refuses_her(office):
    from ryoken.errors import AccessDenied
    from ryoken.web.access.models import Grant
    from ryoken.web.incident import evidence
    from ryoken.web.vault import gateway

    grant = Grant.objects.filter(staff=office.clerk).first()
    evidence.place_hold(office.incident(), officer=office.officer)
    office.clerk.refresh_from_db()
    assert office.clerk.frozen
    subject = sorted(office.shown[office.clerk.staff_id])[0]
    with pytest.raises(AccessDenied):
        gateway.disclose(
            actor=office.clerk.staff_id,
            subject_id=subject,
            fields=("name_kanji",),
            purpose="intake",
            grant=grant.grant_id,
        )


def test_it_keeps_held_persons_through_retention_and_shreds_the_rest(office):
    from django.utils import timezone

    from ryoken.web.incident import evidence
    from ryoken.web.vault.models import Subject
    from ryoken.web.vault.operations import run_retention

    result = evidence.place_hold(office.incident(), officer=office.officer)
    assert result.subjects == len(office.shown[office.clerk.staff_id])
    Subject.objects.update(retain_until=timezone.localdate() - timedelta(days=1))
    run_retention(actor="system", today=timezone.localdate())
    kept = set(Subject.objects.filter(wrapped_key__isnull=False).values_list("pk", flat=True))
    assert kept == office.shown[office.clerk.staff_id]


def test_it_records_the_hold_and_the_export_in_the_ledger(office):
    from ryoken.incident.bundle import verify_bundle
    from ryoken.web.incident import evidence
    from ryoken.web.ledger import checkpoints

    result = evidence.place_hold(office.incident(), officer=office.officer)
    codes = _codes()
    assert codes.index("hold.place") < codes.index("export.evidence")
    report = verify_bundle(result.bundle, checkpoints.load_public_key())
    assert report.ok, report.problems
    actors = {event.actor for _, event in report.events}
    assert actors == {office.clerk.staff_id}
    assert report.entries_checked == result.entries > 0


def test_it_scopes_exactly_the_fields_and_persons_the_clerk_was_shown(office):
    from ryoken.web.incident import scoping

    from .conftest import FIELDS

    found = scoping.incident_scope(office.incident())
    shown = office.shown[office.clerk.staff_id]
    assert found.persons == len(shown)
    assert {s.subject for s in found.subjects} == shown
    assert dict(found.by_field) == dict.fromkeys(FIELDS, len(shown))
    assert found.by_role == {"applicant": 5, "family_member": 5}


def test_it_records_every_scope_export(office):
    from ryoken.web.incident import scoping

    before = _codes().count("export.evidence")
    data = scoping.export_scope(office.incident(), "xlsx", officer=office.officer)
    assert data[:2] == b"PK"
    assert _codes().count("export.evidence") == before + 1
