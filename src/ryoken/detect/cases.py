"""Cases: signals accumulated per staff member, scored, ranked, with reasons in two languages.

Score. Each detector d keeps a decayed sum of its signal weights,
W_d(t) = Σ w_i · exp(-(t - t_i)/τ) over its signals up to t (τ = `decay_days`), and adds
min-like saturation of it to the case: W_d itself up to half the detector's cap c_d, then
c/2 + c/2 · (1 - exp(-(W_d - c/2)/(c/2))), so never more than c_d.
The case score is the sum over detectors. So independent kinds of evidence add up, one noisy
detector cannot run away on its own, and the "weigh, never alarm alone" detectors (same
surname, neighbourhood) have caps below the threshold. Old evidence fades: a stray
unexplained read a year ago does not join one today.

Supporting evidence. Some detectors only support (same surname, neighbourhood, after
hours, handling time, copier jobs without a declared job, break-glass awaiting review,
refused reads: `DetectConfig.support`): their sum is capped again, below the threshold,
so no mix of them alone can raise an alert.

Alert. A case alerts when its score reaches `threshold`. The officer then has it for
`triage_days`, during which new evidence joins the same case; after that a new case starts
from zero. Every alert counts in the alert rate, so a person who keeps looking odd costs the
office an alert each time, honestly.

The sums are evaluated at every signal with a cumulative sum of w·exp(t/τ) per staff member
(then times exp(-t/τ)), so scoring is columnar too (one pass per alert round); t is
measured from each case's first signal, which keeps exp() finite for spans up to 600·τ
(about 50 years at τ = 30 days).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from ryoken.detect import detectors as d
from ryoken.detect.bursts import burst
from ryoken.detect.config import DetectConfig
from ryoken.detect.detectors import Context, build_context, empty_signals
from ryoken.detect.footprints import contract_end, volume

DETECTORS: dict[str, Callable[[Context], pl.DataFrame]] = {
    "unexplained": d.unexplained,
    "family_chain": d.family_chain,
    "watchlist": d.watchlist,
    "same_surname": d.same_surname,
    "neighbourhood": d.neighbourhood,
    "after_hours": d.after_hours,
    "volume": volume,
    "burst": burst,
    "bulk": d.bulk,
    "credentials": d.credentials,
    "contract_end": contract_end,
    "canary": d.canary,
    "grant_integrity": d.grant_integrity,
}

# detector -> (Japanese, English) reason templates; {n} signals, {subjects} persons,
# {days} days, {value} the largest measured value, {notes} the detector's notes.
REASONS: dict[str, tuple[str, str]] = {
    "unexplained": (
        "業務（整理券・審査・品質確認・発注）に結び付かない閲覧: {subjects}名",
        "read {subjects} person(s) outside any task (ticket, review, QA, production)",
    ),
    "unexplained_copier": (
        "申告された印刷・複写に対応しない複合機ジョブ: {n}件（最大{value}ページ）",
        "{n} copier job(s) with no declared print or copy job behind them (up to {value} pages)",
    ),
    "break_glass_pending": (
        "未確認の緊急アクセス: {subjects}名",
        "break-glass access not reviewed yet: {subjects} person(s)",
    ),
    "break_glass_unjustified": (
        "上長が正当と認めなかった緊急アクセス: {subjects}名",
        "break-glass access a supervisor judged unjustified: {subjects} person(s)",
    ),
    "self_added": (
        "検索結果から本人が業務に追加して開いた人物が普段より多い日: {n}日、{subjects}名"
        "（これだけでは警告しません）",
        "on {n} day(s) opened more persons added to their own task from a search than their "
        "habit explains: {subjects} person(s) (never alerts on its own)",
    ),
    "unserved": (
        "検索結果から本人が業務に追加し、その業務で何の処理もしないまま表示した人物: {subjects}名",
        "revealed {subjects} person(s) the staff member added to their own task from a search "
        "while the task did no work for them (read outside the task's purpose)",
    ),
    "refused": (
        "拒否された閲覧の試み: {subjects}名",
        "refused attempts to read {subjects} person(s)",
    ),
    "family_chain": (
        "最近対応した申請者の家族で申請に含まれない人物の閲覧: {subjects}名",
        "read {subjects} relative(s) of recent applicants who were not on their application",
    ),
    "watchlist": (
        "要注意・著名人リストの人物の業務外の閲覧: {subjects}名",
        "read {subjects} VIP or watch-listed person(s) outside any task",
    ),
    "same_surname": (
        "本人と同じ姓の人物の業務外の閲覧: {subjects}名（これだけでは警告しません）",
        "read {subjects} person(s) sharing the staff member's surname outside any task "
        "(never alerts on its own)",
    ),
    "neighbourhood": (
        "本人と同じ市区町村の人物の業務外の閲覧: {subjects}名（これだけでは警告しません）",
        "read {subjects} person(s) from the staff member's own municipality outside any task "
        "(never alerts on its own)",
    ),
    "after_hours": (
        "開庁時間外・閉庁日の操作: {subjects}名、{days}日",
        "activity outside office hours or on closed days: {subjects} person(s) on {days} day(s)",
    ),
    "volume": (
        "対応した申請者1人当たりの表示・照合・印刷・複写（申告のない複写を含む）が同僚または"
        "本人の初期水準を上回った日: {days}日（最大 z={value}）",
        "per person served, reveals/matches/prints/copies (undeclared copies included) above "
        "peers or the person's own first weeks on {days} day(s) (max z={value})",
    ),
    "burst": (
        "本人の通常の水準では説明できないほど表示・複写の多い対応が続いた日: {days}日"
        "（最大 z={value}）",
        "tasks with far more reveals and copies than the person's own habit explains, on "
        "{days} day(s) (max z={value})",
    ),
    "handling_time": (
        "対応した申請者1人当たりの窓口対応時間が同僚または本人の初期水準より長い日: {days}日"
        "（これだけでは警告しません）",
        "handling time per person served above peers or the person's own first weeks on "
        "{days} day(s) (never alerts on its own)",
    ),
    "bulk": (
        "短時間の大量検索・大量閲覧: {n}回（1時間に最大{value}件）",
        "bulk search or reads: {n} hour(s) (up to {value} in one hour)",
    ),
    "export": (
        "多人数・多ページの印刷・複写: {n}件（最大{value}）",
        "print/copy jobs with many persons or pages: {n} (up to {value})",
    ),
    "badge_absent": (
        "入退館記録では不在の間の操作: {days}日（{value}件まで）",
        "activity while the door log says the person was out, on {days} day(s)",
    ),
    "two_terminals": (
        "2台の端末で交互に操作: {days}日（{notes}）",
        "interleaved activity at two terminals on {days} day(s) ({notes})",
    ),
    "contract_end": (
        "退職・契約終了の申出後、本人の申出前の水準を上回った日: {days}日（最大 z={value}）",
        "after notice was given, rates above the person's own earlier level on {days} day(s) "
        "(max z={value})",
    ),
    "grant_integrity": (
        "窓口の仕組みが書くことのない記録（他の職員の業務、または終了済みの業務の下での閲覧"
        "など）: {n}件 — 台帳への不正な書き込みの疑い。直ちに確認してください",
        "{n} entry(ies) the gateway never writes (an exposure under another staff member's or "
        "a closed task, and the like) — possibly forged into the ledger; check at once "
        "({notes})",
    ),
    "canary": (
        "カナリア（おとり）人物への想定経路外のアクセス: {n}件 — 直ちに確認してください",
        "canary person touched outside its planted path: {n} event(s) — check at once",
    ),
}
MAX_EVIDENCE = 30  # event lines listed per detector in a case


def _saturate(w: pl.Expr, cap: float) -> pl.Expr:
    """w up to half the cap, then diminishing returns toward the cap (continuous, smooth)."""
    knee = cap / 2
    return pl.when(w <= knee).then(w).otherwise(knee + knee * (1 - (-(w - knee) / knee).exp()))


def in_order(signals: pl.DataFrame) -> pl.DataFrame:
    """Signals per staff member in time order, ties broken by what the signal is (detector,
    weight, value, first person, first event line), so that the running score, which row
    carries the crossing and so the alerts are the same on every run (Polars' sort does
    not keep ties in order, and group-bys emit rows in no fixed order)."""
    first_subject = pl.col("subjects").list.first().fill_null("")
    first_ref = pl.col("refs").list.first().fill_null(-1)
    return signals.sort(
        [pl.col("staff"), pl.col("at"), pl.col("detector"), pl.col("weight"), pl.col("value"),
         first_subject, first_ref, pl.col("note")],
        maintain_order=True,
    )  # fmt: skip


def run_detectors(ctx: Context, names: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Every detector's signals (or the named ones'), in one frame."""
    chosen = names or tuple(DETECTORS)
    return in_order(pl.concat([DETECTORS[n](ctx) for n in chosen]))


