"""Several insiders in one office: each is its own person with its own lines, and the
office without all of them is the clean office, line for line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ryoken.office2 import INSIDER_KINDS, generate

from .conftest import Run
from .test_generate import lines

CONFIG, SEED, DAYS = "H1", 3, 30


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cohort")
    return generate(CONFIG, SEED, out, days=DAYS, cohort=INSIDER_KINDS)


def _members(run: Path) -> list[dict[str, object]]:
    truth = json.loads((run / "truth.json").read_text())
    assert truth["insider"] is None
    return list(truth["insiders"])


def test_every_kind_is_a_different_person(cohort: Path) -> None:
    members = _members(cohort)
    assert [m["kind"] for m in members] == list(INSIDER_KINDS)
    people = [m["person"] for m in members]
    assert len(set(people)) == len(people)
    # nobody's login is borrowed from another insider
    accounts = [a for m in members for a in m["accounts"]]  # type: ignore[attr-defined]
    assert len(set(accounts)) == len(accounts)


def test_removing_every_insider_gives_the_clean_office(cohort: Path, office2_run: Run) -> None:
    members = _members(cohort)
    drop = {n for m in members for n in m["event_lines"]}  # type: ignore[attr-defined]
    sets = [set(m["event_lines"]) for m in members]  # type: ignore[call-overload]
    assert sum(len(s) for s in sets) == len(drop), "a line belongs to one insider only"
    kept = [line for k, line in enumerate(lines(cohort)) if k not in drop]
    assert kept == lines(office2_run(CONFIG, SEED, DAYS))


def test_each_insiders_lines_are_their_own(cohort: Path) -> None:
    everything = lines(cohort)
    for m in _members(cohort):
        own = {str(a) for a in m["accounts"]}  # type: ignore[attr-defined]
        for k in m["event_lines"][:50]:  # type: ignore[index]
            event = json.loads(everything[k])
            # the insider's own account, or the colleague's login they borrowed; the copier
            # device reports the job under the account that sent it
            assert event["actor"] in own | {m["person"]}, (m["kind"], event)


def test_a_cohort_names_known_kinds_once(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown insider kind"):
        generate(CONFIG, SEED, tmp_path, days=2, cohort=("bulk", "nonsense"))
    with pytest.raises(ValueError, match="once"):
        generate(CONFIG, SEED, tmp_path, days=2, cohort=("bulk", "bulk"))
    with pytest.raises(ValueError, match="not both"):
        generate(CONFIG, SEED, tmp_path, days=2, insider="bulk", cohort=("snoop",))


def test_a_cohort_is_scored_as_the_clean_office_and_one_run_per_kind(cohort: Path) -> None:
    from ryoken.sim.evaluation import read_run
    from ryoken.sim.office2_runs import cohort_scores

    events, staff, subjects, truth = read_run(cohort, None)
    scores = cohort_scores(
        events, staff, subjects, truth, config=None, plan_config=CONFIG, tuned=False
    )
    assert [s.scenario for s in scores] == ["clean", *INSIDER_KINDS]
    clean, *insiders = scores
    assert clean.detected is None and clean.config == CONFIG and not clean.tuned
    for s in insiders:
        assert s.detected is not None  # scored against its own insider
        # the twin is the clean office: a twin-robust detection is never earlier than the raw
        if s.twin_detected:
            assert s.days_to_detect is not None
            assert s.twin_days_to_detect >= s.days_to_detect  # type: ignore[operator]
