import csv
import json
import random
import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from ryoken.errors import InvalidInput
from ryoken.sim.output import SimConfig, write_run
from ryoken.sim.scenarios import LEAKED_COLUMNS, SCENARIOS, ScenarioSpec, Skimmer, corrupt

START = date(2025, 4, 1)
DAYS = 20


class Result:
    def __init__(self, path):
        self.path = path
        self.truth = json.loads((path / "truth.json").read_text(encoding="utf-8"))
        self.events = [json.loads(line) for line in (path / "events.jsonl").open(encoding="utf-8")]
        self.staff = {r["staff_id"]: r for r in csv.DictReader((path / "staff.csv").open())}
        self.subjects = {r["subject_id"]: r for r in csv.DictReader((path / "subjects.csv").open())}

    def by(self, actor):
        return [e for e in self.events if e["actor"] == actor]


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    cache = {}

    def run(name=None, **spec):
        key = (name, tuple(sorted(spec.items())))
        if key not in cache:
            scenario = ScenarioSpec(name, **spec) if name else None
            out = tmp_path_factory.mktemp(name or "base")
            config = SimConfig(
                seed=17,
                start=START,
                days=DAYS,
                staff=60,
                applications_per_day=60,
                scenario=scenario,
            )
            write_run(config, out)
            cache[key] = Result(out)
        return cache[key]

    return run


def jst_hour(at):
    return (int(at[11:13]) + 9) % 24


def jst_day(at):
    return (datetime.fromisoformat(at) + timedelta(hours=9)).date().isoformat()


def injected_keys(result):
    return {(i["code"], i["at"], i["actor"]) for i in result.truth["injected"]}


def test_it_refuses_an_unknown_scenario():
    with pytest.raises(InvalidInput):
        ScenarioSpec("S10")
    with pytest.raises(InvalidInput):
        ScenarioSpec("S1", intensity=-1)


def test_it_lets_a_skimming_clerk_leave_footprints_only_on_their_own_applicants(sim):
    r = sim("S1", intensity=0.3, start_day=3)
    (insider,) = r.truth["insiders"]
    assert r.staff[insider]["role"] == "counter_clerk"
    exposed = set(r.truth["exposed_subjects"])
    assert len(exposed) > 10
    events = {(e["code"], e["at"], e["actor"]): e for e in r.events}
    injected = r.truth["injected"]
    assert {i["code"] for i in injected} >= {"disclosure", "external.copier"}
    for i in injected:
        e = events[(i["code"], i["at"], i["actor"])]  # every injected event is in the file
        assert e["actor"] == insider
        assert set(e["subjects"]) <= exposed
        if e["code"] == "disclosure":
            assert e["details"]["reason"] and e["details"]["form"] == "shown"
            assert e["details"]["grant_kind"] == "counter"
    assert all(x["how"] and x["fields"] and x["staff"] == insider for x in r.truth["exposures"])
    assert r.truth["start"] == "2025-04-04" and r.truth["parameters"]["intensity"] == 0.3


def test_it_hides_the_paper_only_skimmer_completely(sim):
    base, nofoot = sim(), sim("S1-nofoot", intensity=0.3, start_day=3)
    assert (base.path / "events.jsonl").read_bytes() == (nofoot.path / "events.jsonl").read_bytes()
    assert nofoot.truth["injected"] == []
    assert len(nofoot.truth["exposed_subjects"]) > 10
    assert all(x["how"] == ["paper"] for x in nofoot.truth["exposures"])


def test_it_makes_the_snoop_look_up_vips_neighbours_and_namesakes(sim):
    r = sim("S2", intensity=2.0, start_day=3)
    (insider,) = r.truth["insiders"]
    me = r.staff[insider]
    targets = {s for i in r.truth["injected"] if i["code"] == "search" for s in i["subjects"]}
    assert targets
    for s in targets:
        row = r.subjects[s]
        assert (
            row["watchlist"] == "1"
            or row["area_token"] == me["area_token"]
            or row["surname_token"] == me["surname_token"]
        )
    glass = [i for i in r.truth["injected"] if i["code"] == "breakglass.open"]
    assert glass and all(i["actor"] == insider for i in glass)


def test_it_harvests_in_bulk_after_hours(sim):
    r = sim("S3", intensity=80, start_day=3)
    (insider,) = r.truth["insiders"]
    assert len(r.truth["exposed_subjects"]) == 80
    assert all(jst_hour(i["at"]) >= 20 for i in r.truth["injected"])
    badges = [e for e in r.by(insider) if e["code"] == "external.badge" and jst_hour(e["at"]) >= 20]
    assert [b["details"]["direction"] for b in badges] == ["in", "out"]
    printed = [i for i in r.truth["injected"] if i["code"] == "print"]
    assert len(printed[0]["subjects"]) == 80


