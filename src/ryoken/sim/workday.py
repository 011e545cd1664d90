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

This module is the day loop: who comes, which windows open, then the work in order. The work
itself lives beside it: the counter (counter.py), the back office (backoffice.py), badges and
sessions (presence.py), the insider's hooks and break-glass (hooks.py), the state they share
(state.py) and the builders of the events they write (rows.py). The names other modules
import from here stay importable from here.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Sequence
from datetime import date

from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.fields import FIELDS, SubjectRole
from ryoken.sim.backoffice import Desk, back_office
from ryoken.sim.counter import assign, serve, staff_windows
from ryoken.sim.hooks import Hooks, breakglass
from ryoken.sim.office import SimApplication, generate_office
from ryoken.sim.people import People, SimPerson
from ryoken.sim.presence import badge, emit_presence, login, plan_sessions
from ryoken.sim.rows import JST, MIN_US, C, DayLog, Ids, Row, utc_text, view
from ryoken.sim.shown import ShownLog
from ryoken.sim.staffing import CITIES, Roster, derive, shifts_on, stream, window_codes
from ryoken.sim.state import (
    CLOSE,
    COUNTER_COPIER,
    DOOR,
    LAST_TICKET,
    OFFICE_COPIER,
    OPEN,
    OVERTIME_END,
    Case,
    Confounders,
    DayContext,
    DayResult,
    Session,
    Subject,
    Visit,
    Window,
    WorkParams,
)

__all__ = [  # the names other modules import from here (see the module docstring)
    "CLOSE",
    "COUNTER_COPIER",
    "DOOR",
    "HOME",
    "JST",
    "LAST_TICKET",
    "MIN_US",
    "OFFICE_COPIER",
    "OPEN",
    "OVERTIME_END",
    "C",
    "Case",
    "Confounders",
    "DayContext",
    "DayLog",
    "DayResult",
    "Desk",
    "Hooks",
    "Ids",
    "Office",
    "Row",
    "Session",
    "Subject",
    "Visit",
    "Window",
    "WorkParams",
    "area_of",
    "badge",
    "breakglass",
    "held_fields",
    "login",
    "season",
    "utc_text",
    "view",
]

HOME = "東京都"
K = ApplicationKind
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
_CITY_INDEX: dict[str, tuple[str, ...]] = {}
for _city in CITIES:  # longest first, as CITIES is sorted
    _CITY_INDEX[_city[:2]] = (*_CITY_INDEX.get(_city[:2], ()), _city)


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
        self.shown = ShownLog(hooks.watched())
        self._applications: list[SimApplication] = []

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
        windows = staff_windows(self, self.intake_windows[:n_in], counter, busy)
        windows += staff_windows(self, self.pickup_windows[:n_out], issuance, busy)
        if self.canaries_on:
            visits += self._canary_visits(ctx, windows, new_persons)
        plan_sessions(ctx, windows, busy)
        assign(self, ctx, rng, windows, sorted(visits, key=lambda v: v.arrival))
        for v in visits:
            if v.clerk is not None:
                serve(self, ctx, rng, ids, v, v.clerk)
        back_office(self, ctx, rng, ids, online, busy)
        self.hooks.end_of_day(ctx)
        emit_presence(ctx, rng, self.work.login_failure_rate)
        new_ids = [p.person_id for p in new_persons]
        made, self._applications = self._applications, []
        return DayResult(index, day, log.sorted_rows(), new_ids, new_persons, made)

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
            self.shown.names(app.applicant_id, app.family_member_ids)
        self._applications += office.applications
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
            self._applications.append(app)
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


def _clamp(n: int, lo: int, hi: int) -> int:
    return max(min(n, hi), min(lo, hi))
