"""A business day at the simulated office, as the events the web app writes (docs/events.md).

Each day: the season sets the volume; `generate_office` brings the day's applicants; paper
visits take a ticket and wait for an intake window, online applications wait for a clerk's
acceptance check; reviews, the production order, passports coming back and pickups follow
on later days. Supervisors sample the work (QA) and judge break-glass; staff badge in and
out and log in and out at their windows and desks. Everything is in office time (JST),
written as UTC instants.

The ordinary work is drawn from one stream per day (`stream(seed, "day", i)`); an injected
insider (`Hooks`, see scenarios.py) draws from its own stream, so the same seed with and
without an insider gives the same ordinary work. Events are kept as plain tuples (`Row`)
until the day is sorted and written: a year is millions of them.

The legitimate confounders are here on purpose, because detectors must learn not to alarm
on them: peak months with overtime, QA samples, trainees who are slower and reveal more,
clerks covering another window, printer-jam reprints, shared surnames and neighbours (by
chance, from the same name and town lists), staff whose family applies at another window,
visits that come back with a missing document, break-glass that a supervisor finds justified.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from operator import itemgetter

from ryoken.audit.events import DetailValue, EventCode
from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.fields import FIELDS, SubjectRole
from ryoken.privacy.policy import Exposure, policy_for
from ryoken.sim.office import SimApplication, generate_office
from ryoken.sim.people import People, SimPerson
from ryoken.sim.staffing import (
    CITIES,
    Roster,
    Shift,
    StaffMember,
    derive,
    shifts_on,
    stream,
    window_codes,
)

JST = timezone(timedelta(hours=9))
HOME = "東京都"
MIN_US = 60_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OPEN, LAST_TICKET, CLOSE = 540.0, 990.0, 1020.0  # windows 09:00-17:00, tickets until 16:30
OVERTIME_END = 1080.0  # a window serves the waiting queue out until 18:00 at the latest
COUNTER_COPIER, OFFICE_COPIER, DOOR = "MFP-1F", "MFP-2F", "D-STAFF"

C = EventCode
K = ApplicationKind
# time (µs since the epoch), order of insertion, code, actor, subjects, fields, purpose,
# grant, terminal, details
Row = tuple[
    int,
    int,
    str,
    str,
    tuple[str, ...],
    tuple[str, ...],
    str,
    str | None,
    str | None,
    dict[str, DetailValue],
]
_SEASON = {1: 1.25, 2: 1.05, 3: 1.45, 4: 1.0, 5: 0.9, 6: 0.85, 7: 1.1, 8: 1.4, 9: 0.9}
_SEASON |= {10: 0.85, 11: 0.8, 12: 0.85}
_SEASON_MEAN = sum(_SEASON.values()) / 12
# (cumulative share, from, to): tickets in minutes after midnight.
_ARRIVALS = (
    (0.25, 540.0, 600.0),
    (0.6, 600.0, 720.0),
    (0.75, 720.0, 840.0),
    (1.1, 840.0, LAST_TICKET),
)
_REVEAL_REASONS = ("電話番号の確認", "本人の申出による連絡先確認", "記載内容の確認")
_CITY_INDEX: dict[str, tuple[str, ...]] = {}
for _city in CITIES:  # longest first, as CITIES is sorted
    _CITY_INDEX[_city[:2]] = (*_CITY_INDEX.get(_city[:2], ()), _city)


_MINUTES: dict[int, str] = {}


def utc_text(us: int) -> str:
    """µs since the epoch as `format_time` spells it (YYYY-MM-DDTHH:MM:SS.ffffffZ), fast:
    the date, hour and minute are cached per minute."""
    minute, rem = divmod(us, MIN_US)
    prefix = _MINUTES.get(minute)
    if prefix is None:
        if len(_MINUTES) > 100_000:
            _MINUTES.clear()
        days, m = divmod(minute, 1440)
        text = (date(1970, 1, 1) + timedelta(days=days)).isoformat()
        prefix = _MINUTES[minute] = f"{text}T{m // 60:02d}:{m % 60:02d}:"
    seconds, micro = divmod(rem, 1_000_000)
    return f"{prefix}{seconds:02d}.{micro:06d}Z"


def season(day: date) -> float:
    """The day's volume against the yearly mean: peaks in March, August, January."""
    return _SEASON[day.month] / _SEASON_MEAN


def area_of(address: str) -> str:
    """The municipality of a synthetic address ("" if none is recognised)."""
    rest = address[len(HOME) :] if address.startswith(HOME) else address
    for city in _CITY_INDEX.get(rest[:2], ()):
        if rest.startswith(city):
            return city
    return ""


_ORDER = {f.name: i for i, f in enumerate(FIELDS)}


def held_fields(person: SimPerson) -> tuple[str, ...]:
    return _intern(tuple(sorted(person.fields, key=_ORDER.__getitem__)))


@functools.cache
def _intern(fields: tuple[str, ...]) -> tuple[str, ...]:
    return fields


@functools.cache
def view(step: str, held: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """(shown, masked, match-only) fields of `held` at `step`, in catalogue order."""
    row = policy_for(step)
    return tuple(
        tuple(f for f in held if row[f] is e)
        for e in (Exposure.SHOWN, Exposure.MASKED, Exposure.MATCH_ONLY)
    )


class DayLog:
    """The day's events as rows; `add` takes minutes after midnight, office time."""

    __slots__ = ("origin", "rows")

    def __init__(self, day: date) -> None:
        midnight = datetime(day.year, day.month, day.day, tzinfo=JST)
        self.origin = (midnight - _EPOCH) // timedelta(microseconds=1)
        self.rows: list[Row] = []

    def add(
        self,
        minute: float,
        code: str,
        actor: str,
        subjects: tuple[str, ...] = (),
        fields: tuple[str, ...] = (),
        purpose: str = "",
        grant: str | None = None,
        terminal: str | None = None,
        details: dict[str, DetailValue] | None = None,
    ) -> Row:
        row: Row = (
            self.origin + int(minute * MIN_US),
            len(self.rows),
            code,
            actor,
            subjects,
            fields,
            purpose,
            grant,
            terminal,
            details if details is not None else {},
        )
        self.rows.append(row)
        return row

    def sorted_rows(self) -> list[Row]:
        return sorted(self.rows, key=itemgetter(0, 1))


class Ids:
    """Grant, job and watermark ids from one rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def grant(self) -> str:
        return f"gr_{self.rng.getrandbits(80):020x}"

    def job(self) -> str:
        return f"pj_{self.rng.getrandbits(64):016x}"

    def watermark(self) -> str:
        return f"WM{self.rng.getrandbits(48):012X}"


@dataclass(frozen=True, slots=True)
class WorkParams:
    """Rates of the ordinary work and its confounders (per visit unless said otherwise)."""

    reveal_rate: float = 0.04
    trainee_reveal_factor: float = 3.0
    trainee_slowdown: float = 1.4
    jam_rate: float = 0.015
    declared_copy_rate: float = 0.05
    incomplete_rate: float = 0.03  # a missing document: the visit comes back another day
    pickup_search_rate: float = 0.03  # no receipt: the clerk searches by name
    review_search_rate: float = 0.1
    qa_per_supervisor: int = 2
    breakglass_per_day: float = 0.4
    breakglass_justified: float = 0.96
    watchlist_share: float = 0.003
    staff_family_per_day: float = 0.3
    office_copies_per_day: float = 2.0
    clerk_stray_copy_rate: float = 0.01  # per clerk-day: a blank form copied, no watermark
    night_maintenance_rate: float = 0.1  # per day: IT works in the evening
    login_failure_rate: float = 0.02


@dataclass(slots=True, eq=False)
class Case:
    """An application in flight, with the persons it names (plaintext, synthetic)."""

    app: SimApplication
    persons: tuple[SimPerson, ...]
    canary: bool = False
    intake_clerk: str = ""
    accepted: int = -1  # the day index it was accepted


@dataclass(slots=True, eq=False)
class Visit:
    purpose: str  # application, loss_report, pickup
    cases: list[Case]
    arrival: float
    canary: bool = False
    pinned: str | None = None  # a canary's window
    avoid: str | None = None  # a staff member whose own family this is
    returning: bool = False
    ticket: str = ""
    window: str = ""
    clerk: StaffMember | None = None
    start: float = 0.0
    end: float = 0.0
    base: float = 0.0
    extra: float = 0.0
    incomplete: bool = False

    def persons(self) -> list[SimPerson]:
        seen: dict[str, SimPerson] = {}
        for case in self.cases:
            for p in case.persons:
                seen.setdefault(p.person_id, p)
        return list(seen.values())

    def applicants(self) -> tuple[str, ...]:
        return tuple(sorted({c.app.applicant_id for c in self.cases}))


@dataclass(slots=True)
class Subject:
    """What the office's indexes say about a data subject (plaintext keys; output.py turns
    them into tokens)."""

    held: tuple[str, ...]
    family: str
    surname: str
    area: str
    first_day: int
    watch: bool = False
    canary_window: str = ""
    canary_staff: str = ""


@dataclass(slots=True)
class Session:
    """A logged-in period at one terminal."""

    terminal: str
    start: float
    end: float


@dataclass(slots=True)
class Window:
    code: str
    segments: list[tuple[float, float, Shift]]
    free: float = OPEN


class Desk:
    """A member's free time for back-office tasks, taken in order."""

    __slots__ = ("cursor", "free", "i", "shift")

    def __init__(self, shift: Shift, free: list[tuple[float, float]]) -> None:
        self.shift, self.free, self.i = shift, free, 0
        self.cursor = free[0][0] if free else 0.0

    def peek(self, minutes: float, not_before: float = 0.0) -> float | None:
        """When `take` would start, without taking."""
        for a, b in self.free[self.i :]:
            s = max(a, self.cursor, not_before)
            if s + minutes <= b:
                return s
        return None

    def take(self, minutes: float, not_before: float = 0.0) -> tuple[float, float] | None:
        while self.i < len(self.free):
            a, b = self.free[self.i]
            s = max(a, self.cursor, not_before)
            if s + minutes <= b:
                self.cursor = s + minutes + 0.5
                return s, s + minutes
            self.i += 1
        return None


