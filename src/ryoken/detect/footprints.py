"""Footprint detectors: rates per person served, against peers and against oneself.

An in-task skimmer (the Ikebukuro clerk) reads only people she is serving, so nothing she
does is unexplained. What she leaves is a footprint: more reveals, copies, prints and
minutes per person served than her peers at the same office, and than her own first weeks.

Rates depend on the work: a pickup has no reveals, a loss report always has a copy, a review
has no prints. So every footprint is counted per task (the grant it ran under) and compared
*within the same kind of task* (grant kind and step: counter:intake, counter:pickup,
review:review, …): the expected count for a person is Σ over kinds of (office rate for that
kind, leaving the person out) × (persons they served in that kind). Copier jobs behind no
declared job are counted per day against all persons served. New hires (the first
`trainee_days` after `hired_on`, when the staff file gives it) are slower and reveal more by
nature: they are left out of the office rates and compared only with their own first weeks.

`volume` scores every office day over a rolling window of W office days; `contract_end`
compares a person's observed/expected ratio after giving notice with their own before.
"""

from __future__ import annotations

import polars as pl

from ryoken.detect.detectors import MAX_REFS, Context, as_signals, empty_signals, roles_of
from ryoken.detect.explain import NON_STAFF
from ryoken.detect.rates import CHI2_1_MEDIAN, excess, poisson_z, staff_offices

TASK_METRICS = ("reveals", "matches", "prints", "copies", "minutes")
DAY_METRICS = ("undeclared_copies",)
METRICS = TASK_METRICS + DAY_METRICS
_ALL = "(all)"  # the stratum of per-day metrics


def _trainee(ctx: Context) -> pl.Expr:
    """True on days the person is within their first `trainee_days` (staff file hired_on)."""
    hired = pl.col("hired_on")
    return ((pl.col("day") - hired).dt.total_days() < ctx.config.trainee_days).fill_null(False)


def task_rows(ctx: Context) -> pl.DataFrame:
    """One row per task (grant) and the person working under it (holder or assistant):
    actor, day, stratum (grant kind:step), persons served `n`, minutes, and the task's
    reveals, matches, prints and copies. Break-glass is not a task. Memoised."""
    if "task_rows" in ctx.memo:
        return ctx.memo["task_rows"]
    reveal = (pl.col("code") == "disclosure") & (
        (pl.col("reason").fill_null("") != "") | pl.col("purpose").str.ends_with(":reveal")
    )
    per_grant = (
        ctx.events.lazy()
        .filter(pl.col("grant").is_not_null() & pl.col("code").is_in(("disclosure", "match",
                                                                       "print", "copy")))
        .group_by("grant", "actor")
        .agg(
            reveals=reveal.sum(),
            matches=(pl.col("code") == "match").sum(),
            prints=(pl.col("code") == "print").sum(),
            copies=(pl.col("code") == "copy").sum(),
            lines=pl.col("line").filter(reveal | (pl.col("code") == "copy")).sort(),
            # distinct fields revealed: a clerk checking again reveals the same field, a
            # skimmer collecting a profile reveals different ones
            breadth=pl.col("fields").filter(reveal).list.explode().drop_nulls().n_unique(),
        )
        .collect()
    )  # fmt: skip
    grants = ctx.explanation.grants.filter(pl.col("kind") != "break_glass")
    rows = (
        grants.select(
            "grant",
            "actor",
            day=_local_day(ctx, "opened"),
            stratum=pl.col("kind").fill_null("") + ":" + pl.col("step").fill_null(""),
            n=pl.col("served").cast(pl.Float64),
            minutes=((pl.col("end") - pl.col("opened")).dt.total_seconds() / 60).clip(0, 60),
        )
        .join(per_grant, on=["grant", "actor"], how="left")
        .with_columns(
            pl.col("reveals", "matches", "prints", "copies", "breadth")
            .fill_null(0)
            .cast(pl.Float64),
            lines=pl.col("lines").fill_null(pl.lit([], pl.List(pl.Int64))),
        )
    )
    ctx.memo["task_rows"] = rows
    return rows


