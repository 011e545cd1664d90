"""Synthetic people: names whose readings match, families (戸籍) and contact details.

Everything here is drawn from one injected `random.Random` (and a Faker seeded from it), so a
seed gives the same people every time. The values are fake by construction: names come from
Faker's (kanji, kana, romaji) tuples, addresses join a city and a town that Faker picks
independently, e-mail domains are the RFC 2606 `example.*` names, and phone numbers put a 0
right after the area code, where the numbering plan never starts a local number (0 is the
trunk prefix), so none of them can ring anybody.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker
from faker.providers.person.ja_JP import Provider as _JaPerson

from ryoken.domain.fields import FIELDS_BY_ROLE, SubjectRole

Romanize = Callable[[str, str], str]  # (kana, kanji) -> passport romaji
"""Kana → passport romaji (upper case), e.g. ryoken.domain.hepburn's converter."""

# (kanji, kana, romaji) taken whole from one tuple, so the reading always belongs to the kanji.
NameTriple = tuple[str, str, str]
SURNAMES: tuple[NameTriple, ...] = tuple(_JaPerson.last_name_pairs)
SURNAME_WEIGHTS: tuple[float, ...] = tuple(float(w) for w in _JaPerson.last_name_pairs.values())
MALE_GIVEN: tuple[NameTriple, ...] = tuple(_JaPerson.first_name_male_pairs)
FEMALE_GIVEN: tuple[NameTriple, ...] = tuple(_JaPerson.first_name_female_pairs)

_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # RFC 2606: never delivered
_AREA_CODES = {"東京都": "03", "大阪府": "06"}
_MALE_ORDINALS = ("長男", "二男", "三男", "四男")
_FEMALE_ORDINALS = ("長女", "二女", "三女", "四女")
HEAD = "筆頭者"


