"""Each detector: a positive case and a negative one, with the confounders an office has."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from ryoken.detect import detectors as d
from ryoken.detect import footprints as f
from ryoken.detect import rates
from ryoken.detect.cases import run_detectors
from ryoken.detect.config import DetectConfig

from .logs import (
    MONDAY,
    OfficeLog,
    at,
    normal_office,
    staff_frame,
    subjects_frame,
    working_days,
)

Detector = Callable[[d.Context], pl.DataFrame]


def run(
    detector: Detector,
    log: OfficeLog,
    *,
    staff: pl.DataFrame | None = None,
    subjects: pl.DataFrame | None = None,
    config: DetectConfig | None = None,
) -> pl.DataFrame:
    return detector(d.build_context(log.frame(), staff, subjects, config))


def of(signals: pl.DataFrame, detector: str) -> pl.DataFrame:
    return signals.filter(pl.col("detector") == detector)


# --- unexplained -------------------------------------------------------------------------


def test_it_signals_a_read_outside_any_task_once_per_person_and_day(log: OfficeLog) -> None:
    log.serve("c1", at(MONDAY, 9), ["ds_a"])
    first = log.disclose("c1", at(MONDAY, 12), "ds_snooped")
    second = log.disclose("c1", at(MONDAY, 12, 1), "ds_snooped", reveal=True)
    signals = of(run(d.unexplained, log), "unexplained")
    assert signals.height == 1
    row = signals.row(0, named=True)
    assert row["staff"] == "c1" and row["subjects"] == ["ds_snooped"]
    assert row["refs"] == [first, second]


def test_it_does_not_signal_reads_the_ticket_explains(log: OfficeLog) -> None:
    log.serve("c1", at(MONDAY, 9), ["ds_a", "ds_b"], reveals=3, prints=1, family=["ds_kid"])
    assert run(d.unexplained, log).is_empty()


def test_it_signals_an_undeclared_copier_job_but_not_a_jam_reprint(log: OfficeLog) -> None:
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_a"])
    log.print_job("c1", at(MONDAY, 9, 1), ["ds_a"], grant=grant, copier_runs=2)  # jam
    assert run(d.unexplained, log).is_empty()
    line = log.add("external.copier", at(MONDAY, 9, 3), "c1", terminal="MFP1", pages=6,
                   kind="copy", unmatched=True)  # fmt: skip
    signals = of(run(d.unexplained, log), "unexplained_copier")
    assert signals["refs"].to_list() == [[line]]


def test_it_weighs_an_unreviewed_break_glass_lightly_and_a_rejected_one_heavily(
    log: OfficeLog,
) -> None:
    pending = log.open_grant("c1", at(MONDAY, 14), ["ds_p"], kind="break_glass", window=None)
    log.disclose("c1", at(MONDAY, 14, 1), "ds_p", grant=pending, window=None)
    rejected = log.open_grant("c1", at(MONDAY, 15), ["ds_r"], kind="break_glass", window=None)
    log.disclose("c1", at(MONDAY, 15, 1), "ds_r", grant=rejected, window=None)
    log.add("breakglass.review", at(MONDAY, 16), "sup1", ["ds_r"], grant=rejected,
            justified=False)  # fmt: skip
    signals = run(d.unexplained, log)
    weights = dict(zip(signals["detector"], signals["weight"], strict=True))
    assert set(weights) == {"break_glass_pending", "break_glass_unjustified"}
    assert weights["break_glass_pending"] < 1 < weights["break_glass_unjustified"]


# --- family chain, VIPs, surname, neighbourhood ------------------------------------------

FAMILY = subjects_frame(
    [
        {"subject_id": "ds_parent", "family_token": "F1", "surname_token": "S_SATO"},
        {"subject_id": "ds_child", "family_token": "F1", "surname_token": "S_SATO"},
        {"subject_id": "ds_uncle", "family_token": "F1", "surname_token": "S_SATO"},
        {"subject_id": "ds_other", "family_token": "F2", "surname_token": "S_ITO",
         "area_token": "A_NERIMA"},
        {"subject_id": "ds_vip", "family_token": "F3", "watchlist": "1"},
    ]
)  # fmt: skip
STAFF = staff_frame(
    [
        {"staff_id": "c1", "role": "counter_clerk", "office": "TKY", "surname_token": "S_ITO",
         "area_token": "A_NERIMA"},
        {"staff_id": "c2", "role": "counter_clerk", "office": "TKY", "surname_token": "S_SATO"},
    ]
)  # fmt: skip


def test_it_signals_relatives_of_a_recent_applicant_read_outside_the_application(
    log: OfficeLog,
) -> None:
    log.serve("c1", at(MONDAY, 9), ["ds_parent"], family=["ds_child"])
    log.disclose("c1", at(MONDAY + timedelta(days=1), 10), "ds_uncle")
    log.disclose("c1", at(MONDAY + timedelta(days=1), 10), "ds_other")
    signals = run(d.family_chain, log, subjects=FAMILY)
    assert signals["subjects"].to_list() == [["ds_uncle"]]


def test_it_does_not_call_family_on_the_application_a_chain(log: OfficeLog) -> None:
    log.serve("c1", at(MONDAY, 9), ["ds_parent"], family=["ds_child", "ds_uncle"])
    assert run(d.family_chain, log, subjects=FAMILY).is_empty()


def test_it_signals_a_vip_read_outside_a_task_but_not_serving_the_vip(log: OfficeLog) -> None:
    log.serve("c2", at(MONDAY, 9), ["ds_vip"], reveals=2)
    assert run(d.watchlist, log, subjects=FAMILY).is_empty()
    log.disclose("c1", at(MONDAY, 11), "ds_vip")
    assert run(d.watchlist, log, subjects=FAMILY)["staff"].to_list() == ["c1"]


def test_it_weighs_same_surname_and_neighbour_reads_only_outside_a_task(log: OfficeLog) -> None:
    log.serve("c1", at(MONDAY, 9), ["ds_other"])  # an applicant from c1's town, same surname
    log.serve("c2", at(MONDAY, 9), ["ds_parent"], window="W02")
    for fn in (d.same_surname, d.neighbourhood):
        assert run(fn, log, staff=STAFF, subjects=FAMILY).is_empty()
    log.disclose("c1", at(MONDAY, 12), "ds_other")
    assert run(d.same_surname, log, staff=STAFF, subjects=FAMILY)["staff"].to_list() == ["c1"]
    assert run(d.neighbourhood, log, staff=STAFF, subjects=FAMILY)["staff"].to_list() == ["c1"]


# --- after hours, bulk, export -----------------------------------------------------------


def test_it_signals_reads_at_night_and_on_a_saturday(log: OfficeLog) -> None:
    log.serve("c1", at(MONDAY, 9), ["ds_a"])
    log.disclose("c1", at(MONDAY, 21), "ds_night")
    log.disclose("c1", at(MONDAY + timedelta(days=5), 10), "ds_saturday")
    signals = run(d.after_hours, log)
    assert sorted(s[0] for s in signals["subjects"].to_list()) == ["ds_night", "ds_saturday"]


def test_it_barely_weighs_overtime_on_real_work(log: OfficeLog) -> None:
    log.serve("c1", at(MONDAY, 17, 40), ["ds_late"])  # finishing the queue: within grace
    log.serve("c1", at(MONDAY, 19), ["ds_overtime"])
    signals = run(d.after_hours, log)
    assert signals["subjects"].to_list() == [["ds_overtime"]]
    assert signals["weight"].item() < DetectConfig().weight("after_hours")


def test_it_signals_an_hour_of_bulk_searching_and_reading(log: OfficeLog) -> None:
    normal_office(log, working_days(MONDAY, 2), clerks=("c1", "c2", "c3", "c4"), visits=6)
    t = at(MONDAY + timedelta(days=1), 12)
    for k in range(90):
        log.add("search", t + timedelta(seconds=30 * k), "c2", [f"ds_h{k}"], kind="name",
                found=1)  # fmt: skip
    signals = run(d.bulk, log)
    assert set(signals["staff"]) == {"c2"}
    assert run(d.bulk, OfficeLog()).is_empty()


def test_it_does_not_call_a_normal_day_bulk(log: OfficeLog) -> None:
    normal_office(log, working_days(MONDAY, 3), clerks=("c1", "c2"), visits=12)
    assert run(d.bulk, log).is_empty()


def test_it_signals_a_print_job_with_many_persons(log: OfficeLog) -> None:
    people = [f"ds_{k}" for k in range(20)]
    grant = log.open_grant("c1", at(MONDAY, 9), people)
    log.print_job("c1", at(MONDAY, 9, 1), people, grant=grant)
    assert of(run(d.bulk, log), "export").height == 1


# --- credentials -------------------------------------------------------------------------


def test_it_treats_a_day_without_any_door_event_as_unknown_not_absent(
    log: OfficeLog,
) -> None:
    """Schema v2: badge-ins go missing; no door event at all that day is not evidence (it
    was, on purpose, in v1)."""
    days = working_days(MONDAY, 3)
    normal_office(log, days[:2], clerks=("c1", "c2"), visits=3)
    log.badge("c1", at(days[0], 8), "in")
    log.serve("c2", at(days[2], 10), ["ds_x"])  # c2 has no door event that day: unknown
    log.serve("c1", at(days[2], 10), ["ds_y"])  # nor c1, who badged on day 1 only
    assert of(run(d.credentials, log), "badge_absent").is_empty()
    log.badge("c2", at(days[2], 8), "in")
    log.badge("c2", at(days[2], 9, 30), "out")  # c2 left; their login works on at 10:00
    signals = of(run(d.credentials, log), "badge_absent")
    assert signals["staff"].to_list() == ["c2"]
    assert signals["day"].to_list() == [days[2]]


def test_it_signals_work_after_badging_out(log: OfficeLog) -> None:
    log.badge("c1", at(MONDAY, 8), "in")
    log.serve("c1", at(MONDAY, 9), ["ds_a"])
    log.badge("c1", at(MONDAY, 12), "out")
    assert run(d.credentials, log).is_empty()
    log.serve("c1", at(MONDAY, 12, 30), ["ds_b"])
    assert of(run(d.credentials, log), "badge_absent").height == 1


def test_it_weighs_a_door_log_gap_against_the_persons_role_peers(log: OfficeLog) -> None:
    """Supervisors walk between windows and miss badge reads: where half of them show work
    while "out", one more supervisor doing so is the role's practice. A clerk, whose peers
    never do, weighs in full; the person's own days never dilute their own evidence."""
    clerks = [f"c{i:02}" for i in range(24)]
    sups = [f"s{i}" for i in range(6)]
    staff = staff_frame(
        [{"staff_id": c, "role": "counter_clerk"} for c in clerks]
        + [{"staff_id": s, "role": "supervisor"} for s in sups]
    )
    for n, who in enumerate(clerks + sups):
        log.badge(who, at(MONDAY, 8), "in")
        log.serve(who, at(MONDAY, 9), [f"ds_{n}"])
        log.badge(who, at(MONDAY, 12), "out")
    for n, who in enumerate(["c00", *sups[:3]]):
        log.serve(who, at(MONDAY, 13), [f"ds_late{n}"])  # work after badging out
    signals = of(run(d.credentials, log, staff=staff), "badge_absent")
    weight = dict(zip(signals["staff"], signals["weight"], strict=True))
    assert sorted(weight) == ["c00", "s0", "s1", "s2"]
    full = DetectConfig().weight("badge_absent") * (1 + 4 / 20)  # four events while out
    # the clerk: no other clerk shows it; the office's 4/30 enters with 10 staff's weight
    c = DetectConfig()
    clerk_share = (0 + c.credential_role_prior * 4 / 30) / (23 + c.credential_role_prior)
    assert weight["c00"] == pytest.approx(full * min(1.0, c.credential_prevalence / clerk_share))
    # a supervisor: 2 of the 5 others show it
    sup_share = (2 + c.credential_role_prior * 4 / 30) / (5 + c.credential_role_prior)
    assert weight["s0"] == pytest.approx(full * c.credential_prevalence / sup_share)
    assert weight["s0"] < weight["c00"] / 2