class Hooks:
    """What an injected insider may add to a day; the ordinary office does nothing here."""

    def prepare(self, roster: Roster, calendar: Sequence[date]) -> None:
        """Change the roster before the first day (e.g. a resignation)."""

    def extra_minutes(self, ctx: DayContext, visit: Visit) -> float:
        """Called when a visit is assigned to its clerk: minutes added to its handling."""
        return 0.0

    def during_visit(self, ctx: DayContext, visit: Visit, grant: str, t0: float, t1: float) -> None:
        """Events inside the visit's last grant, between t0 and t1 (the extra minutes)."""

    def end_of_day(self, ctx: DayContext) -> None:
        """Events outside the counter: searches, break-glass, night sessions."""


@dataclass(slots=True)
class DayContext:
    index: int
    day: date
    log: DayLog
    office: Office
    shifts: dict[str, Shift]
    peak: bool
    sessions: dict[str, list[Session]] = field(default_factory=dict)
    extra_presence: list[tuple[str, float, float]] = field(default_factory=list)
    extra_sessions: list[tuple[str, str, float, float]] = field(default_factory=list)
    activity: list[tuple[str, str, float, float]] = field(default_factory=list)

    def terminal_at(self, staff_id: str, minute: float) -> str | None:
        """Where `staff_id` is logged in at `minute`, if anywhere."""
        for s in self.sessions.get(staff_id, ()):
            if s.start <= minute <= s.end:
                return s.terminal
        return None


@dataclass(slots=True)
class DayResult:
    index: int
    day: date
    rows: list[Row]
    new_subjects: list[str]
    persons: list[SimPerson]  # plaintext of the new subjects (synthetic)


@dataclass(slots=True)
class Confounders:
    """Counts (and a few lists) of the legitimate confounders, for truth.json."""

    peak_days: int = 0
    overtime_shifts: int = 0
    covers: int = 0
    trainee_visits: int = 0
    reprints: int = 0
    qa_samples: int = 0
    returning_visits: int = 0
    breakglass_legit: int = 0
    office_copies: int = 0
    night_maintenance: int = 0
    staff_family: list[dict[str, object]] = field(default_factory=list)
    shared_surname_visits: int = 0
    neighbour_visits: int = 0

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


