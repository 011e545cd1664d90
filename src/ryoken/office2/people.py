"""Staff and the population of data subjects, with their blind-index tokens.

Persons live in clans: a parents' household (one 戸籍, family token P) and one to three
households of grown children, each with its own 戸籍 (token H) while still named on their
parents' (so an adult child's family_token is "P;H"). Relatives in other households are
therefore linked by a shared token, and `household_token` says who lives together.

Surnames and municipalities follow skewed distributions (a few very common surnames, one big
city); staff draw theirs so that about 1-2% of applicants share a given clerk's surname or
neighbourhood, as in a real prefecture.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from ryoken.office2.config import Office2Config

ROLES = (
    "counter_clerk",
    "issuance_clerk",
    "reviewer",
    "supervisor",
    "privacy_officer",
    "administrator",
    "auditor",
)
_PREFIX = {
    "counter_clerk": "c",
    "issuance_clerk": "i",
    "reviewer": "r",
    "supervisor": "s",
    "privacy_officer": "p",
    "administrator": "a",
    "auditor": "u",
}
SURNAMES = 4000
AREAS = 40


def token(kind: str, salt: str, n: int, length: int = 16) -> str:
    digest = hashlib.blake2b(f"{salt}:{kind}:{n}".encode(), digest_size=12).hexdigest()
    return f"{kind}_{digest[:length]}"


def _weights(n: int, offset: float) -> list[float]:
    raw = [1.0 / (k + offset) for k in range(n)]
    total = sum(raw)
    return [w / total for w in raw]


@dataclass(slots=True)
class Staff:
    sid: str
    role: str
    employer_kind: str
    vendor: str
    hired_on: date
    contract_end: date | None
    notice_given_on: date | None
    surname: int
    area: int
    habit_reveal: float = 1.0  # drawn once: how readily this clerk reveals a masked field
    habit_copy: float = 1.0  # ... and copies a document
    speed: float = 1.0  # how long their tickets take relative to the office
    home_window: str | None = None

    def active(self, day: date) -> bool:
        if day < self.hired_on:
            return False
        return self.contract_end is None or day <= self.contract_end


@dataclass(slots=True)
class Population:
    """Persons as parallel lists indexed by person number (fast and small)."""

    sid: list[str] = field(default_factory=list)
    family: list[str] = field(default_factory=list)  # ";"-joined family tokens
    household: list[int] = field(default_factory=list)
    clan: list[int] = field(default_factory=list)
    surname: list[int] = field(default_factory=list)
    area: list[int] = field(default_factory=list)
    watch: bytearray = field(default_factory=bytearray)
    households: list[list[int]] = field(default_factory=list)
    clans: list[list[int]] = field(default_factory=list)  # clan -> households
    by_surname: dict[int, list[int]] = field(default_factory=dict)
    staff_family: dict[int, str] = field(default_factory=dict)  # household -> staff id


class PeopleFactory:
    def __init__(self, rng: random.Random, salt: str) -> None:
        self.rng = rng
        self.salt = salt
        self.pop = Population()
        self.surname_cum = list(accumulate(_weights(SURNAMES, 10.0)))
        self.area_cum = list(accumulate(_weights(AREAS, 3.0)))
        self._tokens = 0

    def _draw(self, cum: list[float]) -> int:
        return min(bisect(cum, self.rng.random() * cum[-1]), len(cum) - 1)

    def _new_token(self) -> str:
        self._tokens += 1
        return token("fm", self.salt, self._tokens)

    def _person(self, fam: str, hh: int, clan: int, surname: int, area: int) -> int:
        p = self.pop
        i = len(p.sid)
        p.sid.append(token("ds", self.salt, i, 24))
        p.family.append(fam)
        p.household.append(hh)
        p.clan.append(clan)
        p.surname.append(surname)
        p.area.append(area)
        p.watch.append(0)
        p.households[hh].append(i)
        p.by_surname.setdefault(surname, []).append(i)
        return i

    def clan(self, surname: int | None = None, area: int | None = None) -> list[int]:
        """Create one clan; returns its households (the parents' first)."""
        rng, p = self.rng, self.pop
        cid = len(p.clans)
        sn = self._draw(self.surname_cum) if surname is None else surname
        ar = self._draw(self.area_cum) if area is None else area
        parents_tok = self._new_token()
        hhs: list[int] = []
        hh = len(p.households)
        p.households.append([])
        hhs.append(hh)
        for _ in range(1 if rng.random() < 0.25 else 2):
            self._person(parents_tok, hh, cid, sn, ar)
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            hh = len(p.households)
            p.households.append([])
            hhs.append(hh)
            own = self._new_token()
            keeps_name = rng.random() < 0.6
            child_sn = sn if keeps_name else self._draw(self.surname_cum)
            child_ar = ar if rng.random() < 0.55 else self._draw(self.area_cum)
            self._person(f"{parents_tok};{own}", hh, cid, child_sn, child_ar)
            if rng.random() < 0.6:
                self._person(own, hh, cid, child_sn, child_ar)  # spouse
            for _ in range(rng.choice((0, 0, 1, 2, 2, 3))):
                self._person(own, hh, cid, child_sn, child_ar)
        p.clans.append(hhs)
        return hhs

    def staff_surname(self) -> int:
        """A surname carried by 1-2% of the population (the common ones)."""
        w = [b - a for a, b in zip([0.0, *self.surname_cum], self.surname_cum, strict=False)]
        pool = [k for k, x in enumerate(w) if 0.008 <= x <= 0.02]
        return self.rng.choice(pool)

    def staff_area(self) -> int:
        w = [b - a for a, b in zip([0.0, *self.area_cum], self.area_cum, strict=False)]
        pool = [k for k, x in enumerate(w) if 0.01 <= x <= 0.025]
        return self.rng.choice(pool)


def _role_counts(n: int) -> dict[str, int]:
    fixed = {
        "privacy_officer": 2 if n > 110 else 1,
        "administrator": 2,
        "auditor": 1,
        "supervisor": round(0.08 * n),
        "reviewer": round(0.24 * n),
        "issuance_clerk": round(0.18 * n),
    }
    fixed["counter_clerk"] = n - sum(fixed.values())
    return fixed


def make_staff(
    cfg: Office2Config, rng: random.Random, people: PeopleFactory, period: list[date]
) -> list[Staff]:
    """The roster at the start, then new hires and contract ends inside the period."""
    counts = _role_counts(cfg.staff)
    share = {
        "counter_clerk": cfg.contractor_counter,
        "issuance_clerk": cfg.contractor_issuance,
        "reviewer": cfg.contractor_review,
        "supervisor": cfg.contractor_counter * 0.2,  # vendors' team leaders
    }
    staff: list[Staff] = []
    numbers: dict[str, int] = {}
    start, end = period[0], period[-1]

    def add(role: str, hired_on: date) -> Staff:
        numbers[role] = numbers.get(role, 0) + 1
        contractor = rng.random() < share.get(role, 0.0)
        s = Staff(
            sid=f"{_PREFIX[role]}{numbers[role]:03d}",
            role=role,
            employer_kind="contractor" if contractor else "prefecture",
            vendor=rng.choice(cfg.vendors) if contractor else "",
            hired_on=hired_on,
            contract_end=None,
            notice_given_on=None,
            surname=people.staff_surname()
            if rng.random() < 0.5
            else people._draw(people.surname_cum),
            area=people.staff_area() if rng.random() < 0.6 else people._draw(people.area_cum),
            habit_reveal=rng.lognormvariate(0.0, cfg.habit_sigma),
            habit_copy=rng.lognormvariate(0.0, cfg.habit_sigma),
            speed=rng.lognormvariate(0.0, 0.12),
        )
        if contractor:  # the vendor contract runs to a fiscal year end after the period
            fy = end.year + (1 if end.month >= 4 else 0)
            s.contract_end = date(fy + rng.choice((0, 1)), 3, 31)
        staff.append(s)
        return s

    for role in ROLES:
        for _ in range(counts[role]):
            years = rng.uniform(0.3, 4.0) if rng.random() < 0.5 else rng.uniform(1.0, 25.0)
            add(role, start - timedelta(days=int(years * 365)))
    # New hires: mostly counter and issuance clerks, in the first two thirds of the period.
    for _ in range(cfg.new_hires):
        role = rng.choice(
            ("counter_clerk", "counter_clerk", "counter_clerk", "issuance_clerk", "reviewer")
        )
        add(role, period[rng.randrange(1, max(2, 2 * len(period) // 3))])
    # Leavers among those there from the start (not supervisors or the privacy office).
    candidates = [
        s
        for s in staff
        if s.role in ("counter_clerk", "issuance_clerk", "reviewer") and s.hired_on < start
    ]
    rng.shuffle(candidates)
    leavers = candidates[: cfg.leavers_with_notice + cfg.leavers_without_notice]
    for k, s in enumerate(leavers):
        s.contract_end = period[rng.randrange(len(period) // 3, len(period) - 3)]
        if k < cfg.leavers_with_notice:
            s.notice_given_on = s.contract_end - timedelta(days=rng.randint(21, 45))
    return staff