def _score_once(s: pl.DataFrame, config: DetectConfig) -> pl.Expr:
    """The running case score at each signal, for signals sorted by (staff, at) with `t`."""
    primary: pl.Expr = pl.lit(0.0)
    support: pl.Expr = pl.lit(0.0)
    for name in s.get_column("detector").unique().sort().to_list():
        mine = pl.when(pl.col("detector") == name).then(pl.col("weight")).otherwise(0.0)
        decayed = (-pl.col("t")).exp() * (mine * pl.col("t").exp()).cum_sum().over("staff")
        part = _saturate(decayed, config.cap(name))
        if name in config.support:
            support = support + part
        else:
            primary = primary + part
    return primary + _saturate(support, config.support_cap)


def score_signals(
    signals: pl.DataFrame, config: DetectConfig, *, staff_count: int | None = None
) -> pl.DataFrame:
    """Signals sorted per staff member with the running case `score` and the `crossing`
    that raised each alert. After an alert the case is with the privacy officer for
    `triage_days`: evidence in that time joins it; afterwards a new case starts from zero
    (as if the officer had closed the old one), and it alerts only when it reaches
    `realert_factor` × the last alerting case's peak (the same noise does not alert again).
    Each round settles one case per person. Then the office's alert budget is applied
    (`apply_budget`) when `staff_count` is given."""
    if signals.is_empty():
        return signals.with_columns(
            score=pl.lit(None, pl.Float64),
            crossing=pl.lit(None, pl.Boolean),
            deferred=pl.lit(None, pl.Boolean),
        )
    tau_us = config.decay_days * 86_400e6
    triage = timedelta(days=config.triage_days)
    quiet = timedelta(days=config.realert_quiet_days)
    remaining = in_order(signals).with_row_index("_i").with_columns(_bar=pl.lit(config.threshold))
    done: list[pl.DataFrame] = []
    round_ = 0
    while remaining.height:
        round_ += 1
        t = (pl.col("at") - pl.col("at").min().over("staff")).dt.total_microseconds() / tau_us
        scored = remaining.with_columns(t=t)
        scored = scored.with_columns(score=_score_once(scored, config)).drop("t")
        first = (
            scored.filter(pl.col("score") >= pl.col("_bar"))
            .group_by("staff")
            .agg(first_i=pl.col("_i").min(), first_at=pl.col("at").min())
        )
        scored = scored.join(first, on="staff", how="left")
        settled = pl.col("first_at").is_null() | (pl.col("at") <= pl.col("first_at") + triage)
        case = scored.filter(settled).with_columns(
            crossing=(pl.col("_i") == pl.col("first_i")).fill_null(False),
            _case=pl.lit(round_),
        )
        done.append(case.drop("first_i", "first_at", "_bar"))
        peaks = (
            case.filter(pl.col("first_i").is_not_null())
            .group_by("staff")
            .agg(peak=pl.col("score").max(), alerted=pl.col("first_at").first())
        )
        raised = pl.max_horizontal(pl.lit(config.threshold), config.realert_factor * pl.col("peak"))
        remaining = (
            scored.filter(~settled)
            .drop("score", "first_i", "first_at")
            .join(peaks, on="staff", how="left")
            .with_columns(
                _bar=pl.when(pl.col("peak").is_null())
                .then(pl.col("_bar"))
                .when(pl.col("at") <= pl.col("alerted") + quiet)
                .then(raised)
                .otherwise(pl.lit(config.threshold))
            )
            .drop("peak", "alerted")
        )
    out = pl.concat(done).sort("_i").drop("_i")
    return apply_budget(out, config, staff_count).drop("_case")