class Office:
    """The office across days: its staff, its pipelines, and the subjects it holds."""

    def __init__(
        self,
        *,
        seed: int,
        calendar: Sequence[date],
        roster: Roster,
        applications_per_day: int,
        online_share: float,
        canaries: bool,
        work: WorkParams,
        hooks: Hooks,
    ) -> None:
        self.seed, self.calendar, self.roster = seed, tuple(calendar), roster
        self.apps_per_day, self.online_share = applications_per_day, online_share
        self.canaries_on, self.work, self.hooks = canaries, work, hooks
        self.intake_windows, self.pickup_windows = window_codes(roster.plan)
        self.subjects: dict[str, Subject] = {}
        self.subject_ids: list[str] = []
        self.by_surname: dict[str, list[str]] = {}
        self.by_area: dict[str, list[str]] = {}
        self.by_family: dict[str, list[str]] = {}
        self.watchlist: list[str] = []
        self.canaries: list[str] = []
        self.written: set[str] = set()
        self.accept_queue: list[Case] = []
        self.review_queue: list[tuple[int, str, Case]] = []  # (due day, step, case)
        self.production_queue: list[Case] = []
        self.in_production: dict[int, list[Case]] = {}
        self.pickups: dict[int, list[list[Case]]] = {}
        self.returns: dict[int, list[Visit]] = {}
        self.withdraw: dict[int, list[Case]] = {}
        self.qa_today: list[Case] = []
        self.qa_yesterday: list[Case] = []
        self.approved_today: list[Case] = []
        self._avoid: dict[str, str] = {}  # visit id -> the staff member whose family it is
        self.breakglass_pending: list[tuple[str, tuple[str, ...], float]] = []
        self.in_flight: list[Case] = []  # accepted and not yet picked up: break-glass targets
        self.confounders = Confounders()
        self._canary_rng = stream(seed, "canaries")
        self._canary_people = People(self._canary_rng, romanize=None, home_prefecture=HOME)
        self._canary_contacts: set[str] = set()
        hooks.prepare(roster, self.calendar)

    # -- the registry ------------------------------------------------------------------

    def _register(
        self, person: SimPerson, family: str, index: int, *, watch: bool = False
    ) -> Subject:
        name = person.fields.get("name_kanji", "")
        surname = name.split(" ")[0] if name else ""
        area = area_of(person.fields["address"]) if "address" in person.fields else ""
        subject = Subject(held_fields(person), family, surname, area, index, watch)
        pid = person.person_id
        self.subjects[pid] = subject
        self.subject_ids.append(pid)
        self.by_family.setdefault(family, []).append(pid)
        if surname:
            self.by_surname.setdefault(surname, []).append(pid)
        if area:
            self.by_area.setdefault(area, []).append(pid)
        if watch:
            self.watchlist.append(pid)
        return subject

    # -- one day ------------------------------------------------------------------------

    def run_day(self, index: int) -> DayResult:
        day = self.calendar[index]
        rng = stream(self.seed, "day", index)
        ids = Ids(rng)
        log = DayLog(day)
        peak = season(day) >= 1.15
        shifts = {s.staff.staff_id: s for s in shifts_on(day, self.roster, rng, peak=peak)}
        ctx = DayContext(index, day, log, self, shifts, peak)
        self.confounders.peak_days += peak
        self.confounders.overtime_shifts += sum(s.overtime for s in shifts.values())

        new_persons, visits, online = self._arrivals(ctx, rng)
        intake = [v for v in visits if v.purpose != "pickup"]
        pickup = [v for v in visits if v.purpose == "pickup"]
        counter = [s for s in shifts.values() if s.staff.role == "counter_clerk"]
        issuance = [s for s in shifts.values() if s.staff.role == "issuance_clerk"]
        n_in = _clamp(math.ceil(len(intake) / 11), 2, len(self.intake_windows))
        n_out = _clamp(math.ceil(len(pickup) / 24), 1, len(self.pickup_windows))
        busy: dict[str, list[tuple[float, float]]] = {}
        windows = self._staff_windows(self.intake_windows[:n_in], counter, busy)
        windows += self._staff_windows(self.pickup_windows[:n_out], issuance, busy)
        if self.canaries_on:
            visits += self._canary_visits(ctx, windows, new_persons)
        self._plan_sessions(ctx, windows, busy)
        self._queue(ctx, rng, windows, sorted(visits, key=lambda v: v.arrival))
        for v in visits:
            if v.clerk is not None:
                self._emit_visit(ctx, rng, ids, v, v.clerk)
        self._back_office(ctx, rng, ids, online, busy)
        self.hooks.end_of_day(ctx)
        self._presence(ctx, rng)
        new_ids = [p.person_id for p in new_persons]
        return DayResult(index, day, log.sorted_rows(), new_ids, new_persons)

    # -- who comes today ----------------------------------------------------------------

    def _arrivals(
        self, ctx: DayContext, rng: random.Random
    ) -> tuple[list[SimPerson], list[Visit], list[Case]]:
        day, index, work = ctx.day, ctx.index, self.work
        volume = max(1, round(self.apps_per_day * season(day) * (1 + rng.gauss(0, 0.08))))
        office = generate_office(
            derive(self.seed, "office", day.isoformat()),
            start=day,
            days=1,
            applications_per_day=volume,
            online_share=self.online_share,
        )
        family_of = {m: k.koseki_id for k in office.koseki for m in k.member_ids}
        by_visit: dict[str, list[SimApplication]] = {}
        for app in office.applications:
            by_visit.setdefault(app.visit_id, []).append(app)
        paper = [v for v, apps in by_visit.items() if apps[0].channel is Channel.PAPER]
        self._avoid = {}
        if paper and rng.random() < work.staff_family_per_day:
            self._staff_family(ctx, rng, office.persons, by_visit[rng.choice(paper)], family_of)
        new_persons = list(office.persons.values())
        for person in new_persons:
            is_applicant = SubjectRole.APPLICANT in person.roles
            watch = is_applicant and rng.random() < work.watchlist_share
            family = family_of.get(person.person_id, "own:" + person.person_id)
            self._register(person, family, index, watch=watch)
        visits: list[Visit] = []
        online: list[Case] = []
        for apps in by_visit.values():
            cases = [Case(a, tuple(office.persons[p] for p in a.person_ids())) for a in apps]
            if apps[0].channel is Channel.ONLINE:
                online += cases
                continue
            loss = any(a.kind is K.LOSS_REPORT for a in apps)
            visit = Visit("loss_report" if loss else "application", cases, _arrival(rng))
            visit.avoid = self._avoid.get(apps[0].visit_id)
            visits.append(visit)
        for v in self.returns.pop(index, []):
            v.arrival, v.returning, v.clerk, v.incomplete = _arrival(rng), True, None, False
            visits.append(v)
            self.confounders.returning_visits += 1
        for group in self.pickups.pop(index, []):
            visits.append(Visit("pickup", group, _arrival(rng)))
        return new_persons, visits, online

    def _staff_family(
        self,
        ctx: DayContext,
        rng: random.Random,
        persons: dict[str, SimPerson],
        apps: list[SimApplication],
        family_of: dict[str, str],
    ) -> None:
        """A staff member's family applies today: same surname, same town, another window."""
        members = self.roster.on(ctx.day)
        staff = members[rng.randrange(len(members))]
        koseki = family_of.get(apps[0].applicant_id)
        kin = [p for pid, p in persons.items() if family_of.get(pid) == koseki]
        for p in kin:
            f = p.fields
            for key, new in (
                ("name_kanji", staff.surname[0]),
                ("name_kana", staff.surname[1]),
                ("name_romaji", staff.surname[2].upper()),
            ):
                if key in f and " " in f[key]:
                    f[key] = new + " " + f[key].split(" ", 1)[1]
            if "address" in f:
                old = area_of(f["address"])
                rest = f["address"][len(HOME) + len(old) :]
                f["address"] = HOME + staff.area + rest
        self._avoid[apps[0].visit_id] = staff.staff_id
        self.confounders.staff_family.append(
            {
                "day": ctx.day.isoformat(),
                "staff": staff.staff_id,
                "subjects": sorted(p.person_id for p in kin),
            }
        )

    def _canary_visits(
        self, ctx: DayContext, windows: list[Window], new_persons: list[SimPerson]
    ) -> list[Visit]:
        """About one canary applicant per open window per week, each with contact details
        no one else has. Intake canaries are withdrawn the next morning; pickup canaries
        are planted ready for collection. Their planted path is that one counter visit."""
        rng, out = self._canary_rng, []
        week, slot = divmod(ctx.index, 5)
        for w in windows:
            if stream(self.seed, "canary-day", week, w.code).randrange(5) != slot:
                continue
            person = self._canary_person(ctx.day)
            pickup = w.code in self.pickup_windows
            app = _canary_application(ctx.day, person, len(self.canaries))
            case = Case(app, (person,), canary=True)
            self._register(person, "own:" + person.person_id, ctx.index)
            self.canaries.append(person.person_id)
            self.subjects[person.person_id].canary_window = w.code
            if pickup:
                self.written.add(person.person_id)  # planted: stored without a visit
            new_persons.append(person)
            visit = Visit("pickup" if pickup else "application", [case], 540 + 450 * rng.random())
            visit.canary, visit.pinned = True, w.code
            out.append(visit)
        return out

    def _canary_person(self, day: date) -> SimPerson:
        rng, people = self._canary_rng, self._canary_people
        koseki = people.household(day, "single")
        draft = people.drafts.pop(koseki.members[0].person_id)
        values = dict(draft.values)
        while True:  # 050-0…: a block the ordinary generator never uses, unique per canary
            phone = f"050-0{rng.randint(0, 999):03d}-{rng.randint(0, 9999):04d}"
            local = ".".join(reversed(values["name_romaji"].lower().split()))
            email = f"{local}{rng.randint(1000, 9999)}@example.org"
            address = f"{values['address'].split(' ')[0]} ハイツ{rng.randint(100, 999)}号室"
            if not {phone, email, address} & self._canary_contacts:
                break
        self._canary_contacts |= {phone, email, address}
        values.update(phone=phone, email=email, address=address, criminal_answers="no")
        values.pop("mobile", None)
        values.pop("relation", None)
        for image in ("face_photo", "signature_image"):
            values[image] = "placeholder:" + image
        values["passport_number"] = f"TZ{rng.randint(0, 9_999_999):07d}"
        return SimPerson(draft.person_id, values, frozenset({SubjectRole.APPLICANT}))

    # -- windows and the queue ----------------------------------------------------------

    def _staff_windows(
        self,
        codes: Sequence[str],
        shifts: list[Shift],
        busy: dict[str, list[tuple[float, float]]],
    ) -> list[Window]:
        """Each open window gets its own clerk where present; gaps (absence, half days,
        lunch) are covered by clerks without a window of their own today."""
        primaries = {s.staff.home_window: s for s in shifts if s.staff.home_window in codes}
        floaters = [s for s in shifts if s.staff.home_window not in codes]
        for s in floaters:
            if s.kind == "full":
                s.lunch = None  # placed after the covers, in a free hour
        out = []
        for code in codes:
            segments: list[tuple[float, float, Shift]] = []
            primary = primaries.get(code)
            if primary is not None:
                for a, b in primary.spans():
                    a, b = max(a + 5, OPEN), min(b, CLOSE)
                    if b - a >= 15:
                        segments.append((a, b, primary))
                        busy.setdefault(primary.staff.staff_id, []).append((a, b))
            for a, b in _gaps([(x, y) for x, y, _ in segments], OPEN, CLOSE):
                segments += self._cover(a, b, floaters, busy)
            segments.sort(key=itemgetter(0))
            if segments:
                a, b, s = segments[-1]
                end = max(b, min(s.leave, OVERTIME_END))  # serves the queue out
                segments[-1] = (a, end, s)
                busy.setdefault(s.staff.staff_id, []).append((b, end))
            out.append(Window(code, segments))
        for s in floaters:
            if s.kind == "full" and s.lunch is None:
                s.lunch = _free_hour(busy.get(s.staff.staff_id, []))
        return out

    def _cover(
        self,
        a: float,
        b: float,
        floaters: list[Shift],
        busy: dict[str, list[tuple[float, float]]],
    ) -> list[tuple[float, float, Shift]]:
        out: list[tuple[float, float, Shift]] = []
        todo = [(a, b)]
        while todo:
            a, b = todo.pop()
            best = None
            for s in sorted(
                floaters, key=lambda s: sum(y - x for x, y in busy.get(s.staff.staff_id, []))
            ):
                lo, hi = max(a, s.arrive + 5), min(b, s.leave - 5)
                taken = busy.get(s.staff.staff_id, [])
                if hi - lo >= 30 and not any(x < hi and lo < y for x, y in taken):
                    best = (lo, hi, s)
                    break
            if best is None:
                continue
            lo, hi, s = best
            busy.setdefault(s.staff.staff_id, []).append((lo, hi))
            out.append(best)
            self.confounders.covers += 1
            todo += [(x, y) for x, y in ((a, lo), (hi, b)) if y - x >= 30]
        return out

    def _plan_sessions(
        self, ctx: DayContext, windows: list[Window], busy: dict[str, list[tuple[float, float]]]
    ) -> None:
        """Logged-in periods: at the window while staffing it, at the desk otherwise."""
        for w in windows:
            for a, b, s in w.segments:
                ctx.sessions.setdefault(s.staff.staff_id, []).append(Session(w.code, a - 0.5, b))
        for sid, s in ctx.shifts.items():
            for a, b in _desk_time(s, busy.get(sid, [])):
                ctx.sessions.setdefault(sid, []).append(Session(s.staff.desk, a, b))
            ctx.sessions.get(sid, []).sort(key=lambda x: x.start)

    def _queue(
        self, ctx: DayContext, rng: random.Random, windows: list[Window], visits: list[Visit]
    ) -> None:
        counters = {"A": 0, "L": 0, "B": 0}
        for v in visits:
            prefix = {"application": "A", "loss_report": "L", "pickup": "B"}[v.purpose]
            counters[prefix] += 1
            v.ticket = f"{prefix}-{counters[prefix]:03d}"
            v.base = _handling(v) * rng.lognormvariate(0.0, 0.3)
            v.incomplete = v.purpose == "application" and rng.random() < self.work.incomplete_rate
        pickup = set(self.pickup_windows)
        for v in visits:
            turnover = 0.5 + rng.random()
            pool = [w for w in windows if (w.code in pickup) == (v.purpose == "pickup")]
            if v.pinned is not None:
                pool = [w for w in pool if w.code == v.pinned] or pool
            best: tuple[float, int, Window, Shift] | None = None
            for n, w in enumerate(pool):
                slot = _slot(w, max(v.arrival, w.free), v, ctx)
                if slot is not None and (best is None or slot[0] < best[0]):
                    best = (slot[0], n, w, slot[1])
            if best is None:  # no window left today: the applicant comes back tomorrow
                if v.purpose != "pickup" or not v.canary:
                    self.returns.setdefault(ctx.index + 1, []).append(v)
                continue
            start, _, w, shift = best
            v.clerk, v.window, v.start = shift.staff, w.code, start
            minutes = v.base * _factor(shift.staff, ctx)
            if v.incomplete:
                minutes *= 0.6
            v.extra = self.hooks.extra_minutes(ctx, v)
            v.end = start + minutes + v.extra
            w.free = v.end + turnover
            ctx.activity.append((shift.staff.staff_id, w.code, start, v.end))
            if v.canary:
                self.subjects[v.cases[0].app.applicant_id].canary_staff = shift.staff.staff_id
                self.subjects[v.cases[0].app.applicant_id].canary_window = w.code

    # -- the events of a visit ------------------------------------------------------------

    def _emit_visit(
        self, ctx: DayContext, rng: random.Random, ids: Ids, v: Visit, clerk: StaffMember
    ) -> None:
        self._count_confounders(ctx, v, clerk)
        log, c, w = ctx.log, clerk.staff_id, v.window
        queue: dict[str, DetailValue] = {"ticket": v.ticket, "purpose": v.purpose}
        # A first visit's persons are not in the system until the clerk enters the form.
        known = tuple(p for p in v.applicants() if p in self.written)
        log.add(v.arrival, C.TICKET_ISSUE, "kiosk", (), (), "queue", None, None, dict(queue))
        log.add(v.start, C.TICKET_CALL, c, known, (), "queue", None, w, dict(queue))
        if v.purpose == "pickup":
            parts = [("pickup", v.cases)]
        elif v.purpose == "loss_report":
            loss = [x for x in v.cases if x.app.kind is K.LOSS_REPORT]
            rest = [x for x in v.cases if x.app.kind is not K.LOSS_REPORT]
            parts = [("loss_report", loss)] + ([("intake", rest)] if rest else [])
        else:
            parts = [("intake", v.cases)]
        base_end = v.end - v.extra
        span = (base_end - v.start) / len(parts)
        for n, (step, cases) in enumerate(parts):
            a = v.start + n * span
            last = n == len(parts) - 1
            grant = self._counter_part(ctx, rng, ids, v, clerk, step, cases, a, a + span)
            if last:
                self.hooks.during_visit(ctx, v, grant, base_end, v.end)
                log.add(v.end, C.TICKET_CLOSE, c, (), (), "queue", None, w, dict(queue))
                why = "ticket closed"
            else:
                why = "closed"
            end = v.end if last else a + span
            log.add(end, C.GRANT_CLOSE, c, (), (), step, grant, w, {"kind": "counter", "why": why})
        if v.incomplete:
            self.returns.setdefault(ctx.index + rng.randint(1, 8), []).append(v)

    def _count_confounders(self, ctx: DayContext, v: Visit, clerk: StaffMember) -> None:
        """Trainees at the window, and clerks sharing a surname or a town with an applicant."""
        if clerk.trainee_on(ctx.day, self.roster.plan.trainee_days):
            self.confounders.trainee_visits += 1
        names = {self.subjects[p].surname for p in v.applicants()}
        towns = {self.subjects[p].area for p in v.applicants()}
        self.confounders.shared_surname_visits += clerk.surname[0] in names
        self.confounders.neighbour_visits += clerk.area in towns

    def _counter_part(
        self,
        ctx: DayContext,
        rng: random.Random,
        ids: Ids,
        v: Visit,
        clerk: StaffMember,
        step: str,
        cases: list[Case],
        a: float,
        b: float,
    ) -> str:
        log, c, w, work = ctx.log, clerk.staff_id, v.window, self.work
        grant = ids.grant()
        persons = (
            [x.persons[0] for x in cases]
            if step in ("pickup", "loss_report")
            else _unique(p for x in cases for p in x.persons)
        )
        pids = [p.person_id for p in persons]
        new = [p for p in persons if p.person_id not in self.written]
        old = tuple(sorted(set(pids) - {p.person_id for p in new}))
        links: dict[str, DetailValue] = {
            "step": step,
            "grant_kind": "counter",
            "ticket": v.ticket,
            "window": w,
        }
        log.add(
            a, C.GRANT_OPEN, c, old, (), step, grant, w, {"kind": "counter", "ticket": v.ticket}
        )
        t, dt = a + 0.2, (b - a) * 0.8 / (len(persons) * 3 + 2 * len(cases) + 2)
        for p in new:
            t += dt
            held = self.subjects[p.person_id].held
            log.add(t, C.SUBJECT_WRITE, c, (p.person_id,), held, step, grant, w, {"created": True})
            self.written.add(p.person_id)
        if new:
            added = tuple(sorted(p.person_id for p in new))
            log.add(
                t,
                C.GRANT_OPEN,
                c,
                added,
                (),
                step,
                grant,
                w,
                {"kind": "counter", "ticket": v.ticket, "added": True},
            )
        for pid in pids:
            shown, masked, _ = view(step, self.subjects[pid].held)
            t += dt
            if shown:
                log.add(
                    t, C.DISCLOSURE, c, (pid,), shown, step, grant, w, {"form": "shown", **links}
                )
            if masked:
                log.add(
                    t + 0.05,
                    C.DISCLOSURE,
                    c,
                    (pid,),
                    masked,
                    step,
                    grant,
                    w,
                    {"form": "masked", **links},
                )
        for x in cases:
            t += dt
            self._matches(log, rng, c, x, step, grant, w, links, t)
        if step == "pickup" and rng.random() < work.pickup_search_rate:
            found = v.applicants()
            log.add(
                t,
                C.SEARCH,
                c,
                found,
                (),
                step,
                grant,
                w,
                {"kind": "name_kanji", "found": len(found)},
            )
        trainee = clerk.trainee_on(ctx.day, self.roster.plan.trainee_days)
        rate = work.reveal_rate * (work.trainee_reveal_factor if trainee else 1.0)
        if step != "pickup" and rng.random() < rate:
            options = [(pid, view(step, self.subjects[pid].held)[1]) for pid in pids]
            options = [(pid, m) for pid, m in options if m]
            if options:
                pid, masked = options[rng.randrange(len(options))]
                log.add(
                    t + dt / 2,
                    C.DISCLOSURE,
                    c,
                    (pid,),
                    (masked[rng.randrange(len(masked))],),
                    f"{step}:reveal",
                    grant,
                    w,
                    {"form": "shown", "reason": rng.choice(_REVEAL_REASONS), **links},
                )
        if v.incomplete:
            return grant
        copy = (
            step == "loss_report"
            or any(x.app.proxy for x in cases)
            or rng.random() < work.declared_copy_rate
        )
        if copy and step != "pickup":
            t += dt
            doc, reason = (
                ("police_report", "届出書類の写し")
                if step == "loss_report"
                else ("id_document", "本人確認書類の写し")
            )
            subjects = tuple(sorted(x.app.applicant_id for x in cases))
            self._job(log, rng, ids, C.COPY, c, subjects, step, grant, w, t, doc, reason, trainee)
        document = {
            "intake": "receipt",
            "loss_report": "loss_receipt",
            "pickup": "issuance_receipt",
        }[step]
        for x in cases if step != "pickup" else cases[:1]:
            t += dt
            subjects = (x.app.applicant_id,) if step != "pickup" else v.applicants()
            self._job(
                log,
                rng,
                ids,
                C.PRINT,
                c,
                subjects,
                step,
                grant,
                w,
                t,
                document,
                "受付控え",
                trainee,
            )
        for x in cases:
            src, dst = {
                "intake": ("draft", "accepted"),
                "loss_report": ("loss_report_filed", "loss_report_accepted"),
                "pickup": ("ready", "issued"),
            }[step]
            t += dt / 2
            log.add(
                t,
                C.WORKFLOW_TRANSITION,
                c,
                (x.app.applicant_id,),
                (),
                "workflow",
                grant,
                w,
                {"application": x.app.application_id, "from": src, "to": dst},
            )
            self._advance(ctx, x, step, c)
        return grant

    def _matches(
        self,
        log: DayLog,
        rng: random.Random,
        c: str,
        x: Case,
        step: str,
        grant: str,
        w: str,
        links: dict[str, DetailValue],
        t: float,
    ) -> None:
        pid = x.app.applicant_id
        match_only = view(step, self.subjects[pid].held)[2]
        wanted = {
            "intake": ("previous_passport",) if x.app.kind is not K.NEW else (),
            "loss_report": ("birth_date",),
            "pickup": ("birth_date", "passport_number", "previous_passport"),
        }[step]
        for name in wanted:
            if name not in match_only:
                continue
            if rng.random() < 0.02:  # mistyped: the clerk types it again
                log.add(
                    t, C.MATCH, c, (pid,), (name,), step, grant, w, {"result": "no_match", **links}
                )
                t += 0.3
            log.add(t, C.MATCH, c, (pid,), (name,), step, grant, w, {"result": "match", **links})
            t += 0.1

    def _job(
        self,
        log: DayLog,
        rng: random.Random,
        ids: Ids,
        code: str,
        actor: str,
        subjects: tuple[str, ...],
        purpose: str,
        grant: str | None,
        terminal: str,
        t: float,
        document: str,
        reason: str,
        trainee: bool,
    ) -> None:
        """A print or copy through ryoken, and the copier's own log of it (a jam: again)."""
        jam = rng.random() < self.work.jam_rate * (2.0 if trainee else 1.0)
        pages = 1 if document != "id_document" else 2
        for attempt in range(2 if jam else 1):
            job, mark = ids.job(), ids.watermark()
            why = reason if attempt == 0 else "紙詰まりのため再印刷"
            log.add(
                t,
                code,
                actor,
                subjects,
                (),
                purpose,
                grant,
                terminal,
                {
                    "job": job,
                    "watermark": mark,
                    "document": document,
                    "pages": pages,
                    "reason": why,
                },
            )
            log.add(
                t + 0.2,
                C.EXTERNAL_COPIER,
                actor,
                (),
                (),
                "copier log",
                None,
                COUNTER_COPIER,
                {
                    "copier": COUNTER_COPIER,
                    "pages": pages,
                    "kind": code,
                    "watermark": mark,
                    "job": job,
                },
            )
            t += 0.6
        self.confounders.reprints += jam

    def _advance(self, ctx: DayContext, x: Case, step: str, clerk: str) -> None:
        """The case's next stop after the counter."""
        if step == "intake":
            x.intake_clerk, x.accepted = clerk, ctx.index
            if x.canary:
                self.withdraw.setdefault(ctx.index + 1, []).append(x)
                return
            self.qa_today.append(x)
            self.in_flight.append(x)
            # Reviews start the next business day; 刑罰等関係 "yes" waits for a senior review.
            senior = x.app.criminal_record_yes
            due = ctx.index + (20 + int(x.app.application_id[-2:]) % 21 if senior else 1)
            self.review_queue.append((due, "senior_review" if senior else "review", x))

    # -- the back office ----------------------------------------------------------------

    def _back_office(
        self,
        ctx: DayContext,
        rng: random.Random,
        ids: Ids,
        online: list[Case],
        busy: dict[str, list[tuple[float, float]]],
    ) -> None:
        log, index = ctx.log, ctx.index
        for x in self.withdraw.pop(index, []):  # canaries leave quietly
            log.add(
                420 + rng.random() * 20,
                C.WORKFLOW_TRANSITION,
                "system",
                (x.app.applicant_id,),
                (),
                "workflow",
                None,
                None,
                {"application": x.app.application_id, "from": "accepted", "to": "withdrawn"},
            )
        for x in online:
            t = rng.random() * 480  # submitted overnight, stored before the office opens
            for p in x.persons:
                if p.person_id not in self.written:
                    self.written.add(p.person_id)
                    log.add(
                        t,
                        C.SUBJECT_WRITE,
                        "system",
                        (p.person_id,),
                        self.subjects[p.person_id].held,
                        "online",
                        None,
                        None,
                        {"created": True},
                    )
        self.accept_queue += online
        self._returned_from_production(ctx, rng)
        desks = {sid: Desk(s, _desk_time(s, busy.get(sid, []))) for sid, s in ctx.shifts.items()}
        by_role: dict[str, list[Desk]] = {}
        for sid, d in desks.items():
            by_role.setdefault(ctx.shifts[sid].staff.role, []).append(d)
        # Supervisors judge yesterday's break-glass in the morning and sample yesterday's
        # intake during the day; tasks are spread over the day, as people do other work too.
        sups = by_role.get("supervisor", [])
        pending, self.breakglass_pending = self.breakglass_pending, []
        reviews = [(2.0 + 2 * rng.random(), 540 + 90 * rng.random()) for _ in pending]
        placed = _schedule(sups, reviews)
        for n, d, a, _ in placed:
            grant, subjects, p_ok = pending[n]
            ok = rng.random() < p_ok
            note = "業務上必要" if ok else "業務上の必要性を確認できない"
            log.add(
                a,
                C.BREAKGLASS_REVIEW,
                d.shift.staff.staff_id,
                subjects,
                (),
                "break_glass_review",
                None,
                d.shift.staff.desk,
                {"grant": grant, "justified": ok, "note": note},
            )
        done = {n for n, *_ in placed}
        self.breakglass_pending += [p for n, p in enumerate(pending) if n not in done]
        pool, self.qa_yesterday, self.qa_today = self.qa_yesterday, self.qa_today, []
        sample = rng.sample(pool, min(len(pool), self.work.qa_per_supervisor * len(sups)))
        for n, d, a, b in _schedule(sups, [(4 + 4 * rng.random(), _daytime(rng)) for _ in sample]):
            qa = f"QA-{ctx.day:%Y%m%d}-{n + 1:03d}"
            self._task(ctx, ids, d, a, b, sample[n], "qa_review", "qa", qa)
        self.confounders.qa_samples += len(sample)
        # Online acceptance by clerks off the window; reviews (in the peak months some run
        # into the evening, with the overtime); senior reviews by supervisors.
        accept, self.accept_queue = self.accept_queue, []
        tasks = [(5 + 5 * rng.random(), _daytime(rng)) for _ in accept]
        placed = _schedule(by_role.get("counter_clerk", []), tasks)
        for n, d, a, b in placed:
            self._task(
                ctx,
                ids,
                d,
                a,
                b,
                accept[n],
                "intake",
                "review",
                f"AC-{accept[n].app.application_id}",
            )
        done = {n for n, *_ in placed}
        self.accept_queue = [x for n, x in enumerate(accept) if n not in done]
        due = [r for r in self.review_queue if r[0] <= index]
        self.review_queue = [r for r in self.review_queue if r[0] > index]
        for step, role in (("review", "reviewer"), ("senior_review", "supervisor")):
            todo = [x for _, st, x in due if st == step]
            base = 8.0 if step == "review" else 20.0
            tasks = [
                (
                    base * rng.lognormvariate(0.3, 0.3),
                    1050 + 120 * rng.random()
                    if ctx.peak and rng.random() < 0.12
                    else _daytime(rng),
                )
                for _ in todo
            ]
            placed = _schedule(by_role.get(role, []), tasks)
            for n, d, a, b in placed:
                self._task(
                    ctx, ids, d, a, b, todo[n], step, "review", f"RV-{todo[n].app.application_id}"
                )
            done = {n for n, *_ in placed}
            self.review_queue += [(index + 1, step, x) for n, x in enumerate(todo) if n not in done]
        self._production(ctx, rng, ids, by_role.get("issuance_clerk", []) or sups)
        self.production_queue += self.approved_today
        self.approved_today = []
        self._breakglass(ctx, rng, ids, desks)
        self._copies_and_maintenance(ctx, rng)

    def _task(
        self,
        ctx: DayContext,
        ids: Ids,
        d: Desk,
        a: float,
        b: float,
        x: Case,
        step: str,
        kind: str,
        ref: str,
    ) -> None:
        """One assigned task at a desk: acceptance check, review, senior review, QA sample."""
        log, rng = ctx.log, ids.rng
        actor, desk = d.shift.staff.staff_id, d.shift.staff.desk
        grant = ids.grant()
        pids = tuple(p.person_id for p in _unique(x.persons))
        links: dict[str, DetailValue] = {"step": step, "grant_kind": kind, "review": ref}
        log.add(
            a,
            C.GRANT_OPEN,
            actor,
            tuple(sorted(pids)),
            (),
            step,
            grant,
            desk,
            {"kind": kind, "review": ref},
        )
        ctx.activity.append((actor, desk, a, b))
        t, dt = a + 0.2, (b - a) * 0.8 / (2 * len(pids) + 3)
        app = x.app
        moves = {
            "intake": (("draft", "accepted"),),
            "review": (("accepted", "in_review"), ("in_review", "approved")),
            "senior_review": (("accepted", "in_review"), ("in_review", "approved")),
        }.get(step, ())
        for src, dst in moves[:1]:
            log.add(
                t,
                C.WORKFLOW_TRANSITION,
                actor,
                (app.applicant_id,),
                (),
                "workflow",
                grant,
                desk,
                {"application": app.application_id, "from": src, "to": dst},
            )
        for pid in pids:
            shown, masked, _ = view(step, self.subjects[pid].held)
            t += dt
            if shown:
                log.add(
                    t,
                    C.DISCLOSURE,
                    actor,
                    (pid,),
                    shown,
                    step,
                    grant,
                    desk,
                    {"form": "shown", **links},
                )
            if masked:
                log.add(
                    t + 0.05,
                    C.DISCLOSURE,
                    actor,
                    (pid,),
                    masked,
                    step,
                    grant,
                    desk,
                    {"form": "masked", **links},
                )
        if step == "review" and rng.random() < self.work.review_search_rate:
            log.add(
                t + dt / 2,
                C.SEARCH,
                actor,
                (app.applicant_id,),
                (),
                step,
                grant,
                desk,
                {"kind": "passport_number", "found": 1},
            )
        rejected = step != "intake" and kind == "review" and rng.random() < 0.003
        for src, dst in moves[1:]:
            dst = "rejected" if rejected else dst
            log.add(
                b - 0.2,
                C.WORKFLOW_TRANSITION,
                actor,
                (app.applicant_id,),
                (),
                "workflow",
                grant,
                desk,
                {"application": app.application_id, "from": src, "to": dst},
            )
        log.add(b, C.GRANT_CLOSE, actor, (), (), step, grant, desk, {"kind": kind, "why": "closed"})
        if step == "intake":
            x.intake_clerk, x.accepted = actor, ctx.index
            self.in_flight.append(x)
            self.review_queue.append((ctx.index + 1, "review", x))
        elif rejected:
            self.in_flight.remove(x)
        elif kind == "review":
            self.approved_today.append(x)

    def _production(self, ctx: DayContext, rng: random.Random, ids: Ids, desks: list[Desk]) -> None:
        """The daily order to the National Printing Bureau: one grant, every approved case."""
        batch, self.production_queue = self.production_queue, []
        if not batch:
            return
        jobs = _schedule(desks, [(15 + 0.2 * len(batch), 600 + 60 * rng.random())])
        if not jobs:
            self.production_queue = batch
            return
        _, d, a, b = jobs[0]
        log, actor, desk = ctx.log, d.shift.staff.staff_id, d.shift.staff.desk
        grant, ref = ids.grant(), f"PB-{ctx.day:%Y%m%d}"
        subjects = tuple(sorted(x.app.applicant_id for x in batch))
        log.add(
            a,
            C.GRANT_OPEN,
            actor,
            subjects,
            (),
            "production",
            grant,
            desk,
            {"kind": "production", "batch": ref},
        )
        ctx.activity.append((actor, desk, a, b))
        links: dict[str, DetailValue] = {"step": "production", "grant_kind": "production"}
        dt = (b - a) * 0.9 / (len(batch) + 1)
        for n, x in enumerate(batch):
            t, pid = a + (n + 0.5) * dt, x.app.applicant_id
            shown, masked, _ = view("production", self.subjects[pid].held)
            log.add(
                t,
                C.DISCLOSURE,
                actor,
                (pid,),
                shown,
                "production",
                grant,
                desk,
                {"form": "shown", **links},
            )
            if masked:
                log.add(
                    t + 0.01,
                    C.DISCLOSURE,
                    actor,
                    (pid,),
                    masked,
                    "production",
                    grant,
                    desk,
                    {"form": "masked", **links},
                )
            log.add(
                t + 0.02,
                C.WORKFLOW_TRANSITION,
                actor,
                (pid,),
                (),
                "workflow",
                grant,
                desk,
                {"application": x.app.application_id, "from": "approved", "to": "ordered"},
            )
            self.in_production.setdefault(ctx.index + rng.randint(9, 14), []).append(x)
        log.add(
            b,
            C.GRANT_CLOSE,
            actor,
            (),
            (),
            "production",
            grant,
            desk,
            {"kind": "production", "why": "closed"},
        )

    def _returned_from_production(self, ctx: DayContext, rng: random.Random) -> None:
        """Passports back from the Bureau: ready for pickup; applicants come within weeks."""
        groups: dict[str, list[Case]] = {}
        for x in self.in_production.pop(ctx.index, []):
            t = 480 + 30 * rng.random()
            for src, dst in (("ordered", "produced"), ("produced", "ready")):
                ctx.log.add(
                    t,
                    C.WORKFLOW_TRANSITION,
                    "system",
                    (x.app.applicant_id,),
                    (),
                    "workflow",
                    None,
                    None,
                    {"application": x.app.application_id, "from": src, "to": dst},
                )
                t += 0.01
            groups.setdefault(x.app.visit_id, []).append(x)
        for group in groups.values():
            u = rng.random()
            wait = (
                rng.randint(0, 5)
                if u < 0.6
                else rng.randint(6, 15)
                if u < 0.9
                else rng.randint(16, 60)
            )
            if u < 0.98:  # the rest lapse uncollected, past any horizon we simulate
                self.pickups.setdefault(ctx.index + 1 + wait, []).append(group)
        # Ready cases leave the pool that ordinary break-glass draws from.
        ready = {id(x) for g in groups.values() for x in g}
        if ready:
            self.in_flight = [x for x in self.in_flight if id(x) not in ready]

    def _breakglass(
        self, ctx: DayContext, rng: random.Random, ids: Ids, desks: dict[str, Desk]
    ) -> None:
        """A phone call about an application in flight: outside any task, with a reason."""
        rate = self.work.breakglass_per_day
        count = int(rate) + (rng.random() < rate - int(rate))
        staff = [d for d in desks.values() if d.shift.staff.role in ("reviewer", "counter_clerk")]
        for _ in range(count):
            if not staff or not self.in_flight:
                return
            d = staff[rng.randrange(len(staff))]
            x = self.in_flight[rng.randrange(len(self.in_flight))]
            when = d.take(4 + 4 * rng.random())
            if when is None or x.accepted >= ctx.index:
                continue
            pid = x.app.applicant_id
            breakglass(
                ctx,
                ids,
                d.shift.staff.staff_id,
                d.shift.staff.desk,
                when[0],
                (pid,),
                "申請者からの電話照会（書類の確認）",
                self.work.breakglass_justified,
            )
            ctx.activity.append((d.shift.staff.staff_id, d.shift.staff.desk, *when))
            self.confounders.breakglass_legit += 1

    def _copies_and_maintenance(self, ctx: DayContext, rng: random.Random) -> None:
        """Copier jobs without a ryoken watermark (meeting papers, blank forms), and an
        evening of IT maintenance now and then: ordinary, and unexplained by design."""
        work, log = self.work, ctx.log
        office = [
            s
            for s in ctx.shifts.values()
            if s.staff.role in ("administrator", "supervisor", "privacy_officer")
        ]
        clerks = [
            s for s in ctx.shifts.values() if s.staff.role in ("counter_clerk", "issuance_clerk")
        ]
        n = int(work.office_copies_per_day) + (rng.random() < work.office_copies_per_day % 1)
        jobs = [(office, OFFICE_COPIER)] * n if office else []
        jobs += [([s], COUNTER_COPIER) for s in clerks if rng.random() < work.clerk_stray_copy_rate]
        for pool, copier in jobs:
            s = pool[rng.randrange(len(pool))]
            spans = s.spans()
            a, b = spans[rng.randrange(len(spans))]
            if b - a < 10:
                continue
            t = a + 5 + (b - a - 10) * rng.random()
            log.add(
                t,
                C.EXTERNAL_COPIER,
                s.staff.staff_id,
                (),
                (),
                "copier log",
                None,
                copier,
                {"copier": copier, "pages": rng.randint(1, 30), "kind": "copy", "unmatched": True},
            )
            self.confounders.office_copies += 1
        admins = [
            s for s in ctx.shifts.values() if s.staff.role == "administrator" and s.kind != "am"
        ]
        if admins and rng.random() < work.night_maintenance_rate:
            s = admins[rng.randrange(len(admins))]
            a = 1170 + 60 * rng.random()  # 19:30-20:30
            s.overtime, s.leave = True, a + 60 + 30 * rng.random()
            ctx.sessions.setdefault(s.staff.staff_id, []).append(
                Session("SRV-CONSOLE", a, s.leave - 5)
            )
            self.confounders.night_maintenance += 1

    # -- presence: badges and sessions ---------------------------------------------------

    def _presence(self, ctx: DayContext, rng: random.Random) -> None:
        log, fail = ctx.log, self.work.login_failure_rate
        for actor, terminal, a, b in ctx.activity:  # an overrun stretches its session
            rows = [x for x in ctx.sessions.get(actor, []) if x.terminal == terminal]
            if rows:
                near = min(rows, key=lambda x: max(x.start - b, a - x.end, 0.0))
                near.start, near.end = min(near.start, a - 0.5), max(near.end, b + 0.5)
        for sid, s in ctx.shifts.items():
            sessions = _untangle(ctx.sessions.get(sid, []))
            first = sessions[0].start if sessions else s.arrive
            last = max((x.end for x in sessions), default=s.leave)
            arrive = min(s.arrive, first - 2 - rng.random())
            leave = max(s.leave, last + 2 + rng.random())
            badge(log, sid, arrive, "in")
            if s.lunch is not None and s.lunch_out:
                lo, hi = s.lunch
                before = max((x.end for x in sessions if x.start < lo), default=lo)
                after = min((x.start for x in sessions if x.start >= lo), default=hi)
                out_t, in_t = max(lo, before) + 0.5, min(hi, after) - 1.0
                if in_t - out_t > 10:
                    badge(log, sid, out_t, "out")
                    badge(log, sid, in_t, "in")
            for x in sessions:
                login(log, rng, sid, x.terminal, x.start, x.end, fail)
            badge(log, sid, leave, "out")
        for sid, a, b in ctx.extra_presence:
            badge(log, sid, a, "in")
            badge(log, sid, b, "out")
        for actor, terminal, a, b in ctx.extra_sessions:
            login(log, rng, actor, terminal, a, b, 0.0)


