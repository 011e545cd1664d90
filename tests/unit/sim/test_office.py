import re
from collections import Counter
from datetime import date, timedelta

import pytest

from ryoken.domain.applications import ApplicationKind, Channel
from ryoken.domain.fields import FIELDS_BY_NAME, FIELDS_BY_ROLE
from ryoken.errors import InvalidInput
from ryoken.sim.office import KOSEKI_KINDS, ONLINE_FROM, SimOffice, age_band, generate_office
from ryoken.sim.people import age_on, is_child, years_before

K = ApplicationKind
START = date(2025, 4, 7)  # after online applications reached 44%


@pytest.fixture(scope="module")
def office() -> SimOffice:
    return generate_office(2025, start=START, days=20, applications_per_day=150)


def share(count: int, total: int) -> float:
    return count / total


def test_it_generates_the_same_office_for_the_same_seed(office):
    again = generate_office(2025, start=START, days=20, applications_per_day=150)
    assert again.fingerprint() == office.fingerprint()
    assert again.applications == office.applications


def test_it_generates_a_different_office_for_another_seed(office):
    other = generate_office(2026, start=START, days=20, applications_per_day=150)
    assert other.fingerprint() != office.fingerprint()
    assert {p.fields["name_kanji"] for p in other.persons.values()} != {
        p.fields["name_kanji"] for p in office.persons.values()
    }


def test_it_fills_each_business_day_with_the_asked_number_of_applications(office):
    per_day = Counter(a.application_date for a in office.applications)
    assert len(per_day) == 20
    assert set(per_day.values()) == {150}
    assert all(day.weekday() < 5 for day in per_day)
    dates = [a.application_date for a in office.applications]
    assert dates == sorted(dates)
    assert len({a.application_id for a in office.applications}) == len(office.applications)


def test_it_keeps_the_year_end_closure():
    small = generate_office(1, start=date(2025, 12, 26), days=3, applications_per_day=2)
    assert small.business_days == (date(2025, 12, 26), date(2026, 1, 5), date(2026, 1, 6))


def test_it_keeps_families_of_one_to_five_under_one_surname(office):
    sizes = Counter(len(k.members) for k in office.koseki)
    assert set(sizes) == {1, 2, 3, 4, 5}
    for koseki in office.koseki:
        assert koseki.members[0].relation == "筆頭者"
        for member in koseki.members:
            person = office.persons.get(member.person_id)
            if person is not None:
                assert person.fields["name_kanji"].split()[0] == koseki.surname_kanji


def test_it_makes_children_younger_than_their_parents(office):
    checked = 0
    for koseki in office.koseki:
        parents = [m for m in koseki.members if not is_child(m)]
        assert 1 <= len(parents) <= 2
        for child in (m for m in koseki.members if is_child(m)):
            for parent in parents:
                assert age_on(parent.birth_date, child.birth_date) >= 20
                checked += 1
    assert checked > 1000


def test_it_gives_every_minor_a_parent_as_legal_representative(office):
    kosekis = {k.koseki_id: k for k in office.koseki}
    minors = [a for a in office.applications if a.applicant_age < 18]
    assert minors
    for app in office.applications:
        if app.applicant_age >= 18:
            assert app.legal_representative_id is None
            continue
        koseki = kosekis[app.koseki_id]
        rep = koseki.member(app.legal_representative_id)
        assert not is_child(rep)
        assert age_on(rep.birth_date, app.application_date) >= 20
        assert app.legal_representative_relation in {"父", "母"}


def test_it_names_only_people_it_holds_and_holds_only_people_it_names(office):
    named = set()
    for app in office.applications:
        named.update(app.person_ids())
    assert named == set(office.persons)


def test_it_records_only_catalogue_fields_that_the_persons_roles_need(office):
    for person in office.persons.values():
        allowed = set().union(*(FIELDS_BY_ROLE[role] for role in person.roles))
        assert set(person.fields) <= allowed
        assert set(person.fields) <= set(FIELDS_BY_NAME)
        assert all(isinstance(v, str) and v for v in person.fields.values())