def apply_budget(
    scored: pl.DataFrame, config: DetectConfig, staff_count: int | None
) -> pl.DataFrame:
    """The privacy officer's capacity: at most `budget_per_100_staff_week` × staff / 100
    alerts in any 7 days (at least `budget_min_per_week`). Crossings are taken in time
    order; one that finds the budget spent is *deferred* (its case stays ranked in the list,
    `deferred`), unless its score reaches `urgent_factor` × threshold; a deferred case alerts
    when its score later becomes urgent. Crossings are few (a Python loop is fine)."""
    scored = scored.with_columns(deferred=pl.lit(False))
    if staff_count is None or config.budget_per_100_staff_week <= 0 or scored.is_empty():
        return scored
    budget = max(
        config.budget_min_per_week, round(config.budget_per_100_staff_week * staff_count / 100)
    )
    urgent = config.urgent_factor * config.threshold
    rows = (
        scored.with_row_index("_r")
        .filter(pl.col("crossing") | (pl.col("score") >= urgent))
        .sort("at", "_r")  # ties in the rows' own (fixed) order
        .select("_r", "at", "score", "staff", "_case", "crossing")
        .rows()
    )
    window = timedelta(days=7)
    recent: list[Any] = []
    deferred: set[int] = set()
    late: set[int] = set()  # a deferred case whose evidence later became urgent
    waiting: dict[tuple[str, int], int] = {}
    for r, at, score, staff, case, crossing in rows:
        recent = [t for t in recent if at - t < window]
        if crossing:
            if len(recent) < budget or score >= urgent:
                recent.append(at)
            else:
                deferred.add(r)
                waiting[(staff, case)] = r
        elif (staff, case) in waiting:
            waiting.pop((staff, case))
            late.add(r)
            recent.append(at)
    if not deferred:
        return scored
    index = pl.int_range(pl.len())
    hit, now = index.is_in(list(deferred)), index.is_in(list(late))
    return scored.with_columns(
        deferred=hit,
        crossing=pl.when(hit).then(False).when(now).then(True).otherwise(pl.col("crossing")),
    )