def test_it_signals_one_login_working_at_two_terminals_at_once(log: OfficeLog) -> None:
    for k in range(6):
        t = at(MONDAY, 10) + timedelta(seconds=40 * k)
        log.disclose("c1", t, f"ds_a{k}", window="W01")
        log.disclose("c1", t + timedelta(seconds=20), f"ds_b{k}", window="W07")
    signals = of(run(d.credentials, log), "two_terminals")
    assert signals["staff"].to_list() == ["c1"]


def test_it_does_not_call_covering_another_window_two_terminals(log: OfficeLog) -> None:
    log.serve("c1", at(MONDAY, 9), ["ds_a"], window="W01")
    log.serve("c1", at(MONDAY, 9, 10), ["ds_b"], window="W04")  # covering W04 for a while
    log.serve("c1", at(MONDAY, 9, 20), ["ds_c"], window="W04")
    log.serve("c1", at(MONDAY, 9, 30), ["ds_d"], window="W01")
    assert of(run(d.credentials, log), "two_terminals").is_empty()


# --- footprints per applicant ------------------------------------------------------------

DAYS = working_days(MONDAY, 30)


@pytest.fixture(scope="module")
def skim_log() -> tuple[OfficeLog, list[str]]:
    log = OfficeLog()
    skimmed = normal_office(log, DAYS, skimmer="c4", skim_share=0.2, skim_from=20)
    return log, skimmed


