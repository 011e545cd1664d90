"""Explanations: which work justifies each disclosure, match, print and copy.

An access (a disclosure, match, search hit, print or copy) by staff member A to person S at
time t is *explained* by a grant (`grant.open`)
that A holds, that covers S (from the moment S was put on it), and that is open at t:
a counter grant with a ticket, an assigned review, a QA sample, a production batch, or a
break-glass that a supervisor judged justified. Grants end at `grant.close`, or when their
kind's maximum length runs out if no close was logged. A copier job (`external.copier`) is
explained when its watermark (or job id) names a declared print or copy job of the same
staff member that is itself explained. A search that is the task itself (the loss report's
search for the holder, purpose "loss_report:…") is explained by the searcher's own ticketed
counter grant for that step when it finds only a few persons: the holder is put on the grant
only once the clerk has chosen them among the hits.

Everything is joins over columns: access rows are exploded per person and joined with the
grant intervals on (actor, person), then filtered by time. No Python loop sees an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from ryoken.detect.config import DetectConfig

# A search shows the persons it finds (name, birth date): an exposure like a disclosure.
ACCESS_CODES = ("disclosure", "match", "search", "print", "copy")
COPIER = "external.copier"
NON_STAFF = ("system", "kiosk")
OPEN_CODES = ("grant.open", "breakglass.open")
ASSIST_CODES = ("grant.assist", "grant.assist_end")

# Status of an access, best first (a person covered by several grants takes the best).
STATUSES = (
    "explained",
    "break_glass_pending",
    "break_glass_unjustified",
    "outside_purpose",
    "counter_without_ticket",
    "no_grant",
    "copier_unmatched",
    "copier_other_staff",
    "copier_unexplained_job",
)
_RANK = {name: i for i, name in enumerate(STATUSES)}
_NO_GRANT = _RANK["no_grant"]


def pick(events: pl.DataFrame, codes: tuple[str, ...], columns: list[str]) -> pl.DataFrame:
    """The named columns of the events with these codes (projection first: the full frame
    has 30-odd columns and copying them for a filter is most of the cost at scale)."""
    return events.lazy().filter(pl.col("code").is_in(codes)).select(columns).collect()


def _fixed_offset(tz: str, lo: datetime, hi: datetime) -> timedelta | None:
    """The zone's UTC offset if it is the same over [lo, hi] (no daylight saving)."""
    zone = ZoneInfo(tz)
    probes = [lo, hi] + [
        datetime(y, m, 1, tzinfo=UTC) for y in range(lo.year, hi.year + 1) for m in (1, 4, 7, 10)
    ]
    offsets = {p.astimezone(zone).utcoffset() for p in probes}
    return offsets.pop() if len(offsets) == 1 else None


