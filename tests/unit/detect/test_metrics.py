from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from ryoken.detect.cases import detect
from ryoken.detect.metrics import (
    RunScore,
    parse_truth,
    reweighted_precision,
    score_run,
    summarise,
)
from ryoken.errors import InvalidInput

from .logs import MONDAY, OfficeLog, at, normal_office, subjects_frame, working_days

DAYS = working_days(MONDAY, 6)
VIPS = subjects_frame(
    [{"subject_id": f"ds_vip{k}", "watchlist": "1", "family_token": f"V{k}"} for k in range(3)]
)


def sim_truth(staff: str, exposures: list[tuple[datetime, str]], **extra: object) -> dict:
    """The shape the simulator writes (src/ryoken/sim/scenarios.py `truth`)."""
    return {
        "seed": 7,
        "scenario": "S2",
        "parameters": {"intensity": 0.5},
        "start": exposures[0][0].date().isoformat() if exposures else "2026-04-06",
        "insiders": [staff],
        "exposures": [
            {"subject": s, "staff": staff, "actor": staff, "at": t.isoformat()}
            for t, s in exposures
        ],
        **extra,
    }


def test_it_reads_the_simulators_truth_with_every_account_the_insider_used() -> None:
    first = at(DAYS[2], 10)
    truth = parse_truth(
        sim_truth("c2", [(first, "ds_vip0"), (at(DAYS[3], 10), "ds_vip1")], credential_owner="c5")
    )
    assert truth.scenario == "S2" and truth.intensity == "0.5" and truth.seed == 7
    assert truth.accounts == {"c2", "c5"}
    assert truth.insiders[0].start == first


def test_it_reads_a_clean_runs_truth_as_clean() -> None:
    truth = parse_truth({"scenario": None, "insiders": [], "exposures": [], "seed": 3})
    assert truth.scenario == "clean" and not truth.insiders


def test_it_refuses_an_exposure_without_a_time() -> None:
    with pytest.raises(InvalidInput, match="exposure"):
        parse_truth({"scenario": "S1", "insiders": ["c1"], "exposures": [{"subject": "x"}]})


def snooping_office() -> tuple[OfficeLog, list[tuple[datetime, str]]]:
    log = OfficeLog()
    normal_office(log, DAYS, clerks=("c1", "c2", "c3", "c4"), visits=6)
    looked = [(at(DAYS[2], 13), "ds_vip0"), (at(DAYS[4], 11), "ds_vip1")]
    for when, person in looked:
        log.add("search", when, "c2", [person], kind="name_kanji", found=1, terminal="DESK2")
    return log, looked


def test_it_scores_a_snoopers_run_in_working_days_and_persons_exposed() -> None:
    log, looked = snooping_office()
    det = detect(log.frame(), subjects=VIPS)
    score = score_run(det, parse_truth(sim_truth("c2", looked)))
    assert score.detected is True
    assert score.days_to_detect == 1  # the same working day as the first lookup
    assert score.exposed_before == 0 and score.exposed_total == 2
    assert score.false_alerts == 0 and score.true_alerts >= 1


def test_it_counts_an_alert_before_the_insider_started_as_false() -> None:
    log, _ = snooping_office()
    later = [(at(DAYS[4], 12), "ds_vip2")]  # the truth says c2 only started on day 5
    det = detect(log.frame(), subjects=VIPS)
    score = score_run(det, parse_truth(sim_truth("c2", later)))
    assert score.false_alerts >= 1


def run(scenario: str, days: int | None, *, alerts: int = 0, staff_days: int = 1000) -> RunScore:
    return RunScore(
        scenario=scenario,
        intensity="",
        seed=None,
        staff_days=staff_days,
        alerts=alerts,
        false_alerts=alerts,
        true_alerts=0,
        explained_share=0.999,
        detected=None if scenario == "clean" else days is not None,
        days_to_detect=days,
        exposed_before=None if scenario == "clean" else (days or 50),
        exposed_total=None if scenario == "clean" else 50,
        canary_touches=0,
        canary_alerted_within_minute=0,
    )