# -- helpers used by the office and by the insiders (scenarios.py) ------------------------


def badge(log: DayLog, staff_id: str, t: float, direction: str) -> None:
    log.add(
        t,
        C.EXTERNAL_BADGE,
        staff_id,
        (),
        (),
        "door badge",
        None,
        DOOR,
        {"door": DOOR, "direction": direction},
    )


def _untangle(sessions: list[Session]) -> list[Session]:
    """Sessions in time order with no overlap: one person is at one terminal at a time."""
    out: list[Session] = []
    for x in sorted(sessions, key=lambda x: x.start):
        if out and x.start < out[-1].end + 0.2:
            x.start = out[-1].end + 0.2
        if x.end - x.start >= 1.0:
            out.append(x)
    return out


def login(
    log: DayLog, rng: random.Random, actor: str, terminal: str, a: float, b: float, fail: float
) -> None:
    if fail and rng.random() < fail:
        log.add(
            a - 0.4,
            C.AUTH_LOGIN_FAILED,
            actor,
            (),
            (),
            "authentication",
            None,
            terminal,
            {"factor": "totp"},
        )
    log.add(a, C.AUTH_LOGIN, actor, (), (), "authentication", None, terminal, {})
    log.add(b, C.AUTH_LOGOUT, actor, (), (), "authentication", None, terminal, {})


