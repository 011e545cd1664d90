"""Bursts: tasks with far more reveals and copies than the person's own habit explains.

An in-task skimmer who takes a few of the people she serves (q = 5%) adds a handful of
reveals and a copy to those few tasks and nothing to the rest. Averaged per person served,
that is a rise of a fifth or so, well inside the twofold spread of honest clerks' habits,
so the rate comparisons in footprints.py cannot see it. The *shape* changes instead: a few
tasks far above what the same person usually does.

A task's load is the distinct fields it revealed plus its copies. Tasks are compared within
their kind (grant kind and step) and size (one person, or a family). The person's habit in a
kind of task is λ = -ln P(0), from their share of such tasks with no reveal or copy at all
(their history up to that day, shrunk toward the office's share with a prior worth
`burst_prior_tasks` tasks): a skim of a few tasks barely moves that share, while it would
drag a mean up and hide in its own baseline. The task is a **burst** when its load reaches
the smallest count k ≥ `burst_min_count` whose Poisson tail probability under λ is at most
`burst_alpha`; the expected number of bursts is the sum of those tail probabilities. So a
clerk who reveals twice as often as the office is measured against their own habit, and a
new hire against theirs (from their first task, shrunk toward the office: never exempt).

Over a rolling window of `volume_window_days` office days, observed bursts O are compared
with expected E after calibrating to the office: an office's honest work may be burstier
than the Poisson habit model (a difficult application needs more checking) or steadier
(in office2's T it bursts about half as often), so E is scaled by the office's own
(ΣO + a) / (ΣE + a) over everyone else with enough expected (a = `burst_scale_prior`), and
the spread by the office's robust overdispersion. (Until v4 the scale was the median O/E,
floored at 1: with under one expected burst each most people have none, so that median is
0 and the floor made the test twice as conservative as it meant to be in T.)
A day whose z reaches `burst_z` is evidence, weighted like the footprint detector.
"""

from __future__ import annotations

import polars as pl

from ryoken.detect.detectors import MAX_REFS, Context, as_signals, empty_signals
from ryoken.detect.footprints import task_rows
from ryoken.detect.rates import CHI2_1_MEDIAN, excess, poisson_z, staff_offices
from ryoken.detect.stats import tail_threshold


def task_bursts(ctx: Context) -> pl.DataFrame:
    """Per task: the person's own expected load, the burst threshold k, its tail probability
    e and whether the task reached it. Rates come from the person's history up to the day
    of the task (a nightly run sees nothing later)."""
    c = ctx.config
    tasks = task_rows(ctx).filter(pl.col("n") > 0)
    if tasks.is_empty():
        return tasks
    # a task's load is not proportional to its persons (the checks are mostly on the
    # applicant), so tasks are compared within their kind and size: one person or several
    tasks = tasks.with_columns(
        load=pl.col("breadth") + pl.col("copies"),
        stratum=pl.col("stratum")
        + pl.when(pl.col("n") > 1).then(pl.lit(":family")).otherwise(pl.lit("")),
        per=pl.lit(1.0),
    )
    # The person's habit from their share of tasks with no reveal or copy at all: for a
    # Poisson load λ = -ln P(0), and a skim of a few tasks barely moves that share while it
    # drags a mean up (the skim would hide in its own baseline). Cumulative through the end
    # of each day, per kind of task, shrunk toward the office's share.
    tasks = tasks.with_columns(zero=(pl.col("load") == 0).cast(pl.Float64))
    own = (
        tasks.group_by("actor", "stratum", "day")
        .agg(z=pl.col("zero").sum(), n=pl.col("per").sum())
        .sort("day")
        .with_columns(
            cz=pl.col("z").cum_sum().over("actor", "stratum"),
            cn=pl.col("n").cum_sum().over("actor", "stratum"),
        )
    )
    office = (
        tasks.group_by("stratum", "day")
        .agg(z=pl.col("zero").sum(), n=pl.col("per").sum())
        .sort("day")
        .with_columns(
            p0=pl.col("z").cum_sum().over("stratum") / pl.col("n").cum_sum().over("stratum")
        )
        .select("stratum", "day", "p0")
    )
    a = c.burst_prior_tasks
    share = (pl.col("cz") + a * pl.col("p0")) / (pl.col("cn") + a)
    rates = own.join(office, on=["stratum", "day"], how="left").select(
        "actor",
        "stratum",
        "day",
        lam=-(share.clip(1e-3, 1.0).log()),
    )
    tasks = tasks.join(rates, on=["actor", "stratum", "day"], how="left")
    mu = tasks["lam"].fill_null(0.0).to_numpy()
    k, e = tail_threshold(mu, c.burst_alpha, c.burst_min_count)
    return tasks.with_columns(k=pl.Series(k), e=pl.Series(e), burst=pl.col("load") >= pl.Series(k))