def test_it_summarises_recall_and_quantiles_with_misses_counted() -> None:
    runs = [run("S1", d) for d in (1, 3, 8, 25, None)] + [run("clean", None, alerts=2)] * 2
    rows = {r.scenario: r for r in summarise(runs)}
    s1 = rows["S1"]
    assert s1.recall[1] == pytest.approx(0.2)
    assert s1.recall[7] == pytest.approx(0.4)
    assert s1.recall[30] == pytest.approx(0.8)
    assert s1.median_days == 8
    assert s1.p90_days is None  # the 90th percentile run was never detected
    assert rows["clean"].alerts_per_1000 == pytest.approx(2.0)


def test_it_reweights_precision_to_a_realistic_prevalence() -> None:
    # one insider per 1,000 staff-years, found with certainty; one false alert per 1,000
    # staff-days: 245 false alerts per true one.
    p = reweighted_precision(1.0, 1 / 1000)
    assert p is not None
    assert p == pytest.approx(1 / (1 + 245))
    assert reweighted_precision(0.0, 0.0) is None
    assert math.isclose(reweighted_precision(1.0, 0.0) or 0.0, 1.0)


def test_it_measures_canary_touches_alerted_at_once() -> None:
    log = OfficeLog()
    log.serve("c3", at(MONDAY, 9), ["ds_canary"], window="W03")
    log.add("search", at(MONDAY, 14), "c5", ["ds_canary"], kind="name", found=1)
    canary = subjects_frame([{"subject_id": "ds_canary", "canary": "1", "canary_window": "W03"}])
    det = detect(log.frame(), subjects=canary)
    truth = parse_truth({"scenario": None, "seed": 1})
    score = score_run(det, truth)
    assert (score.canary_touches, score.canary_alerted_within_minute) == (1, 1)
    assert det.alerts["at"].item() == at(MONDAY, 14).astimezone(UTC)


def test_it_counts_a_detection_only_when_the_twin_without_the_insider_stays_quiet() -> None:
    log, looked = snooping_office()
    twin_log = OfficeLog()
    twin_log.records = [r for r in log.records if r["code"] != "search"]  # insider removed
    truth = parse_truth(sim_truth("c2", looked))
    det = detect(log.frame(), subjects=VIPS)
    quiet = score_run(det, truth, twin=detect(twin_log.frame(), subjects=VIPS))
    assert (quiet.detected, quiet.twin_detected, quiet.twin_days_to_detect) == (True, True, 1)
    # the same "detection" when the twin alerts on c2 anyway (noise, not evidence)
    twin_log.add("search", looked[0][0], "c2", ["ds_vip2"], kind="name_kanji", found=1)
    noisy = score_run(det, truth, twin=detect(twin_log.frame(), subjects=VIPS))
    assert (noisy.detected, noisy.twin_detected) == (True, False)
    assert noisy.twin_exposed_before == 2


def test_a_twin_identical_to_the_run_never_leaves_a_detection_robust() -> None:
    """An insider with no events of their own (read off the screen) leaves the run equal to
    its twin. Here c2's case alerted on day 3 (before the truth says they started, on day
    11) and a lookup on day 11 joins the case while it is still alerting: that puts c2 in
    front of the officer again, in the run and in the identical twin alike, so it is not
    twin-robust (the twin's alert, eight days earlier, is outside the twin window; its
    joining evidence is not)."""
    log, _ = snooping_office()
    later = at(working_days(MONDAY, 11)[10], 10)
    log.add("search", later, "c2", ["ds_vip2"], kind="name_kanji", found=1, terminal="DESK2")
    truth = parse_truth(sim_truth("c2", [(later, "ds_vip2")]))
    det = detect(log.frame(), subjects=VIPS)
    same = score_run(det, truth, twin=detect(log.frame(), subjects=VIPS))
    assert same.detected is True and same.days_to_detect == 1
    assert same.twin_detected is False
