"""`ryoken watch`: cases from the ledger of an office at work."""

from __future__ import annotations

import pytest

from ryoken.cli import main
from ryoken.web.ledger.models import Entry
from ryoken.web.watch.models import Case, WatchState

from .conftest import last_event

pytestmark = pytest.mark.django_db(transaction=True)


def _watch(capsys, *extra: str) -> tuple[int, str]:
    code = main(["watch", "--once", *extra])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def test_it_puts_a_canary_lookup_first_in_the_queue(office, personas, make_staff, capsys):
    clerk = personas["counter_clerk"]
    colleague = make_staff("counter_clerk", username="clerk2")
    office.serve(clerk, "W01", office.application(family=1))
    canary = office.canary(window="W02")
    office.break_glass(clerk, canary)  # a lookup outside the canary's planted path
    # A colleague whose break-glass over a family a supervisor judged unjustified: a case too.
    office.break_glass(
        colleague, office.application(family=2), judged_by=personas["supervisor"], justified=False
    )

    code, out = _watch(capsys)

    assert code == 0
    cases = list(Case.objects.order_by("-score"))
    assert [c.staff_id for c in cases] == [clerk.staff_id, colleague.staff_id]
    first = cases[0]
    assert first.detector_list[0] == "canary"
    assert "カナリア" in first.reasons_ja[0] and "canary" in first.reasons_en[0]
    assert first.status == Case.Status.OPEN
    # The evidence cites the break-glass and the disclosure of the canary in the ledger.
    touches = set(
        Entry.objects.filter(subjects__contains=canary.applicant, actor=clerk.staff_id)
        .exclude(code="subject.write")
        .values_list("seq", flat=True)
    )
    assert touches and touches <= set(first.seqs)
    raised = last_event("alert.triage")
    assert raised.actor == "system" and raised.details["action"] == "raised"
    # the clerk's break-glass opened the case at once; the run adds the canary touch to it
    assert f"updated case #{first.pk} {clerk.staff_id}" in out


def test_it_finds_nothing_in_a_clean_office(office, personas, make_staff, capsys):
    clerk = personas["counter_clerk"]
    colleague = make_staff("counter_clerk", username="clerk2")
    office.canary(window="W02", staff_id=colleague.staff_id)
    for _ in range(2):
        office.serve(clerk, "W01", office.application(family=1))
    office.serve(colleague, "W02", office.application())

    code, out = _watch(capsys)

    assert code == 0
    assert Case.objects.count() == 0
    assert "0 alerting staff" in out
    state = WatchState.load()
    assert state.summary["explained_share"] == 1.0
    assert state.last_full_at is not None


def test_it_catches_a_new_canary_touch_between_full_runs(office, personas, capsys):
    """After a full run, the quick pass sees only new entries, and still raises the case."""
    from django.utils import timezone

    from ryoken.web.watch import service

    clerk = personas["counter_clerk"]
    canary = office.canary(window="W02")
    office.serve(clerk, "W01", office.application())
    service.run_detection(timezone.now())
    assert Case.objects.count() == 0
    seen = WatchState.load().last_seq

    office.break_glass(clerk, canary)
    result = service.run_quick_checks(timezone.now())

    assert result.kind == "quick" and result.events > 0
    case = Case.objects.get()
    assert case.staff_id == clerk.staff_id and case.detector_list[0] == "canary"
    assert min(case.seqs) > seen
    assert WatchState.load().last_seq > seen


def test_it_refuses_a_zero_interval(capsys):
    with pytest.raises(SystemExit):
        main(["watch", "--interval", "0"])
    assert "at least 1" in capsys.readouterr().err


def test_it_runs_in_full_then_quickly_and_stops_when_told(office, personas, capsys):
    office.serve(personas["counter_clerk"], "W01", office.application())

    code = main(["watch", "--interval", "1", "--iterations", "2"])

    out = capsys.readouterr().out
    assert code == 0
    lines = [line for line in out.splitlines() if " run: " in line]
    assert [line.split()[0] for line in lines] == ["full", "quick"]


def test_it_works_off_a_backlog_in_bounded_passes(office, personas, monkeypatch):
    from django.utils import timezone

    from ryoken.web.ledger.frames import top_seq
    from ryoken.web.watch import service

    clerk = personas["counter_clerk"]
    office.serve(clerk, "W01", office.application())
    office.serve(clerk, "W01", office.application())
    office.break_glass(clerk, office.canary(window="W02"))
    monkeypatch.setattr(service, "QUICK_MAX_ENTRIES", 10)

    passes = []
    while WatchState.load().last_seq < top_seq():
        passes.append(service.run_quick_checks(timezone.now()))

    assert len(passes) > 2 and all(p.events <= 10 for p in passes)
    assert Case.objects.get().staff_id == clerk.staff_id  # the canary touch was still seen


def test_it_forgets_device_receipts_older_than_any_retry(ledger_db, capsys):
    from datetime import timedelta

    from ryoken import clock
    from ryoken.web.api.models import ApiClient, SeenRecord

    now = clock.now()
    copier = ApiClient.objects.create(
        name="copier-1", kind="copier", token_hash="0" * 64, created_at=now
    )
    for uid, age in (("old", 31), ("recent", 29)):
        SeenRecord.objects.create(
            client=copier, uid=uid, ledger_seq=0, received_at=now - timedelta(days=age)
        )

    code, _ = _watch(capsys)

    assert code == 0
    assert list(SeenRecord.objects.values_list("uid", flat=True)) == ["recent"]