def breakglass(
    ctx: DayContext,
    ids: Ids,
    actor: str,
    terminal: str,
    t: float,
    subjects: tuple[str, ...],
    reason: str,
    justified: float,
    minutes: float = 3.0,
) -> list[Row]:
    """Open a break-glass grant with a typed reason, view each person, close it; queue the
    supervisor's review for the next business day. Returns the rows written."""
    log, office = ctx.log, ctx.office
    grant = ids.grant()
    rows = [
        log.add(
            t,
            C.BREAKGLASS_OPEN,
            actor,
            tuple(sorted(subjects)),
            (),
            "break_glass",
            grant,
            terminal,
            {"kind": "break_glass", "reason": reason},
        )
    ]
    links: dict[str, DetailValue] = {"step": "break_glass", "grant_kind": "break_glass"}
    dt = minutes / (len(subjects) + 1)
    for n, pid in enumerate(subjects):
        shown, masked, _ = view("break_glass", office.subjects[pid].held)
        at = t + (n + 0.5) * dt
        if shown:
            rows.append(
                log.add(
                    at,
                    C.DISCLOSURE,
                    actor,
                    (pid,),
                    shown,
                    "break_glass",
                    grant,
                    terminal,
                    {"form": "shown", **links},
                )
            )
        if masked:
            rows.append(
                log.add(
                    at + 0.01,
                    C.DISCLOSURE,
                    actor,
                    (pid,),
                    masked,
                    "break_glass",
                    grant,
                    terminal,
                    {"form": "masked", **links},
                )
            )
    rows.append(
        log.add(
            t + minutes,
            C.GRANT_CLOSE,
            actor,
            (),
            (),
            "break_glass",
            grant,
            terminal,
            {"kind": "break_glass", "why": "closed"},
        )
    )
    office.breakglass_pending.append((grant, tuple(sorted(subjects)), justified))
    return rows


