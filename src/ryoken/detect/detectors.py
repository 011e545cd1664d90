"""Detectors: each reads the prepared frames of a `Context` and returns a signals frame.

A signal says: this staff member, at this time, did something that weighs `weight` toward a
case, because of `detector`, touching these subjects, as these event lines show. Signals
never decide alone (except a canary touch); `cases.py` accumulates them per staff member.

The unexplained residue gives the per-person detectors (unexplained, family chain, VIP,
same surname, neighbourhood); time, bulk, credential and canary detectors follow; the
footprint detectors (volume, contract end), which see in-task skimming that no "access
without a reason" rule can, are in footprints.py. Nothing here reads nationality or any
protected attribute: the staff frame carries none (load.py refuses such files) and only
office, role and the blind tokens are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import polars as pl

from ryoken.audit.grants import WATCHED_CODES, GrantLedger, grant_violations
from ryoken.detect.config import DetectConfig
from ryoken.detect.explain import (
    ACCESS_CODES,
    NON_STAFF,
    Explanation,
    explain,
    office_days,
    pick,
    prepare,
)
from ryoken.detect.load import apply_staff_changes, empty_staff, empty_subjects
from ryoken.detect.stats import tail_threshold

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
# statuses that mean "read outside any task" (an inquiry's purpose is status only: a record
# read under an inquiry is as good as read with no task at all)
OUTSIDE_TASK = ("no_grant", "counter_without_ticket", "outside_purpose")
# what a task does *for* a person (beyond reading them): the work that explains a reveal of
# someone the reader added to the task themselves
SERVING_CODES = ("match", "subject.write", "workflow.transition", "print", "copy")
WORK_CODES = (
    "disclosure", "match", "search", "print", "copy", "grant.open", "breakglass.open",
    "disclosure.refused", "auth.login", "subject.write", "workflow.transition",
)  # fmt: skip


@dataclass(frozen=True)
class Context:
    """Everything the detectors read, prepared once."""

    events: pl.DataFrame
    explanation: Explanation
    staff: pl.DataFrame
    subjects: pl.DataFrame
    days: pl.Series
    config: DetectConfig
    memo: dict[str, pl.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def staff_events(self, codes: tuple[str, ...] | None, columns: list[str]) -> pl.DataFrame:
        """Staff members' events with these codes, only these columns (projection first)."""
        query = self.events.lazy().filter(~pl.col("actor").is_in(NON_STAFF))
        if codes is not None:
            query = query.filter(pl.col("code").is_in(codes))
        return query.select(columns).collect()

    @property
    def unexplained(self) -> pl.DataFrame:
        return self.explanation.per_subject.filter(~pl.col("explained"))

    @property
    def self_added(self) -> pl.DataFrame:
        """Explained reads of persons the staff member put on their own task from a search
        result list (`grant.open added, via: search`, schema v2): legitimate (the right
        holder, a namesake opened by mistake) but chosen by the reader, not brought by the
        work, so relations to the reader still count (watchlist, family, namesake, area).

        Two facts per read: `revealed` (the read unmasked fields: a reason given, or a
        `:reveal` purpose) and `worked` (the task did work for that person: a match, a
        stored form, a print or copy, a step of their application — `SERVING_CODES` under
        the same grant naming them). A namesake opened by mistake shows a masked summary; a
        relative on a family's application is revealed *and* worked on; a person revealed
        with no work for them was looked at, not served (`unserved`)."""
        if "self_added" in self.memo:
            return self.memo["self_added"]
        added = (
            self.events.lazy()
            .filter(
                (pl.col("code") == "grant.open")
                & pl.col("added").fill_null(False)
                & (pl.col("via") == "search")
            )
            .select("grant", "actor", subject="subjects")
            .explode("subject")
            .unique()
            .collect()
        )
        if added.is_empty():
            out = self.explanation.per_subject.clear().with_columns(
                task_grant=pl.lit(None, pl.String),
                revealed=pl.lit(None, pl.Boolean),
                worked=pl.lit(None, pl.Boolean),
            )
        else:
            reveal = (pl.col("reason").fill_null("") != "") | pl.col("purpose").fill_null(
                ""
            ).str.ends_with(":reveal")
            reads = (
                self.events.lazy()
                .filter(pl.col("code") == "disclosure")
                .select("line", "grant", revealed=reveal)
            )
            grants = added.get_column("grant").unique().implode()
            worked = (
                self.events.lazy()
                .filter(pl.col("code").is_in(SERVING_CODES) & pl.col("grant").is_in(grants))
                .select("grant", subject="subjects")
                .explode("subject")
                .drop_nulls("subject")
                .unique()
                .with_columns(worked=pl.lit(True))
            )
            out = (
                self.explanation.per_subject.lazy()
                .filter(pl.col("explained"))
                .join(reads, on="line")
                .join(added.lazy(), on=["grant", "actor", "subject"])
                .join(worked, on=["grant", "subject"], how="left")
                .with_columns(pl.col("worked").fill_null(False))
                .rename({"grant": "task_grant"})
                .collect()
            )
        self.memo["self_added"] = out
        return out

    @property
    def unserved(self) -> pl.DataFrame:
        """Persons the reader added to their own task from a search and revealed, for whom
        the task did no work: read outside the task's purpose (the task is the pretext).
        "No work" is known when the task ends, so `at` is the later of the read and the
        task's end (a nightly run sees both the same day)."""
        ends = self.explanation.grants.group_by("grant").agg(task_end=pl.col("end").max())
        return (
            self.self_added.filter(pl.col("revealed") & ~pl.col("worked"))
            .join(ends, left_on="task_grant", right_on="grant", how="left")
            .with_columns(at=pl.max_horizontal("at", "task_end"))
            .drop("task_end")
        )

    @property
    def chosen_by_reader(self) -> pl.DataFrame:
        """Reads outside any task, and reads of persons the reader added from a search."""
        return pl.concat([self.outside_any_task, self.self_added], how="diagonal_relaxed")

    @property
    def active_days(self) -> pl.DataFrame:
        """(actor, day) pairs on which anyone but the system did anything at all, sorted:
        the base of the alert rate (cases.active_staff_days) and of habits (one pass)."""
        if "active_days" not in self.memo:
            self.memo["active_days"] = (
                self.events.lazy()
                .filter(~pl.col("actor").is_in(NON_STAFF))
                .select("actor", "day")
                .unique()
                .sort("actor", "day")
                .collect()
            )
        return self.memo["active_days"]

    @property
    def outside_any_task(self) -> pl.DataFrame:
        """Reads with no grant at all (break-glass has its own supervisor review)."""
        return self.explanation.per_subject.filter(pl.col("status").is_in(OUTSIDE_TASK))


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
        staff=apply_staff_changes(staff if staff is not None else empty_staff(), prepared),
        subjects=subjects if subjects is not None else empty_subjects(),
        days=office_days(prepared, config),
        config=config,
    )


