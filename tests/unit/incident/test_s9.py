"""Attribution on the simulator's S9: an office with a skimming clerk, and a leaked list of
10 rows (30% about people the office never saw) with the variants and typos a list picks up.

The full target (the right source first in at least 95% of runs) was measured over 55
larger runs (see ryoken/incident/attribution.py); here three small offices keep it honest.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from ryoken.audit.events import decode_event
from ryoken.errors import InvalidInput
from ryoken.incident.attribution import Canary, ExposureTable, attribute
from ryoken.incident.exposures import exposures
from ryoken.incident.leaks import TokenIndex, TokenMatcher, match_rows, read_leaked_csv
from ryoken.privacy.blind_index import KIND_OF_FIELD, BlindIndexer
from ryoken.sim.output import SimConfig, write_run
from ryoken.sim.scenarios import ScenarioSpec

INDEXER = BlindIndexer(b"v" * 32)


def vault_tokens(persons_jsonl: Path) -> dict[str, dict[str, list[str]]]:
    """What the vault's blind-index table would hold for the simulated people."""
    tokens: dict[str, dict[str, list[str]]] = {}
    for line in persons_jsonl.open(encoding="utf-8"):
        person = json.loads(line)
        per: dict[str, list[str]] = {}
        for name, value in person["fields"].items():
            kind = KIND_OF_FIELD.get(name)
            if kind and value:
                try:
                    per.setdefault(kind, []).extend(INDEXER.tokens_for(kind, value))
                except InvalidInput:
                    continue
        tokens[person["subject_id"]] = per
    return tokens


@pytest.mark.parametrize("seed", [101, 102, 104])
def test_it_names_the_s9_insider_first_from_the_leaked_list(tmp_path: Path, seed: int) -> None:
    config = SimConfig(
        seed=seed,
        start=date(2024, 4, 1),
        days=25,
        staff=20,
        applications_per_day=40,
        scenario=ScenarioSpec("S9"),
    )
    write_run(config, tmp_path)
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    events = [decode_event(line.rstrip(b"\n")) for line in (tmp_path / "events.jsonl").open("rb")]
    table = ExposureTable(exposures(events).frame)
    canaries = [
        Canary(row["subject_id"], row["canary_staff"] or None, row["canary_window"] or None)
        for row in csv.DictReader((tmp_path / "subjects.csv").open(encoding="utf-8"))
        if row["canary"] == "1"
    ]
    matcher = TokenMatcher(INDEXER, TokenIndex(vault_tokens(tmp_path / "persons.jsonl")))
    matches = match_rows(read_leaked_csv((tmp_path / "leaked.csv").read_bytes()), matcher)

    result = attribute(matches, table, canaries=canaries)

    assert result.staff[0].agent == truth["insiders"][0]
    leaked_truth = {row["row"]: row["subject"] for row in truth["leaked"]}
    assert {m.row.row: m.subject for m in matches} == leaked_truth
