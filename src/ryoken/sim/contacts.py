"""Emergency contacts (緊急連絡先): usually family who stay behind, sometimes someone else.

The form asks for someone in Japan who is not travelling, so a contact is an adult from the
applicant's 戸籍 who is not applying at the same visit; when there is none (or, now and then,
by choice) it is a person from outside the register: a parent, sibling or grown-up child
living elsewhere, or a friend. A family applying together names the same outside person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from ryoken.sim.people import (
    Koseki,
    KosekiMember,
    People,
    age_on,
    is_child,
    relation_between,
    years_before,
)

_FROM_FAMILY = 0.8  # chance of naming someone at home when there is someone


@dataclass(frozen=True, slots=True)
class _Outside:
    person_id: str
    kin: str  # "parent", "sibling", "child" or "friend" of the anchor
    sex: str
    relation_to_anchor: str
    anchor: KosekiMember


class VisitContacts:
    """Chooses the emergency contact for each application of one visit."""

    def __init__(
        self,
        rng: random.Random,
        people: People,
        day: date,
        koseki: Koseki,
        group: frozenset[str],
    ) -> None:
        self._rng = rng
        self._people = people
        self._day = day
        self._koseki = koseki
        self._group = group
        self._outside: _Outside | None = None

    def pick(self, applicant: KosekiMember) -> tuple[str, str]:
        """(person id, what that person is to the applicant)."""
        at_home = [
            m
            for m in self._koseki.members
            if m.person_id not in self._group
            and m is not applicant
            and age_on(m.birth_date, self._day) >= 18
        ]
        if at_home and self._rng.random() < _FROM_FAMILY:
            # The register lists head and spouse first: they are the usual choice.
            chosen = at_home[0] if self._rng.random() < 0.7 else self._rng.choice(at_home)
            return chosen.person_id, relation_between(chosen, applicant)
        outside = self._outside or self._make_outside(applicant)
        self._outside = outside
        return outside.person_id, _relation_to(outside, applicant)

    def _make_outside(self, applicant: KosekiMember) -> _Outside:
        rng, day = self._rng, self._day
        # A family is described from its head; someone applying alone, from themselves.
        anchor = applicant if len(self._group) == 1 else self._koseki.members[0]
        anchor_age = age_on(anchor.birth_date, day)
        if is_child(anchor):  # their parents are in the register already
            kin = rng.choices(("sibling", "friend"), weights=(0.5, 0.5))[0]
        elif anchor_age < 55:
            kin = rng.choices(("parent", "sibling", "friend"), weights=(0.5, 0.2, 0.3))[0]
        else:
            kin = rng.choices(("child", "sibling", "friend"), weights=(0.55, 0.2, 0.25))[0]
        sex = rng.choice("MF")
        birth = _birth_of(rng, kin, anchor.birth_date)
        age = age_on(birth, day)
        if not (20 <= age <= 95) or birth > day:
            kin = "friend"
            birth = anchor.birth_date + timedelta(days=rng.randint(-6 * 365, 6 * 365))
            birth = min(birth, years_before(day, 20))
        relation = _word(kin, sex, birth < anchor.birth_date, rng)
        same_surname = kin != "friend" and rng.random() < 0.6
        draft = self._people.outside_contact(
            day, relation, birth, sex, self._koseki.surname_kanji if same_surname else None
        )
        return _Outside(draft.person_id, kin, sex, relation, anchor)


def _birth_of(rng: random.Random, kin: str, anchor_birth: date) -> date:
    if kin == "parent":
        return years_before(anchor_birth, rng.randint(24, 38)) - timedelta(days=rng.randint(0, 364))
    if kin == "child":
        return anchor_birth + timedelta(days=rng.randint(24 * 365, 38 * 365))
    if kin == "sibling":
        return anchor_birth + timedelta(days=rng.choice((-1, 1)) * rng.randint(400, 8 * 365))
    return anchor_birth + timedelta(days=rng.randint(-6 * 365, 6 * 365))


def _word(kin: str, sex: str, older: bool, rng: random.Random) -> str:
    male = sex == "M"
    if kin == "parent":
        return "父" if male else "母"
    if kin == "child":
        return "長男" if male else "長女"
    if kin == "sibling":
        if older:
            return "兄" if male else "姉"
        return "弟" if male else "妹"
    return rng.choice(("友人", "知人"))


def _relation_to(outside: _Outside, applicant: KosekiMember) -> str:
    """What the outside contact is to `applicant`, who may be the anchor's spouse or child."""
    if applicant is outside.anchor or outside.kin == "friend":
        return outside.relation_to_anchor
    male = outside.sex == "M"
    if outside.kin == "parent":
        if is_child(applicant):
            return "祖父" if male else "祖母"
        return "義父" if male else "義母"
    return "親族"