def test_it_signals_the_in_task_skimmer_and_nobody_else(
    skim_log: tuple[OfficeLog, list[str]],
) -> None:
    log, skimmed = skim_log
    signals = run(f.volume, log)
    assert set(signals["staff"]) == {"c4"}
    assert signals["day"].min() >= DAYS[20]
    assert skimmed  # the scenario did skim


def test_it_does_not_flag_a_clerk_for_serving_more_people(log: OfficeLog) -> None:
    normal_office(log, DAYS, seed=11)
    normal_office(log, DAYS, seed=12, clerks=("c1",), visits=8)  # c1 serves far more people
    assert "c1" not in set(run(f.volume, log)["staff"])


def test_it_compares_a_lone_clerk_with_their_own_first_weeks(log: OfficeLog) -> None:
    """A change with no peers to compare with: the frozen own baseline still sees it."""
    normal_office(log, DAYS, clerks=("solo",), skimmer="solo", skim_share=0.35, skim_from=22)
    scores = f.volume_scores(d.build_context(log.frame()))
    reveals = scores.filter(pl.col("metric") == "reveals")
    assert reveals["z_peer"].is_null().all()  # no peers
    assert reveals.filter(pl.col("day") == DAYS[-1])["z_own"].item() > DetectConfig().own_z