def empty_signals() -> pl.DataFrame:
    return pl.DataFrame(schema=SIGNAL_SCHEMA)


def as_signals(frame: pl.DataFrame, **defaults: pl.Expr) -> pl.DataFrame:
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
    return as_signals(out)


def _beyond_habit(ctx: Context, rows: pl.DataFrame, detector: str) -> pl.DataFrame:
    """Support that is part of a role's everyday work counts only beyond the person's habit.

    A person added from a search list is how renewal look-ups, pickups and phone inquiries
    work: in office2's T a quarter of clerks', reviewers' and supervisors' days have one, so
    one per person-day kept almost everyone's support saturated, and a single weak primary
    signal then raised an alert (supervisors alerted at 2.5-3.6× their office's rate).
    Per (staff, day) the distinct persons c are compared with the person's habit
    λ = (C + k·r) / (D + k): C persons over D active days before that day (their own
    history), shrunk toward r, the rate of the others in the same role over the run
    (k = `habit_prior_days`; a new hire starts from the role's rate, never exempt). A day
    counts when P(X ≥ c | λ) ≤ `habit_alpha`, by the persons beyond the day's bar, at the
    moment the bar was reached."""
    c = ctx.config
    if rows.is_empty():
        return empty_signals()
    firsts = rows.group_by("actor", "day", "subject").agg(at=pl.col("at").min())
    per_day = (
        firsts.group_by("actor", "day")
        .agg(
            n=pl.len(),
            times=pl.col("at").sort(),  # when the 1st, 2nd, ... person of the day was opened
            subjects=pl.col("subject").sort(),
        )
        .join(
            rows.group_by("actor", "day").agg(refs=pl.col("line").unique().sort().head(MAX_REFS)),
            on=["actor", "day"],
        )
    )
    days = (
        ctx.active_days.join(per_day.select("actor", "day", "n"), on=["actor", "day"], how="left")
        .with_columns(pl.col("n").fill_null(0))
        .join(roles_of(ctx).select("actor", "role"), on="actor", how="left")
        .with_columns(pl.col("role").fill_null("?"))
        .sort("actor", "day")
    )
    whole = days.group_by("role").agg(rn=pl.col("n").sum(), rd=pl.len())
    own = days.group_by("actor").agg(on=pl.col("n").sum(), od=pl.len())
    office = days.get_column("n").sum() / max(1, days.height)
    k = c.habit_prior_days
    others = (pl.col("rd") - pl.col("od")).cast(pl.Float64)
    role_rate = pl.when(others > 0).then((pl.col("rn") - pl.col("on")) / others).otherwise(office)
    habit = (
        days.join(whole, on="role")
        .join(own, on="actor")
        .with_columns(
            before=pl.col("n").cum_sum().over("actor") - pl.col("n"),
            seen=pl.int_range(pl.len()).over("actor").cast(pl.Float64),
            r=role_rate,
        )
        .with_columns(lam=(pl.col("before") + k * pl.col("r")) / (pl.col("seen") + k))
        .filter(pl.col("n") > 0)
        .select("actor", "day", "lam")
    )
    out = per_day.join(habit, on=["actor", "day"], how="left")
    bar, _ = tail_threshold(out.get_column("lam").fill_null(office).to_numpy(), c.habit_alpha, 1)
    out = out.with_columns(bar=pl.Series(bar)).filter(pl.col("n") >= pl.col("bar"))
    return as_signals(
        out.with_columns(
            # known when the day's count reaches the bar, not at its first person
            at=pl.col("times").list.get(pl.col("bar") - 1),
            staff=pl.col("actor"),
            detector=pl.lit(detector),
            weight=c.weight(detector) * (pl.col("n") - pl.col("bar") + 1).cast(pl.Float64),
            value=pl.col("n").cast(pl.Float64),
            note=pl.format("habit {}/day", pl.col("lam").round(2)),
        )
    )


