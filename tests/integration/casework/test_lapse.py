"""The daily lapse job: only ready passports past their 6-month pickup deadline lapse."""

from __future__ import annotations

from datetime import date

import pytest

from ryoken.cli import main
from ryoken.web.applications.models import Application
from ryoken.web.ledger.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2026, 9, 1)


def test_it_lapses_only_overdue_ready_passports_and_is_idempotent(make_application, capsys):
    overdue = make_application("ready", issue_date=date(2026, 2, 28), family=False)
    last_day = make_application("ready", issue_date=date(2026, 3, 1), family=False)  # until 9-01
    fresh = make_application("ready", issue_date=date(2026, 6, 1), family=False)
    collected = make_application("issued", issue_date=date(2025, 1, 10), family=False)

    assert main(["lapse", "run", "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "3 ready, 1 lapsed" in out
    states = dict(Application.objects.values_list("pk", "state"))
    assert states == {
        overdue.pk: "lapsed",
        last_day.pk: "ready",
        fresh.pk: "ready",
        collected.pk: "issued",
    }
    overdue.refresh_from_db()
    assert overdue.lapsed_on == date(2026, 8, 29)  # the day after 6 months from 2026-02-28
    transitions = Entry.objects.filter(code="workflow.transition", subjects=overdue.applicant)
    assert transitions.count() == 1 and transitions.get().actor == "system"

    assert main(["lapse", "run", "--today", TODAY.isoformat()]) == 0
    assert "0 lapsed" in capsys.readouterr().out
    assert Entry.objects.filter(code="workflow.transition").count() == 1


def test_it_refuses_a_malformed_date_in_one_line(keys_dir, capsys):
    assert main(["lapse", "run", "--today", "2026-13-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "YYYY-MM-DD" in err


# --- the lapse job across a month end ----------------------------------------------------
# Issued 2026-08-31: six months end on 2027-02-28 (no 31 February), lapsed from 2027-03-01.


@pytest.mark.parametrize(
    ("moment", "state"),
    [("2027-02-28T23:59:00+09:00", "ready"), ("2027-03-01T00:00:05+09:00", "lapsed")],
)
def test_the_lapse_job_run_without_a_date_uses_the_day_in_japan(
    moment, state, make_application, time_machine_at, capsys
):
    app = make_application("ready", issue_date=date(2026, 8, 31), family=False)
    with time_machine_at(moment):
        assert main(["lapse", "run"]) == 0
    capsys.readouterr()
    app.refresh_from_db()
    assert app.state == state
    if state == "lapsed":
        assert app.lapsed_on == date(2027, 3, 1)
