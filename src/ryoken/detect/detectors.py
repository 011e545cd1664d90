"""Detectors: each reads the prepared frames of a `Context` and returns a signals frame.

A signal says: this staff member, at this time, did something that weighs `weight` toward a
case, because of `detector`, touching these subjects, as these event lines show. Signals
never decide alone (except a canary touch); `cases.py` accumulates them per staff member.

The unexplained residue gives the per-person detectors (unexplained, family chain, VIP,
same surname, neighbourhood); rates per applicant served give the footprint detectors
(volume, contract end) that see in-task skimming, which no "access without a reason" rule
can. Nothing here reads nationality or any protected attribute: the staff frame carries none
(load.py refuses such files) and only office, role and the blind tokens are used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from ryoken.detect.config import DetectConfig
from ryoken.detect.explain import NON_STAFF, Explanation, explain, office_days, prepare
from ryoken.detect.load import empty_staff, empty_subjects

SIGNAL_SCHEMA: dict[str, pl.DataType] = {
    "staff": pl.String(),
    "at": pl.Datetime("us", "UTC"),
    "day": pl.Date(),
    "detector": pl.String(),
    "weight": pl.Float64(),
    "value": pl.Float64(),
    "subjects": pl.List(pl.String()),
    "refs": pl.List(pl.Int64()),
    "note": pl.String(),
}
MAX_REFS = 20  # event lines kept as evidence per signal
WORK_CODES = (
    "disclosure", "match", "search", "print", "copy", "grant.open", "breakglass.open",
    "disclosure.refused", "auth.login", "subject.write", "workflow.transition",
)  # fmt: skip
# Per-applicant footprints (see `volume_frame`).
METRICS = ("reveals", "shown", "matches", "prints", "copies", "pages", "undeclared_pages",
           "handling_minutes", "searches")  # fmt: skip
_CHI2_1_MEDIAN = 0.4549  # median of chi-square with one degree of freedom


@dataclass(frozen=True)
class Context:
    """Everything the detectors read, prepared once."""

    events: pl.DataFrame
    explanation: Explanation
    staff: pl.DataFrame
    subjects: pl.DataFrame
    days: pl.Series
    config: DetectConfig

    @property
    def unexplained(self) -> pl.DataFrame:
        return self.explanation.per_subject.filter(~pl.col("explained"))


def build_context(
    events: pl.DataFrame,
    staff: pl.DataFrame | None = None,
    subjects: pl.DataFrame | None = None,
    config: DetectConfig | None = None,
) -> Context:
    config = config or DetectConfig()
    prepared = prepare(events, config)
    return Context(
        events=prepared,
        explanation=explain(prepared, config),
        staff=staff if staff is not None else empty_staff(),
        subjects=subjects if subjects is not None else empty_subjects(),
        days=office_days(prepared, config),
        config=config,
    )


def empty_signals() -> pl.DataFrame:
    return pl.DataFrame(schema=SIGNAL_SCHEMA)


def _signals(frame: pl.DataFrame, **defaults: pl.Expr) -> pl.DataFrame:
    """Coerce a detector's output to SIGNAL_SCHEMA, filling the columns it did not set."""
    fill = {
        "value": pl.lit(1.0),
        "subjects": pl.lit([], pl.List(pl.String)),
        "refs": pl.lit([], pl.List(pl.Int64)),
        "note": pl.lit(""),
        **defaults,
    }
    cols = [
        (pl.col(n) if n in frame.columns else fill[n]).cast(t).alias(n)
        for n, t in SIGNAL_SCHEMA.items()
    ]
    return frame.select(cols)


def _per_person_day(rows: pl.DataFrame, detector: str, weight: float) -> pl.DataFrame:
    """One signal per (staff, person, day): the first time that day, with its event lines."""
    if rows.is_empty():
        return empty_signals()
    out = (
        rows.group_by("actor", "subject", "day")
        .agg(at=pl.col("at").min(), refs=pl.col("line").unique().sort().head(MAX_REFS))
        .with_columns(
            staff=pl.col("actor"),
            subjects=pl.concat_list("subject"),
            detector=pl.lit(detector),
            weight=pl.lit(weight),
        )
    )
    return _signals(out)


# --- the unexplained residue ------------------------------------------------------------