@dataclass(frozen=True)
class Detection:
    """The outcome of one run: context, scored signals, cases and alerts."""

    context: Context
    signals: pl.DataFrame
    cases: pl.DataFrame
    alerts: pl.DataFrame
    staff_days: pl.DataFrame

    @property
    def config(self) -> DetectConfig:
        return self.context.config

    def alerts_per_1000_staff_days(self) -> float:
        n = self.staff_days.height
        return 1000.0 * self.alerts.height / n if n else 0.0

    def summary(self) -> dict[str, Any]:
        ex = self.context.explanation
        days = self.context.days
        return {
            "events": self.context.events.height,
            "access_events": ex.total,
            "explained": ex.explained,
            "explained_share": round(ex.share, 6),
            "by_status": ex.by_status(),
            "office_days": days.len(),
            "first_day": str(days.min()) if days.len() else None,
            "last_day": str(days.max()) if days.len() else None,
            "staff": self.staff_days.get_column("staff").n_unique(),
            "staff_days": self.staff_days.height,
            "cases": self.cases.height,
            "alerts": self.alerts.height,
            "staff_alerted": self.alerts.get_column("staff").n_unique(),
            "alerts_per_1000_staff_days": round(self.alerts_per_1000_staff_days(), 3),
            "threshold": self.config.threshold,
            "alert_rates_by_group": group_rates(self),
        }

    def to_json(self, *, max_cases: int | None = None) -> dict[str, Any]:
        return {
            "schema": "ryoken.detect.cases/1",
            "summary": self.summary(),
            "cases": case_records(self, max_cases=max_cases),
        }


def active_staff_days(ctx: Context) -> pl.DataFrame:
    """(staff, day) pairs on which a staff member did anything at all: the alert-rate base."""
    days = ctx.active_days
    if not ctx.staff.is_empty():
        days = days.filter(pl.col("actor").is_in(ctx.staff.get_column("staff_id").implode()))
    return days.select(staff="actor", day="day")


