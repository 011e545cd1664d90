"""A synthetic passport office: business days of applications from synthetic families.

`generate_office(seed, start=..., days=..., applications_per_day=...)` is deterministic: it
builds its own `random.Random(seed)` and seeds Faker from it, reads no clock, and iterates
nothing whose order could change between runs. The same seed and parameters give the same
office, byte for byte (`SimOffice.fingerprint()`); Faker's name and address lists are part
of the input, so a Faker upgrade may change the output.

The mix is meant to look like a Japanese office's, not to reproduce statistics: renewals
most common, then new passports, a few record changes, rare loss reports; children come with
their parents; about 44% of applications are online from 2025-03-24 (FACTS.md).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.fields import SubjectRole
from ryoken.errors import InvalidInput
from ryoken.sim.contacts import VisitContacts
from ryoken.sim.passports import PassportNumbers, previous_passport
from ryoken.sim.people import (
    Koseki,
    KosekiMember,
    People,
    PersonDraft,
    Romanize,
    SimPerson,
    age_on,
    is_child,
    relation_between,
)

K = ApplicationKind
ONLINE_FROM = date(2025, 3, 24)  # central production and online 戸籍 with マイナポータル
# Kinds whose paper application needs a 戸籍謄本, which names every member of the family.
KOSEKI_KINDS = frozenset({K.NEW, K.RECORD_CHANGE, K.RECORD_CHANGE_SAME_EXPIRY})

_VISITS = ("solo", "family", "children", "couple", "loss")
_VISIT_WEIGHTS = (0.66, 0.14, 0.07, 0.10, 0.03)
_SOLO_TEMPLATES = ("single", "couple", "family", "single_parent")
_SOLO_TEMPLATE_WEIGHTS = (0.24, 0.30, 0.36, 0.10)
# Loss reports (and the new application filed with one) are paper only; the online draw for
# the other visits is scaled up by this factor so the overall share still meets online_share.
_ONLINE_CALIBRATION = 1.045
_PROXY_SHARE = 0.06
_CRIMINAL_YES_SHARE = 0.004
_OTHER_NATIONALITY_SHARE = 0.008
_OTHER_NATIONALITIES = (
    "アメリカ合衆国",
    "大韓民国",
    "中華人民共和国",
    "ブラジル",
    "フィリピン",
    "英国",
)
_OTHER_SURNAMES = ("SMITH", "MILLER", "GARCIA", "KIM", "LEE", "CHEN", "SANTOS", "BROWN")
_KINDS_BY_BAND: dict[str, tuple[tuple[ApplicationKind, ...], tuple[float, ...]]] = {
    "under_12": ((K.NEW, K.RENEWAL, K.RECORD_CHANGE), (0.62, 0.36, 0.02)),
    "12_17": ((K.NEW, K.RENEWAL, K.RECORD_CHANGE), (0.50, 0.47, 0.03)),
    "18_64": (
        (K.RENEWAL, K.NEW, K.RECORD_CHANGE, K.RECORD_CHANGE_SAME_EXPIRY),
        (0.55, 0.35, 0.065, 0.035),
    ),
    "65_plus": (
        (K.RENEWAL, K.NEW, K.RECORD_CHANGE, K.RECORD_CHANGE_SAME_EXPIRY),
        (0.70, 0.25, 0.03, 0.02),
    ),
}
AGE_BANDS = tuple(_KINDS_BY_BAND)
PLACEHOLDER = "placeholder:"  # image fields hold this prefix and the field name, not pixels


def age_band(age: int) -> str:
    if age < 12:
        return "under_12"
    if age < 18:
        return "12_17"
    return "18_64" if age < 65 else "65_plus"


@dataclass(frozen=True, slots=True)
class SimApplication:
    """One application as it reaches the office; every id refers to `SimOffice.persons`."""

    application_id: str
    # Applications made together: one queue ticket on paper, one sitting online.
    visit_id: str
    application_date: date
    kind: ApplicationKind
    channel: Channel
    applicant_id: str
    koseki_id: str
    applicant_age: int
    # Named in the 戸籍謄本: the applicant's family (paper new and record-change applications).
    family_member_ids: tuple[str, ...]
    legal_representative_id: str | None  # a parent, for applicants under 18
    legal_representative_relation: str | None  # what the representative is to the applicant
    emergency_contact_id: str | None  # none on a loss report
    emergency_contact_relation: str | None
    requested_validity: int | None  # 5 or 10 years; None for loss and same-expiry
    criminal_record_yes: bool  # 刑罰等関係 answered "yes"
    proxy: bool  # submitted by a proxy (代理提出)
    previous_passport_number: str | None
    previous_passport_issued: date | None
    passport_number: str | None  # the passport this application will produce
    placeholder_images: tuple[str, ...]  # image fields the seed should draw placeholders for
    signed_by_representative: bool  # a young child's signature written by the parent

    def person_ids(self) -> tuple[str, ...]:
        """Every data subject this application names, applicant first."""
        ids = [self.applicant_id, *self.family_member_ids]
        for other in (self.legal_representative_id, self.emergency_contact_id):
            if other is not None and other not in ids:
                ids.append(other)
        return tuple(ids)


@dataclass(frozen=True, slots=True)
class SimOffice:
    seed: int
    start: date
    business_days: tuple[date, ...]
    persons: dict[str, SimPerson]  # data subjects only, by person id
    koseki: tuple[Koseki, ...]
    applications: tuple[SimApplication, ...]  # in date order

    def summary(self) -> dict[str, int]:
        """Counts a person checks the mix against; keys are stable, e.g. "kind.renewal"."""
        apps = self.applications
        counts: Counter[str] = Counter()
        counts["applications"] = len(apps)
        counts["persons"] = len(self.persons)
        counts["koseki"] = len(self.koseki)
        counts["business_days"] = len(self.business_days)
        counts["visits"] = len({a.visit_id for a in apps})
        per_visit = Counter(a.visit_id for a in apps)
        counts["group_visits"] = sum(1 for n in per_visit.values() if n > 1)
        for kind in ApplicationKind:
            counts[f"kind.{kind.value}"] = sum(1 for a in apps if a.kind is kind)
        for channel in Channel:
            counts[f"channel.{channel.value}"] = sum(1 for a in apps if a.channel is channel)
        for band in AGE_BANDS:
            counts[f"age.{band}"] = sum(1 for a in apps if age_band(a.applicant_age) == band)
        for role in SubjectRole:
            counts[f"role.{role.value}"] = sum(1 for p in self.persons.values() if role in p.roles)
        counts["proxy"] = sum(1 for a in apps if a.proxy)
        counts["criminal_record_yes"] = sum(1 for a in apps if a.criminal_record_yes)
        counts["with_koseki_certificate"] = sum(1 for a in apps if a.family_member_ids)
        counts["validity.5"] = sum(1 for a in apps if a.requested_validity == 5)
        counts["validity.10"] = sum(1 for a in apps if a.requested_validity == 10)
        return dict(counts)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready, stable rendering of everything generated."""
        return {
            "seed": self.seed,
            "start": self.start.isoformat(),
            "business_days": [d.isoformat() for d in self.business_days],
            "persons": [
                {"person_id": p.person_id, "roles": sorted(p.roles), "fields": p.fields}
                for p in self.persons.values()
            ],
            "koseki": [asdict(k) for k in self.koseki],
            "applications": [asdict(a) for a in self.applications],
        }

    def fingerprint(self) -> str:
        """SHA-256 over the canonical JSON: equal fingerprints mean identical offices."""
        text = json.dumps(
            self.as_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_office_day(day: date) -> bool:
    """A weekday outside the year-end closure (29 Dec - 3 Jan).

    Other public holidays are not skipped (that would need a holiday calendar dependency).
    """
    year_end = (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3)
    return day.weekday() < 5 and not year_end


def business_days(start: date, count: int) -> Iterator[date]:
    """`count` office days from `start` (see `is_office_day`)."""
    day = start
    while count > 0:
        if is_office_day(day):
            yield day
            count -= 1
        day += timedelta(days=1)


def first_of_business_days_before(end: date, count: int) -> date:
    """The first of the `count` office days that come just before `end` (any day, holidays too)."""
    day, found = end, 0
    while found < count:
        day -= timedelta(days=1)
        found += is_office_day(day)
    return day


def generate_office(
    seed: int,
    *,
    start: date,
    days: int,
    applications_per_day: int,
    online_share: float = 0.44,
    romanize: Romanize | None = None,
    home_prefecture: str = "東京都",
) -> SimOffice:
    """A synthetic office: `days` business days from `start`, each with exactly
    `applications_per_day` applications.

    `online_share` applies from 2025-03-24 (before that everything is on paper); loss reports
    are always on paper. `romanize` turns kana into passport romaji (Faker's romaji, upper
    cased, when it is None). Applicants live in `home_prefecture`.
    """
    if days < 0 or applications_per_day < 0:
        raise InvalidInput(
            "days and applications_per_day must not be negative",
            message_ja="日数と1日あたりの申請数は0以上にしてください",
        )
    if not 0.0 <= online_share <= 1.0:
        raise InvalidInput(
            "online_share must be between 0 and 1",
            message_ja="オンライン申請の割合は0から1の間にしてください",
        )
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    builder = _Builder(rng, People(rng, romanize=romanize, home_prefecture=home_prefecture))
    calendar = tuple(business_days(start, days))
    for day in calendar:
        builder.add_day(day, applications_per_day, online_share if day >= ONLINE_FROM else 0.0)
    persons = {pid: draft.freeze() for pid, draft in builder.people.drafts.items() if draft.roles}
    return SimOffice(
        seed, start, calendar, persons, tuple(builder.koseki), tuple(builder.applications)
    )


@dataclass(slots=True)
class _Plan:
    """One application decided before the visit's channel is drawn."""

    member: KosekiMember
    draft: PersonDraft
    kind: ApplicationKind
    previous_number: str | None = None
    previous_issued: date | None = None


class _Builder:
    def __init__(self, rng: random.Random, people: People) -> None:
        self.rng = rng
        self.people = people
        self.numbers = PassportNumbers(rng)
        self.koseki: list[Koseki] = []
        self.applications: list[SimApplication] = []

    def add_day(self, day: date, count: int, online_share: float) -> None:
        made = 0
        visit_no = 0
        while made < count:
            visit_no += 1
            visit_id = f"V{day:%Y%m%d}-{visit_no:04d}"
            visit, koseki, plans = self._plan_visit(day)
            plans = plans[: count - made]  # the day's last visit may be cut short
            self.koseki.append(koseki)
            for plan in plans:
                self._draw_applicant_answers(plan.draft, day)
            online = visit != "loss" and self.rng.random() < online_share * _ONLINE_CALIBRATION
            channel = Channel.ONLINE if online else Channel.PAPER
            proxy = channel is Channel.PAPER and self.rng.random() < _PROXY_SHARE
            group = frozenset(p.member.person_id for p in plans)
            contacts = VisitContacts(self.rng, self.people, day, koseki, group)
            for plan in plans:
                made += 1
                app_id = f"AP{day:%Y%m%d}-{made:04d}"
                self.applications.append(
                    self._application(
                        app_id, visit_id, day, koseki, plan, channel, proxy, group, contacts
                    )
                )

    # -- who comes, and for what -------------------------------------------------------

    def _plan_visit(self, day: date) -> tuple[str, Koseki, list[_Plan]]:
        rng, people = self.rng, self.people
        visit = rng.choices(_VISITS, weights=_VISIT_WEIGHTS)[0]
        chosen: list[KosekiMember]
        if visit in ("solo", "loss"):
            template = rng.choices(_SOLO_TEMPLATES, weights=_SOLO_TEMPLATE_WEIGHTS)[0]
            koseki = people.household(day, template)
            adults = [m for m in koseki.members if age_on(m.birth_date, day) >= 18]
            chosen = [rng.choice(adults)]
        elif visit == "couple":
            koseki = people.household(day, "couple", elderly=rng.random() < 0.5)
            chosen = list(koseki.members)
        else:
            template = "family" if rng.random() < 0.8 else "single_parent"
            koseki = people.household(day, template, need_minor=True)
            minors = [m for m in koseki.members if age_on(m.birth_date, day) < 18]
            chosen = []
            if visit == "family":  # parents with their children; grown-up children may join
                for m in koseki.members:
                    if m in minors:
                        continue
                    if rng.random() < (0.5 if is_child(m) else 0.65):
                        chosen.append(m)
            chosen += minors
        if visit == "loss":
            member = chosen[0]
            loss = self._plan(day, member, K.LOSS_REPORT)
            plans = [loss]
            if rng.random() < 0.5:  # a new application filed with the report
                lost = (loss.previous_number, loss.previous_issued)
                plans.append(_Plan(member, loss.draft, K.NEW, *lost))
            return visit, koseki, plans
        plans = []
        for member in chosen:
            band = age_band(age_on(member.birth_date, day))
            kinds, weights = _KINDS_BY_BAND[band]
            plans.append(self._plan(day, member, rng.choices(kinds, weights=weights)[0]))
        return visit, koseki, plans

    def _plan(self, day: date, member: KosekiMember, kind: ApplicationKind) -> _Plan:
        draft = self.people.drafts[member.person_id]
        kind, issued = previous_passport(self.rng, kind, member.birth_date, day)
        number = self.numbers.new() if issued is not None else None
        return _Plan(member, draft, kind, number, issued)

    def _draw_applicant_answers(self, draft: PersonDraft, day: date) -> None:
        """Answers a person gives once, however many applications they make that day."""
        rng, values = self.rng, draft.values
        if "criminal_answers" in values:
            return
        adult = age_on(draft.birth_date, day) >= 18
        yes = adult and rng.random() < _CRIMINAL_YES_SHARE
        values["criminal_answers"] = "yes" if yes else "no"
        if rng.random() < _OTHER_NATIONALITY_SHARE:
            values["other_nationality"] = rng.choice(_OTHER_NATIONALITIES)
            if rng.random() < 0.3:  # 別名併記 of a foreign surname
                values["other_name"] = rng.choice(_OTHER_SURNAMES)

    # -- the application itself -------------------------------------------------------

    def _application(
        self,
        app_id: str,
        visit_id: str,
        day: date,
        koseki: Koseki,
        plan: _Plan,
        channel: Channel,
        proxy: bool,
        group: frozenset[str],
        contacts: VisitContacts,
    ) -> SimApplication:
        rng, draft, member, kind = self.rng, plan.draft, plan.member, plan.kind
        drafts = self.people.drafts
        values = draft.values
        age = age_on(member.birth_date, day)
        draft.roles.add(SubjectRole.APPLICANT)
        images = ["face_photo", "signature_image"]

        family: tuple[str, ...] = ()
        if channel is Channel.PAPER and kind in KOSEKI_KINDS:
            family = tuple(m.person_id for m in koseki.members if m is not member)
            for pid in family:
                drafts[pid].roles.add(SubjectRole.FAMILY_MEMBER)
            images.append("koseki_image")
        if kind is K.LOSS_REPORT:
            images.append("document_image")  # police report number / 罹災証明書

        rep_id = rep_relation = None
        if age < 18:
            parents = [m for m in koseki.parents() if m.person_id in group] or list(
                koseki.parents()
            )
            rep = rng.choice(parents)
            rep_id, rep_relation = rep.person_id, relation_between(rep, member)
            drafts[rep_id].roles.add(SubjectRole.LEGAL_REPRESENTATIVE)
            drafts[rep_id].values["signature_image"] = PLACEHOLDER + "signature_image"
            if channel is Channel.ONLINE and "email" not in values:
                rep_values = drafts[rep_id].values
                if "email" not in rep_values:
                    rep_values["email"] = self.people.email_for(rep_values["name_romaji"])
                values["email"] = rep_values["email"]  # the parent applies for the child
        if channel is Channel.ONLINE and "email" not in values:
            values["email"] = self.people.email_for(values["name_romaji"])

        contact_id = contact_relation = None
        if kind is not K.LOSS_REPORT:
            contact_id, contact_relation = contacts.pick(member)
            drafts[contact_id].roles.add(SubjectRole.EMERGENCY_CONTACT)

        for name in images:
            values[name] = PLACEHOLDER + name
        passport = None
        if kind is not K.LOSS_REPORT:
            passport = self.numbers.new()
            values["passport_number"] = passport
        if plan.previous_number is not None and plan.previous_issued is not None:
            values["previous_passport"] = (
                f"{plan.previous_number} {plan.previous_issued.isoformat()}"
            )
        validity = None
        if kind not in (K.LOSS_REPORT, K.RECORD_CHANGE_SAME_EXPIRY):
            validity = 5 if age < 18 or rng.random() < 0.18 else 10
        criminal = values["criminal_answers"] == "yes"
        may_proxy = kind is not K.LOSS_REPORT and not criminal and "other_name" not in values
        return SimApplication(
            application_id=app_id,
            visit_id=visit_id,
            application_date=day,
            kind=kind,
            channel=channel,
            applicant_id=member.person_id,
            koseki_id=koseki.koseki_id,
            applicant_age=age,
            family_member_ids=family,
            legal_representative_id=rep_id,
            legal_representative_relation=rep_relation,
            emergency_contact_id=contact_id,
            emergency_contact_relation=contact_relation,
            requested_validity=validity,
            criminal_record_yes=criminal,
            proxy=proxy and may_proxy,
            previous_passport_number=plan.previous_number,
            previous_passport_issued=plan.previous_issued,
            passport_number=passport,
            placeholder_images=tuple(images),
            signed_by_representative=age < 6,
        )