def test_it_signals_a_change_after_notice_against_the_persons_own_months_before(
    log: OfficeLog,
) -> None:
    normal_office(log, DAYS, clerks=("c1", "c2"), skimmer="c2", skim_share=0.5, skim_from=20)
    notice = staff_frame(
        [
            {"staff_id": "c1", "role": "counter_clerk", "notice_given_on": str(DAYS[20])},
            {"staff_id": "c2", "role": "counter_clerk", "notice_given_on": str(DAYS[20])},
        ]
    )
    signals = run(f.contract_end, log, staff=notice)
    assert set(signals["staff"]) == {"c2"}


# --- canaries ----------------------------------------------------------------------------

CANARY = subjects_frame(
    [{"subject_id": "ds_canary", "canary": "1", "canary_window": "W03", "canary_staff": "c3"}]
)


def test_it_makes_any_touch_of_a_canary_off_its_path_decisive(log: OfficeLog) -> None:
    log.serve("c3", at(MONDAY, 9), ["ds_canary"], window="W03")
    assert run(d.canary, log, subjects=CANARY).is_empty()
    line = log.add("search", at(MONDAY, 13), "c5", ["ds_canary"], kind="name", found=1)
    signals = run(d.canary, log, subjects=CANARY)
    assert signals["refs"].to_list() == [[line]]
    assert signals["weight"].item() >= DetectConfig().threshold


