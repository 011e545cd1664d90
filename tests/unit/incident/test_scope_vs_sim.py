"""Scoping, on the simulator's own events, finds exactly what the simulator recorded showing
the insider (truth.json's `shown`, computed where it emitted the events). The replay test
(tests/integration/incident/test_replay.py) does the same through a real ledger over three
years; this one is quick and needs no database."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ryoken.audit.events import decode_event
from ryoken.incident.scope import Period, scope
from ryoken.sim.output import SimConfig, write_run
from ryoken.sim.scenarios import ScenarioSpec

JST = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("scenario", ["S1", "S3"])
def test_scoping_the_simulated_office_finds_what_it_showed_the_insider(tmp_path, scenario):
    from datetime import date

    config = SimConfig(
        seed=8,
        start=date(2025, 6, 2),
        days=30,
        staff=12,
        applications_per_day=10,
        scenario=ScenarioSpec(scenario, start_day=3),
    )
    write_run(config, tmp_path)
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    (insider,) = truth["insiders"]
    events = [decode_event(line.rstrip(b"\n")) for line in (tmp_path / "events.jsonl").open("rb")]
    # What the office's casework tables say: roles, and the family each applicant's 戸籍謄本
    # names (ryoken.web.incident.scoping reads the same from ApplicationPerson).
    roles: dict[str, set[str]] = {}
    named: dict[str, set[str]] = {}
    for line in (tmp_path / "applications.jsonl").open(encoding="utf-8"):
        app = json.loads(line)
        applicant = app["persons"][0]["subject"]
        for p in app["persons"]:
            roles.setdefault(p["subject"], set()).add(p["role"])
            if p["role"] == "family_member" and p["subject"] != applicant:
                named.setdefault(applicant, set()).add(p["subject"])
    first = datetime.combine(datetime.fromisoformat(truth["first_day"]).date(), time(), JST)
    last = datetime.combine(datetime.fromisoformat(truth["last_day"]).date(), time(), JST)
    found = scope(
        events,
        insider,
        Period(first, last + timedelta(days=1)),
        roles=roles,
        named_in={k: sorted(v) for k, v in named.items()},
    )
    rows = {(r["subject"], r["field"], r["channel"]) for r in found.rows.iter_rows(named=True)}
    assert rows == {tuple(r) for r in truth["shown"][insider]["rows"]}
    assert found.persons == truth["shown"][insider]["persons"]
    assert found.unknown_documents == ()