def task_counts(ctx: Context) -> pl.DataFrame:
    """(actor, office, day, stratum, metric, o, n): counts and persons served per day and
    kind of task, long format, every office day present (zeros filled)."""
    tasks = (
        task_rows(ctx)
        .group_by("actor", "day", "stratum")
        .agg(pl.col("n", *TASK_METRICS).fill_null(0).sum().cast(pl.Float64))
    )
    # copier jobs without a declared job, per person served at a window: the counter's own
    # copier footprint (office staff copy meeting papers; that is not per applicant)
    persons = (
        tasks.filter(pl.col("stratum").str.starts_with("counter:"))
        .group_by("actor", "day")
        .agg(n=pl.col("n").sum())
    )
    copier = (
        ctx.explanation.access.filter(pl.col("code") == "external.copier")
        .group_by("actor", "day")
        .agg(
            undeclared_copies=(
                (pl.col("status") == "copier_unmatched") | (pl.col("undeclared_pages") > 0)
            ).sum()
        )
    )
    # copier jobs are compared within a role: office staff copy papers that are not personal
    # data far more often than window clerks do
    roles = roles_of(ctx).select("actor", "role")
    per_day = persons.join(copier, on=["actor", "day"], how="left").join(
        roles, on="actor", how="left"
    )
    per_day = per_day.with_columns(
        stratum=pl.lit(_ALL + ":") + pl.col("role").fill_null(""),
        undeclared_copies=pl.col("undeclared_copies").fill_null(0).cast(pl.Float64),
    )
    long = (
        pl.concat(
            [
                tasks.unpivot(TASK_METRICS, index=["actor", "day", "stratum", "n"]),
                per_day.unpivot(DAY_METRICS, index=["actor", "day", "stratum", "n"]),
            ]
        )
        .rename({"variable": "metric", "value": "o"})
        # handling time is the time at the window; desk tasks' grants run as long as a
        # reviewer keeps the file open, which says little
        .filter((pl.col("metric") != "minutes") | pl.col("stratum").str.starts_with("counter:"))
    )
    keys = long.select("actor", "stratum", "metric").unique()
    grid = keys.join(ctx.days.to_frame("day"), how="cross")
    return (
        grid.join(long, on=["actor", "stratum", "metric", "day"], how="left")
        .with_columns(pl.col("o", "n").fill_null(0.0).cast(pl.Float64))
        .join(staff_offices(ctx), on="actor", how="left")
        .with_columns(office=pl.col("office").fill_null(""), trainee=_trainee(ctx))
        .drop("hired_on")
        .sort("actor", "stratum", "metric", "day")
    )