def test_it_lets_a_canary_come_back_to_another_window(log: OfficeLog) -> None:
    """A returning visit is served wherever a window is free: its ticket is its path."""
    log.serve("c3", at(MONDAY, 9), ["ds_canary"], window="W03")
    log.serve("c4", at(MONDAY + timedelta(days=2), 10), ["ds_canary"], window="W05")
    assert run(d.canary, log, subjects=CANARY).is_empty()


def test_it_calls_break_glass_on_a_canary_off_its_path_even_when_justified(
    log: OfficeLog,
) -> None:
    grant = log.open_grant("c6", at(MONDAY, 15), ["ds_canary"], kind="break_glass", window=None)
    log.disclose("c6", at(MONDAY, 15, 1), "ds_canary", grant=grant, window=None)
    log.add("breakglass.review", at(MONDAY, 16), "sup1", ["ds_canary"], grant=grant,
            justified=True)  # fmt: skip
    signals = run(d.canary, log, subjects=CANARY)
    assert set(signals["staff"]) == {"c6"} and signals.height == 2  # the grant and the read


def test_it_turns_small_counts_into_honest_tail_z_scores() -> None:
    frame = pl.DataFrame({"o": [10.0, 1.0, 3.0, 0.0], "e": [1.8, 0.1, 0.15, 2.0]})
    z = frame.select(rates.poisson_z(pl.col("o"), pl.col("e"), pl.lit(1.0))).to_series().to_list()
    # P(X >= 10 | 1.8) ~ 3e-5, P(X >= 1 | 0.1) ~ 0.095, P(X >= 3 | 0.15) ~ 5e-4
    assert z[0] == pytest.approx(4.0, abs=0.15)
    assert z[1] == pytest.approx(1.31, abs=0.1)
    assert z[2] == pytest.approx(3.29, abs=0.25)
    assert z[3] < 0


def test_it_runs_every_detector_on_an_empty_office() -> None:
    assert run_detectors(d.build_context(OfficeLog().frame())).is_empty()


def test_it_weighs_a_vip_the_clerk_added_to_their_own_task_from_a_search(log: OfficeLog) -> None:
    """Schema v2: a search under a task, the person added `via: search`, then opened, is
    explained — but the reader chose the person, so a VIP among them still counts."""
    vip = subjects_frame([{"subject_id": "ds_vip", "watchlist": "1"}])
    grant = log.open_grant("c1", at(MONDAY, 10), ["ds_a"], ticket="A-001")
    log.add("search", at(MONDAY, 10, 1), "c1", ["ds_vip"], grant=grant, kind="name", found=1)
    log.add("grant.open", at(MONDAY, 10, 2), "c1", ["ds_vip"], grant=grant, terminal="W01",
            kind="counter", ticket="A-001", added=True, via="search")  # fmt: skip
    log.disclose("c1", at(MONDAY, 10, 3), "ds_vip", grant=grant)
    signals = pl.concat(
        [run(d.unexplained, log, subjects=vip), run(d.watchlist, log, subjects=vip)]
    )
    # one self-added person on a first day is within any habit (v5: `_beyond_habit`); the
    # VIP among them is what weighs
    assert signals["detector"].to_list() == ["watchlist"]
    assert of(signals, "unexplained").is_empty()


def _add_from_search(
    log: OfficeLog, staff: str, when: datetime, grant: str, person: str, *, reveal: bool
) -> int:
    """Search under the task, add the person found to it (`via: search`), open them."""
    log.add("search", when, staff, [person], grant=grant, kind="name", found=1)
    log.add("grant.open", when + timedelta(seconds=5), staff, [person], grant=grant,
            terminal="W01", kind="counter", ticket="A-001", added=True, via="search")  # fmt: skip
    return log.disclose(staff, when + timedelta(seconds=10), person, grant=grant, reveal=reveal)


