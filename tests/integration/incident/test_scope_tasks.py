"""Scope marks every exposure within a task or outside any task, on screen, in the exports
and in the report, with the watcher's own judgment (ryoken.detect.explain)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def _peek(office) -> str:
    """The clerk looks at a colleague's applicant with no task for them (an insider's read,
    written to the ledger as the gateway would have)."""
    from ryoken import clock
    from ryoken.audit.events import Event, EventCode
    from ryoken.web.ledger import store as ledger

    target = sorted(office.shown[office.colleague.staff_id])[0]
    ledger.record(
        Event(
            code=EventCode.DISCLOSURE,
            at=clock.now(),
            actor=office.clerk.staff_id,
            subjects=(target,),
            fields=("name_kanji", "address"),
            purpose="intake",
            terminal="W01",
            details={"form": "shown"},
        )
    )
    return target


def test_it_marks_the_exposure_no_task_explains_and_only_that_one(office):
    from ryoken.web.incident import scoping

    target = _peek(office)
    found = scoping.incident_scope(office.incident())
    assert found.marked
    assert found.persons == len(office.shown[office.clerk.staff_id]) + 1
    assert found.persons_outside_task == 1
    outside = {s.subject for s in found.subjects if s.outside_task}
    assert outside == {target}
    peeked = found.subject(target)
    assert peeked is not None
    assert {e.field for e in peeked.exposures if e.outside} == {"name_kanji", "address"}


def test_the_screen_the_exports_and_the_report_say_within_or_outside(office, client, login_as):
    from openpyxl import load_workbook

    target = _peek(office)
    incident = office.incident()
    login_as(office.officer)
    page = client.get(reverse("incident:detail", args=[incident.pk])).content.decode()
    assert "うち業務の外での閲覧等があった方 1 名" in page
    served = sorted(office.shown[office.clerk.staff_id])[0]
    assert f'data-testid="task-{target}"><strong class="warn">業務の外（2 件）' in page
    assert f'data-testid="task-{served}">業務の中<' in page

    text = client.get(reverse("incident:export", args=[incident.pk, "csv"])).content
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    marks = {(r["データ主体ID"], r["業務の中か"], r["業務の外の回数"]) for r in rows}
    assert (target, "業務の外", "1") in marks
    assert (served, "業務の中", "0") in marks
    assert {r["業務の中か"] for r in rows} == {"業務の中", "業務の外"}

    xlsx = client.get(reverse("incident:export", args=[incident.pk, "xlsx"])).content
    summary = dict(load_workbook(io.BytesIO(xlsx))["概要"].iter_rows(values_only=True))
    assert summary["うち業務の外での閲覧等があった本人の数"] == 1

    report = client.get(reverse("incident:report_json", args=[incident.pk])).json()
    item3 = next(i for i in report["items"] if i["no"] == 3)
    assert item3["persons_outside_task"] == 1
    assert "うち業務の外での閲覧等があった方 1人" in item3["text"]