def _canary_application(day: date, person: SimPerson, n: int) -> SimApplication:
    f = person.fields
    birth = date.fromisoformat(f["birth_date"])
    age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return SimApplication(
        application_id=f"CN{day:%Y%m%d}-{n + 1:04d}",
        visit_id=f"CNV{day:%Y%m%d}-{n + 1:04d}",
        application_date=day,
        kind=K.RENEWAL,
        channel=Channel.PAPER,
        applicant_id=person.person_id,
        koseki_id="",
        applicant_age=age,
        family_member_ids=(),
        legal_representative_id=None,
        legal_representative_relation=None,
        emergency_contact_id=None,
        emergency_contact_relation=None,
        requested_validity=10,
        criminal_record_yes=False,
        proxy=False,
        previous_passport_number=None,
        previous_passport_issued=None,
        passport_number=f["passport_number"],
        placeholder_images=("face_photo", "signature_image"),
        signed_by_representative=False,
    )


def _arrival(rng: random.Random) -> float:
    """Ticket time: a morning rush, a lull at lunch, a steady afternoon; none after 16:30."""
    u = rng.random()
    a, b = next((a, b) for share, a, b in _ARRIVALS if u < share)
    return a + (b - a) * rng.random()


def _handling(v: Visit) -> float:
    """Minutes at the window before noise and the clerk's own pace."""
    n = len(v.cases)
    if v.purpose == "pickup":
        return 4.0 + 2.5 * (n - 1)
    minutes = 10.0 + 7.0 * (n - 1) + 3.0 * sum(bool(x.app.family_member_ids) for x in v.cases)
    if v.purpose == "loss_report":
        minutes += 10.0
    return minutes + 3.0 * any(x.app.proxy for x in v.cases)


