"""The onboarding report (`ryoken detect --report`): why before trust.

An office that starts using ryoken first needs to see what its logs look like through the
explanations: how much is explained, what the unexplained rest *is* (grouped by pattern:
"search hits outside any task: 83%"), and where the alerts come from — per signal, per role
and per employer. A large unexplained pattern is usually legitimate work the office's logs
do not express yet (docs/events.md, version 2), not misconduct.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ryoken.detect.cases import Detection, group_rates

# (code, status, detail) -> plain words. `detail`: "closed" when the staff member had a task
# on that person that had already ended, "search_many" for a list over the hit limit.
PATTERNS: dict[str, str] = {
    "search:no_grant": "search hits outside any task",
    "search:no_grant:many": "search result lists longer than the list limit",
    "search:no_grant:closed": "search hits after the task had closed",
    "disclosure:no_grant": "records read with no task covering the person",
    "disclosure:no_grant:closed": "records read after the task had closed",
    "match:no_grant": "matches with no task covering the person",
    "print:no_grant": "prints of persons not on the printer's task",
    "copy:no_grant": "copies of persons not on the copier's task",
    "disclosure:outside_purpose": "records read under an inquiry beyond its status fields",
    "disclosure:counter_without_ticket": "counter work without a queue ticket",
    "disclosure:break_glass_pending": "break-glass reads awaiting a supervisor's review",
    "disclosure:break_glass_unjustified": "break-glass reads a supervisor judged unjustified",
    "external.copier:copier_unmatched": "copier jobs with no declared print or copy",
    "external.copier:copier_other_staff": "copier jobs released by someone else",
    "external.copier:copier_unexplained_job": "copier jobs of an unexplained print",
}


def unexplained_patterns(det: Detection) -> list[dict[str, Any]]:
    """The unexplained accesses grouped by pattern, largest first, with shares."""
    ex = det.context.explanation
    un = ex.access.filter(~pl.col("explained"))
    if un.is_empty():
        return []
    limit = det.config.max_list_hits
    per_subject = ex.per_subject.filter(~pl.col("explained"))
    closed = (
        per_subject.select("line", "actor", "subject", "at")
        .join(ex.intervals.select("actor", "subject", "end"), on=["actor", "subject"])
        .filter(pl.col("end") < pl.col("at"))
        .get_column("line")
        .unique()
    )
    keyed = un.with_columns(
        detail=pl.when((pl.col("code") == "search") & (pl.col("subjects").list.len() > limit))
        .then(pl.lit("many"))
        .when(pl.col("line").is_in(closed.implode()))
        .then(pl.lit("closed"))
        .otherwise(pl.lit(None, pl.String))
    ).with_columns(
        key=pl.concat_str(
            [pl.col("code").cast(pl.String), pl.col("status"), pl.col("detail")],
            separator=":",
            ignore_nulls=True,
        )
    )
    total = un.height
    counts = (
        keyed.group_by("key")
        .agg(accesses=pl.len(), staff=pl.col("actor").n_unique())
        .sort(["accesses", "key"], descending=[True, False])
    )
    return [
        {
            "pattern": row["key"],
            "what": PATTERNS.get(row["key"], row["key"].replace(":", " / ")),
            "accesses": row["accesses"],
            "share_of_unexplained": round(row["accesses"] / total, 4),
            "staff": row["staff"],
        }
        for row in counts.iter_rows(named=True)
    ]


def alerts_by_signal(det: Detection) -> list[dict[str, Any]]:
    """Alerts by the detectors whose evidence was in the case when it crossed (an alert
    counts once for each detector that had contributed), and deferred crossings."""
    sig = det.signals
    if sig.is_empty() or det.alerts.is_empty():
        return []
    crossings = sig.filter(pl.col("crossing")).select("staff", crossed="at")
    window = pl.duration(days=det.config.decay_days * 3)
    contrib = (
        sig.join(crossings, on="staff")
        .filter((pl.col("at") <= pl.col("crossed")) & (pl.col("at") >= pl.col("crossed") - window))
        .group_by("detector")
        .agg(alerts=pl.struct("staff", "crossed").n_unique(), staff=pl.col("staff").n_unique())
        .sort("alerts", descending=True)
    )
    return list(contrib.iter_rows(named=True))


def onboarding_report(det: Detection) -> dict[str, Any]:
    """The JSON report (`--report`): explanations, unexplained patterns, alerts by signal
    and by role and employer (never by nationality: the staff frame has no such column)."""
    ex = det.context.explanation
    groups = [g for g in group_rates(det) if g["dimension"] in ("role", "employer_kind")]
    deferred = (
        int(det.signals.get_column("deferred").sum())
        if "deferred" in det.signals.columns and det.signals.height
        else 0
    )
    return {
        "schema": "ryoken.detect.report/1",
        "accesses": ex.total,
        "explained": ex.explained,
        "explained_share": round(ex.share, 6),
        "by_status": ex.by_status(),
        "unexplained_patterns": unexplained_patterns(det),
        "alerts": det.alerts.height,
        "alerts_per_1000_staff_days": round(det.alerts_per_1000_staff_days(), 3),
        "deferred_over_budget": deferred,
        "alerts_by_signal": alerts_by_signal(det),
        "alerts_by_group": groups,
    }


def report_text(report: dict[str, Any]) -> str:
    """The same report for a person to read."""
    out = [
        f"Explained: {100 * report['explained_share']:.2f}% of {report['accesses']:,} accesses"
        f" ({report['accesses'] - report['explained']:,} unexplained)",
        "",
        "Unexplained accesses by pattern:",
    ]
    for p in report["unexplained_patterns"][:15]:
        out.append(
            f"  {p['what']}: {100 * p['share_of_unexplained']:.0f}% "
            f"({p['accesses']:,} by {p['staff']} staff)"
        )
    if not report["unexplained_patterns"]:
        out.append("  (none)")
    out += [
        "",
        f"Alerts: {report['alerts']} ({report['alerts_per_1000_staff_days']:.2f} per 1,000 "
        f"staff-days); deferred over the officer's budget: {report['deferred_over_budget']}",
        "Alerts by signal (a detector counts when its evidence was in the alerting case):",
    ]
    for a in report["alerts_by_signal"]:
        out.append(f"  {a['detector']}: {a['alerts']} alert(s) on {a['staff']} staff")
    out.append("Alerts by role and employer (per 1,000 staff-days):")
    for g in report["alerts_by_group"]:
        out.append(
            f"  {g['dimension']} {g['group']}: {g['alerts']} alert(s), "
            f"{g['alerts_per_1000_staff_days']:.2f} ({g['staff']} staff, {g['staff_days']:,} days)"
        )
    return "\n".join(out)
