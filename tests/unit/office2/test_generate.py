"""The second office generator: valid v2 lines, determinism, configurations."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ryoken.audit.events import Event, EventCode
from ryoken.domain.fields import FIELDS_BY_NAME
from ryoken.domain.paper import DOCUMENT_FIELDS
from ryoken.office2 import CONFIGS, generate

from .conftest import Run

V2_CODES = {c.value for c in EventCode} | {"grant.assist", "grant.assist_end"}
V2_FIELDS = set(FIELDS_BY_NAME) | {"application_status"}  # events-v2 section 3
KEYS = {"v", "code", "at", "actor", "subjects", "fields", "purpose", "grant", "terminal", "details"}


def check_line(line: str) -> dict[str, object]:
    """A line passes the v1 rules of ryoken.audit.events plus the v2 additions."""
    obj = json.loads(line)
    assert set(obj) == KEYS, obj
    assert obj["v"] == 2
    assert obj["code"] in V2_CODES, obj
    assert set(obj["fields"]) <= V2_FIELDS, obj
    at = datetime.fromisoformat(obj["at"])
    assert at.utcoffset() is not None
    code = obj["code"] if obj["code"] in EventCode._value2member_map_ else "grant.open"
    Event(  # raises InvalidInput on a wrong type, an empty actor, a bad detail key or value
        code=code,
        at=at,
        actor=obj["actor"],
        subjects=tuple(obj["subjects"]),
        fields=tuple(obj["fields"]),
        purpose=obj["purpose"],
        grant=obj["grant"],
        terminal=obj["terminal"],
        details=obj["details"],
    )
    if obj["code"] in ("print", "copy"):
        assert obj["details"]["document"] in DOCUMENT_FIELDS or obj["details"]["document"] in (
            "monthly_report",
            "qa_sheet",
        )
    return obj


def lines(run: Path) -> list[str]:
    return (run / "events.jsonl").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_it_writes_valid_sorted_v2_events(config: str, office2_run: Run) -> None:
    run = office2_run(config, 1, 4)
    previous = None
    codes: Counter[str] = Counter()
    for line in lines(run):
        obj = check_line(line)
        codes[str(obj["code"])] += 1
        at = datetime.fromisoformat(str(obj["at"])).astimezone(UTC)
        assert previous is None or previous <= at
        previous = at
    for code in (
        "ticket.call",
        "grant.open",
        "disclosure",
        "search",
        "copy",
        "print",
        "external.copier",
        "external.badge",
        "match",
        "grant.close",
        "auth.login",
    ):
        assert codes[code] > 0, code
    truth = json.loads((run / "truth.json").read_text())
    assert truth["events"] == sum(codes.values()) and truth["insider"] is None


def test_it_writes_the_documented_headers(office2_run: Run) -> None:
    run = office2_run("T", 1, 4)
    with open(run / "staff.csv", encoding="utf-8") as f:
        staff = list(csv.DictReader(f))
    assert list(staff[0]) == [
        "staff_id",
        "role",
        "employer_kind",
        "vendor",
        "hired_on",
        "contract_end",
        "notice_given_on",
        "office",
        "surname_token",
        "area_token",
    ]
    with open(run / "subjects.csv", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == [
        "subject_id",
        "family_token",
        "surname_token",
        "area_token",
        "watchlist",
        "canary",
        "canary_window",
        "canary_staff",
        "household_token",
    ]
    truth = json.loads((run / "truth.json").read_text())
    assert truth["staff"] == len(staff) and truth["start"] == "2026-04-06"


def test_it_is_the_same_office_for_the_same_seed(office2_run: Run, tmp_path: Path) -> None:
    first = office2_run("T", 1, 4)
    again = generate("T", 1, tmp_path / "again", days=4)
    for name in ("events.jsonl", "staff.csv", "subjects.csv", "truth.json"):
        assert (again / name).read_bytes() == (first / name).read_bytes()
    other = office2_run("T", 2, 4)
    assert (other / "events.jsonl").read_bytes() != (first / "events.jsonl").read_bytes()


def test_it_skips_weekends_holidays_and_new_year(tmp_path: Path) -> None:
    # H1 starts 2026-12-01: 12/29-1/3 and 1/11 (成人の日) are not office days.
    run = generate("H1", 1, tmp_path, days=28)
    days = {line[line.index('"at":"') + 6 :][:10] for line in lines(run)}
    office = {d for d in days if datetime.fromisoformat(d).weekday() < 5}
    assert "2026-12-28" in office and "2027-01-04" in office
    for off in ("2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-11"):
        assert off not in days
    assert not [d for d in days if datetime.fromisoformat(d).weekday() >= 5]


def test_it_refuses_an_unknown_configuration_insider_or_days(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="configuration"):
        generate("X", 1, tmp_path, days=1)
    with pytest.raises(ValueError, match="insider"):
        generate("T", 1, tmp_path, days=1, insider="thief")
    with pytest.raises(ValueError, match="days"):
        generate("T", 1, tmp_path, days=0)


def test_it_has_held_out_configurations_that_differ(office2_run: Run) -> None:
    assert {"T", "H1", "H2", "H3"} <= set(CONFIGS)
    shares = {}
    for name in ("T", "H1", "H2", "H3"):
        with open(office2_run(name, 1, 4) / "staff.csv", encoding="utf-8") as f:
            staff = list(csv.DictReader(f))
        assert 67 <= len(staff) <= 140
        assert any(s["hired_on"] > "2026-04-06" for s in staff)  # hires inside the period
        last = lines(office2_run(name, 1, 4))[-1][
            lines(office2_run(name, 1, 4))[-1].index('"at":"') + 6 :
        ][:10]
        ends = [s for s in staff if s["contract_end"] and s["contract_end"] <= last]
        assert any(s["notice_given_on"] for s in ends)  # contract ends with a notice date
        assert any(not s["notice_given_on"] for s in ends)  # ... and without one
        counter = [s for s in staff if s["role"] == "counter_clerk"]
        shares[name] = sum(s["employer_kind"] == "contractor" for s in counter) / len(counter)
    assert shares["H2"] > shares["T"] > shares["H1"]  # the contractor mix differs