def age_on(birth: date, day: date) -> int:
    """Age in completed years on `day`.

    Under 年齢計算ニ関スル法律 a year is completed on the day before the birthday, so this is
    the calendar age of the following day.
    """
    t = day + timedelta(days=1)
    return t.year - birth.year - ((t.month, t.day) < (birth.month, birth.day))


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birth_for_age(rng: random.Random, today: date, age: int) -> date:
    """A uniformly drawn birth date that makes the person `age` (as `age_on` counts) today."""
    t = today + timedelta(days=1)
    latest = years_before(t, age)
    earliest = years_before(t, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


@dataclass(frozen=True, slots=True)
class SimPerson:
    """A data subject as the office holds them: only the fields their roles call for.

    `fields` is keyed by catalogue names (ryoken.domain.fields) with string values: dates are
    ISO, sex is "M"/"F", criminal_answers is "no"/"yes", images are placeholder tokens.
    "relation" is the person's 続柄 in their own 戸籍 (or, for an emergency contact outside
    the family, their relation to the applicant they were first named by); the relation to
    each applicant is on the application, because one person can be 妻 to one applicant and
    母 to another.
    """

    person_id: str
    fields: dict[str, str]
    roles: frozenset[SubjectRole]


@dataclass(frozen=True, slots=True)
class KosekiMember:
    person_id: str
    relation: str  # 筆頭者, 妻/夫, 長男, 二女, ...
    sex: str  # "M" / "F"
    birth_date: date
    given_kanji: str
    given_kana: str


@dataclass(frozen=True, slots=True)
class Koseki:
    """A family register: one surname, one 本籍, a head, a spouse and unmarried children.

    This is the world the office only sees through a 戸籍謄本; its members are data subjects
    only once an application names them.
    """

    koseki_id: str
    honseki: str
    surname_kanji: str
    surname_kana: str
    members: tuple[KosekiMember, ...]

    @property
    def member_ids(self) -> tuple[str, ...]:
        return tuple(m.person_id for m in self.members)

    def member(self, person_id: str) -> KosekiMember:
        for m in self.members:
            if m.person_id == person_id:
                return m
        raise KeyError(person_id)

    def parents(self) -> tuple[KosekiMember, ...]:
        return tuple(m for m in self.members if not is_child(m))


def is_child(member: KosekiMember) -> bool:
    return member.relation in _MALE_ORDINALS or member.relation in _FEMALE_ORDINALS


def relation_between(of: KosekiMember, to: KosekiMember) -> str:
    """What `of` is to `to`, in the words a form uses ("母" means `of` is `to`'s mother)."""
    if is_child(to) and not is_child(of):
        return "父" if of.sex == "M" else "母"
    if is_child(of) and not is_child(to):
        return of.relation
    if is_child(of) and is_child(to):
        older = of.birth_date < to.birth_date
        if of.sex == "M":
            return "兄" if older else "弟"
        return "姉" if older else "妹"
    return "夫" if of.sex == "M" else "妻"


@dataclass(slots=True)
class PersonDraft:
    """A person while the office is being generated; frozen into a SimPerson at the end."""

    person_id: str
    sex: str
    birth_date: date
    values: dict[str, str]
    roles: set[SubjectRole] = field(default_factory=set)

    def freeze(self) -> SimPerson:
        wanted: set[str] = set()
        for role in self.roles:
            wanted.update(FIELDS_BY_ROLE[role])
        kept = {name: value for name, value in self.values.items() if name in wanted}
        return SimPerson(self.person_id, kept, frozenset(self.roles))


@dataclass(frozen=True, slots=True)
class _Residence:
    address: str
    postcode: str
    landline: str | None


class People:
    """Makes households and people from one rng; every draft it makes is kept in `drafts`."""

    def __init__(
        self, rng: random.Random, *, romanize: Romanize | None, home_prefecture: str
    ) -> None:
        self._rng = rng
        self._romanize = romanize
        self._home = home_prefecture
        self._fake = Faker("ja_JP")
        self._fake.seed_instance(rng.getrandbits(64))
        self._ids: set[str] = set()
        self.drafts: dict[str, PersonDraft] = {}

    # -- identifiers -------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A pseudonymous id (`ds_` for data subjects): random bits, no meaning, never reused."""
        while True:
            candidate = f"{prefix}{self._rng.getrandbits(64):016x}"
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    # -- households --------------------------------------------------------------------

    def household(
        self, today: date, template: str, *, need_minor: bool = False, elderly: bool = False
    ) -> Koseki:
        """A new 戸籍 with its members drafted.

        Templates: "single" (one head), "couple", "family" (couple and 1-3 unmarried
        children), "single_parent" (one parent and 1-3 children). Every template gives 1-5
        members; `need_minor` guarantees a child under 18, `elderly` a head over 65.
        """
        rng = self._rng
        surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        residence = self._residence()
        specs: list[tuple[str, str, date]] = []  # (relation, sex, birth date)
        if template == "single":
            age = rng.randint(66, 90) if elderly else _adult_age(rng)
            specs.append((HEAD, rng.choice("MF"), birth_for_age(rng, today, age)))
        elif template == "couple":
            age = rng.randint(65, 88) if elderly else rng.randint(24, 80)
            husband = birth_for_age(rng, today, age)
            wife = husband + timedelta(days=rng.randint(-3 * 365, 8 * 365))
            if age_on(wife, today) < 20:
                wife = years_before(today, 20)
            specs += self._couple(husband, wife)
        elif template in ("family", "single_parent"):
            children = self._children(today, need_minor=need_minor)
            oldest = children[0][1]
            youngest = children[-1][1]
            # The mother was 21 at the oldest child's birth at the earliest and 42 at the
            # youngest's at the latest; the father is a little older and at least 20.
            low, high = years_before(youngest, 42), years_before(oldest, 21)
            mother = low + timedelta(days=rng.randint(0, max(0, (high - low).days)))
            father = mother - timedelta(days=rng.randint(-3 * 365, 8 * 365))
            father = min(father, years_before(oldest, 20))
            if template == "family":
                specs += self._couple(father, mother)
            elif rng.random() < 0.85:
                specs.append((HEAD, "F", mother))
            else:
                specs.append((HEAD, "M", father))
            specs += _ordinals(children)
        else:
            raise ValueError(f"unknown household template: {template!r}")

        koseki_id = self.new_id("ks_")
        members: list[KosekiMember] = []
        head_mobile: str | None = None
        used_given: set[str] = set()
        for relation, sex, birth in specs:
            given = self._given(sex, used_given)
            draft = self._draft(surname, given, sex, birth, today, residence, head_mobile)
            draft.values["honseki"] = ""  # filled below, once for the family
            draft.values["relation"] = relation
            if relation == HEAD:
                head_mobile = draft.values.get("mobile") or draft.values["phone"]
            members.append(KosekiMember(draft.person_id, relation, sex, birth, given[0], given[1]))
        honseki = self._honseki()
        for m in members:
            self.drafts[m.person_id].values["honseki"] = honseki
        return Koseki(koseki_id, honseki, surname[0], surname[1], tuple(members))

    def _couple(self, husband: date, wife: date) -> list[tuple[str, str, date]]:
        # About 95% of married couples take the husband's surname, making him 筆頭者.
        if self._rng.random() < 0.95:
            return [(HEAD, "M", husband), ("妻", "F", wife)]
        return [(HEAD, "F", wife), ("夫", "M", husband)]

    def _children(self, today: date, *, need_minor: bool) -> list[tuple[str, date]]:
        """1-3 children as (sex, birth date), oldest first, 13-60 months apart."""
        rng = self._rng
        count = rng.choices((1, 2, 3), weights=(0.35, 0.45, 0.20))[0]
        youngest_age = rng.randint(0, 17) if need_minor else rng.randint(0, 30)
        births = [birth_for_age(rng, today, youngest_age)]
        for _ in range(count - 1):
            older = births[-1] - timedelta(days=rng.randint(395, 1825))
            if age_on(older, today) > 35:  # older unmarried children have mostly left
                break
            births.append(older)
        births.reverse()
        return [(rng.choice("MF"), b) for b in births]

    def _given(self, sex: str, used: set[str]) -> NameTriple:
        pool = MALE_GIVEN if sex == "M" else FEMALE_GIVEN
        while True:
            given = self._rng.choice(pool)
            if given[0] not in used:
                used.add(given[0])
                return given

    # -- people ------------------------------------------------------------------------

    def _draft(
        self,
        surname: NameTriple,
        given: NameTriple,
        sex: str,
        birth: date,
        today: date,
        residence: _Residence,
        household_mobile: str | None,
    ) -> PersonDraft:
        rng = self._rng
        age = age_on(birth, today)
        values = {
            "name_kanji": f"{surname[0]} {given[0]}",
            "name_kana": f"{surname[1]} {given[1]}",
            "name_romaji": f"{self._romaji(surname)} {self._romaji(given)}",
            "sex": sex,
            "birth_date": birth.isoformat(),
            "address": residence.address,
            "postcode": residence.postcode,
        }
        mobile = None
        if age >= 13 and rng.random() < (0.75 if age >= 65 else 0.93):
            mobile = self._mobile()
        if residence.landline is not None:
            values["phone"] = residence.landline
            if mobile is not None:
                values["mobile"] = mobile
        else:
            values["phone"] = mobile or household_mobile or self._mobile()
        if age >= 13 and rng.random() < 0.75:
            values["email"] = self.email_for(values["name_romaji"])
        draft = PersonDraft(self.new_id("ds_"), sex, birth, values)
        self.drafts[draft.person_id] = draft
        return draft

    def outside_contact(
        self, today: date, relation: str, birth: date, sex: str, surname_like: str | None
    ) -> PersonDraft:
        """An emergency contact from outside the applicant's 戸籍, with their own home."""
        surname = next((s for s in SURNAMES if s[0] == surname_like), None)
        if surname is None:
            surname = self._rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        given = self._given(sex, set())
        residence = self._residence()
        draft = self._draft(surname, given, sex, birth, today, residence, None)
        draft.values["relation"] = relation
        return draft

    def email_for(self, name_romaji: str) -> str:
        local = ".".join(reversed(name_romaji.lower().split()))
        return f"{local}{self._rng.randint(1, 999)}@{self._rng.choice(_EMAIL_DOMAINS)}"

    def _romaji(self, triple: NameTriple) -> str:
        if self._romanize is not None:
            return self._romanize(triple[1], triple[0])
        return triple[2].upper()

    def _residence(self) -> _Residence:
        fake, rng = self._fake, self._rng
        address = f"{self._home}{fake.city()}{fake.town()}{fake.chome()}{fake.ban()}{fake.gou()}"
        if rng.random() < 0.45:
            address += f" {fake.building_name()}{rng.randint(1, 12)}{rng.randint(1, 10):02d}号室"
        landline = self._landline() if rng.random() < 0.4 else None
        return _Residence(str(address), str(fake.postcode()), landline)

    def _honseki(self) -> str:
        fake, rng = self._fake, self._rng
        prefecture = self._home if rng.random() < 0.45 else str(fake.prefecture())
        return f"{prefecture}{fake.city()}{fake.town()}{rng.randint(1, 2500)}番地"

    def _landline(self) -> str:
        rng = self._rng
        area = _AREA_CODES.get(self._home)
        if area is not None:
            return f"{area}-0{rng.randint(0, 999):03d}-{rng.randint(0, 9999):04d}"
        return f"0{rng.randint(11, 99)}-0{rng.randint(0, 99):02d}-{rng.randint(0, 9999):04d}"

    def _mobile(self) -> str:
        rng = self._rng
        prefix = rng.choice(("070", "080", "090"))
        return f"{prefix}-0{rng.randint(0, 999):03d}-{rng.randint(0, 9999):04d}"


def _adult_age(rng: random.Random) -> int:
    """An adult applicant's age: mostly working age, with a long tail of older travellers."""
    band = rng.choices(((18, 29), (30, 49), (50, 64), (65, 88)), weights=(0.24, 0.38, 0.2, 0.18))
    low, high = band[0]
    return rng.randint(low, high)


def _ordinals(children: list[tuple[str, date]]) -> list[tuple[str, str, date]]:
    """長男, 二男, 長女, ... counted separately for sons and daughters, in birth order."""
    sons = daughters = 0
    out: list[tuple[str, str, date]] = []
    for sex, birth in children:
        if sex == "M":
            out.append((_MALE_ORDINALS[sons], sex, birth))
            sons += 1
        else:
            out.append((_FEMALE_ORDINALS[daughters], sex, birth))
            daughters += 1
    return out