def _factor(staff: StaffMember, ctx: DayContext) -> float:
    trainee = staff.trainee_on(ctx.day, ctx.office.roster.plan.trainee_days)
    return (ctx.office.work.trainee_slowdown if trainee else 1.0) * (0.92 if ctx.peak else 1.0)


def _slot(w: Window, t: float, v: Visit, ctx: DayContext) -> tuple[float, Shift] | None:
    """The earliest start at window `w` from `t`: inside a segment, not overrunning it by
    more than a few minutes (the clerk's lunch, or the colleague taking over)."""
    for n, (a, b, s) in enumerate(w.segments):
        if b <= t or s.staff.staff_id == v.avoid:
            continue
        start = max(t, a)
        if start >= b:
            continue
        last = n == len(w.segments) - 1
        if not last and start + v.base * _factor(s.staff, ctx) > b + 5:
            continue
        return start, s
    return None


def _schedule(
    desks: list[Desk], tasks: list[tuple[float, float]]
) -> list[tuple[int, Desk, float, float]]:
    """Place tasks (minutes, not before) in order of their earliest start, each at the desk
    that can start it first. Returns (task index, desk, start, end); a task no desk can
    take today is left out (the caller carries it over)."""
    out: list[tuple[int, Desk, float, float]] = []
    if not desks:
        return out
    for n in sorted(range(len(tasks)), key=lambda i: tasks[i][1]):
        minutes, not_before = tasks[n]
        best: tuple[float, Desk] | None = None
        for d in desks:
            start = d.peek(minutes, not_before)
            if start is not None and (best is None or start < best[0]):
                best = (start, d)
                if start <= not_before:
                    break
        if best is not None:
            a, b = best[1].take(minutes, not_before) or (best[0], best[0] + minutes)
            out.append((n, best[1], a, b))
    return out