def test_it_follows_the_family_chain_from_a_pickup(sim):
    r = sim("S4", intensity=0.5, start_day=3)
    (insider,) = r.truth["insiders"]
    assert r.staff[insider]["role"] == "issuance_clerk"
    grants = {}
    for e in r.events:
        if e["code"] == "grant.open":
            grants.setdefault(e["grant"], set()).update(e["subjects"])
    open_pickup = None
    looked_up = 0
    for e in r.by(insider):
        if e["code"] == "grant.open" and e["purpose"] == "pickup" and not e["details"].get("added"):
            open_pickup = e
        if e["code"] == "breakglass.open":
            families = {r.subjects[s]["family_token"] for s in open_pickup["subjects"]}
            for s in e["subjects"]:
                assert r.subjects[s]["family_token"] in families
                assert s not in grants[open_pickup["grant"]]
                looked_up += 1
    assert looked_up


def test_it_spikes_after_the_clerk_gives_notice(sim):
    r = sim("S5", intensity=0.4, start_day=3)
    (insider,) = r.truth["insiders"]
    me = r.staff[insider]
    assert me["employer_kind"] == "contractor"
    assert (me["notice_given_on"], me["contract_end"]) == (
        r.truth["notice_given_on"],
        r.truth["contract_end"],
    )
    days = {x["day"] for x in r.truth["exposures"]}
    assert days and min(days) >= me["notice_given_on"] and max(days) <= me["contract_end"]


def test_it_uses_a_colleagues_login_while_they_are_away_or_elsewhere(sim):
    r = sim("S6", intensity=5.0, start_day=3)
    (insider,) = r.truth["insiders"]
    owner = r.truth["credential_owner"]
    assert owner != insider
    sessions = r.truth["sessions"]
    assert sessions
    for s in sessions:
        logins = [
            e
            for e in r.by(owner)
            if e["code"] == "auth.login"
            and e["terminal"] == s["terminal"]
            and jst_day(e["at"]) == s["day"]
        ]
        assert logins
        badged = any(
            e["code"] == "external.badge" and jst_day(e["at"]) == s["day"] for e in r.by(owner)
        )
        assert badged == (s["mode"] == "two_terminals")
    assert all(i["actor"] == owner for i in r.truth["injected"])
    assert all(x["staff"] == insider and x["actor"] == owner for x in r.truth["exposures"])


def test_it_spreads_a_skim_over_colluding_clerks(sim):
    r = sim("S7", intensity=0.9, start_day=3, insiders=3)
    assert len(r.truth["insiders"]) == 3
    by_staff = Counter(x["staff"] for x in r.truth["exposures"])
    assert set(by_staff) == set(r.truth["insiders"])


def test_it_ramps_the_skim_up_slowly():
    from ryoken.sim.workday import Hooks

    assert isinstance(Skimmer(ScenarioSpec("S8"), 1, [START] * 100), Hooks)
    ramp = Skimmer(ScenarioSpec("S8", intensity=0.05, start_day=10, ramp_days=60), 1, [START] * 200)
    qs = [ramp.q(d) for d in (10, 40, 69, 150)]
    assert qs[0] < qs[1] < qs[2] == qs[3] == pytest.approx(0.05)
    assert qs[0] < 0.002


def test_it_surfaces_a_leaked_list_of_mostly_exposed_people(sim):
    r = sim("S9", intensity=0.4, start_day=3)
    with (r.path / "leaked.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10 and tuple(rows[0]) == LEAKED_COLUMNS
    truth = r.truth["leaked"]
    exposed = set(r.truth["exposed_subjects"])
    inside = [t for t in truth if t["source"] == "exposed"]
    assert len(inside) == 7 and all(t["subject"] in exposed for t in inside)
    assert all(t["subject"] is None for t in truth if t["source"] == "outside")
    for t, row in zip(sorted(truth, key=lambda t: t["row"]), rows, strict=True):
        assert t["corruptions"]
        assert row != t["true"]  # nothing surfaces exactly as the office holds it
    persons = {}
    for line in (r.path / "persons.jsonl").open(encoding="utf-8"):
        p = json.loads(line)
        persons[p["subject_id"]] = p["fields"]
    for t in inside:
        assert t["true"]["name_kanji"] == persons[t["subject"]]["name_kanji"]


def test_it_corrupts_a_leaked_row_the_way_lists_get_corrupted():
    row = {
        "name_kanji": "高橋 真",
        "name_kana": "タカハシ シン",
        "birth_date": "1985-03-12",
        "address": "東京都八王子市中川1丁目2番3号",
        "phone": "090-0123-4567",
    }
    seen = Counter()
    for n in range(200):
        out, applied = corrupt(random.Random(n), row)
        assert applied and out != row
        seen.update(applied)
        if "date_form" in applied and "fullwidth_digits" not in applied:
            assert out["birth_date"] in ("1985/3/12", "昭和60年3月12日")
        if "address_form" in applied:
            assert out["address"] == "東京都八王子市中川1-2-3"
        if "kanji_variant" in applied:
            assert out["name_kanji"].startswith("髙")
        if "fullwidth_digits" in applied:
            assert re.search("[０-９]", out["birth_date"] + out["phone"])
    assert set(seen) == {
        "kanji_variant",
        "kana_hiragana",
        "kana_halfwidth",
        "no_space",
        "fullwidth_digits",
        "address_form",
        "date_form",
        "typo",
    }


def test_it_names_every_scenario_the_issue_asks_for():
    assert SCENARIOS == ("S1", "S1-nofoot", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9")
