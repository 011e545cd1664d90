"""Bursts: tasks far above the person's own habit (the in-task skimmer of a few persons)."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from ryoken.detect import detectors as d
from ryoken.detect.bursts import burst, burst_scores
from ryoken.detect.stats import tail_threshold

from .logs import MONDAY, OfficeLog, at, working_days

DAYS = working_days(MONDAY, 30)
FIELDS = ("address", "phone", "mobile", "email", "honseki", "passport_number", "birth_date")
HABITS = {"c1": 0.6, "c2": 0.8, "c3": 1.0, "c4": 1.6, "c5": 0.8, "c6": 1.2}  # c4 twice c2


def _poisson(rng: random.Random, mean: float) -> int:
    k, p, threshold = 0, 1.0, math.exp(-mean)
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _office(skimmer: str | None, share: float = 0.1, seed: int = 5) -> tuple[OfficeLog, int]:
    """Six clerks, eight visits a day each; honest reveals are Poisson with the clerk's own
    habit (a twofold spread); the skimmer adds four different fields and a copy to `share`
    of the visits from the 6th day on. Returns the log and the number of skimmed visits."""
    rng, log, skims = random.Random(seed), OfficeLog(), 0
    for day in DAYS:
        for clerk, habit in HABITS.items():
            for v in range(8):
                start = at(day, 9 + v, 5 * list(HABITS).index(clerk))
                person = f"ds_{clerk}_{day:%m%d}_{v}"
                grant = log.serve(clerk, start, [person], reveals=0, minutes=15)
                t = start + timedelta(minutes=2)
                shown = [rng.choice(FIELDS) for _ in range(_poisson(rng, habit))]
                if clerk == skimmer and day >= DAYS[5] and rng.random() < share:
                    shown += rng.sample(FIELDS, 4)
                    skims += 1
                    log.print_job(clerk, t, [person], grant=grant, window="W01", code="copy")
                for k, field in enumerate(shown):
                    log.add(
                        "disclosure", t + timedelta(seconds=k), clerk, [person],
                        fields=[field], purpose="intake:reveal", grant=grant, terminal="W01",
                        form="shown", step="intake", reason="form_check",
                    )  # fmt: skip
    return log, skims


def _signals(log: OfficeLog) -> pl.DataFrame:
    return burst(d.build_context(log.frame()))


def test_the_tail_threshold_is_the_first_count_this_improbable() -> None:
    k, e = tail_threshold(np.array([0.5, 2.0, 1e-12]), 0.01, 2)

    def tail(mu: float, k: int) -> float:
        return 1 - sum(math.exp(-mu) * mu**j / math.factorial(j) for j in range(k))

    assert k[0] == 4 and tail(0.5, 3) > 0.01 >= tail(0.5, 4)
    assert e[0] == pytest.approx(tail(0.5, 4))
    assert k[1] == 7 and tail(2.0, 6) > 0.01 >= tail(2.0, 7)
    assert k[2] == 2  # a kind of task where nobody reveals: two is already a burst


def test_it_signals_the_skimmer_of_a_few_persons_and_nobody_else() -> None:
    log, skims = _office("c3")
    assert 10 <= skims <= 30  # about 10% of 8 visits on 25 days
    signals = _signals(log)
    assert set(signals["staff"]) == {"c3"}
    assert signals["day"].min() >= DAYS[5]


def test_a_twofold_honest_habit_is_not_a_burst() -> None:
    """c4 reveals twice as often as c2, c1 half as often as c3: their own habit is their
    measure, so neither is signalled (the rate comparison would need the office's spread)."""
    log, _ = _office(None)
    assert _signals(log).is_empty()
    scores = burst_scores(d.build_context(log.frame()))
    c4 = scores.filter(pl.col("actor") == "c4")
    assert c4["E"].max() > 0  # c4 was measured
    z = c4["z"].drop_nulls()
    assert z.is_empty() or z.max() < 2.0


def test_the_twin_without_the_skims_is_quiet() -> None:
    """The same office, same seed, without the skimmer's extra events: no signal."""
    log, _ = _office("c3", share=0.0)
    assert _signals(log).is_empty()


def _steady_office(heavy_share: float, seed: int = 3) -> OfficeLog:
    """Six clerks who reveal one field on half of their visits and nothing on the others
    (steadier than a Poisson habit: a load of four never happens), except `heavy_share` of
    visits on which anyone checks five fields (a difficult application)."""
    rng, log = random.Random(seed), OfficeLog()
    for day in DAYS:
        for c, clerk in enumerate(HABITS):
            for v in range(8):
                start = at(day, 9 + v, 5 * c)
                person = f"ds_{clerk}_{day:%m%d}_{v}"
                grant = log.serve(clerk, start, [person], reveals=0, minutes=15)
                heavy = rng.random() < heavy_share
                shown = rng.sample(FIELDS, 5) if heavy else FIELDS[:1] * (rng.random() < 0.5)
                for k, field in enumerate(shown):
                    log.add(
                        "disclosure", start + timedelta(minutes=2, seconds=k), clerk, [person],
                        fields=[field], purpose="intake:reveal", grant=grant, terminal="W01",
                        form="shown", step="intake", reason="form_check",
                    )  # fmt: skip
    return log


def test_the_office_scale_follows_how_bursty_its_honest_work_is_in_both_directions() -> None:
    """The expected bursts are scaled by the office's own burst rate against the habit model,
    a ratio of sums over the others: below 1 where honest work is steadier than a Poisson
    (a median of O/E would be 0 there — most people have no burst — and say nothing), above
    1 where difficult applications make honest clerks burstier."""
    late = pl.col("day") >= DAYS[20]
    steady = burst_scores(d.build_context(_steady_office(0.0).frame())).filter(late)
    bursty = burst_scores(d.build_context(_steady_office(0.03).frame())).filter(late)
    assert steady["scale"].max() < 1.0
    assert bursty["scale"].min() > 1.0