def _work_for(log: OfficeLog, staff: str, when: datetime, grant: str, person: str) -> None:
    """What a task does for a person it serves: a match, their form stored, a step."""
    log.add("match", when, staff, [person], fields=["birth_date"], grant=grant,
            terminal="W01", result="match", step="intake")  # fmt: skip
    log.add("subject.write", when + timedelta(seconds=5), staff, [person], grant=grant,
            terminal="W01")  # fmt: skip
    log.add("workflow.transition", when + timedelta(seconds=9), staff, [person], grant=grant,
            terminal="W01", to="accepted")  # fmt: skip


def test_it_reads_a_person_revealed_under_a_task_that_did_nothing_for_them_as_outside_it(
    log: OfficeLog,
) -> None:
    """A clerk adds someone from a search to the ticket in front of them and reveals their
    record, and the ticket does no work for them: the ticket was the pretext. It weighs like
    a read outside any task, no earlier than the task's end (when "no work" is known)."""
    grant = log.open_grant("c1", at(MONDAY, 10), ["ds_a"], ticket="A-001")
    line = _add_from_search(log, "c1", at(MONDAY, 10, 2), grant, "ds_other", reveal=True)
    log.close_grant("c1", at(MONDAY, 10, 20), grant)
    signals = run(d.unexplained, log, subjects=FAMILY)
    unserved = of(signals, "unserved")
    assert unserved["subjects"].to_list() == [["ds_other"]]
    assert unserved["refs"].to_list() == [[line]]
    assert unserved["weight"].to_list() == [DetectConfig().weight("unexplained")]
    assert unserved["at"].to_list()[0] >= at(MONDAY, 10, 20)
    assert of(signals, "self_added").is_empty()  # counted once, as the stronger reading
    # the relation detectors still see the person (c1 lives in ds_other's municipality)
    assert run(d.neighbourhood, log, staff=STAFF, subjects=FAMILY).height == 1


def test_it_keeps_a_namesake_opened_by_mistake_and_a_worked_on_relative_as_support(
    log: OfficeLog,
) -> None:
    """A namesake opened by mistake shows a masked summary; a parent in another household
    added to a child's application is revealed and worked on (matched, stored, moved on).
    Neither is read outside the task."""
    grant = log.open_grant("c1", at(MONDAY, 10), ["ds_child"], ticket="A-001")
    _add_from_search(log, "c1", at(MONDAY, 10, 1), grant, "ds_other", reveal=False)
    _add_from_search(log, "c1", at(MONDAY, 10, 3), grant, "ds_parent", reveal=True)
    _work_for(log, "c1", at(MONDAY, 10, 5), grant, "ds_parent")
    log.close_grant("c1", at(MONDAY, 10, 20), grant)
    signals = run(d.unexplained, log, subjects=FAMILY)
    assert of(signals, "unserved").is_empty()
    assert of(signals, "unexplained").is_empty()
    added = d.build_context(log.frame(), None, FAMILY).self_added
    assert sorted(zip(added["subject"], added["revealed"], added["worked"], strict=True)) == [
        ("ds_other", False, False),
        ("ds_parent", True, True),
    ]
    assert run(d.family_chain, log, subjects=FAMILY).is_empty()


def _self_add_days(log: OfficeLog, staff: str, days: list[date], per_day: int) -> None:
    """`per_day` persons a day added from a search to the clerk's own ticket, opened masked."""
    for n, day in enumerate(days):
        grant = log.open_grant(staff, at(day, 9), [f"ds_{staff}_{n}"], ticket=f"A-{n:03}")
        for i in range(per_day):
            _add_from_search(log, staff, at(day, 10, i * 2), grant, f"ds_{staff}_{n}_{i}",
                             reveal=False)  # fmt: skip
        log.close_grant(staff, at(day, 11), grant)