def burst_scores(ctx: Context) -> pl.DataFrame:
    """Per (actor, day): bursts O and expected E over the rolling window, the office's
    calibration (scale and overdispersion) and z."""
    c = ctx.config
    tasks = task_bursts(ctx)
    if tasks.is_empty():
        return pl.DataFrame()
    daily = tasks.group_by("actor", "day").agg(
        o=pl.col("burst").cast(pl.Float64).sum(),
        e=pl.col("e").sum(),
        tasks=pl.len().cast(pl.Float64),
        lines=pl.col("lines")
        .filter(pl.col("burst"))
        .list.explode(keep_nulls=False, empty_as_null=False)
        .sort(),
    )
    grid = daily.select("actor").unique().join(ctx.days.to_frame("day"), how="cross")
    w = c.volume_window_days
    office = staff_offices(ctx).select("actor", "office")
    rows = (
        grid.join(daily, on=["actor", "day"], how="left")
        .with_columns(pl.col("o", "e", "tasks").fill_null(0.0))
        .sort("actor", "day")
        .with_columns(
            O=pl.col("o").rolling_sum(w, min_samples=1).over("actor"),
            E=pl.col("e").rolling_sum(w, min_samples=1).over("actor"),
            T=pl.col("tasks").rolling_sum(w, min_samples=1).over("actor"),
        )
        .join(office, on="actor", how="left")
        .with_columns(office=pl.col("office").fill_null(""))
    )
    group = ["office", "day"]
    eligible = pl.col("E") >= c.burst_min_expected
    # the office's bursts relative to the Poisson habit model, from everyone else with enough
    # expected: (ΣO + a) / (ΣE + a), a prior of `burst_scale_prior` bursts at the model's
    # rate. A ratio of sums, not a median of ratios: with under one expected burst each, most
    # people have none, and the median of O/E is 0 whatever the office does.
    mine = pl.when(eligible)
    a = c.burst_scale_prior
    scale = (
        pl.col("O").filter(eligible).sum().over(group) - mine.then(pl.col("O")).otherwise(0.0) + a
    ) / (pl.col("E").filter(eligible).sum().over(group) - mine.then(pl.col("E")).otherwise(0.0) + a)
    rows = rows.with_columns(scale=scale, peers=eligible.sum().over(group))
    expected = pl.col("E") * pl.col("scale")
    residual = ((pl.col("O") - expected) ** 2 / (expected + 1.0)).filter(eligible)
    phi = (residual.median().over(group) / CHI2_1_MEDIAN).clip(1.0, 50.0).fill_null(1.0)
    rows = rows.with_columns(
        phi=pl.when(pl.col("peers") >= c.min_peers).then(phi).otherwise(1.0)
    ).with_columns(z=poisson_z(pl.col("O"), expected, pl.col("phi")))
    return rows.with_columns(
        z=pl.when((pl.col("T") >= c.burst_min_tasks) & (pl.col("o") > 0)).then(pl.col("z"))
    )


def burst(ctx: Context) -> pl.DataFrame:
    """A day with a burst, when the window's bursts stand out from the person's own habit."""
    c = ctx.config
    scores = burst_scores(ctx)
    if scores.is_empty():
        return empty_signals()
    hits = scores.with_columns(excess=excess(pl.col("z").fill_null(0.0), c.burst_z)).filter(
        pl.col("excess") > 0
    )
    if hits.is_empty():
        return empty_signals()
    facts = (
        ctx.events.lazy()
        .select("actor", "day", "at")
        .join(hits.select("actor", "day").lazy(), on=["actor", "day"])
        .group_by("actor", "day")
        .agg(at=pl.col("at").max())
        .collect()
    )
    out = hits.join(facts, on=["actor", "day"], how="inner").select(
        "actor",
        "day",
        "at",
        staff=pl.col("actor"),
        detector=pl.lit("burst"),
        weight=c.weight("burst") * pl.col("excess"),
        value=pl.col("z"),
        refs=pl.col("lines").list.head(MAX_REFS),
        note=pl.format(
            "bursts {}/{} expected (×{}), z={}",
            pl.col("O").cast(pl.Int64),
            pl.col("E").round(1),
            pl.col("scale").round(2),
            pl.col("z").round(1),
        ),
    )
    return as_signals(out)