def unexplained(ctx: Context) -> pl.DataFrame:
    """Persons read outside any task; copier jobs behind no declared job; refused reads."""
    w = ctx.config.weight
    un = ctx.unexplained
    parts = [
        _per_person_day(
            un.filter(pl.col("status").is_in(["no_grant", "counter_without_ticket"])),
            "unexplained",
            w("unexplained"),
        ),
        _per_person_day(
            un.filter(pl.col("status") == "break_glass_pending"),
            "break_glass_pending",
            w("break_glass_pending"),
        ),
        _per_person_day(
            un.filter(pl.col("status") == "break_glass_unjustified"),
            "break_glass_unjustified",
            w("break_glass_unjustified"),
        ),
    ]
    copier = ctx.explanation.access.filter(
        (pl.col("code") == "external.copier") & ~pl.col("explained")
    )
    if copier.height:
        pages = pl.col("pages").fill_null(1).cast(pl.Float64)
        parts.append(
            _signals(
                copier.with_columns(
                    staff=pl.col("actor"),
                    detector=pl.lit("unexplained_copier"),
                    weight=w("unexplained_copier") * (1 + pages / 10).clip(1, 3),
                    value=pages,
                    refs=pl.concat_list("line"),
                    note=pl.col("status"),
                )
            )
        )
    refused = ctx.events.filter(
        (pl.col("code") == "disclosure.refused") & ~pl.col("actor").is_in(NON_STAFF)
    )
    if refused.height:
        rows = refused.select("line", "at", "day", "actor", subject="subjects").explode("subject")
        parts.append(_per_person_day(rows.drop_nulls("subject"), "refused", w("refused")))
    return pl.concat(parts)


def _subject_tokens(ctx: Context) -> pl.DataFrame:
    return ctx.subjects.select(
        subject="subject_id",
        family_token="family_token",
        s_surname="surname_token",
        s_area="area_token",
        watchlist=pl.col("watchlist").fill_null(False),
    )


def family_chain(ctx: Context) -> pl.DataFrame:
    """Relatives (same family_token) of a person the staff member recently served, read
    outside the task. Relatives put on the grant (`added`) are explained and never here."""
    tokens = _subject_tokens(ctx).select("subject", "family_token").drop_nulls()
    un = ctx.unexplained.join(tokens, on="subject")
    if un.is_empty():
        return empty_signals()
    served = (
        ctx.explanation.intervals.filter(pl.col("rank") == 0)
        .join(tokens, on="subject")
        .select("actor", "family_token", "start", served="subject")
    )
    horizon = timedelta(days=ctx.config.family_days)
    rows = (
        un.join(served, on=["actor", "family_token"])
        .filter(
            (pl.col("start") <= pl.col("at"))
            & (pl.col("at") <= pl.col("start") + horizon)
            & (pl.col("served") != pl.col("subject"))
        )
        .unique(["line", "subject"])
    )
    return _per_person_day(rows, "family_chain", ctx.config.weight("family_chain"))


def watchlist(ctx: Context) -> pl.DataFrame:
    """VIP or watch-listed persons read outside any task (their own visits are explained)."""
    vip = _subject_tokens(ctx).filter(pl.col("watchlist")).select("subject")
    rows = ctx.unexplained.join(vip, on="subject")
    return _per_person_day(rows, "watchlist", ctx.config.weight("watchlist"))


def _staff_tokens(ctx: Context) -> pl.DataFrame:
    return ctx.staff.select(actor="staff_id", a_surname="surname_token", a_area="area_token")


def same_surname(ctx: Context) -> pl.DataFrame:
    """Unexplained reads of persons sharing the staff member's surname (weighs, never alone)."""
    rows = (
        ctx.unexplained.join(_subject_tokens(ctx), on="subject")
        .join(_staff_tokens(ctx), on="actor")
        .filter(pl.col("s_surname") == pl.col("a_surname"))
    )
    return _per_person_day(rows, "same_surname", ctx.config.weight("same_surname"))


def neighbourhood(ctx: Context) -> pl.DataFrame:
    """Unexplained reads of persons from the staff member's own municipality."""
    rows = (
        ctx.unexplained.join(_subject_tokens(ctx), on="subject")
        .join(_staff_tokens(ctx), on="actor")
        .filter(pl.col("s_area") == pl.col("a_area"))
    )
    return _per_person_day(rows, "neighbourhood", ctx.config.weight("neighbourhood"))


# --- time, bulk, credentials ------------------------------------------------------------