def test_self_added_persons_weigh_only_beyond_the_persons_own_habit(log: OfficeLog) -> None:
    """Renewal look-ups and phone inquiries add someone from a search every day: that is
    the job, not evidence. A day far above the person's own habit (shrunk toward the others
    in the role) is."""
    days = working_days(MONDAY, 25)
    staff = staff_frame([{"staff_id": "c1", "role": "counter_clerk"},
                         {"staff_id": "c2", "role": "counter_clerk"}])  # fmt: skip
    _self_add_days(log, "c1", days[:24], 1)
    _self_add_days(log, "c2", days, 1)
    assert of(run(d.unexplained, log, staff=staff), "self_added").is_empty()
    _self_add_days(log, "c1", days[24:], 8)  # a day of eight where one is the habit
    signals = of(run(d.unexplained, log, staff=staff), "self_added")
    assert signals["staff"].to_list() == ["c1"]
    assert signals["day"].to_list() == [days[24]]
    assert signals["value"].to_list() == [8.0]
    bar = round(8 - signals["weight"].item() / DetectConfig().weight("self_added") + 1)
    assert 2 <= bar <= 5  # P(X >= bar | about one a day) <= 5%
    # stamped when the bar-th person of the day was opened (one every two minutes from 10:00)
    opened = at(days[24], 10, 2 * (bar - 1)) + timedelta(seconds=10)
    assert signals["at"].to_list() == [opened.astimezone(UTC)]


def test_it_calls_family_on_relatives_looked_at_under_the_familys_own_task(
    log: OfficeLog,
) -> None:
    """Relatives in other households added to the very ticket that serves the family and
    revealed there, with no work for them: a family chain, not the application's work."""
    grant = log.open_grant("c1", at(MONDAY, 10), ["ds_parent"], ticket="A-001")
    _work_for(log, "c1", at(MONDAY, 10, 1), grant, "ds_parent")
    _add_from_search(log, "c1", at(MONDAY, 10, 3), grant, "ds_uncle", reveal=True)
    log.close_grant("c1", at(MONDAY, 10, 20), grant)
    signals = run(d.family_chain, log, subjects=FAMILY)
    assert signals["subjects"].to_list() == [["ds_uncle"]]


def test_it_calls_family_on_a_relative_added_from_a_search_only_once_revealed(
    log: OfficeLog,
) -> None:
    """Relatives share a surname, so a namesake opened by mistake (a masked summary) is
    often a relative of someone served lately: not a family chain. Revealed, it is."""
    log.serve("c1", at(MONDAY, 9), ["ds_parent"])
    grant = log.open_grant("c1", at(MONDAY, 11), ["ds_a"], ticket="A-002")
    _add_from_search(log, "c1", at(MONDAY, 11, 1), grant, "ds_child", reveal=False)
    log.close_grant("c1", at(MONDAY, 11, 20), grant)
    assert run(d.family_chain, log, subjects=FAMILY).is_empty()
    later = log.open_grant("c1", at(MONDAY, 14), ["ds_b"], ticket="A-003")
    _add_from_search(log, "c1", at(MONDAY, 14, 1), later, "ds_uncle", reveal=True)
    log.close_grant("c1", at(MONDAY, 14, 20), later)
    assert run(d.family_chain, log, subjects=FAMILY)["subjects"].to_list() == [["ds_uncle"]]


def test_one_neighbour_looked_at_under_someone_elses_ticket_alerts(log: OfficeLog) -> None:
    """The snoop through the ticket in front of them: one neighbour added from a search and
    revealed alerts, as one read outside any task with a relation does (3 + 1)."""
    from ryoken.detect.cases import detect

    grant = log.open_grant("c1", at(MONDAY, 10), ["ds_a"], ticket="A-001")
    _add_from_search(log, "c1", at(MONDAY, 10, 2), grant, "ds_other", reveal=True)
    log.close_grant("c1", at(MONDAY, 10, 20), grant)
    det = detect(log.frame(), STAFF, FAMILY)
    assert det.alerts["staff"].to_list() == ["c1"]