def _daytime(rng: random.Random) -> float:
    """When a back-office task comes up: any time from 09:00 to 16:30."""
    return 540 + 450 * rng.random()


def _desk_time(s: Shift, busy: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The shift minus lunch and window duty (with a margin for a visit that runs over)."""
    padded = [(a - 1.5, b + 8.0) for a, b in busy]
    out = []
    for a, b in s.spans():
        out += [(x, y) for x, y in _gaps(padded, a + 4, b - 3) if y - x >= 10]
    return out


def _gaps(taken: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    """The parts of [lo, hi) that no interval of `taken` covers."""
    out, t = [], lo
    for a, b in sorted(taken):
        if a > t:
            out.append((t, min(a, hi)))
        t = max(t, b)
        if t >= hi:
            break
    if t < hi:
        out.append((t, hi))
    return [(a, b) for a, b in out if b > a]


def _free_hour(busy: list[tuple[float, float]]) -> tuple[float, float] | None:
    for start in range(690, 900, 15):  # 11:30 .. 14:45
        a, b = float(start), float(start + 60)
        if not any(x < b and a < y for x, y in busy):
            return a, b
    return None


def _unique(persons: Iterable[SimPerson]) -> list[SimPerson]:
    seen: dict[str, SimPerson] = {}
    for p in persons:
        seen.setdefault(p.person_id, p)
    return list(seen.values())


def _clamp(n: int, lo: int, hi: int) -> int:
    return max(min(n, hi), min(lo, hi))
