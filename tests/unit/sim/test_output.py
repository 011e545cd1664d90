import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import date
from itertools import islice
from pathlib import Path

import pytest

from ryoken.audit.events import canonical_bytes, decode_event
from ryoken.cli import main
from ryoken.domain.fields import FIELDS_BY_NAME
from ryoken.sim.output import (
    STAFF_HEADER,
    SUBJECTS_HEADER,
    SimConfig,
    simulate,
    write_run,
)
from ryoken.sim.scenarios import ScenarioSpec

DOCS = Path(__file__).resolve().parents[3] / "docs" / "events.md"
CONFIG = SimConfig(
    seed=9,
    start=date(2025, 4, 1),
    days=8,
    staff=40,
    applications_per_day=40,
    scenario=ScenarioSpec("S9", intensity=0.5, start_day=1),
)
CLI_ARGS = [
    "simulate", "--seed", "9", "--days", "8", "--staff", "40", "--applications-per-day", "40",
    "--scenario", "S9", "--intensity", "0.5", "--start-day", "1",
]  # fmt: skip


def documented():
    """(top-level keys, event codes) as docs/events.md lists them."""
    text = DOCS.read_text(encoding="utf-8")
    event_table, codes_table = text.split("## Codes and their details")
    keys = set(re.findall(r"^\| `([a-z_]+)` \|", event_table.split("## Staff file")[0], re.M))
    codes = set()
    for first_cell in re.findall(r"^\| (`[^|]+) \|", codes_table.split("## Staff file")[0], re.M):
        codes.update(re.findall(r"`([a-z_.]+)`", first_cell))
    return keys, codes


def digests(path):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    path = tmp_path_factory.mktemp("run")
    summary = write_run(CONFIG, path)
    assert summary.events > 5_000
    return path


def test_it_writes_the_same_files_for_the_same_seed_even_in_another_process(out, tmp_path):
    env = {**os.environ, "PYTHONHASHSEED": "4242"}  # set order must not leak into the output
    subprocess.run(
        [sys.executable, "-m", "ryoken.cli", *CLI_ARGS, "--out", str(tmp_path)],
        check=True,
        env=env,
        capture_output=True,
    )
    assert digests(tmp_path) == digests(out)
    assert "leaked.csv" in digests(out)


def test_it_writes_another_office_for_another_seed(out, tmp_path):
    write_run(
        SimConfig(seed=10, start=CONFIG.start, days=2, staff=40, applications_per_day=40), tmp_path
    )
    first = (out / "events.jsonl").open().readline()
    assert (tmp_path / "events.jsonl").open().readline() != first


def test_it_writes_every_line_in_the_documented_schema(out):
    keys, codes = documented()
    assert {"code", "at", "actor", "subjects", "fields", "details"} <= keys
    subjects = {r["subject_id"] for r in csv.DictReader((out / "subjects.csv").open())}
    staff = {r["staff_id"] for r in csv.DictReader((out / "staff.csv").open())}
    previous = ""
    seen_codes = set()
    with (out / "events.jsonl").open("rb") as handle:
        for n, line in enumerate(handle, 1):
            raw = line.rstrip(b"\n")
            obj = json.loads(raw)
            # `v` is optional (schema v2); ryoken's simulator writes v1 lines, which v2 reads
            assert set(obj) <= keys and keys - set(obj) <= {"v"}, n
            assert obj["code"] in codes, (n, obj["code"])
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", obj["at"]), n
            assert obj["at"] >= previous, n
            previous = obj["at"]
            assert obj["actor"] in staff or obj["actor"] in ("system", "kiosk"), n
            assert set(obj["subjects"]) <= subjects, n
            assert all(f in FIELDS_BY_NAME for f in obj["fields"]), n
            for value in obj["details"].values():
                assert value is None or isinstance(value, str | int | bool), n
            assert obj["grant"] is None or obj["grant"].startswith("gr_"), n
            assert canonical_bytes(decode_event(raw)) == raw, n  # the line IS the event
            seen_codes.add(obj["code"])
    assert seen_codes >= {
        "auth.login", "auth.logout", "external.badge", "ticket.issue", "ticket.call",
        "ticket.close", "grant.open", "grant.close", "subject.write", "disclosure", "match",
        "print", "external.copier", "workflow.transition", "search",
    }  # fmt: skip


def test_it_writes_staff_and_subjects_files_with_consistent_tokens(out):
    with (out / "staff.csv").open() as handle:
        assert tuple(next(csv.reader(handle))) == STAFF_HEADER
    with (out / "subjects.csv").open() as handle:
        assert tuple(next(csv.reader(handle))) == SUBJECTS_HEADER
    staff = {r["staff_id"]: r for r in csv.DictReader((out / "staff.csv").open())}
    subjects = {r["subject_id"]: r for r in csv.DictReader((out / "subjects.csv").open())}
    for row in [*staff.values(), *subjects.values()]:
        for key in ("surname_token", "area_token", "family_token"):
            assert re.fullmatch(r"([0-9a-f]{32})?", row.get(key, "")), row
    assert "nationality" not in " ".join(STAFF_HEADER)
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    families = truth["confounders"]["staff_family"]
    assert families
    for case in families:
        for s in case["subjects"]:
            assert subjects[s]["surname_token"] == staff[case["staff"]]["surname_token"]
    canaries = [r for r in subjects.values() if r["canary"] == "1"]
    assert canaries and all(r["canary_window"] and r["canary_staff"] in staff for r in canaries)
    assert {c["subject"] for c in truth["canaries"]} == {r["subject_id"] for r in canaries}


def test_it_marks_the_plaintext_as_synthetic(out):
    subjects = [r["subject_id"] for r in csv.DictReader((out / "subjects.csv").open())]
    persons = [json.loads(line) for line in (out / "persons.jsonl").open(encoding="utf-8")]
    assert [p["subject_id"] for p in persons] == subjects
    assert all(p["synthetic"] is True and p["fields"]["name_kanji"] for p in persons)
    assert "SYNTHETIC" in (out / "README.txt").read_text(encoding="utf-8")
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["synthetic"] is True and truth["scenario"] == "S9"


def test_it_yields_the_same_events_in_memory(out):
    with (out / "events.jsonl").open("rb") as handle:
        lines = [line.rstrip(b"\n") for line in islice(handle, 3000)]
    events = list(islice(simulate(CONFIG), 3000))
    assert [canonical_bytes(e) for e in events] == lines


def test_it_runs_from_the_command_line(tmp_path, capsys):
    code = main([*CLI_ARGS[:-4], "--days", "2", "--out", str(tmp_path)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "events/s" in printed and (tmp_path / "events.jsonl").exists()


def test_it_refuses_bad_arguments(tmp_path, capsys):
    assert main(["simulate", "--seed", "1", "--days", "0", "--out", str(tmp_path)]) == 2
    assert "days" in capsys.readouterr().err
    assert (
        main(
            ["simulate", "--seed", "1", "--days", "2", "--intensity", "0.1", "--out", str(tmp_path)]
        )
        == 2
    )