def test_it_counts_a_match_refused_after_no_matches_as_refused_but_not_a_denied_url(
    log: OfficeLog,
) -> None:
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_a"], step="pickup")
    for minute in (1, 2, 3):  # three wrong birth dates
        log.add(
            "match",
            at(MONDAY, 9, minute),
            "c1",
            ["ds_a"],
            fields=["birth_date"],
            purpose="pickup:identity",
            grant=grant,
            result="no_match",
        )
    refusal = log.add(
        "access.denied",
        at(MONDAY, 9, 4),
        "c1",
        ["ds_a"],
        purpose="pickup:identity",
        grant=grant,
        what="match",
        why="per_task",
    )
    log.add("access.denied", at(MONDAY, 9, 5), "c2", what="url", why="403")  # names nobody
    signals = of(run(d.unexplained, log), "refused")
    assert signals.height == 1
    row = signals.row(0, named=True)
    assert row["staff"] == "c1" and row["subjects"] == ["ds_a"] and row["refs"] == [refusal]


# --- grant integrity ---------------------------------------------------------------------


def test_it_flags_a_forged_disclosure_under_another_clerks_grant(log: OfficeLog) -> None:
    """A disclosure by c2 under c1's open grant, as an INSERT into the database writes it
    (the gateway never does): decisive, under the rule `ryoken audit verify` applies."""
    grant = log.open_grant("c1", at(MONDAY, 9), ["ds_a"])
    log.disclose("c1", at(MONDAY, 9, 1), "ds_a", grant=grant)
    forged = log.disclose("c2", at(MONDAY, 9, 5), "ds_a", grant=grant)
    log.close_grant("c1", at(MONDAY, 9, 30), grant)
    late = log.disclose("c1", at(MONDAY, 10), "ds_a", grant=grant)  # after the close
    signals = of(run(d.grant_integrity, log), "grant_integrity")
    assert signals.get_column("refs").to_list() == [[forged], [late]]
    assert signals.get_column("staff").to_list() == ["c2", "c1"]
    notes = signals.get_column("note").to_list()
    assert "which was opened for c1" in notes[0] and "already closed" in notes[1]
    assert signals.get_column("weight").min() >= DetectConfig().threshold


def test_it_does_not_flag_grants_kept_or_joined_by_the_rule(log: OfficeLog) -> None:
    """An honest office, an assist by a supervisor, a read with no task and a grant opened
    before the stretch starts: nothing (the unexplained detector reads the no-task read)."""
    normal_office(log, working_days(MONDAY, 3))
    grant = log.open_grant("c1", at(MONDAY, 14), ["ds_h"])
    log.add("grant.assist", at(MONDAY, 14, 1), "sup1", ["ds_h"], grant=grant, host="c1")
    log.disclose("sup1", at(MONDAY, 14, 2), "ds_h", grant=grant)
    log.add("grant.assist_end", at(MONDAY, 14, 3), "sup1", grant=grant)
    log.close_grant("c1", at(MONDAY, 14, 5), grant)
    log.disclose("c1", at(MONDAY, 15), "ds_snoop")  # no grant at all
    log.disclose("c3", at(MONDAY, 15, 1), "ds_b", grant="gr_before_the_stretch")
    assert run(d.grant_integrity, log).is_empty()


def test_it_flags_an_assist_that_outlives_its_end(log: OfficeLog) -> None:
    grant = log.open_grant("c1", at(MONDAY, 14), ["ds_h"])
    log.add("grant.assist", at(MONDAY, 14, 1), "sup1", ["ds_h"], grant=grant, host="c1")
    log.add("grant.assist_end", at(MONDAY, 14, 3), "sup1", grant=grant)
    after = log.disclose("sup1", at(MONDAY, 14, 4), "ds_h", grant=grant)
    signals = run(d.grant_integrity, log)
    assert signals.get_column("refs").to_list() == [[after]]
