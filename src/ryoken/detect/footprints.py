"""Footprint detectors: rates per applicant served, against peers and against oneself.

An in-task skimmer (the Ikebukuro clerk) reads only people she is serving, so nothing she
does is unexplained. What she leaves is a footprint: more reveals, copies, prints and
minutes per applicant than her peers at the same office and role, and than her own first
weeks. `volume` scores that every office day over a rolling window; `contract_end` compares
a person's rates after giving notice with their own before.
"""

from __future__ import annotations

import polars as pl

from ryoken.detect.detectors import MAX_REFS, Context, as_signals, empty_signals, roles_of
from ryoken.detect.explain import NON_STAFF

# Per-applicant footprints (see `volume_frame`).
METRICS = (
    "reveals",
    "matches",
    "prints",
    "copies",
    "undeclared_pages",
    "handling_minutes",
    "searches",
)
_CHI2_1_MEDIAN = 0.4549  # median of chi-square with one degree of freedom


def volume_frame(ctx: Context) -> pl.DataFrame:
    """One row per (staff, office day): applicants served and each footprint metric."""
    ev = ctx.events.lazy().filter(~pl.col("actor").is_in(NON_STAFF))
    reveal = (pl.col("code") == "disclosure") & (
        (pl.col("reason").fill_null("") != "") | pl.col("purpose").str.ends_with(":reveal")
    )
    counts = (
        ev.group_by("actor", "day")
        .agg(
            reveals=reveal.sum(),
            matches=(pl.col("code") == "match").sum(),
            prints=(pl.col("code") == "print").sum(),
            copies=(pl.col("code") == "copy").sum(),
            searches=(pl.col("code") == "search").sum(),
            last_at=pl.col("at").max(),
        )
        .collect()
    )
    copier = (
        ctx.explanation.access.filter(pl.col("code") == "external.copier")
        .group_by("actor", "day")
        .agg(undeclared_pages=pl.col("undeclared_pages").sum())
    )
    local_open = pl.col("opened").dt.convert_time_zone(ctx.config.tz).dt.date()
    work = (
        ctx.explanation.grants.filter(pl.col("kind") != "break_glass")
        .with_columns(
            day=local_open,
            minutes=(pl.col("end") - pl.col("opened")).dt.total_seconds() / 60,
        )
        .group_by("actor", "day")
        .agg(
            served=pl.col("served").sum(),
            handling_minutes=pl.col("minutes")
            .filter(pl.col("kind") == "counter")
            .clip(0, 240)
            .sum(),
        )
    )
    days = ctx.days.to_frame("day")
    actors = work.select("actor").unique()
    grid = actors.join(days, how="cross")
    frame = (
        grid.join(work, on=["actor", "day"], how="left")
        .join(counts, on=["actor", "day"], how="left")
        .join(copier, on=["actor", "day"], how="left")
        .with_columns(pl.col(*METRICS, "served").fill_null(0).cast(pl.Float64))
        .join(roles_of(ctx), on="actor", how="left")
        .with_columns(pl.col("office", "role").fill_null(""))
        .sort("actor", "day")
    )
    return frame


def _dispersion(o: pl.Expr, e: pl.Expr, eligible: pl.Expr, group: list[str]) -> pl.Expr:
    """Robust overdispersion of counts around their expectation within a peer group."""
    ratio = ((o - e) ** 2 / (e + 1.0)).filter(eligible).median().over(group) / _CHI2_1_MEDIAN
    return ratio.clip(1.0, 50.0)


