"""The response's own steps: opening is in the ledger, and the officer's reads for the
notices are never taken for a source of the leak."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ryoken.audit.events import decode_entry
from ryoken.web.ledger.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)


def test_opening_an_incident_is_a_ledger_entry(office):
    incident = office.incident()
    (entry,) = Entry.objects.filter(code="incident.change")
    _, event = decode_entry(bytes(entry.data))
    assert event.actor == office.officer.staff_id
    assert event.details["incident"] == incident.pk and event.details["change"] == "opened"
    assert event.details["suspects"] == office.clerk.staff_id


def test_the_officers_reads_for_the_notices_do_not_make_the_officer_a_suspect(
    office, client, login_as
):
    incident = office.incident()
    login_as(office.officer)
    assert client.get(reverse("incident:notices", args=[incident.pk])).status_code == 200
    mine = sorted(office.shown[office.clerk.staff_id])[:5]
    officer_reads = Entry.objects.filter(actor=office.officer.staff_id, code="disclosure")
    assert officer_reads.exists()  # the notices did read names and addresses
    # Name and address: what the clerk saw, and exactly what the notices read too.
    rows = ["氏名,住所"] + [
        f"{office.values[s]['name_kanji']},{office.values[s]['address']}" for s in mine
    ]
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("incident:attribute"),
        {"leaked": SimpleUploadedFile("leak.csv", "\n".join(rows).encode()),
         "start": today, "end": today},
    )  # fmt: skip
    agents = [s.agent for s in response.context["suspects"]]
    assert agents[0] == office.clerk.staff_id
    assert office.officer.staff_id not in agents
