"""The scorecard runner (ryoken.sim.evaluation) on one short simulated run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ryoken.errors import InvalidInput
from ryoken.sim.evaluation import DEFAULT_PLANS, Plan, plans_for, report, run_one


def test_it_expands_scenario_names_into_plans() -> None:
    assert plans_for(None) == DEFAULT_PLANS
    assert [p.intensity for p in plans_for(["S1"])] == [0.01, 0.025, 0.05, 0.10]
    assert plans_for(["S1@0.2", "clean"]) == (Plan("S1", 0.2), Plan("clean"))
    with pytest.raises(InvalidInput, match="unknown scenario"):
        plans_for(["S42"])


def test_it_simulates_detects_and_scores_a_harvest_and_reuses_its_cache(tmp_path: Path) -> None:
    """An evening of bulk lookups (S3) is caught the same working day, on a short run."""
    score = run_one(Plan("S3"), 11, days=22, cache=tmp_path)
    assert score.detected is True and score.days_to_detect == 1
    assert score.exposed_before == 0 and score.exposed_total
    assert score.explained_share > 0.99
    again = run_one(Plan("S3"), 11, days=22, cache=tmp_path)  # from the cache: no simulation
    assert (again.days_to_detect, again.alerts) == (score.days_to_detect, score.alerts)
    table = report([score, again])["table"]
    assert "| S3 | 2/2 | 100% |" in table  # two runs with exposures, both caught in a day


def test_it_plots_a_scorecard_of_clean_runs_only(tmp_path: Path) -> None:
    """A clean-only scorecard has no insider to box: the plots skip that figure, not crash."""
    from ryoken.sim.evaluation import plot

    clean = run_one(Plan("clean"), 11, days=5, cache=tmp_path / "cache")
    names = {p.name for p in plot([clean], tmp_path)}
    assert "exposed_before_detection.png" not in names
    assert all((tmp_path / n).stat().st_size > 0 for n in names)
