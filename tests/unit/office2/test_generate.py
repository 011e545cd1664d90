"""The second office generator: valid v2 lines, determinism, the insider's twin."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ryoken.audit.events import Event, EventCode
from ryoken.domain.fields import FIELDS_BY_NAME
from ryoken.office2 import CONFIGS, INSIDER_KINDS, generate

V2_CODES = {c.value for c in EventCode} | {"grant.assist", "grant.assist_end"}
V2_FIELDS = set(FIELDS_BY_NAME) | {"application_status"}  # events-v2.md section 3
KEYS = {"v", "code", "at", "actor", "subjects", "fields", "purpose", "grant", "terminal", "details"}
DAYS = 12


def check_line(line: str) -> Event:
    obj = json.loads(line)
    assert set(obj) == KEYS
    assert obj.pop("v") == 2
    assert obj["code"] in V2_CODES
    assert set(obj["fields"]) <= V2_FIELDS, obj
    at = datetime.fromisoformat(obj.pop("at"))
    code = obj.pop("code")
    code = EventCode(code) if code in EventCode._value2member_map_ else "auth.login"
    return Event(
        code=code, at=at, **{k: tuple(v) if isinstance(v, list) else v for k, v in obj.items()}
    )


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate("T", 5, tmp_path_factory.mktemp("clean"), days=DAYS)


def lines(run: Path) -> list[str]:
    return (run / "events.jsonl").read_text(encoding="utf-8").splitlines()


def test_it_writes_valid_sorted_v2_events(clean: Path) -> None:
    previous = None
    for line in lines(clean):
        event = check_line(line)
        at = event.at.astimezone(UTC)
        assert previous is None or previous <= at
        previous = at


def test_it_writes_the_documented_headers(clean: Path) -> None:
    with open(clean / "staff.csv", encoding="utf-8") as f:
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
    with open(clean / "subjects.csv", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header[:8] == [
        "subject_id",
        "family_token",
        "surname_token",
        "area_token",
        "watchlist",
        "canary",
        "canary_window",
        "canary_staff",
    ]
    truth = json.loads((clean / "truth.json").read_text())
    assert truth["insider"] is None and truth["staff"] == len(staff)


def test_it_is_the_same_office_for_the_same_seed(clean: Path, tmp_path: Path) -> None:
    again = generate("T", 5, tmp_path / "again", days=DAYS)
    assert (again / "events.jsonl").read_bytes() == (clean / "events.jsonl").read_bytes()
    other = generate("T", 6, tmp_path / "other", days=DAYS)
    assert (other / "events.jsonl").read_bytes() != (clean / "events.jsonl").read_bytes()


@pytest.mark.parametrize("kind", INSIDER_KINDS)
def test_it_adds_only_the_insiders_lines(kind: str, tmp_path: Path) -> None:
    days = 60 if kind in ("pre_departure_skim", "new_hire_skim") else 30
    clean_run = generate("H1", 3, tmp_path / "clean", days=days)
    run = generate("H1", 3, tmp_path / "insider", days=days, insider=kind)
    truth = json.loads((run / "truth.json").read_text())["insider"]
    drop = set(truth["event_lines"])
    all_lines = lines(run)
    twin = [line for k, line in enumerate(all_lines) if k not in drop]
    assert twin == lines(clean_run)
    for k in drop:
        check_line(all_lines[k])
    for name in ("staff.csv", "subjects.csv"):
        assert (run / name).read_bytes() == (clean_run / name).read_bytes()
    if kind == "skim_no_footprint":
        assert drop == set()
        assert truth["exposed"]
    else:
        assert drop and truth["exposed"]
        actors = {json.loads(all_lines[k])["actor"] for k in drop}
        assert actors == set(truth["accounts"])
    assert truth["first_exposure"] == min(at for _, at in truth["exposed"])


def test_it_refuses_an_unknown_configuration_or_insider(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="configuration"):
        generate("X", 1, tmp_path, days=1)
    with pytest.raises(ValueError, match="insider"):
        generate("T", 1, tmp_path, days=1, insider="thief")


def test_it_has_held_out_configurations_that_differ() -> None:
    assert {"T", "H1", "H2", "H3"} <= set(CONFIGS)
    sizes = {c.staff for c in CONFIGS.values()}
    assert min(sizes) >= 67 and max(sizes) <= 140 and len(sizes) == len(CONFIGS)