def _after_hours(ctx: Context) -> pl.Expr:
    c = ctx.config
    opens = c.opens_at.hour * 60 + c.opens_at.minute - c.after_hours_grace_minutes
    closes = c.closes_at.hour * 60 + c.closes_at.minute + c.after_hours_grace_minutes
    return (
        ~pl.col("day").is_in(ctx.days.implode())
        | (pl.col("minute") < opens)
        | (pl.col("minute") > closes)
    )


def after_hours(ctx: Context) -> pl.DataFrame:
    """Persons touched outside office hours or on a closed day; overtime on real work is light."""
    rows = ctx.explanation.per_subject.filter(_after_hours(ctx))
    searches = (
        ctx.events.filter((pl.col("code") == "search") & ~pl.col("actor").is_in(NON_STAFF))
        .filter(_after_hours(ctx))
        .select("line", "at", "day", "actor", subject="subjects")
        .explode("subject")
        .drop_nulls("subject")
        .with_columns(explained=pl.lit(False))
    )
    rows = pl.concat([rows.select(searches.columns), searches])
    w = ctx.config.weight
    return pl.concat(
        [
            _per_person_day(rows.filter(~pl.col("explained")), "after_hours", w("after_hours")),
            _per_person_day(
                rows.filter(pl.col("explained")), "after_hours", w("after_hours_explained")
            ),
        ]
    )


def _roles(ctx: Context) -> pl.DataFrame:
    """(actor, office, role): from the staff file, else the kind of grant a person mostly holds."""
    from_grants = (
        ctx.explanation.grants.group_by("actor", "kind")
        .len()
        .sort("len", descending=True)
        .group_by("actor")
        .agg(kind=pl.col("kind").first())
        .select("actor", office=pl.lit(""), role=pl.col("kind").fill_null(""))
    )
    if ctx.staff.is_empty():
        return from_grants
    listed = ctx.staff.select(
        actor="staff_id", office=pl.col("office").fill_null(""), role=pl.col("role").fill_null("")
    )
    extra = from_grants.join(listed, on="actor", how="anti")
    return pl.concat([listed, extra])


def bulk(ctx: Context) -> pl.DataFrame:
    """Hours with far more persons or searches than the role's normal; big export jobs."""
    c = ctx.config
    people = pl.concat(
        [
            ctx.explanation.per_subject.select("actor", "at", "day", "line", "subject"),
            ctx.events.filter((pl.col("code") == "search") & ~pl.col("actor").is_in(NON_STAFF))
            .select("actor", "at", "day", "line", subject="subjects")
            .explode("subject")
            .drop_nulls("subject"),
        ]
    ).with_columns(hour=pl.col("at").dt.truncate("1h"))
    hours = (
        people.group_by("actor", "hour")
        .agg(
            n=pl.col("subject").n_unique(),
            at=pl.col("at").min(),
            day=pl.col("day").first(),
            subjects=pl.col("subject").unique().sort().head(50),
            refs=pl.col("line").unique().sort().head(MAX_REFS),
        )
        .join(_roles(ctx), on="actor", how="left")
    )
    searches = (
        ctx.events.filter((pl.col("code") == "search") & ~pl.col("actor").is_in(NON_STAFF))
        .with_columns(hour=pl.col("at").dt.truncate("1h"))
        .group_by("actor", "hour")
        .agg(
            n=pl.len(),
            at=pl.col("at").min(),
            day=pl.col("day").first(),
            refs=pl.col("line").sort().head(MAX_REFS),
        )
        .join(_roles(ctx), on="actor", how="left")
    )
    parts = [
        _over_role_norm(hours, c.bulk_subjects_per_hour, c, "persons in an hour"),
        _over_role_norm(searches, c.bulk_searches_per_hour, c, "searches in an hour"),
    ]
    big = (
        ctx.explanation.access.filter(pl.col("code").is_in(["print", "copy", "external.copier"]))
        .filter(
            (pl.col("subjects").list.len() >= c.export_subjects)
            | (pl.col("pages").fill_null(0) >= c.export_pages)
        )
        .with_columns(
            staff=pl.col("actor"),
            detector=pl.lit("export"),
            weight=pl.lit(c.weight("export")),
            value=pl.max_horizontal(pl.col("subjects").list.len(), pl.col("pages").fill_null(0)),
            refs=pl.concat_list("line"),
            note=pl.col("code").cast(pl.String),
        )
    )
    parts.append(_signals(big))
    return pl.concat(parts)