def volume_scores(ctx: Context) -> pl.DataFrame:
    """Rolling-window rates per applicant served, scored against peers and own first weeks.

    For each metric m and each office day: O = the staff member's count over the last W
    office days, N = applicants served over them. Peers (same office and role, N ≥ min_served)
    give the median rate p and a robust dispersion φ (from the median squared Pearson
    residual); z_peer = (O - pN) / sqrt(φ pN + 1). The person's own first `baseline_days`
    working days give p_own, frozen, so a slow ramp (S8) cannot drag the baseline with it;
    z_own = (O - p_own N) / sqrt(φ p_own N (1 + N/N_base) + 1), the last factor because
    p_own is itself estimated from N_base applicants.
    """
    c = ctx.config
    frame = volume_frame(ctx)
    if frame.is_empty():
        return frame
    w = c.volume_window_days
    roll = [pl.col(m).rolling_sum(w, min_samples=1).over("actor").alias(f"o_{m}") for m in METRICS]
    frame = frame.with_columns(
        *roll, n=pl.col("served").rolling_sum(w, min_samples=1).over("actor")
    )
    present = (pl.col("served") > 0).cast(pl.Int32).cum_sum().over("actor")
    in_base = (present <= c.baseline_days) & (pl.col("served") > 0)
    frame = frame.with_columns(present=present, in_base=in_base)
    base = (
        frame.filter(pl.col("in_base"))
        .group_by("actor")
        .agg(
            base_n=pl.col("served").sum(),
            base_days=pl.len(),
            **{f"b_{m}": pl.col(m).sum() for m in METRICS},
        )
    )
    frame = frame.join(base, on="actor", how="left")
    group = ["office", "role", "day"]
    eligible = pl.col("n") >= c.min_served
    frame = frame.with_columns(
        peers=eligible.sum().over(group),
        **{f"p_{m}": (pl.col(f"o_{m}") / pl.col("n")).filter(eligible).median().over(group)
           for m in METRICS},
    )  # fmt: skip
    frame = frame.with_columns(
        **{f"phi_{m}": _dispersion(pl.col(f"o_{m}"), pl.col(f"p_{m}") * pl.col("n"), eligible,
                                   group) for m in METRICS}
    )  # fmt: skip
    after_base = (pl.col("base_days") >= c.baseline_days) & ~pl.col("in_base")
    exprs = []
    for m in METRICS:
        o, p, phi = pl.col(f"o_{m}"), pl.col(f"p_{m}"), pl.col(f"phi_{m}")
        e = p * pl.col("n")
        z_peer = pl.when(eligible & (pl.col("peers") >= c.min_peers)).then(
            (o - e) / (phi * e + 1).sqrt()
        )
        p_own = (pl.col(f"b_{m}") + p.fill_null(0.0)) / (pl.col("base_n") + 1)
        e_own = p_own * pl.col("n")
        z_own = pl.when(eligible & after_base).then(
            # the baseline rate is itself an estimate: its variance adds (N / N_base)
            (o - e_own)
            / (phi.fill_null(1.0) * e_own * (1 + pl.col("n") / pl.col("base_n")) + 1).sqrt()
        )
        exprs += [z_peer.alias(f"zp_{m}"), z_own.alias(f"zo_{m}")]
    return frame.with_columns(exprs)


def _excess(z: pl.Expr, threshold: float, cap: float = 3.0) -> pl.Expr:
    """0 below the threshold, then 1 + how far above it, up to `cap`."""
    return pl.when(z >= threshold).then((z - threshold + 1).clip(0, cap)).otherwise(0.0)


def volume(ctx: Context) -> pl.DataFrame:
    """A day whose rolling per-applicant rate stands out from peers or the person's own start."""
    c = ctx.config
    scores = volume_scores(ctx)
    if scores.is_empty():
        return empty_signals()
    parts = []
    for m in METRICS:
        zp, zo = pl.col(f"zp_{m}").fill_null(0.0), pl.col(f"zo_{m}").fill_null(0.0)
        excess = _excess(zp, c.volume_z) + 0.5 * _excess(zo, c.own_z)
        parts.append(
            scores.filter(excess > 0).select(
                "actor", "day", "last_at", metric=pl.lit(m), excess=excess, z=zp, z_own=zo
            )
        )
    hits = pl.concat(parts)
    if hits.is_empty():
        return empty_signals()
    per_day = hits.group_by("actor", "day").agg(
        at=pl.col("last_at").first(),
        weight=c.weight("volume") * pl.col("excess").sum(),
        value=pl.col("z").max(),
        note=pl.format("{} z={} own={}", "metric", pl.col("z").round(1), pl.col("z_own").round(1))
        .sort()
        .str.join("; "),
    )
    refs = _footprint_refs(ctx, per_day.select("actor", "day"))
    out = per_day.join(refs, on=["actor", "day"], how="left").with_columns(
        staff=pl.col("actor"), detector=pl.lit("volume")
    )
    return as_signals(out)