def test_it_never_reuses_a_passport_number_or_person_id(office):
    numbers = [a.passport_number for a in office.applications if a.passport_number]
    lost_and_replaced = {
        a.previous_passport_number
        for a in office.applications
        if a.kind is K.NEW and a.previous_passport_number
    }
    previous = [
        a.previous_passport_number
        for a in office.applications
        if a.previous_passport_number and a.previous_passport_number not in lost_and_replaced
    ]
    everything = numbers + previous + sorted(lost_and_replaced)
    assert len(everything) == len(set(everything))
    assert all(re.fullmatch(r"[A-Z]{2}[0-9]{7}", n) for n in everything)
    ids = [p.person_id for p in office.persons.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"ds_[0-9a-f]{16}", i) for i in ids)


def test_it_mixes_kinds_like_a_passport_office(office):
    kinds = Counter(a.kind for a in office.applications)
    total = len(office.applications)
    assert kinds[K.RENEWAL] > kinds[K.NEW] > kinds[K.RECORD_CHANGE] > kinds[K.LOSS_REPORT] > 0
    assert 0.45 <= share(kinds[K.RENEWAL], total) <= 0.60
    assert 0.30 <= share(kinds[K.NEW], total) <= 0.45
    changes = kinds[K.RECORD_CHANGE] + kinds[K.RECORD_CHANGE_SAME_EXPIRY]
    assert 0.03 <= share(changes, total) <= 0.12
    assert kinds[K.RECORD_CHANGE_SAME_EXPIRY] > 0
    assert 0.005 <= share(kinds[K.LOSS_REPORT], total) <= 0.04


def test_it_spreads_applicants_over_children_teenagers_adults_and_elderly(office):
    bands = Counter(age_band(a.applicant_age) for a in office.applications)
    total = len(office.applications)
    assert bands.most_common(1)[0][0] == "18_64"
    for band in ("under_12", "12_17", "65_plus"):
        assert 0.05 <= share(bands[band], total) <= 0.25


def test_it_puts_the_asked_share_online_from_march_2025(office):
    online = sum(1 for a in office.applications if a.channel is Channel.ONLINE)
    assert abs(share(online, len(office.applications)) - 0.44) <= 0.03
    assert office.summary()["channel.online"] == online


def test_it_keeps_everything_on_paper_before_online_applications_opened():
    start = ONLINE_FROM - timedelta(days=30)
    early = generate_office(4, start=start, days=10, applications_per_day=50)
    assert all(a.application_date < ONLINE_FROM for a in early.applications)
    assert {a.channel for a in early.applications} == {Channel.PAPER}


def test_it_takes_loss_reports_on_paper_in_person_without_a_new_passport(office):
    losses = [a for a in office.applications if a.kind is K.LOSS_REPORT]
    assert losses
    for app in losses:
        assert app.channel is Channel.PAPER
        assert not app.proxy
        assert app.passport_number is None
        assert app.previous_passport_number is not None
        assert "document_image" in app.placeholder_images


def test_it_asks_for_a_koseki_certificate_only_on_paper_new_and_record_change(office):
    kosekis = {k.koseki_id: k for k in office.koseki}
    for app in office.applications:
        members = set(kosekis[app.koseki_id].member_ids) - {app.applicant_id}
        needs = app.channel is Channel.PAPER and app.kind in KOSEKI_KINDS
        assert set(app.family_member_ids) == (members if needs else set())
        assert ("koseki_image" in app.placeholder_images) == needs
    assert any(app.family_member_ids for app in office.applications)