def build_cases(ctx: Context, signals: pl.DataFrame) -> Detection:
    staff_days = active_staff_days(ctx)
    scored = score_signals(signals, ctx.config, staff_count=_active_staff(staff_days))
    alerts = scored.filter(pl.col("crossing")).select("staff", "at", "day", "score", "detector")
    if scored.is_empty():
        cases = pl.DataFrame(
            schema={
                "staff": pl.String,
                "peak": pl.Float64,
                "signals": pl.UInt32,
                "first_signal_at": pl.Datetime("us", "UTC"),
                "last_signal_at": pl.Datetime("us", "UTC"),
                "first_alert_at": pl.Datetime("us", "UTC"),
                "alerts": pl.UInt32,
                "rank": pl.UInt32,
            }
        )
    else:
        cases = (
            scored.group_by("staff")
            .agg(
                peak=pl.col("score").max(),
                signals=pl.len(),
                first_signal_at=pl.col("at").min(),
                last_signal_at=pl.col("at").max(),
                first_alert_at=pl.col("at").filter(pl.col("crossing")).min(),
                alerts=pl.col("crossing").sum().cast(pl.UInt32),
            )
            .sort(["peak", "staff"], descending=[True, False])
            .with_row_index("rank", offset=1)
        )
    return Detection(ctx, scored, cases, alerts, staff_days)


def _active_staff(staff_days: pl.DataFrame) -> int:
    """Staff members who work on a typical office day (the budget's base): the median number
    active per day, so a run's length does not change the budget."""
    if staff_days.is_empty():
        return 0
    per_day = staff_days.group_by("day").len().get_column("len").cast(pl.Float64).to_list()
    return int(max(per_day)) if len(per_day) < 5 else int(statistics.median(per_day))


def detect(
    events: pl.DataFrame,
    staff: pl.DataFrame | None = None,
    subjects: pl.DataFrame | None = None,
    config: DetectConfig | None = None,
) -> Detection:
    """Explain, run every detector and build ranked cases for an events frame."""
    ctx = build_context(events, staff, subjects, config)
    signals = run_detectors(ctx) if ctx.events.height else empty_signals()
    return build_cases(ctx, signals)


# --- reports ----------------------------------------------------------------------------


def _tenure_band(first_day: date | None) -> pl.Expr:
    if first_day is None:
        return pl.lit("unknown")
    years = (pl.lit(first_day) - pl.col("hired_on")).dt.total_days() / 365.25
    return (
        pl.when(pl.col("hired_on").is_null())
        .then(pl.lit("unknown"))
        .when(years < 1)
        .then(pl.lit("under 1 year"))
        .when(years < 3)
        .then(pl.lit("1-3 years"))
        .otherwise(pl.lit("3 years or more"))
    )


def staff_groups(ctx: Context) -> pl.DataFrame:
    """(staff, employer_kind, vendor, tenure_band, role, role_employer): the groups alert
    rates are reported by. Role × employer separates the work a person does from who
    employs them: contractors staff most counter windows, so a contractor rate alone mixes
    the two."""
    first = ctx.days.min() if ctx.days.len() else None
    if not isinstance(first, date):
        first = None
    role = pl.col("role").fill_null("unknown").replace("", "unknown")
    employer = pl.col("employer_kind").fill_null("unknown").replace("", "unknown")
    return ctx.staff.select(
        staff="staff_id",
        employer_kind=employer,
        vendor=pl.col("vendor").fill_null("(none)"),
        tenure_band=_tenure_band(first),
        role=role,
        role_employer=pl.concat_str([role, employer], separator=" / "),
    )


GROUP_DIMENSIONS = ("employer_kind", "vendor", "tenure_band", "role", "role_employer")


