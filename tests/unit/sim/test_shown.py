"""The simulator's record of everything it showed the insider (truth.json's `shown`), and
applications.jsonl, which together let a replayed incident be checked against the truth."""

from __future__ import annotations

import json
from datetime import date

import pytest

from ryoken.domain.fields import FIELDS_BY_ROLE, SubjectRole
from ryoken.domain.paper import DOCUMENT_FIELDS
from ryoken.errors import InvalidInput
from ryoken.sim.output import SimConfig, write_run
from ryoken.sim.scenarios import ScenarioSpec
from ryoken.sim.shown import ShownLog

FAMILY = FIELDS_BY_ROLE[SubjectRole.FAMILY_MEMBER]


def rows(log: ShownLog, actor: str) -> set[tuple[str, str, str]]:
    found = log.truth()[actor]
    assert isinstance(found, dict)
    return {tuple(r) for r in found["rows"]}


def test_it_records_screens_and_paper_of_the_watched_only() -> None:
    log = ShownLog(["clerk"])
    log.screen("clerk", "ds_A", ("name_kanji", "phone"))
    log.screen("someone-else", "ds_B", ("name_kanji",))
    log.paper("clerk", ("ds_A", "ds_C"), "receipt", "print")
    assert rows(log, "clerk") == {
        ("ds_A", "name_kanji", "screen"),
        ("ds_A", "phone", "screen"),
        ("ds_A", "name_kanji", "print"),
        ("ds_C", "name_kanji", "print"),
    }
    assert set(log.truth()) == {"clerk"}
    assert log.truth()["clerk"]["persons"] == 2  # type: ignore[index]


def test_a_koseki_shown_shows_the_family_it_names() -> None:
    log = ShownLog(["clerk"])
    log.names("ds_APP", ["ds_APP", "ds_MOTHER", "ds_SON"])  # the applicant is not "named"
    log.screen("clerk", "ds_APP", ("koseki_image",))
    log.screen("clerk", "ds_OTHER", ("document_image",))  # a police report names nobody
    log.paper("clerk", ("ds_APP",), "koseki", "copy")
    expected = {("ds_APP", "koseki_image", "screen"), ("ds_APP", "koseki_image", "copy")}
    expected |= {
        (p, f, c) for p in ("ds_MOTHER", "ds_SON") for f in FAMILY for c in ("screen", "copy")
    }
    expected.add(("ds_OTHER", "document_image", "screen"))
    assert rows(log, "clerk") == expected


def test_it_refuses_a_document_the_office_does_not_define_and_a_channel_that_is_not_paper():
    log = ShownLog(["clerk"])
    with pytest.raises(InvalidInput, match="undefined document"):
        log.paper("clerk", ("ds_A",), "mystery", "print")
    with pytest.raises(InvalidInput, match="paper channel"):
        log.paper("clerk", ("ds_A",), "receipt", "screen")
    assert DOCUMENT_FIELDS["receipt"] == ("name_kanji",)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("s1")
    config = SimConfig(
        seed=4,
        start=date(2025, 4, 1),
        days=40,
        staff=12,
        applications_per_day=12,
        scenario=ScenarioSpec("S1", intensity=0.3, start_day=2),
    )
    write_run(config, out)
    return out


def test_the_truth_lists_everything_shown_to_the_insider_and_what_was_taken_is_in_it(run):
    truth = json.loads((run / "truth.json").read_text(encoding="utf-8"))
    (insider,) = truth["insiders"]
    assert set(truth["shown"]) == {insider}
    shown = {tuple(r) for r in truth["shown"][insider]["rows"]}
    persons = {s for s, _, _ in shown}
    assert truth["shown"][insider]["persons"] == len(persons)
    assert {c for _, _, c in shown} >= {"screen", "print"}
    taken = {e["subject"] for e in truth["exposures"]}
    assert taken and taken <= persons
    # Everyone on the insider's own screens and paper is in it.
    events = [json.loads(line) for line in (run / "events.jsonl").open(encoding="utf-8")]
    touched = {
        s
        for e in events
        if e["actor"] == insider and e["code"] in ("disclosure", "match", "print", "copy")
        for s in e["subjects"]
    }
    assert persons >= touched  # and the family a 戸籍謄本 on screen names


def test_applications_name_known_persons_with_their_roles(run):
    persons = {
        json.loads(line)["subject_id"]: json.loads(line)
        for line in (run / "persons.jsonl").open(encoding="utf-8")
    }
    apps = [json.loads(line) for line in (run / "applications.jsonl").open(encoding="utf-8")]
    assert apps and all(a["synthetic"] for a in apps)
    roles: dict[str, set[str]] = {}
    for app in apps:
        assert app["persons"][0]["role"] == "applicant"
        for p in app["persons"]:
            assert p["subject"] in persons
            roles.setdefault(p["subject"], set()).add(p["role"])
    for subject, found in roles.items():
        assert found == set(persons[subject]["roles"]), subject


def test_a_run_without_an_insider_watches_nobody(tmp_path):
    write_run(
        SimConfig(seed=1, start=date(2025, 4, 1), days=2, staff=10, applications_per_day=5),
        tmp_path,
    )
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["shown"] == {}