def test_it_gives_minors_five_year_passports(office):
    for app in office.applications:
        if app.kind in (K.LOSS_REPORT, K.RECORD_CHANGE_SAME_EXPIRY):
            assert app.requested_validity is None
        elif app.applicant_age < 18:
            assert app.requested_validity == 5
        else:
            assert app.requested_validity in (5, 10)
    assert any(a.requested_validity == 10 for a in office.applications)


def test_it_renews_only_passports_with_less_than_a_year_left(office):
    for app in office.applications:
        if app.kind is not K.RENEWAL:
            continue
        issued = app.previous_passport_issued
        assert issued is not None
        birth = date.fromisoformat(office.persons[app.applicant_id].fields["birth_date"])
        assert issued > birth
        expiries = (years_before(issued, -n) for n in (5, 10))  # n years after
        assert any(0 < (e - app.application_date).days <= 366 for e in expiries)


def test_it_never_lets_a_proxy_submit_what_the_law_excludes(office):
    proxies = [a for a in office.applications if a.proxy]
    assert proxies
    for app in proxies:
        assert app.channel is Channel.PAPER
        assert app.kind is not K.LOSS_REPORT
        assert not app.criminal_record_yes


def test_it_brings_families_together_on_one_day(office):
    visits: dict[str, list] = {}
    for app in office.applications:
        visits.setdefault(app.visit_id, []).append(app)
    families = [apps for apps in visits.values() if len({a.applicant_id for a in apps}) > 1]
    assert share(len(families), len(visits)) > 0.1
    for apps in families:
        assert len({a.koseki_id for a in apps}) == 1
        assert len({a.application_date for a in apps}) == 1
        assert len({a.channel for a in apps}) == 1
    assert any(any(a.applicant_age < 12 for a in apps) for apps in families)


def test_it_names_an_emergency_contact_from_the_family_or_outside_it(office):
    kosekis = {k.koseki_id: k for k in office.koseki}
    inside = outside = friends = 0
    for app in office.applications:
        if app.kind is K.LOSS_REPORT:
            assert app.emergency_contact_id is None
            continue
        assert app.emergency_contact_id != app.applicant_id
        assert app.emergency_contact_relation
        friends += app.emergency_contact_relation in ("友人", "知人")
        if app.emergency_contact_id in kosekis[app.koseki_id].member_ids:
            inside += 1
        else:
            outside += 1
    assert inside > 0 and outside > 0
    # Mostly family, whether in the same register or living elsewhere; sometimes a friend.
    assert 0.05 <= share(friends, inside + outside) <= 0.3


def test_it_keeps_contact_details_unreachable(office):
    for person in office.persons.values():
        fields = person.fields
        if "email" in fields:
            assert re.fullmatch(r"[a-z.]+[0-9]+@example\.(com|net|org)", fields["email"])
        for name in ("phone", "mobile"):
            if name in fields:
                # A local number never starts with 0 (the trunk prefix): nobody has these.
                assert re.fullmatch(r"0[0-9]{1,3}-0[0-9]{2,3}-[0-9]{4}", fields[name])


def test_it_gives_online_applicants_an_email_address(office):
    for app in office.applications:
        if app.channel is Channel.ONLINE:
            assert "@" in office.persons[app.applicant_id].fields["email"]


def test_it_refuses_impossible_sizes():
    with pytest.raises(InvalidInput):
        generate_office(1, start=START, days=-1, applications_per_day=10)
    with pytest.raises(InvalidInput):
        generate_office(1, start=START, days=1, applications_per_day=10, online_share=1.5)


def test_it_summarises_what_it_made(office):
    summary = office.summary()
    assert summary["applications"] == len(office.applications) == 3000
    assert summary["persons"] == len(office.persons)
    assert sum(summary[f"kind.{k.value}"] for k in ApplicationKind) == 3000
    assert (
        summary["age.under_12"]
        + summary["age.12_17"]
        + summary["age.18_64"]
        + summary["age.65_plus"]
        == 3000
    )
    assert summary["group_visits"] > 0