def _over_role_norm(hours: pl.DataFrame, floor: int, c: DetectConfig, note: str) -> pl.DataFrame:
    if hours.is_empty():
        return empty_signals()
    limit = pl.max_horizontal(
        pl.lit(float(floor)), c.bulk_peer_factor * pl.col("n").quantile(0.99).over("role")
    )
    out = hours.filter(pl.col("n") > limit).with_columns(
        staff=pl.col("actor"),
        detector=pl.lit("bulk"),
        weight=c.weight("bulk") * (pl.col("n") / limit).clip(1, 3),
        value=pl.col("n").cast(pl.Float64),
        note=pl.lit(note),
    )
    return _signals(out)


def credentials(ctx: Context) -> pl.DataFrame:
    """Work while the door log says the person is out; interleaved work at two terminals."""
    c = ctx.config
    staff_work = ctx.events.filter(
        pl.col("code").is_in(WORK_CODES) & ~pl.col("actor").is_in(NON_STAFF)
    ).select("line", "at", "day", "actor", "terminal")
    badges = (
        ctx.events.filter(pl.col("code") == "external.badge")
        .select("actor", badge_at="at", badge_day="day", direction="direction")
        .sort("badge_at")
    )
    parts = []
    if badges.height:
        badged = badges.get_column("actor").unique().implode()
        work = staff_work.filter(pl.col("actor").is_in(badged)).sort("at")
        last = work.join_asof(
            badges, left_on="at", right_on="badge_at", by="actor", strategy="backward"
        )
        absent = last.filter(
            pl.col("direction").is_null()
            | (pl.col("direction") == "out")
            | (pl.col("badge_day") != pl.col("day"))
        )
        per_day = absent.group_by("actor", "day").agg(
            at=pl.col("at").min(), n=pl.len(), refs=pl.col("line").sort().head(MAX_REFS)
        )
        parts.append(
            _signals(
                per_day.with_columns(
                    staff=pl.col("actor"),
                    detector=pl.lit("badge_absent"),
                    weight=c.weight("badge_absent") * (1 + pl.col("n") / 20).clip(1, 2),
                    value=pl.col("n").cast(pl.Float64),
                )
            )
        )
    term = staff_work.drop_nulls("terminal").sort("actor", "at")
    prev_t = pl.col("terminal").shift(1).over("actor")
    next_t = pl.col("terminal").shift(-1).over("actor")
    span = pl.col("at").shift(-1).over("actor") - pl.col("at").shift(1).over("actor")
    sandwiched = term.filter(
        (prev_t == next_t)
        & (prev_t != pl.col("terminal"))
        & (span <= timedelta(minutes=c.two_terminal_minutes))
    )
    per_day = sandwiched.group_by("actor", "day").agg(
        at=pl.col("at").min(),
        n=pl.len(),
        refs=pl.col("line").sort().head(MAX_REFS),
        note=pl.col("terminal").unique().sort().str.join(","),
    )
    parts.append(
        _signals(
            per_day.filter(pl.col("n") >= c.two_terminal_min_alternations).with_columns(
                staff=pl.col("actor"),
                detector=pl.lit("two_terminals"),
                weight=pl.lit(c.weight("two_terminals")),
                value=pl.col("n").cast(pl.Float64),
            )
        )
    )
    return pl.concat(parts)


# --- footprints per applicant served ----------------------------------------------------


