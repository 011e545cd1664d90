"""Each insider kind: the clean office plus exactly its lines, and what truth says."""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from ryoken.office2 import INSIDER_KINDS

from .conftest import Run
from .test_generate import check_line, lines

CONFIG, SEED, DAYS = "H1", 3, 30


def _truth(run: Path) -> dict[str, object]:
    insider = json.loads((run / "truth.json").read_text())["insider"]
    assert isinstance(insider, dict)
    return insider


def _staff(run: Path) -> dict[str, dict[str, str]]:
    with open(run / "staff.csv", encoding="utf-8") as f:
        return {r["staff_id"]: r for r in csv.DictReader(f)}


@lru_cache(maxsize=4)
def _work_opened(run: Path) -> list[dict[str, Any]]:
    """The ticket calls and queue reviews of a run (parsed once)."""
    return [
        json.loads(line)
        for line in lines(run)
        if '"code":"ticket.call"' in line or '"queue":true' in line
    ]


def _served(run: Path, actor: str) -> set[str]:
    """Persons called to the actor's window or taken from the review queue by them."""
    out: set[str] = set()
    for e in _work_opened(run):
        if e["actor"] == actor and (
            e["code"] == "ticket.call" or (e["code"] == "grant.open" and e["details"].get("queue"))
        ):
            out.update(e["subjects"])
    return out


@pytest.mark.parametrize("kind", INSIDER_KINDS)
def test_it_adds_only_the_insiders_lines(kind: str, office2_run: Run) -> None:
    clean = office2_run(CONFIG, SEED, DAYS)
    run = office2_run(CONFIG, SEED, DAYS, kind)
    truth = _truth(run)
    drop = set(truth["event_lines"])  # type: ignore[arg-type]
    everything = lines(run)
    assert [line for k, line in enumerate(everything) if k not in drop] == lines(clean)
    for name in ("staff.csv", "subjects.csv"):
        assert (run / name).read_bytes() == (clean / name).read_bytes()
    exposed = truth["exposed"]
    assert isinstance(exposed, list) and exposed
    assert truth["first_exposure"] == min(at for _, at in exposed)
    assert len({p for p, _ in exposed}) == len(exposed)
    if kind == "skim_no_footprint":
        assert drop == set()
        return
    assert drop
    events = [check_line(everything[k]) for k in sorted(drop)]
    assert {e["actor"] for e in events} == set(truth["accounts"])  # type: ignore[arg-type]
    shown = {p for e in events for p in e["subjects"]}  # type: ignore[attr-defined]
    assert {p for p, _ in exposed} <= shown


def test_it_keeps_a_bulk_insider_to_one_day_and_many_persons(office2_run: Run) -> None:
    run = office2_run(CONFIG, SEED, DAYS, "bulk")
    truth = _truth(run)
    everything = lines(run)
    days = {json.loads(everything[k])["at"][:10] for k in truth["event_lines"]}  # type: ignore[attr-defined]
    assert len(days) == 1
    assert len(truth["exposed"]) >= 60  # type: ignore[arg-type]


def test_it_lets_a_borrowed_login_use_a_colleagues_account(office2_run: Run) -> None:
    run = office2_run(CONFIG, SEED, DAYS, "borrowed_login")
    truth = _truth(run)
    staff = _staff(run)
    (account,) = truth["accounts"]  # type: ignore[misc]
    assert account != truth["person"]
    assert staff[account]["role"] == staff[str(truth["person"])]["role"]
    everything = lines(run)
    codes = [json.loads(everything[k])["code"] for k in truth["event_lines"]]  # type: ignore[attr-defined]
    assert "auth.login" in codes


def test_it_has_a_snoop_look_at_well_known_people_and_neighbours(office2_run: Run) -> None:
    run = office2_run(CONFIG, SEED, DAYS, "snoop")
    truth = _truth(run)
    with open(run / "subjects.csv", encoding="utf-8") as f:
        subjects = {r["subject_id"]: r for r in csv.DictReader(f)}
    me = _staff(run)[str(truth["person"])]
    looked = [subjects[p] for p, _ in truth["exposed"]]  # type: ignore[attr-defined]
    assert any(s["watchlist"] == "1" for s in looked)
    assert any(s["area_token"] == me["area_token"] for s in looked)


def test_it_has_a_family_chain_read_relatives_of_persons_served(office2_run: Run) -> None:
    run = office2_run(CONFIG, SEED, DAYS, "family_chain")
    truth = _truth(run)
    with open(run / "subjects.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    tokens = {r["subject_id"]: set(r["family_token"].split(";")) for r in rows}
    household = {r["subject_id"]: r["household_token"] for r in rows}
    served = _served(run, str(truth["person"]))
    homes = {household[p] for p in served}
    # the served persons' households' 戸籍 tokens: relatives elsewhere share one
    served_tokens = set().union(
        *(tokens[r["subject_id"]] for r in rows if r["household_token"] in homes)
    )
    related = [
        p
        for p, _ in truth["exposed"]  # type: ignore[attr-defined]
        if tokens[p] & served_tokens and household[p] not in homes
    ]
    assert len(related) >= 2


@pytest.mark.parametrize(
    "kind", ["skim_footprint", "skim_no_footprint", "new_hire_skim", "pre_departure_skim"]
)
def test_it_has_a_skimmer_skim_only_persons_they_serve(kind: str, office2_run: Run) -> None:
    run = office2_run(CONFIG, SEED, DAYS, kind)
    truth = _truth(run)
    served = _served(run, str(truth["person"]))
    exposed = {p for p, _ in truth["exposed"]}  # type: ignore[attr-defined]
    assert exposed <= served
    me = _staff(run)[str(truth["person"])]
    first = str(truth["first_exposure"])[:10]
    if kind == "new_hire_skim":
        assert me["hired_on"] > "2026-12-01" and first > me["hired_on"]
    if kind == "pre_departure_skim":
        assert me["contract_end"] and first <= me["contract_end"]
        last = max(at for _, at in truth["exposed"])[:10]  # type: ignore[attr-defined]
        assert last <= me["contract_end"]