def _local_day(ctx: Context, column: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(ctx.config.tz).dt.date()


def expected(ctx: Context) -> pl.DataFrame:
    """(actor, office, day, metric): today's count `o` and peer expectation `e`; over the
    rolling window O, E (peers) and E_own, V_own (the person's first weeks), N; the trainee
    flag and the office's φ. Memoised on the context (volume and contract_end read it)."""
    if "footprints" in ctx.memo:
        return ctx.memo["footprints"]
    c = ctx.config
    w = c.volume_window_days
    rows = task_counts(ctx)
    key = ["actor", "stratum", "metric"]
    pool = ["office", "day", "stratum", "metric"]
    rows = rows.with_columns(
        ow=pl.col("o").rolling_sum(w, min_samples=1).over(key),
        nw=pl.col("n").rolling_sum(w, min_samples=1).over(key),
        # a trainee anywhere in the window is no one's peer and has none
        tw=pl.col("trainee").cast(pl.Int8).rolling_max(w, min_samples=1).over(key) > 0,
    )
    # The office's rate per kind of task over the window, from non-trainees, leaving the
    # person out; today's expectation is that rate times today's persons served.
    peer = ~pl.col("tw")
    mine_o = pl.when(peer).then(pl.col("ow")).otherwise(0.0)
    mine_n = pl.when(peer).then(pl.col("nw")).otherwise(0.0)
    rows = rows.with_columns(
        p=(
            (pl.col("ow").filter(peer).sum().over(pool) - mine_o)
            / (pl.col("nw").filter(peer).sum().over(pool) - mine_n)
        ).fill_nan(None)
    )
    # Only days and kinds of task with an office rate count toward the peer comparison
    # (early in a run, a kind of task may have no one else doing it yet).
    known = pl.col("p").is_not_null()
    rows = rows.with_columns(
        e=pl.col("p").fill_null(0.0) * pl.col("n"),
        ok=pl.when(known).then(pl.col("o")).otherwise(0.0),
        nk=pl.when(known).then(pl.col("n")).otherwise(0.0),
    ).with_columns(
        ew=pl.col("e").rolling_sum(w, min_samples=1).over(key),
        okw=pl.col("ok").rolling_sum(w, min_samples=1).over(key),
        nkw=pl.col("nk").rolling_sum(w, min_samples=1).over(key),
    )
    # The person's first `baseline_days` office days with anyone served, per kind of task:
    # frozen, so a slow ramp (S8) cannot drag it along.
    present = (
        rows.group_by("actor", "day")
        .agg(served=(pl.col("n") > 0).any())
        .sort("actor", "day")
        .with_columns(present=pl.col("served").cast(pl.Int32).cum_sum().over("actor"))
    )
    rows = rows.join(present, on=["actor", "day"], how="left")
    in_base = pl.col("served") & (pl.col("present") <= c.baseline_days)
    base = (
        rows.filter(in_base)
        .group_by(key)
        .agg(
            b_o=pl.col("o").sum(),
            b_n=pl.col("n").sum(),
            b_ok=pl.col("ok").sum(),
            b_e=pl.col("e").sum(),
        )
    )
    rows = rows.join(base, on=key, how="left").with_columns(
        pl.col("b_o", "b_n", "b_ok", "b_e").fill_null(0.0)
    )
    p_own = (pl.col("b_o") + pl.col("p").fill_null(0.0)) / (pl.col("b_n") + 1)
    rows = rows.with_columns(
        e_own=p_own * pl.col("nw"),
        # the own rate is itself an estimate from b_n persons: its variance adds nw / b_n
        v_own=p_own * pl.col("nw") * (1 + pl.col("nw") / (pl.col("b_n") + 1)),
    )
    daily = rows.group_by("actor", "office", "day", "metric").agg(
        o=pl.col("ok").sum(),
        e=pl.col("e").sum(),
        O=pl.col("okw").sum(),
        E=pl.col("ew").sum(),
        N=pl.col("nkw").sum(),
        O_all=pl.col("ow").sum(),
        N_all=pl.col("nw").sum(),
        E_own=pl.col("e_own").sum(),
        V_own=pl.col("v_own").sum(),
        B_o=pl.col("b_ok").sum(),
        B_e=pl.col("b_e").sum(),
        trainee=pl.col("tw").any(),
        after_base=pl.col("present").max() > c.baseline_days,
    )
    eligible = (pl.col("N") >= c.min_served) & ~pl.col("trainee")
    group = ["office", "day", "metric"]
    residual = ((pl.col("O") - pl.col("E")) ** 2 / (pl.col("E") + 1.0)).filter(eligible)
    phi = (residual.median().over(group) / CHI2_1_MEDIAN).clip(1.0, 50.0)
    daily = daily.with_columns(peers=eligible.sum().over(group)).with_columns(
        phi=pl.when(pl.col("peers") >= c.min_peers).then(phi).otherwise(1.0).fill_null(1.0)
    )
    daily = daily.sort("actor", "metric", "day")
    ctx.memo["footprints"] = daily
    return daily


def volume_scores(ctx: Context) -> pl.DataFrame:
    """Per (actor, day, metric): z against peers and z of a change against the person's own
    earlier standing among peers.

    Peers (calibrated to the office): z_peer = poisson_z(O, E, φ + σ²·E), with E the
    task-mix-matched office expectation over the window, φ the office's robust Poisson
    overdispersion and σ² the office's **between-person** variance of relative rates
    (Gamma–Poisson: honest clerks differ — twofold in some offices — and a person's count
    then varies as E·φ + σ²·E²). σ² is estimated robustly per office, day and metric:
    (1.4826 · MAD(O/E) / median(O/E))² less the Poisson part median(φ/E), at least 0.

    Own change: the person's relative rate ρ = O/E in their first `baseline_days` working
    days, shrunk toward the office (ρ = (B_o + a)/(B_e + a), a = 1/σ², the empirical-Bayes
    Gamma prior's weight); now O is compared with ρ·E (the office's current rate times the
    person's own earlier standing, so seasons and task mix cancel) with the variance of ρ
    added: z_own = poisson_z(O, ρE, φ + ρE/(B_e + a)).

    New hires are never exempt: while a trainee, a person's E comes from the other
    trainees' rates when at least `min_peers` … otherwise from the office's with
    `trainee_allowance` (new hires reveal more by nature). Handling minutes: robust z of
    O/E against the peers' median and MAD, supporting only.
    """
    c = ctx.config
    f = expected(ctx)
    if f.is_empty():
        return f
    enough = pl.col("N") >= c.min_served
    eligible = enough & ~pl.col("trainee")
    group = ["office", "day", "metric"]
    ratio = pl.col("O") / pl.col("E")
    med = ratio.filter(eligible).median().over(group)
    mad = ((ratio - med).abs().filter(eligible).median().over(group) * 1.4826).clip(0.02)
    poisson_part = (pl.col("phi") / pl.col("E")).filter(eligible).median().over(group)
    sigma2 = ((mad / med.clip(0.05)) ** 2 - poisson_part).fill_nan(0.0).fill_null(0.0).clip(0, 1)
    # a person who served fewer people than the typical peer has a noisier ratio
    typical_n = pl.col("N").filter(eligible).median().over(group)
    f = f.with_columns(med=med, mad=mad * (typical_n / pl.col("N")).clip(1.0).sqrt(), sigma2=sigma2)
    allowance = pl.when(pl.col("trainee")).then(c.trainee_allowance).otherwise(1.0)
    e_peer = pl.col("E") * allowance
    het = pl.col("phi") + pl.col("sigma2") * e_peer
    counts_peer = poisson_z(pl.col("O"), e_peer, het)
    a = (1.0 / pl.col("sigma2").clip(0.02)).clip(2.0, 50.0)
    rho = (pl.col("B_o") + a) / (pl.col("B_e") + a)
    e_own = rho * pl.col("E")
    relative_own = poisson_z(pl.col("O"), e_own, pl.col("phi") + e_own / (pl.col("B_e") + a))
    # a lone clerk (no office rate to be relative to): their own first weeks' absolute rates
    own_phi = pl.col("phi") * pl.col("V_own") / pl.col("E_own")
    absolute_own = poisson_z(pl.col("O_all"), pl.col("E_own"), own_phi)
    # Minutes are not counts (a long visit is many minutes at once): robust z of ratios.
    robust = pl.col("metric") == "minutes"
    z_peer = (
        pl.when(robust)
        .then((ratio / allowance - pl.col("med")) / pl.col("mad"))
        .otherwise(counts_peer)
    )
    own_ratio = pl.col("O_all") / pl.col("E_own")
    # a window needs enough office days behind it before its spread means anything
    day_no = ctx.days.sort().to_frame("day").with_row_index("day_no")
    f = f.join(day_no, on="day", how="left")
    comparable = (
        (pl.col("peers") >= c.min_peers)
        & (pl.col("E") > 0)
        & (pl.col("day_no") >= c.min_window_days - 1)
    )
    relative = (pl.col("E") > 0) & (pl.col("B_e") > 0)
    z_own = (
        pl.when(robust)
        .then((own_ratio - 1) / (pl.col("mad") * 1.5**0.5))
        .when(relative)
        .then(relative_own)
        .otherwise(absolute_own)
    )
    own_ok = (pl.col("N_all") >= c.min_served) & pl.col("after_base") & (pl.col("E_own") > 0)
    return f.with_columns(
        z_peer=pl.when(enough & comparable).then(z_peer),
        z_own=pl.when(own_ok).then(z_own),
    )


def volume(ctx: Context) -> pl.DataFrame:
    """A day whose rolling per-person rates stand out from peers or the person's own start."""
    c = ctx.config
    scores = volume_scores(ctx)
    if scores.is_empty():
        return empty_signals()
    zp, zo = pl.col("z_peer").fill_null(0.0), pl.col("z_own").fill_null(0.0)
    # The own baseline drifts with things peers share (a season, a new form), so it counts
    # only where peers agree in direction, or where there are no peers to ask.
    # The own comparison is relative to the office's current rate (seasons cancel), so it
    # counts on its own; `own_support_z` ≤ 0 keeps it so.
    own_counts = pl.col("z_peer").is_null() | (zp >= c.own_support_z)
    evidence = excess(zp, c.volume_z) + pl.when(own_counts).then(
        0.5 * excess(zo, c.own_z)
    ).otherwise(0.0)
    hits = scores.with_columns(excess=evidence).filter(pl.col("excess") > 0)
    if hits.is_empty():
        return empty_signals()
    # Handling time varies with what applicants bring more than with what a clerk does: it
    # is its own detector, capped below the threshold, so it supports but never alarms alone.
    hits = hits.with_columns(
        detector=pl.when(pl.col("metric") == "minutes")
        .then(pl.lit("handling_time"))
        .otherwise(pl.lit("volume"))
    )
    per_day = hits.group_by("actor", "day", "detector").agg(
        weight=c.weight("volume") * pl.col("excess").sum(),
        value=pl.col("z_peer").fill_null(pl.col("z_own")).max(),
        note=pl.format(
            "{} z={} own={}",
            "metric",
            pl.col("z_peer").round(1).cast(pl.String).fill_null("–"),
            pl.col("z_own").round(1).cast(pl.String).fill_null("–"),
        )
        .sort()
        .str.join("; "),
    )
    return _at_day_end(ctx, per_day, None)


def _at_day_end(ctx: Context, per_day: pl.DataFrame, detector: str | None) -> pl.DataFrame:
    """Stamp per-day signals with the person's last event that day (a nightly run would see
    them then), and attach their reveal/print/copy/copier lines as evidence."""
    keys = per_day.select("actor", "day")
    facts = (
        ctx.events.lazy()
        .filter(~pl.col("actor").is_in(NON_STAFF))
        .select("actor", "day", "at", "line", "code", "reason")
        .join(keys.lazy(), on=["actor", "day"])
        .group_by("actor", "day")
        .agg(
            at=pl.col("at").max(),
            refs=pl.col("line")
            .filter(
                pl.col("code").is_in(["print", "copy", "external.copier"])
                | ((pl.col("code") == "disclosure") & (pl.col("reason").fill_null("") != ""))
            )
            .sort()
            .head(MAX_REFS),
        )
        .collect()
    )
    out = per_day.join(facts, on=["actor", "day"], how="inner").with_columns(staff=pl.col("actor"))
    if detector is not None:
        out = out.with_columns(detector=pl.lit(detector))
    return as_signals(out)


def contract_end(ctx: Context) -> pl.DataFrame:
    """After notice is given, the person's observed/expected ratio against their own ratio in
    the `notice_baseline_days` office days before (task mix and season are in E, so a change
    of work does not count), plus persons read outside any task (normally none)."""
    c = ctx.config
    notice = departure_watch(ctx)
    if notice.is_empty():
        return empty_signals()
    daily = _with_unexplained(ctx, expected(ctx).select("actor", "day", "metric", "o", "e"))
    daily = daily.join(notice, on="actor")
    if daily.is_empty():
        return empty_signals()
    key = ["actor", "metric"]
    daily = daily.sort("actor", "metric", "day").with_columns(idx=pl.int_range(pl.len()).over(key))
    first_after = (
        daily.filter(pl.col("day") >= pl.col("notice"))
        .group_by("actor")
        .agg(notice_idx=pl.col("idx").min())
    )
    daily = daily.join(first_after, on="actor")
    before = (pl.col("idx") < pl.col("notice_idx")) & (
        pl.col("idx") >= pl.col("notice_idx") - c.notice_baseline_days
    )
    base = daily.filter(before).group_by(key).agg(b_o=pl.col("o").sum(), b_e=pl.col("e").sum())
    after = daily.filter(pl.col("idx") >= pl.col("notice_idx")).join(base, on=key)
    o_a = pl.col("o").cum_sum().over(key, order_by="day")
    e_a = pl.col("e").cum_sum().over(key, order_by="day")
    ratio = (pl.col("b_o") + 1) / (pl.col("b_e") + 1)
    z = (o_a - ratio * e_a) / (ratio * e_a * (1 + e_a / (pl.col("b_e") + 1)) + 1).sqrt()
    hits = after.with_columns(z=z).filter(pl.col("z") >= c.notice_z)
    if hits.is_empty():
        return empty_signals()
    per_day = hits.group_by("actor", "day").agg(
        weight=c.weight("contract_end") * excess(pl.col("z"), c.notice_z).sum(),
        value=pl.col("z").max(),
        note=pl.format("{} z={}", "metric", pl.col("z").round(1)).sort().str.join("; "),
    )
    return _at_day_end(ctx, per_day, "contract_end")


def departure_watch(ctx: Context) -> pl.DataFrame:
    """(actor, notice): when the departure watch starts for each leaver — the notice date, or
    without one (schema v2) `departure_window_days` office days before the contract end."""
    c = ctx.config
    staff = ctx.staff.filter(
        pl.col("notice_given_on").is_not_null() | pl.col("contract_end").is_not_null()
    ).select(actor="staff_id", notice="notice_given_on", end="contract_end")
    if staff.is_empty() or not ctx.days.len():
        return staff.select("actor", "notice")
    days = ctx.days.sort().to_frame("day").with_row_index("idx")
    ends = (
        staff.filter(pl.col("notice").is_null())
        .sort("end")
        .join_asof(days, left_on="end", right_on="day", strategy="backward")
        .with_columns(idx=(pl.col("idx").fill_null(0).cast(pl.Int64) - c.departure_window_days))
        .with_columns(idx=pl.col("idx").clip(0))
        .join(days.with_columns(pl.col("idx").cast(pl.Int64)), on="idx", how="left")
        .select("actor", notice="day")
    )
    given = staff.filter(pl.col("notice").is_not_null()).select("actor", "notice")
    return pl.concat([given, ends]).drop_nulls()


def _with_unexplained(ctx: Context, daily: pl.DataFrame) -> pl.DataFrame:
    """Add a metric: persons read outside any task per day (expected: almost none)."""
    un = ctx.unexplained.group_by("actor", "day").agg(
        o=pl.col("subject").n_unique().cast(pl.Float64)
    )
    grid = daily.select("actor", "day").unique()
    extra = grid.join(un, on=["actor", "day"], how="left").select(
        "actor", "day", metric=pl.lit("unexplained"), o=pl.col("o").fill_null(0.0), e=pl.lit(0.05)
    )
    return pl.concat([daily, extra])