def group_rates(det: Detection) -> list[dict[str, Any]]:
    """Alert rates per staff group. Never by nationality: the staff frame has no such column."""
    if det.context.staff.is_empty():
        return []
    groups = staff_groups(det.context)
    days = det.staff_days.join(groups, on="staff")
    alerts = det.alerts.join(groups, on="staff")
    out: list[dict[str, Any]] = []
    for dim in GROUP_DIMENSIONS:
        base = days.group_by(dim).agg(staff=pl.col("staff").n_unique(), staff_days=pl.len())
        hit = alerts.group_by(dim).agg(alerts=pl.len(), staff_alerted=pl.col("staff").n_unique())
        table = base.join(hit, on=dim, how="left").fill_null(0).sort(dim)
        for row in table.iter_rows(named=True):
            sd = row["staff_days"]
            out.append(
                {
                    "dimension": dim,
                    "group": row[dim],
                    "staff": row["staff"],
                    "staff_days": sd,
                    "alerts": row["alerts"],
                    "staff_alerted": row["staff_alerted"],
                    "alerts_per_1000_staff_days": round(1000 * row["alerts"] / sd, 3) if sd else 0,
                }
            )
    return out


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f}" if abs(value - round(value)) > 1e-9 else f"{round(value)}"


def reason(detector: str, row: dict[str, Any]) -> tuple[str, str]:
    ja, en = REASONS.get(detector, ("{n}件の兆候 ({detector})", "{n} signal(s) ({detector})"))
    values = {
        "n": row["n"],
        "subjects": row["persons"],
        "days": row["days"],
        "value": _fmt(row["max_value"]),
        "notes": ", ".join(row["notes"][:3]),
        "detector": detector,
    }
    return ja.format(**values), en.format(**values)


def case_records(det: Detection, *, max_cases: int | None = None) -> list[dict[str, Any]]:
    """Ranked cases as plain dicts (CASES.json): score, alerts, reasons and evidence."""
    if det.cases.is_empty():
        return []
    cases = det.cases.head(max_cases) if max_cases else det.cases
    chosen = det.signals.join(cases.select("staff"), on="staff")
    per_detector = (
        chosen.group_by("staff", "detector")
        .agg(
            n=pl.len(),
            weight=pl.col("weight").sum(),
            persons=pl.col("subjects")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .n_unique(),
            days=pl.col("day").n_unique(),
            max_value=pl.col("value").max(),
            first_at=pl.col("at").min(),
            last_at=pl.col("at").max(),
            notes=pl.col("note").filter(pl.col("note") != "").unique().sort().head(5),
            evidence=pl.col("refs")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .head(MAX_EVIDENCE),
        )
        .sort(["staff", "weight", "detector"], descending=[False, True, False])
    )
    by_staff: dict[str, list[dict[str, Any]]] = {}
    for row in per_detector.iter_rows(named=True):
        ja, en = reason(row["detector"], row)
        by_staff.setdefault(row["staff"], []).append(
            {
                "detector": row["detector"],
                "signals": row["n"],
                "weight": round(row["weight"], 3),
                "persons": row["persons"],
                "days": row["days"],
                "first_at": row["first_at"].isoformat(),
                "last_at": row["last_at"].isoformat(),
                "reason_ja": ja,
                "reason_en": en,
                "evidence_lines": row["evidence"],
                "notes": row["notes"],
            }
        )
    alerts = det.alerts.group_by("staff").agg(at=pl.col("at").sort())
    alert_times = {r["staff"]: r["at"] for r in alerts.iter_rows(named=True)}
    groups: dict[str, dict[str, Any]] = {}
    if not det.context.staff.is_empty():
        for g in staff_groups(det.context).iter_rows(named=True):
            groups[g.pop("staff")] = g
    out = []
    for row in cases.iter_rows(named=True):
        staff = row["staff"]
        detectors = by_staff.get(staff, [])
        out.append(
            {
                "rank": row["rank"],
                "staff": staff,
                "score": round(row["peak"], 3),
                "alert": row["alerts"] > 0,
                "first_alert_at": row["first_alert_at"].isoformat()
                if row["first_alert_at"]
                else None,
                "alert_times": [t.isoformat() for t in alert_times.get(staff, [])],
                "first_signal_at": row["first_signal_at"].isoformat(),
                "last_signal_at": row["last_signal_at"].isoformat(),
                "group": groups.get(staff),
                "reasons_ja": [d["reason_ja"] for d in detectors],
                "reasons_en": [d["reason_en"] for d in detectors],
                "detectors": detectors,
            }
        )
    return out