def prepare(events: pl.DataFrame, config: DetectConfig) -> pl.DataFrame:
    """Add the office-local day and minute of day every detector uses."""
    local = pl.col("at").dt.convert_time_zone(config.tz)
    day, minute = local.dt.date(), local.dt.hour() * 60 + local.dt.minute()
    if events.height:
        lo, hi = events.get_column("at").min(), events.get_column("at").max()
        if isinstance(lo, datetime) and isinstance(hi, datetime):
            offset = _fixed_offset(config.tz, lo, hi)
            if offset is not None:  # Asia/Tokyo: integer arithmetic, no calendar per row
                us = pl.col("at").dt.epoch("us") + offset // timedelta(microseconds=1)
                day = (us // 86_400_000_000).cast(pl.Int32).cast(pl.Date)
                minute = (us % 86_400_000_000) // 60_000_000
    return events.with_columns(day=day, minute=minute.cast(pl.Int32))


def office_days(events: pl.DataFrame, config: DetectConfig) -> pl.Series:
    """The office's working days: days with queue or counter activity, else open weekdays."""
    if events.is_empty():
        return pl.Series("day", [], dtype=pl.Date)
    busy = (
        pick(events, ("ticket.issue", "ticket.call", "grant.open"), ["code", "kind", "day"])
        .filter((pl.col("code") != "grant.open") | (pl.col("kind") == "counter"))
        .get_column("day")
        .unique()
    )
    days: pl.Series = busy
    if not len(busy):
        lo, hi = events.get_column("day").min(), events.get_column("day").max()
        span = pl.Series("day", pl.date_range(lo, hi, "1d", eager=True))  # type: ignore[arg-type]
        days = span.filter(span.dt.weekday().is_in([d + 1 for d in config.open_weekdays]))
    if config.holidays:
        days = days.filter(~days.is_in(list(config.holidays)))
    return days.sort().alias("day")


def grants(events: pl.DataFrame, config: DetectConfig) -> pl.DataFrame:
    """One row per grant: actor, kind, ticket, opened, end, and whether it explains access."""
    opens = pick(
        events,
        OPEN_CODES,
        ["grant", "at", "actor", "code", "kind", "ticket", "terminal", "purpose", "subjects"],
    )
    kind = (
        pl.when(pl.col("code") == "breakglass.open")
        .then(pl.lit("break_glass"))
        .otherwise(pl.col("kind"))
    )
    # One row per grant. A grant's rows agree on actor, kind, ticket and terminal (added
    # persons repeat them), so the cheap max() picks the value; `served` counts the persons
    # the work covered (applicants and the family their papers name).
    head = (
        opens.with_columns(kind=kind, n=pl.col("subjects").list.len())
        .drop("subjects")
        .filter(pl.col("grant").is_not_null())
        .group_by("grant")
        .agg(
            actor=pl.col("actor").max(),
            kind=pl.col("kind").max(),
            ticket=pl.col("ticket").max(),
            terminal=pl.col("terminal").max(),
            step=pl.col("purpose").max(),
            opened=pl.col("at").min(),
            served=pl.col("n").sum().cast(pl.Int64),
        )
    )
    closes = (
        pick(events, ("grant.close",), ["grant", "at"])
        .group_by("grant")
        .agg(closed=pl.col("at").min())
    )
    reviews = (
        pick(events, ("breakglass.review",), ["at", "grant", "reviewed_grant", "justified"])
        .with_columns(reviewed=pl.coalesce("reviewed_grant", "grant"))
        .group_by("reviewed")
        .agg(justified=pl.col("justified").get(pl.col("at").arg_max()))
        .rename({"reviewed": "grant"})
    )
    minutes = pl.col("kind").replace_strict(
        dict(config.grant_minutes),
        default=max(config.grant_minutes.values()),
        return_dtype=pl.Int64,
    )
    status = (
        pl.when(pl.col("kind") == "break_glass")
        .then(
            pl.when(pl.col("justified").is_null())
            .then(pl.lit("break_glass_pending"))
            .when(pl.col("justified"))
            .then(pl.lit("explained"))
            .otherwise(pl.lit("break_glass_unjustified"))
        )
        .when((pl.col("kind") == "counter") & pl.col("ticket").is_null())
        .then(pl.lit("counter_without_ticket"))
        .otherwise(pl.lit("explained"))
    )
    return (
        head.join(closes, on="grant", how="left")
        .join(reviews, on="grant", how="left")
        .with_columns(
            end=pl.coalesce("closed", pl.col("opened") + pl.duration(minutes=minutes)),
        )
        .with_columns(status=status)
        .with_columns(rank=pl.col("status").replace_strict(_RANK, return_dtype=pl.Int8))
    )


def intervals(events: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """(actor, subject, start, end, grant, kind, rank): who may see whom, when."""
    subjects = (
        pick(events, OPEN_CODES, ["grant", "at", "subjects"])
        .rename({"subjects": "subject"})
        .explode("subject")
        .drop_nulls("subject")
        .group_by("grant", "subject")
        .agg(start=pl.col("at").min())
    )
    own = subjects.join(
        table.select("grant", "actor", "kind", "end", "rank", "opened"), on="grant"
    ).select("actor", "subject", "start", "end", "grant", "kind", "rank", "opened")
    helpers = assists(events, table)
    if helpers.is_empty():
        return own
    # An assistant sees the host grant's persons from the assist until the host grant ends
    # (or the assistant leaves): exactly as the host does (schema v2, grant.assist).
    joined = (
        own.select("grant", "subject", "start", "end")
        .join(helpers, on="grant")
        .select(
            "actor",
            "subject",
            start=pl.max_horizontal("start", "a_start"),
            end=pl.min_horizontal("end", "a_end"),
            grant="grant",
            kind="kind",
            rank="rank",
            opened="a_start",
        )
        .filter(pl.col("start") <= pl.col("end"))
    )
    return (
        pl.concat([own, joined], how="vertical_relaxed")
        .group_by("actor", "subject", "grant")
        .agg(
            start=pl.col("start").min(),
            end=pl.col("end").max(),
            kind=pl.col("kind").first(),
            rank=pl.col("rank").min(),
            opened=pl.col("opened").min(),
        )
        .select("actor", "subject", "start", "end", "grant", "kind", "rank", "opened")
    )


def assists(events: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """(grant, actor, a_start, a_end, kind, rank): staff who joined a colleague's open grant
    (`grant.assist`), until the host grant ends or they leave (`grant.assist_end`)."""
    rows = pick(events, ASSIST_CODES, ["grant", "at", "actor", "code"]).drop_nulls("grant")
    if rows.is_empty():
        return pl.DataFrame(
            schema={
                "grant": pl.String, "actor": pl.String, "a_start": pl.Datetime("us", "UTC"),
                "a_end": pl.Datetime("us", "UTC"), "kind": pl.String, "rank": pl.Int8,
            }
        )  # fmt: skip
    starts = (
        rows.filter(pl.col("code") == "grant.assist")
        .group_by("grant", "actor")
        .agg(a_start=pl.col("at").min())
    )
    ends = (
        rows.filter(pl.col("code") == "grant.assist_end")
        .group_by("grant", "actor")
        .agg(left=pl.col("at").max())
    )
    host = table.select("grant", "end", "kind", "rank", host="actor")
    return (
        starts.join(ends, on=["grant", "actor"], how="left")
        .join(host, on="grant")
        .filter(pl.col("host") != pl.col("actor"))
        .with_columns(a_end=pl.min_horizontal("end", pl.coalesce("left", "end")))
        .select("grant", "actor", "a_start", "a_end", "kind", "rank")
    )


@dataclass(frozen=True)
class Explanation:
    """The result of explaining one event frame.

    `access`: one row per staff access event (line, at, day, minute, actor, code, subjects,
    status, explained, pages, undeclared_pages). `per_subject`: the same exploded per person
    (line, at, day, minute, actor, code, subject, status, explained, explained_by).
    """

    access: pl.DataFrame
    per_subject: pl.DataFrame
    grants: pl.DataFrame
    intervals: pl.DataFrame

    @property
    def total(self) -> int:
        return self.access.height

    @property
    def explained(self) -> int:
        return int(self.access.get_column("explained").sum()) if self.total else 0

    @property
    def share(self) -> float:
        """Explained share by count; 1.0 when there is nothing to explain."""
        return self.explained / self.total if self.total else 1.0

    def by_status(self) -> dict[str, int]:
        counts = self.access.group_by("status").len()
        return dict(zip(counts["status"].to_list(), counts["len"].to_list(), strict=True))


def explain(events: pl.DataFrame, config: DetectConfig) -> Explanation:
    """Explain every disclosure, match, print, copy and copier job in `events` (prepared)."""
    table = grants(events, config)
    spans = intervals(events, table)
    skew = timedelta(seconds=config.clock_skew_seconds)
    staff = ~pl.col("actor").is_in(NON_STAFF)
    acc = (
        events.lazy()
        .filter(pl.col("code").is_in(ACCESS_CODES) & staff)
        .select(
            "line", "at", "day", "minute", "actor", "code", "subjects", "grant", "terminal",
            "pages", "purpose", "fields", "form",
        )
        .collect()
    )  # fmt: skip
    holders = _holders(events, table)
    task_search = _task_searches(acc, holders, config)
    beyond = _beyond_purpose(acc, holders, config)
    acc = acc.drop("purpose", "fields", "form")
    rows = (
        acc.select("line", "at", "day", "minute", "actor", "code", "grant", subject="subjects")
        .explode("subject")
        .with_row_index("rid")
    )
    in_time = (pl.col("start") - skew <= pl.col("at")) & (pl.col("at") <= pl.col("end") + skew)
    # Fast path: almost every access names the grant it ran under; check that one first
    # (a unique (grant, person, holder) key, so a plain join), and search all of the actor's
    # grants only for the residue.
    # (One query, keeping only what the rest reads: on a 10M-event year each intermediate
    # frame of the exploded accesses is most of a gigabyte.)
    ok = (in_time & (pl.col("rank") == 0)).fill_null(False)
    task = pl.col("line").is_in(task_search.get_column("line").implode())
    columns = rows.columns
    claimed = (
        rows.lazy()
        .join(
            spans.lazy().select("grant", "subject", "actor", "start", "end", "rank", "kind"),
            on=["grant", "subject", "actor"],
            how="left",
        )
        .join(task_search.lazy(), on="line", how="left")
        .with_columns(
            ok=ok | task,
            kind=pl.when(task).then(pl.col("search_kind")).otherwise(pl.col("kind")),
        )
        .select(*columns, "ok", "kind")
        .collect()
    )
    del rows
    slow = (
        claimed.filter(~pl.col("ok") & pl.col("subject").is_not_null())
        .select("rid", "actor", "subject", "at")
        .join(spans.drop("grant"), on=["actor", "subject"], how="inner")
        .filter(in_time)
        .sort("rank", "opened")
        .group_by("rid")
        .agg(slow_rank=pl.col("rank").first(), slow_by=pl.col("kind").first())
    )
    rank = (
        pl.when(pl.col("subject").is_null())
        .then(pl.lit(0, pl.Int8))  # an access that names nobody shows no personal data
        .when(pl.col("ok"))
        .then(pl.lit(0, pl.Int8))
        .otherwise(pl.col("slow_rank").fill_null(_NO_GRANT))
    )
    explained_by = pl.when(pl.col("ok")).then(pl.col("kind")).otherwise(pl.col("slow_by"))
    # An inquiry explains status fields only: anything more under it is outside its purpose.
    outside = pl.col("line").is_in(beyond.implode()) & (pl.col("explained_by") == "inquiry")
    per_subject = (
        claimed.join(slow, on="rid", how="left")
        .with_columns(rank=rank, explained_by=explained_by)
        .with_columns(
            rank=pl.when(outside & (pl.col("rank") == 0))
            .then(pl.lit(_RANK["outside_purpose"], pl.Int8))
            .otherwise(pl.col("rank"))
        )
        .with_columns(status=_status_name(pl.col("rank")), explained=pl.col("rank") == 0)
        .drop("grant", "ok", "kind", "slow_rank", "slow_by", "rid")
    )
    del claimed, slow
    worst = per_subject.group_by("line").agg(rank=pl.col("rank").max())
    # an access that names nobody (a monthly report: an aggregate) shows no personal data
    access = acc.join(worst, on="line", how="left").with_columns(
        rank=pl.col("rank").fill_null(0), undeclared_pages=pl.lit(0, pl.Int64)
    )
    del acc, worst
    copier = _explain_copier(events, access)
    access = pl.concat([access, copier], how="diagonal_relaxed").with_columns(
        status=_status_name(pl.col("rank")), explained=pl.col("rank") == 0
    )
    per_subject = per_subject.filter(pl.col("subject").is_not_null()).drop("rank")
    return Explanation(access.drop("rank"), per_subject, table, spans)


def _holders(events: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """(grant, actor, opened, end, rank, kind, step): who works under each grant, when — its
    holder, and assistants from their assist on."""
    own = table.select("grant", "actor", "opened", "end", "rank", "kind", "step")
    helpers = assists(events, table)
    if helpers.is_empty():
        return own
    steps = table.select("grant", "step")
    extra = helpers.join(steps, on="grant").select(
        "grant", "actor", opened="a_start", end="a_end", rank="rank", kind="kind", step="step"
    )
    return pl.concat([own, extra], how="vertical_relaxed")


def _task_searches(acc: pl.DataFrame, holders: pl.DataFrame, config: DetectConfig) -> pl.DataFrame:
    """(line, search_kind) of searches explained by the task they ran under.

    Schema v2: a search names the grant it was made under; its result list (the persons
    found, `fields` of each) is explained when that grant is an explaining grant the searcher
    holds or assists, open at the time, and the list has at most `max_list_hits` persons.
    v1's loss-report search (purpose "loss_report:…", under the searcher's own counter grant
    for that step, at most `task_search_max_hits` persons) is the same rule with a tighter
    limit. The persons found are not added to the task by the search."""
    skew = timedelta(seconds=config.clock_skew_seconds)
    limit = max(config.max_list_hits, config.task_search_max_hits)
    searches = acc.filter(
        (pl.col("code") == "search")
        & pl.col("grant").is_not_null()
        & (pl.col("subjects").list.len() <= limit)
    ).select("line", "at", "actor", "grant")
    if searches.is_empty():
        return pl.DataFrame(schema={"line": pl.Int64, "search_kind": pl.String})
    ok = (
        (pl.col("rank") == 0)
        & (pl.col("opened") - skew <= pl.col("at"))
        & (pl.col("at") <= pl.col("end") + skew)
    )
    return (
        searches.join(holders, on=["grant", "actor"])
        .filter(ok)
        .group_by("line")
        .agg(search_kind=pl.col("kind").first())
        .with_columns(pl.col("line").cast(pl.Int64))
    )


def _beyond_purpose(acc: pl.DataFrame, holders: pl.DataFrame, config: DetectConfig) -> pl.Series:
    """Lines of disclosures, matches, prints and copies under an inquiry grant that show more
    than the inquiry's status fields (`config.inquiry_fields`); a masked screen
    (`form: masked`) shows none of its fields' values and stays within the purpose."""
    inquiry = holders.filter(pl.col("kind") == "inquiry").select("grant").unique()
    if inquiry.is_empty():
        return pl.Series("line", [], pl.Int64)
    allowed = list(config.inquiry_fields)
    # a masked screen shows no value of the masked fields: only what is shown counts
    return (
        acc.filter((pl.col("code") != "search") & (pl.col("form").fill_null("") != "masked"))
        .join(inquiry, on="grant")
        .filter(pl.col("fields").list.eval(~pl.element().is_in(allowed)).list.any())
        .get_column("line")
    )


def _status_name(rank: pl.Expr) -> pl.Expr:
    return rank.replace_strict({v: k for k, v in _RANK.items()}, return_dtype=pl.String)


def _explain_copier(events: pl.DataFrame, access: pl.DataFrame) -> pl.DataFrame:
    """Copier log records matched to declared print/copy jobs by watermark or job id."""
    cols = ["line", "at", "day", "minute", "actor", "code", "terminal", "pages"]
    jobs = pick(events, (COPIER,), [*cols, "watermark", "job", "print_job", "unmatched"])
    jobs = jobs.filter(~pl.col("actor").is_in(NON_STAFF))
    if jobs.is_empty():
        return jobs.select(cols)
    declared = pick(events, ("print", "copy"), ["line", "watermark", "job"]).join(
        access.select("line", "actor", "rank", "pages"), on="line"
    )
    keys = (
        pl.concat(
            [
                declared.select("line", "actor", "rank", "pages", key="watermark"),
                declared.select("line", "actor", "rank", "pages", key="job"),
            ]
        )
        .drop_nulls("key")
        .unique("key", keep="first")
        .rename(
            {"line": "decl_line", "actor": "decl_actor", "rank": "decl_rank", "pages": "decl_pages"}
        )
    )
    jobs = jobs.with_columns(key=pl.coalesce("watermark", "print_job", "job"))
    matched = jobs.join(keys, on="key", how="left")
    rank = (
        pl.when(pl.col("decl_line").is_null() | pl.col("unmatched").fill_null(False))
        .then(pl.lit(_RANK["copier_unmatched"], pl.Int8))
        .when(pl.col("decl_actor") != pl.col("actor"))
        .then(pl.lit(_RANK["copier_other_staff"], pl.Int8))
        .when(pl.col("decl_rank") != 0)
        .then(pl.lit(_RANK["copier_unexplained_job"], pl.Int8))
        .otherwise(pl.lit(0, pl.Int8))
    )
    matched = matched.with_columns(rank=rank, pages=pl.col("pages").fill_null(0))
    # Pages beyond the declared job (a jam reprint, or extra copies) are undeclared. Only keys
    # the copier logged more than once, or with more pages than declared, need the running sum.
    multi = pl.len().over("key") > 1
    over = pl.col("pages") > pl.col("decl_pages")
    suspect = matched.filter(pl.col("decl_pages").is_not_null() & (multi | over))
    seen = pl.col("pages").cum_sum().over("key", order_by="at")
    decl = pl.col("decl_pages")
    extra = suspect.select(
        "line",
        extra=((seen - decl).clip(0) - (seen - pl.col("pages") - decl).clip(0)).cast(pl.Int64),
    )
    undeclared = (
        pl.when(pl.col("rank") == _RANK["copier_unmatched"])
        .then(pl.col("pages"))
        .otherwise(pl.col("extra").fill_null(0))
    )
    return (
        matched.join(extra, on="line", how="left")
        .with_columns(
            undeclared_pages=undeclared.cast(pl.Int64), subjects=pl.lit([], pl.List(pl.String))
        )
        .select(*cols, "subjects", "rank", "undeclared_pages")
    )