def volume_frame(ctx: Context) -> pl.DataFrame:
    """One row per (staff, office day): applicants served and each footprint metric."""
    ev = ctx.events.filter(~pl.col("actor").is_in(NON_STAFF))
    reveal = (pl.col("code") == "disclosure") & (
        (pl.col("reason").fill_null("") != "") | pl.col("purpose").str.ends_with(":reveal")
    )
    counts = ev.group_by("actor", "day").agg(
        reveals=reveal.sum(),
        shown=((pl.col("code") == "disclosure") & (pl.col("form") == "shown")).sum(),
        matches=(pl.col("code") == "match").sum(),
        prints=(pl.col("code") == "print").sum(),
        copies=(pl.col("code") == "copy").sum(),
        pages=pl.col("pages").filter(pl.col("code").is_in(["print", "copy"])).sum(),
        searches=(pl.col("code") == "search").sum(),
        last_at=pl.col("at").max(),
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
        .join(_roles(ctx), on="actor", how="left")
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
    z_own = (O - p_own N) / sqrt(φ p_own N + 1).
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
    base = frame.filter(pl.col("in_base")).group_by("actor").agg(
        base_n=pl.col("served").sum(),
        base_days=pl.len(),
        **{f"b_{m}": pl.col(m).sum() for m in METRICS},
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
            (o - e_own) / (phi.fill_null(1.0) * e_own + 1).sqrt()
        )
        exprs += [z_peer.alias(f"zp_{m}"), z_own.alias(f"zo_{m}")]
    return frame.with_columns(exprs)


def volume(ctx: Context) -> pl.DataFrame:
    """A day whose rolling per-applicant rate stands out from peers or the person's own start."""
    c = ctx.config
    scores = volume_scores(ctx)
    if scores.is_empty():
        return empty_signals()
    parts = []
    for m in METRICS:
        zp, zo = pl.col(f"zp_{m}").fill_null(0.0), pl.col(f"zo_{m}").fill_null(0.0)
        excess = (zp - c.volume_z + 1).clip(0, 3) + 0.5 * (zo - c.own_z + 1).clip(0, 3)
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
    return _signals(out)


def _footprint_refs(ctx: Context, keys: pl.DataFrame) -> pl.DataFrame:
    """Up to MAX_REFS reveal/print/copy/copier lines per (actor, day), as evidence."""
    return (
        ctx.events.filter(
            (pl.col("code").is_in(["print", "copy", "external.copier"]))
            | ((pl.col("code") == "disclosure") & (pl.col("reason").fill_null("") != ""))
        )
        .join(keys, on=["actor", "day"])
        .group_by("actor", "day")
        .agg(refs=pl.col("line").sort().head(MAX_REFS))
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
    base = frame.filter(before).group_by("actor").agg(
        base_n=pl.col("served").sum(), **{f"b_{m}": pl.col(m).sum() for m in metrics}
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
        weight=c.weight("contract_end") * (pl.col("z") - c.notice_z + 1).clip(0, 3).sum(),
        value=pl.col("z").max(),
        note=pl.format("{} z={}", "metric", pl.col("z").round(1)).sort().str.join("; "),
    )
    return _signals(
        per_day.filter(pl.col("at").is_not_null()).with_columns(
            staff=pl.col("actor"), detector=pl.lit("contract_end")
        )
    )


def canary(ctx: Context) -> pl.DataFrame:
    """Any event on a canary person off its planted path (window and/or staff): decisive."""
    canaries = ctx.subjects.filter(pl.col("canary").fill_null(False)).select(
        subject="subject_id", path_window="canary_window", path_staff="canary_staff"
    )
    if canaries.is_empty():
        return empty_signals()
    touches = (
        ctx.events.filter(~pl.col("actor").is_in(NON_STAFF))
        .select(
            "line", "at", "day", "actor", "code", place=pl.coalesce("window", "terminal"),
            subject="subjects",
        )  # fmt: skip
        .explode("subject")
        .join(canaries, on="subject")
    )
    off = touches.filter(
        (pl.col("path_staff").is_not_null() & (pl.col("actor") != pl.col("path_staff")))
        | (
            pl.col("path_window").is_not_null()
            & (pl.col("place").is_null() | (pl.col("place") != pl.col("path_window")))
        )
        | (pl.col("path_staff").is_null() & pl.col("path_window").is_null())
    )
    return _signals(
        off.with_columns(
            staff=pl.col("actor"),
            subjects=pl.concat_list("subject"),
            detector=pl.lit("canary"),
            weight=pl.lit(ctx.config.weight("canary")),
            refs=pl.concat_list("line"),
            note=pl.col("code").cast(pl.String),
        )
    )


DETECTORS: dict[str, Callable[[Context], pl.DataFrame]] = {
    "unexplained": unexplained,
    "family_chain": family_chain,
    "watchlist": watchlist,
    "same_surname": same_surname,
    "neighbourhood": neighbourhood,
    "after_hours": after_hours,
    "volume": volume,
    "bulk": bulk,
    "credentials": credentials,
    "contract_end": contract_end,
    "canary": canary,
}


def run_detectors(ctx: Context, names: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Every detector's signals (or the named ones'), in one frame."""
    chosen = names or tuple(DETECTORS)
    return pl.concat([DETECTORS[n](ctx) for n in chosen]).sort("staff", "at")