def _footprint_refs(ctx: Context, keys: pl.DataFrame) -> pl.DataFrame:
    """Up to MAX_REFS reveal/print/copy/copier lines per (actor, day), as evidence."""
    return (
        ctx.events.lazy()
        .filter(
            (pl.col("code").is_in(["print", "copy", "external.copier"]))
            | ((pl.col("code") == "disclosure") & (pl.col("reason").fill_null("") != ""))
        )
        .select("actor", "day", "line")
        .join(keys.lazy(), on=["actor", "day"])
        .group_by("actor", "day")
        .agg(refs=pl.col("line").sort().head(MAX_REFS))
        .collect()
    )


def contract_end(ctx: Context) -> pl.DataFrame:
    """After notice is given, per-applicant rates against the person's own months before."""
    c = ctx.config
    notice = ctx.staff.filter(pl.col("notice_given_on").is_not_null()).select(
        actor="staff_id", notice="notice_given_on"
    )
    if notice.is_empty():
        return empty_signals()
    frame = volume_frame(ctx).join(notice, on="actor")
    if frame.is_empty():
        return empty_signals()
    metrics = [*METRICS, "unexplained"]
    un = (
        ctx.unexplained.group_by("actor", "day")
        .agg(unexplained=pl.col("subject").n_unique())
        .with_columns(pl.col("unexplained").cast(pl.Float64))
    )
    frame = frame.join(un, on=["actor", "day"], how="left").with_columns(
        pl.col("unexplained").fill_null(0.0)
    )
    idx = pl.int_range(pl.len()).over("actor")
    frame = frame.with_columns(idx=idx)
    first_after = (
        frame.filter(pl.col("day") >= pl.col("notice"))
        .group_by("actor")
        .agg(notice_idx=pl.col("idx").min())
    )
    frame = frame.join(first_after, on="actor")
    before = (pl.col("idx") < pl.col("notice_idx")) & (
        pl.col("idx") >= pl.col("notice_idx") - c.notice_baseline_days
    )
    base = (
        frame.filter(before)
        .group_by("actor")
        .agg(base_n=pl.col("served").sum(), **{f"b_{m}": pl.col(m).sum() for m in metrics})
    )
    after = frame.filter(pl.col("idx") >= pl.col("notice_idx")).join(base, on="actor")
    cum_n = pl.col("served").cum_sum().over("actor", order_by="day")
    parts = []
    for m in metrics:
        o = pl.col(m).cum_sum().over("actor", order_by="day")
        e = (pl.col(f"b_{m}") + 0.5) / (pl.col("base_n") + 1) * cum_n
        z = (o - e) / (e + 1).sqrt()
        parts.append(
            after.select("actor", "day", "last_at", metric=pl.lit(m), z=z).filter(
                pl.col("z") >= c.notice_z
            )
        )
    hits = pl.concat(parts)
    if hits.is_empty():
        return empty_signals()
    per_day = hits.group_by("actor", "day").agg(
        at=pl.col("last_at").first(),
        weight=c.weight("contract_end") * _excess(pl.col("z"), c.notice_z).sum(),
        value=pl.col("z").max(),
        note=pl.format("{} z={}", "metric", pl.col("z").round(1)).sort().str.join("; "),
    )
    return as_signals(
        per_day.filter(pl.col("at").is_not_null()).with_columns(
            staff=pl.col("actor"), detector=pl.lit("contract_end")
        )
    )
