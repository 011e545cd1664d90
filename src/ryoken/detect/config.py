"""Detection settings: office hours, grant lengths, detector weights and the alert threshold.

Every number a privacy officer might want to change lives here, with the reason for its
default. The defaults were tuned on simulator seeds 1000-1003, which the scorecard never uses
(it runs seeds 1-30 by default; docs/detection.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time
from types import MappingProxyType
from typing import Any

# Weight of one unit of evidence per detector (see cases.py for how units combine).
DEFAULT_WEIGHTS = MappingProxyType(
    {
        "unexplained": 3.0,  # per person read outside any task, per day
        "unexplained_copier": 0.5,  # per copier job with no declared job (office copies exist)
        "break_glass_pending": 0.2,  # break-glass not reviewed yet: mostly fine, so light
        "break_glass_unjustified": 2.0,  # a supervisor said no
        "refused": 0.3,  # the gateway refused: probing, or a slip
        # a person the reader added to their own task from a search list, then opened (v2):
        # mostly the right holder or a namesake by mistake, so it only supports
        "self_added": 1.0,
        # ... and revealed while the task did no work for them (no match, form, print, copy
        # or application step): read outside the task's purpose, as if outside any task
        "unserved": 3.0,
        "family_chain": 2.5,  # a relative of a recent applicant, outside the task
        "watchlist": 5.0,  # a VIP or watch-listed person, outside the task
        "same_surname": 1.0,
        "neighbourhood": 1.0,
        "after_hours": 0.4,  # per person touched after hours without a task
        "after_hours_explained": 0.01,  # overtime on real work: barely counts
        "volume": 2.0,  # per day a per-person rate stands out (times the excess z)
        "burst": 2.0,  # per day with a burst when the window's bursts stand out (bursts.py)
        "bulk": 4.0,  # an hour with far more persons or searches than anyone's normal
        "export": 2.0,  # one job with many persons or pages
        "badge_absent": 2.5,  # work while the door log says the person is out
        "two_terminals": 3.0,  # interleaved activity at two terminals
        "contract_end": 1.0,  # after notice, rates above the person's own before-notice rates
        "canary": 1000.0,  # decisive
        # an exposure under another's or a closed grant: the gateway never writes it
        "grant_integrity": 1000.0,  # decisive
    }
)

# Most any one detector can add to a case: same-surname and neighbourhood lookups are common
# in Japan (a shared surname, an applicant from the clerk's town), so they weigh but can never
# raise an alert on their own (their caps stay below the threshold).
DEFAULT_CAPS = MappingProxyType(
    {
        # the knee (half the cap) at the weight: one namesake or neighbour counts in full,
        # more add less; never an alert alone (support)
        "same_surname": 2.0,
        "neighbourhood": 2.0,
        "unexplained_copier": 3.0,
        "after_hours": 3.0,
        "break_glass_pending": 1.5,
        "refused": 2.0,
        "self_added": 2.0,
        "volume": 12.0,
        "handling_time": 3.0,  # supports the footprints, never alarms alone
        "contract_end": 6.0,
        "canary": 1e9,
        "grant_integrity": 1e9,
    }
)
DEFAULT_CAP = 12.0
# Detectors that support a case but must never raise an alert, alone or together.
SUPPORT = frozenset(
    {
        "same_surname",
        "neighbourhood",
        "after_hours",
        "handling_time",
        "unexplained_copier",
        "break_glass_pending",
        "refused",
        "self_added",
    }
)

DEFAULT_GRANT_MINUTES = MappingProxyType(
    {
        "counter": 60,  # RYOKEN_COUNTER_GRANT_MINUTES in the web app
        "break_glass": 15,  # RYOKEN_BREAKGLASS_MINUTES
        "review": 8 * 60,
        "qa": 8 * 60,
        "production": 8 * 60,
        "inquiry": 20,  # schema v2: a phone or status inquiry (inquiry_max_minutes)
    }
)


@dataclass(frozen=True)
class DetectConfig:
    """Settings for one detection run. Frozen: pass a changed copy with `with_(...)`."""

    tz: str = "Asia/Tokyo"
    opens_at: time = time(8, 30)
    closes_at: time = time(17, 15)
    after_hours_grace_minutes: int = 45  # people finish the queue; overtime is normal
    open_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[date, ...] = ()
    grant_minutes: MappingProxyType[str, int] = field(default_factory=lambda: DEFAULT_GRANT_MINUTES)
    clock_skew_seconds: int = 5
    weights: MappingProxyType[str, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    caps: MappingProxyType[str, float] = field(default_factory=lambda: DEFAULT_CAPS)
    # cases: the line (session 7: 3, with support capped at 2 — a read outside any task
    # reaches it alone; until session 6 4 and 3, when routine self-added support kept most
    # clerks at 2 already)
    threshold: float = 3.0
    triage_days: float = 7.0  # after an alert, new evidence joins that case this long
    # After an alert, a later case on the same person alerts again only when it is clearly
    # stronger than the one the officer already saw (its peak × this factor), so the same
    # noise does not cost an alert every week.
    realert_factor: float = 1.5
    realert_quiet_days: float = 60.0  # ... for this long after that alert; then the bar resets
    # The privacy officer's capacity: alerts per 7 days per 100 active staff. A crossing over
    # the budget is deferred (ranked, not alerted) unless its score is `urgent_factor` ×
    # the threshold or more (a canary, a bulk run, a snoop with relations).
    budget_per_100_staff_week: float = 1.0
    budget_min_per_week: int = 2  # a small office's officer can still look at two a week
    urgent_factor: float = 2.0
    support: frozenset[str] = SUPPORT
    support_cap: float = 2.0  # all supporting evidence together: a full unit below the line
    decay_days: float = 30.0  # evidence halves in about three weeks (e-folding time)
    # searches that are the task itself: a search with a purpose "<step>:…" under the
    # searcher's own ticketed counter grant for that step, finding at most this many persons
    # (the loss report looks up the holder by reading and birth date before choosing them)
    task_searches: tuple[str, ...] = ("loss_report",)
    task_search_max_hits: int = 3
    # schema v2: a search's result list is explained by the open task it was made under when
    # it lists at most this many persons (docs/events.md, "Searches and result lists")
    max_list_hits: int = 20
    # an inquiry (phone, status) explains these fields only; more is outside its purpose
    inquiry_fields: tuple[str, ...] = ("application_status", "name_kana")
    # contract end without a recorded notice date: watch from this many office days before
    departure_window_days: int = 20
    # support that is everyday work (self-added persons) counts beyond the person's habit:
    # own history shrunk toward the role's rate with this many days' weight, and a day
    # counts when its count is this improbable (detectors._beyond_habit)
    habit_prior_days: float = 20.0
    habit_alpha: float = 0.05
    # family chain: how long after serving an applicant their relatives count as "related"
    family_days: int = 14
    # volume
    volume_window_days: int = 20  # working days in the rolling window
    baseline_days: int = 20  # the person's first working days: their own frozen baseline
    volume_z: float = 2.5  # peer z from which a day counts as evidence
    own_z: float = 3.0  # own-baseline z from which a day counts as evidence
    own_support_z: float = -99.0  # ... when peers agree at least this much (v1: 3.0)
    min_served: int = 40  # persons served in the window before rates are compared
    min_window_days: int = 10  # office days observed before peers' spread is trusted
    trainee_days: int = 90  # new hires: not in the office rates; scored with an allowance
    trainee_allowance: float = 1.5  # a trainee's expected rates: the office's times this
    min_peers: int = 4
    # bursts (bursts.py): tasks far above the person's own habit
    burst_prior_tasks: float = 20.0  # the office rate's weight in a person's own rate
    burst_alpha: float = 0.01  # a task is a burst when its load is this improbable
    burst_min_count: int = 2  # ... and at least this many reveals and copies
    burst_min_expected: float = 0.5  # expected bursts in the window to calibrate on a person
    burst_scale_prior: float = 5.0  # bursts at the model's rate the office's scale starts from
    burst_min_tasks: int = 40  # tasks in the window before a person's bursts are scored
    burst_z: float = 2.0
    # bulk
    bulk_subjects_per_hour: int = 20  # persons outside assigned work in one hour
    bulk_searches_per_hour: int = 30
    bulk_peer_factor: float = 2.0  # and more than this many times the role's P99
    export_subjects: int = 12
    export_pages: int = 60
    # credentials
    # share of active staff above which a credential signal is the office's practice and its
    # weight shrinks in proportion (shared terminals, unreliable door logs)
    credential_prevalence: float = 0.03
    min_staff_for_prevalence: int = 20
    # ... that share among the others in the person's role, shrunk toward the office's with
    # this many staff's weight (a very large value: the office-wide share, as until v5)
    credential_role_prior: float = 10.0
    badge_grace_minutes: int = 15  # work this long before the day's first badge-in is fine
    two_terminal_minutes: int = 5
    two_terminal_min_alternations: int = 2
    # contract end
    notice_baseline_days: int = 40
    notice_z: float = 2.5

    def weight(self, detector: str) -> float:
        return float(self.weights.get(detector, 1.0))

    def cap(self, detector: str) -> float:
        return float(self.caps.get(detector, DEFAULT_CAP))

    def with_(self, **changes: Any) -> DetectConfig:
        for name in ("weights", "caps", "grant_minutes"):
            if name in changes and not isinstance(changes[name], MappingProxyType):
                merged = {**getattr(self, name), **changes[name]}
                changes[name] = MappingProxyType(merged)
        return replace(self, **changes)