# --- the unexplained residue ------------------------------------------------------------


def unexplained(ctx: Context) -> pl.DataFrame:
    """Persons read outside any task; copier jobs behind no declared job; refused reads."""
    w = ctx.config.weight
    un = ctx.unexplained
    parts = [
        _per_person_day(
            un.filter(pl.col("status").is_in(OUTSIDE_TASK)),
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
    # a self-added person revealed with no work for them is read outside the task's purpose
    # (weighed like a read outside any task); the others only support
    unserved = pl.col("revealed") & ~pl.col("worked")
    parts.append(_beyond_habit(ctx, ctx.self_added.filter(~unserved), "self_added"))
    parts.append(_per_person_day(ctx.unserved, "unserved", w("unserved")))
    copier = ctx.explanation.access.filter(
        (pl.col("code") == "external.copier") & ~pl.col("explained")
    )
    if copier.height:
        pages = pl.col("pages").fill_null(1).cast(pl.Float64)
        parts.append(
            as_signals(
                copier.with_columns(
                    staff=pl.col("actor"),
                    detector=pl.lit("unexplained_copier"),
                    weight=w("unexplained_copier") * (1 + pages / 30).clip(1, 2),
                    value=pages,
                    refs=pl.concat_list("line"),
                    note=pl.col("status"),
                )
            )
        )
    # The gateway's refusals, and the counter's refusals of a person (`access.denied` with
    # subjects: a match refused after repeated no-matches); a denied URL names nobody.
    refused = ctx.staff_events(
        ("disclosure.refused", "access.denied"), ["line", "at", "day", "actor", "subjects"]
    )
    if refused.height:
        rows = refused.rename({"subjects": "subject"}).explode("subject")
        parts.append(_per_person_day(rows.drop_nulls("subject"), "refused", w("refused")))
    return pl.concat(parts)


def _subject_tokens(ctx: Context) -> pl.DataFrame:
    # schema v2: several family tokens per person, separated by ';' (own and parents' 戸籍,
    # relatives in other households): one row per token, so a join finds any shared one
    return (
        ctx.subjects.select(
            subject="subject_id",
            family_token=pl.col("family_token").str.split(";"),
            s_surname="surname_token",
            s_area="area_token",
            watchlist=pl.col("watchlist").fill_null(False),
        )
        .explode("family_token")
        .with_columns(pl.col("family_token").str.strip_chars().replace("", None))
    )


def family_chain(ctx: Context) -> pl.DataFrame:
    """Relatives (same family_token) of a person the staff member recently served, read
    outside the task. Relatives put on the grant (`added`) are explained and never here."""
    tokens = _subject_tokens(ctx).select("subject", "family_token").drop_nulls()
    un = ctx.chosen_by_reader.join(tokens, on="subject")
    if un.is_empty():
        return empty_signals()
    served = (
        ctx.explanation.intervals.filter(pl.col("rank") == 0)
        .join(tokens, on="subject")
        .select("actor", "family_token", "start", "grant", served="subject")
    )
    if "task_grant" not in un.columns:
        un = un.with_columns(
            task_grant=pl.lit(None, pl.String),
            revealed=pl.lit(None, pl.Boolean),
            worked=pl.lit(None, pl.Boolean),
        )
    horizon = timedelta(days=ctx.config.family_days)
    rows = (
        un.join(served, on=["actor", "family_token"])
        .filter(
            (pl.col("start") <= pl.col("at"))
            & (pl.col("at") <= pl.col("start") + horizon)
            & (pl.col("served") != pl.col("subject"))
            # a relative added from a search to the very task that serves the family is
            # that task's work (a parent in another household on a child's application),
            # unless their record was revealed there with no work for them (`unserved`)
            & (
                pl.col("task_grant").is_null()
                | (pl.col("task_grant") != pl.col("grant"))
                | (pl.col("revealed") & ~pl.col("worked")).fill_null(False)
            )
            # a masked summary opened from a search list is the namesake opened by mistake
            # (relatives share surnames): a self-added relative counts once revealed
            & (pl.col("task_grant").is_null() | pl.col("revealed").fill_null(False))
        )
        .unique(["line", "subject"])
    )
    return _per_person_day(rows, "family_chain", ctx.config.weight("family_chain"))


def watchlist(ctx: Context) -> pl.DataFrame:
    """VIP or watch-listed persons read outside any task (their own visits are explained)."""
    vip = _subject_tokens(ctx).filter(pl.col("watchlist")).select("subject")
    rows = ctx.chosen_by_reader.join(vip, on="subject")
    return _per_person_day(rows, "watchlist", ctx.config.weight("watchlist"))


def _staff_tokens(ctx: Context) -> pl.DataFrame:
    return ctx.staff.select(actor="staff_id", a_surname="surname_token", a_area="area_token")


def same_surname(ctx: Context) -> pl.DataFrame:
    """Unexplained reads of persons sharing the staff member's surname (weighs, never alone)."""
    rows = (
        ctx.chosen_by_reader.join(_subject_tokens(ctx), on="subject")
        .join(_staff_tokens(ctx), on="actor")
        .filter(pl.col("s_surname") == pl.col("a_surname"))
    )
    return _per_person_day(rows, "same_surname", ctx.config.weight("same_surname"))


def neighbourhood(ctx: Context) -> pl.DataFrame:
    """Unexplained reads of persons from the staff member's own municipality."""
    rows = (
        ctx.chosen_by_reader.join(_subject_tokens(ctx), on="subject")
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
    w = ctx.config.weight
    return pl.concat(
        [
            _per_person_day(rows.filter(~pl.col("explained")), "after_hours", w("after_hours")),
            _per_person_day(
                rows.filter(pl.col("explained")), "after_hours", w("after_hours_explained")
            ),
        ]
    )


def roles_of(ctx: Context) -> pl.DataFrame:
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
    """Hours with many persons touched outside assigned work (searches, break-glass,
    unexplained reads) or many searches, above the role's normal; big print/copy jobs."""
    c = ctx.config
    roles = roles_of(ctx)
    # Persons touched outside assigned work: unexplained, break-glass, or found by a search.
    outside = (
        ~pl.col("explained")
        | (pl.col("explained_by") == "break_glass")
        | (pl.col("code") == "search")
    )
    people = (
        ctx.explanation.per_subject.filter(outside)
        .select("actor", "at", "day", "line", "subject")
        .with_columns(hour=pl.col("at").dt.truncate("1h"))
    )
    hours = (
        people.group_by("actor", "hour")
        .agg(
            n=pl.col("subject").n_unique(),
            at=pl.col("at").min(),
            day=pl.col("day").first(),
            subjects=pl.col("subject").unique().sort().head(50),
            refs=pl.col("line").unique().sort().head(MAX_REFS),
        )
        .join(roles, on="actor", how="left")
    )
    searches = (
        ctx.staff_events(("search",), ["actor", "at", "day", "line"])
        .with_columns(hour=pl.col("at").dt.truncate("1h"))
        .group_by("actor", "hour")
        .agg(
            n=pl.len(),
            at=pl.col("at").min(),
            day=pl.col("day").first(),
            refs=pl.col("line").sort().head(MAX_REFS),
        )
        .join(roles, on="actor", how="left")
    )
    parts = [
        _over_role_norm(hours, roles, c.bulk_subjects_per_hour, c, "persons in an hour"),
        _over_role_norm(searches, roles, c.bulk_searches_per_hour, c, "searches in an hour"),
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
    parts.append(as_signals(big))
    return pl.concat(parts)


def _over_role_norm(
    hours: pl.DataFrame, roles: pl.DataFrame, floor: int, c: DetectConfig, note: str
) -> pl.DataFrame:
    """Hours above max(floor, factor × the role's typical busiest hour).

    The role's norm is the median over its members of each one's own 99th-percentile hour
    (members with no such hours count as 0), so one person's bulk cannot raise the bar."""
    if hours.is_empty():
        return empty_signals()
    own = hours.group_by("actor").agg(p99=pl.col("n").quantile(0.99))
    norm = (
        roles.join(own, on="actor", how="left")
        .group_by("role")
        .agg(norm=pl.col("p99").fill_null(0.0).median())
    )
    limit = pl.max_horizontal(pl.lit(float(floor)), c.bulk_peer_factor * pl.col("norm"))
    out = (
        hours.join(norm, on="role", how="left")
        .with_columns(limit=limit)
        .filter(pl.col("n") > pl.col("limit"))
        .with_columns(
            staff=pl.col("actor"),
            detector=pl.lit("bulk"),
            weight=c.weight("bulk") * (pl.col("n") / pl.col("limit")).clip(1, 3),
            value=pl.col("n").cast(pl.Float64),
            note=pl.lit(note),
        )
    )
    return as_signals(out)


def credentials(ctx: Context) -> pl.DataFrame:
    """Work while the door log says the person is out; interleaved work at two terminals."""
    c = ctx.config
    staff_work = ctx.staff_events(WORK_CODES, ["line", "at", "day", "actor", "terminal"])
    actors = staff_work.select("actor").unique()
    badges = (
        pick(ctx.events, ("external.badge",), ["actor", "at", "day", "direction"])
        .rename({"at": "badge_at", "day": "badge_day"})
        .sort("badge_at")
    )
    parts = []
    if badges.height:
        # A day with no door event at all for the person is unknown, not "out" (badge-ins go
        # missing: schema v2 section 7); only days with a badge read are judged.
        # Work before the day's first badge read is judged only when that read is an "in"
        # (the person arrived after their login was used, beyond a grace for clocks);
        # if the day's first read is an "out", the badge-in went missing: unknown.
        first = badges.group_by("actor", "badge_day").agg(
            first_at=pl.col("badge_at").min(),
            first_dir=pl.col("direction").sort_by("badge_at").first(),
        )
        grace = timedelta(minutes=c.badge_grace_minutes)
        before_first = pl.col("at") < pl.col("first_at")
        # one query: its intermediate frames (the work joined to the door log) are each most
        # of a GB on a large office's year, and only the few rows kept are needed
        per_day = (
            staff_work.lazy()
            .join(first.rename({"badge_day": "day"}).lazy(), on=["actor", "day"])
            .sort("at")
            .join_asof(
                badges.lazy(),
                left_on="at",
                right_on="badge_at",
                by="actor",
                strategy="backward",
                check_sortedness=False,
            )
            .filter(
                pl.when(before_first)
                .then((pl.col("first_dir") == "in") & (pl.col("at") < pl.col("first_at") - grace))
                .otherwise(pl.col("direction") == "out")
            )
            .group_by("actor", "day")
            .agg(at=pl.col("at").min(), n=pl.len(), refs=pl.col("line").sort().head(MAX_REFS))
            .collect()
        )
        parts.append(
            as_signals(
                per_day.with_columns(
                    staff=pl.col("actor"),
                    detector=pl.lit("badge_absent"),
                    weight=c.weight("badge_absent") * (1 + pl.col("n") / 20).clip(1, 2),
                    value=pl.col("n").cast(pl.Float64),
                )
            )
        )
    term = staff_work.drop_nulls("terminal").sort("actor", "at")
    del staff_work
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
        as_signals(
            per_day.filter(pl.col("n") >= c.two_terminal_min_alternations).with_columns(
                staff=pl.col("actor"),
                detector=pl.lit("two_terminals"),
                weight=pl.lit(c.weight("two_terminals")),
                value=pl.col("n").cast(pl.Float64),
            )
        )
    )
    del term, sandwiched
    return _calibrate_prevalence(pl.concat(parts), actors, c, roles_of(ctx))


def _calibrate_prevalence(
    signals: pl.DataFrame, work: pl.DataFrame, c: DetectConfig, roles: pl.DataFrame
) -> pl.DataFrame:
    """Scale each credential detector by how common it is among the person's peers. Work
    while the door log says "out", or at two terminals in turn, is rare where door logs are
    kept and terminals are personal; where a large share of honest staff show it (shared
    back-office terminals, a door that is not always badged) it is practice, not evidence.

    The share is taken among the *other* members of the person's role (supervisors walk
    between windows and miss badge reads; clerks sit at one), shrunk toward the office's
    share with `credential_role_prior` staff's weight; the person's own days never dilute
    their own evidence. Weight × min(1, `credential_prevalence` / that share)."""
    if signals.is_empty():
        return signals
    active = work.select("actor").unique()
    if active.height < c.min_staff_for_prevalence:
        return signals  # too few people for a share to mean anything
    members = active.join(roles.select("actor", "role"), on="actor", how="left").with_columns(
        pl.col("role").fill_null("?")
    )
    with_sig = signals.select(actor="staff", detector="detector").unique()
    office = with_sig.group_by("detector").agg(office=pl.len() / active.height)
    size = members.group_by("role").agg(size=pl.len())
    showing = (
        with_sig.join(members, on="actor", how="left")
        .with_columns(pl.col("role").fill_null("?"))
        .group_by("detector", "role")
        .agg(showing=pl.len())
    )
    k = c.credential_role_prior
    peers = (
        members.join(office, how="cross")
        .join(size, on="role")
        .join(showing, on=["detector", "role"], how="left")
        .join(with_sig.with_columns(own=pl.lit(1)), on=["actor", "detector"], how="left")
        .with_columns(pl.col("showing").fill_null(0), pl.col("own").fill_null(0))
        .select(
            "actor",
            "detector",
            share=(pl.col("showing") - pl.col("own") + k * pl.col("office"))
            / (pl.col("size") - 1 + k),
        )
    )
    factor = (c.credential_prevalence / pl.col("share")).clip(upper_bound=1.0)
    return (
        signals.join(
            peers, left_on=["staff", "detector"], right_on=["actor", "detector"], how="left"
        )
        .with_columns(weight=pl.col("weight") * factor.fill_null(1.0))
        .drop("share")
    )


def canary(ctx: Context) -> pl.DataFrame:
    """A canary person exposed off its planted path, or put under break-glass: decisive.

    The path is the canary's own counter visit: exposures explained by a counter grant (its
    ticket called to a window; a returning visit may be served at another window), or
    explained ones at its planted window or by its planted clerk. Anything else — a search,
    break-glass, a review, a read with no task — is off the path."""
    canaries = ctx.subjects.filter(pl.col("canary").fill_null(False)).select(
        subject="subject_id", path_window="canary_window", path_staff="canary_staff"
    )
    if canaries.is_empty():
        return empty_signals()
    exposed = ctx.explanation.per_subject.join(canaries, on="subject").join(
        pick(ctx.events, ACCESS_CODES, ["line", "window", "terminal"]), on="line", how="left"
    )
    on_path = pl.col("explained") & (
        (pl.col("explained_by") == "counter")
        | (pl.coalesce("window", "terminal") == pl.col("path_window")).fill_null(False)
        | (pl.col("actor") == pl.col("path_staff")).fill_null(False)
    )
    glass = (
        ctx.staff_events(("breakglass.open",), ["line", "at", "day", "actor", "code", "subjects"])
        .rename({"subjects": "subject"})
        .explode("subject")
        .join(canaries.select("subject"), on="subject")
    )
    cols = ["line", "at", "day", "actor", "code", "subject"]
    off = pl.concat(
        [exposed.filter(~on_path).select(cols), glass.select(cols)], how="vertical_relaxed"
    )
    return as_signals(
        off.with_columns(
            staff=pl.col("actor"),
            subjects=pl.concat_list("subject"),
            detector=pl.lit("canary"),
            weight=pl.lit(ctx.config.weight("canary")),
            refs=pl.concat_list("line"),
            note=pl.col("code").cast(pl.String),
        )
    )


def grant_integrity(ctx: Context) -> pl.DataFrame:
    """An exposure under a grant that was opened for someone else or already closed, and a
    grant closed, joined or opened again against the rule: decisive, like a canary.

    The rule is `ryoken.audit.grants.GrantLedger`'s, the one `ryoken audit verify` applies,
    read in ledger order (line order). The gateway never writes such an entry, so it was put
    into the database by someone who can write there (an INSERT with a correct leaf hash
    passes the append-only triggers), or written by a bug. The staff member it names may be
    the one framed, so the note says what is wrong, not who did it. Reads that name no grant,
    or a grant first seen in the stretch, are left to the "unexplained" detector
    (`GrantLedger(window=True)`): the stretch may start after the grant was opened.
    """
    watched = sorted(WATCHED_CODES)
    rows = (
        ctx.events.lazy()
        .filter(pl.col("code").cast(pl.String).is_in(watched))
        .sort("line")
        .select("line", "at", "day", "actor", "code", "grant", "subjects")
        .collect()
    )
    entries = (
        (line, str(code), actor, grant)
        for line, code, actor, grant in rows.select("line", "code", "actor", "grant").iter_rows()
    )
    found = grant_violations(entries, GrantLedger(window=True))
    if not found:
        return empty_signals()
    bad = pl.DataFrame(
        {"line": [line for line, _ in found], "note": [problem for _, problem in found]},
        schema={"line": pl.Int64, "note": pl.String},
    )
    return as_signals(
        rows.join(bad, on="line").with_columns(
            staff=pl.col("actor"),
            detector=pl.lit("grant_integrity"),
            weight=pl.lit(ctx.config.weight("grant_integrity")),
            refs=pl.concat_list("line"),
        )
    )
