from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from ryoken.detect.load import (
    SUBJECT_COLUMNS,
    load_events,
    load_staff,
    read_events,
    read_staff,
    read_subjects,
)
from ryoken.errors import InvalidInput

from .logs import MONDAY, OfficeLog, at, normal_office, working_days

GOOD = {
    "code": "disclosure",
    "at": "2026-11-26T09:03:12.250000+09:00",
    "actor": "counter1",
    "subjects": ["ds_4f1c0a9e2b7d11aa00ff3c21"],
    "fields": ["name_kanji", "address"],
    "purpose": "intake",
    "grant": "gr_8a1d2f44c0e91b7a3c55",
    "terminal": "W01",
    "details": {"form": "shown", "ticket": "A-014", "window": "W01", "pages": 2},
}


def lines(*records: object) -> bytes:
    return ("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n").encode()


def test_it_reads_the_documented_example_with_typed_detail_columns() -> None:
    frame = read_events(lines(GOOD, {**GOOD, "at": "2026-11-26T00:03:12Z"})).events
    assert frame.height == 2
    row = frame.row(0, named=True)
    assert row["at"] == datetime(2026, 11, 26, 0, 3, 12, 250000, tzinfo=UTC)
    assert row["ticket"] == "A-014" and row["pages"] == 2 and row["window"] == "W01"
    assert frame.get_column("line").to_list() == [1, 2]


def test_it_reads_events_that_give_only_the_required_keys() -> None:
    minimal = {"code": "auth.login", "at": "2026-11-26T09:00:00+09:00", "actor": "c1"}
    row = read_events(lines(minimal, minimal)).events.row(0, named=True)
    assert row["subjects"] == [] and row["purpose"] == "" and row["grant"] is None


def test_it_reads_the_same_frame_on_the_fast_and_the_precise_path(log: OfficeLog) -> None:
    normal_office(log, working_days(MONDAY, 2), clerks=("c1", "c2"), visits=3)
    assert log.frame().equals(log.frame_checked())


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("{not json", "not valid JSON"),
        ({**GOOD, "code": "nope"}, "unknown event code"),
        ({**GOOD, "at": "2026-11-26T09:03:12"}, "no time zone"),
        ({**GOOD, "extra": 1}, "unknown keys extra"),
        ({**GOOD, "details": {"pages": 1.5}}, "non-integer"),
        ({**GOOD, "details": {"nested": {"a": 1}}}, "must be text"),
        ({**GOOD, "subjects": "ds_1"}, "array of strings"),
        ({k: v for k, v in GOOD.items() if k != "actor"}, "required key 'actor'"),
    ],
)
def test_it_refuses_a_bad_line_by_its_number_and_reads_nothing(bad: object, says: str) -> None:
    with pytest.raises(InvalidInput) as error:
        read_events(lines(GOOD, GOOD, bad, GOOD))
    assert "line 3:" in error.value.message
    assert says in error.value.message


def test_it_skips_bad_lines_only_when_asked_and_keeps_file_line_numbers() -> None:
    loaded = read_events(lines(GOOD, "{oops", GOOD), skip_bad=True)
    assert loaded.events.get_column("line").to_list() == [1, 3]
    assert [n for n, _ in loaded.bad_lines] == [2]


def test_it_counts_lines_across_blank_lines() -> None:
    data = lines(GOOD) + b"\n" + lines({**GOOD, "code": "bogus"})
    with pytest.raises(InvalidInput, match="line 3:"):
        read_events(data)


def test_it_reads_an_empty_file_as_no_events(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"")
    assert load_events(path).events.is_empty()


def test_it_reports_a_missing_file_as_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read events file"):
        load_events(tmp_path / "missing.jsonl")


STAFF_HEADER = (
    "staff_id,role,employer_kind,vendor,hired_on,contract_end,notice_given_on,office,"
    "surname_token,area_token"
)


def test_it_reads_staff_dates_and_empties() -> None:
    staff = read_staff(
        STAFF_HEADER + "\nc1,counter_clerk,contractor,Alpha,2024-04-01,,2026-05-01,TKY,s1,a1\n"
    )
    row = staff.row(0, named=True)
    assert row["hired_on"].isoformat() == "2024-04-01"
    assert row["contract_end"] is None and row["notice_given_on"].isoformat() == "2026-05-01"


@pytest.mark.parametrize("column", ["nationality", "Nationality", "国籍", "birth_date", "gender"])
def test_it_refuses_a_staff_file_with_a_protected_attribute(column: str) -> None:
    text = STAFF_HEADER + f",{column}\nc1,counter_clerk,prefecture,,,,,TKY,,,JP\n"
    with pytest.raises(InvalidInput, match="protected attribute") as error:
        read_staff(text)
    assert "国籍" in error.value.message_ja


def test_it_drops_undocumented_staff_columns_unread(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text(STAFF_HEADER + ",shoe_size\nc1,counter_clerk,prefecture,,,,,TKY,,,27\n")
    assert "shoe_size" not in load_staff(path).columns


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("c1,janitor,prefecture,,,,,TKY,,", "line 2: unknown role"),
        ("c1,counter_clerk,freelance,,,,,TKY,,", "line 2: employer_kind"),
        ("c1,counter_clerk,prefecture,,2024-13-01,,,TKY,,", "line 2: hired_on"),
    ],
)
def test_it_refuses_bad_staff_values_by_line(row: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        read_staff(STAFF_HEADER + "\n" + row + "\n")


def test_it_reads_subject_flags_and_refuses_other_values() -> None:
    header = ",".join(SUBJECT_COLUMNS)
    subjects = read_subjects(header + "\nds_1,f1,s1,a1,1,0,,\nds_2,f1,s1,a1,0,1,W03,c3\n")
    assert subjects.get_column("watchlist").to_list() == [True, False]
    assert subjects.get_column("canary_window").to_list() == [None, "W03"]
    with pytest.raises(InvalidInput, match="line 2: watchlist"):
        read_subjects(header + "\nds_1,f1,s1,a1,yes,0,,\n")


def test_it_keeps_the_frame_columnar(log: OfficeLog) -> None:
    log.serve("c1", at(MONDAY, 9), ["ds_a"], prints=1)
    frame = log.frame()
    assert frame.schema["subjects"] == pl.List(pl.String)
    assert (
        frame.filter(pl.col("code") == "external.copier").get_column("watermark").null_count() == 0
    )


def test_it_reads_v2_lines_beside_v1_lines_and_refuses_an_unknown_version() -> None:
    v2 = {**GOOD, "v": 2, "code": "grant.assist", "details": {"host": "c1", "reason": ""}}
    frame = read_events(lines(GOOD, v2)).events
    assert frame["code"].to_list() == ["disclosure", "grant.assist"]
    assert frame["host"].to_list() == [None, "c1"]
    with pytest.raises(InvalidInput, match="line 2: 'v' must be one of"):
        read_events(lines(GOOD, {**GOOD, "v": 3}))


def test_it_folds_staff_change_events_into_the_staff_file() -> None:
    from ryoken.detect.load import apply_staff_changes

    staff = read_staff(
        "staff_id,role,employer_kind,vendor,hired_on,contract_end,notice_given_on,office,"
        "surname_token,area_token\nc1,counter_clerk,contractor,A,2024-04-01,,,X,,\n"
    )
    notice = {"staff": "c1", "change": "notice", "on": "2026-05-01"}
    change = {
        "code": "staff.change",
        "at": "2026-05-01T09:00:00+09:00",
        "actor": "system",
        "v": 2,
        "details": notice,
    }
    hire = {**change, "details": {"staff": "c9", "change": "hired", "on": "2026-05-07"}}
    out = apply_staff_changes(staff, read_events(lines(change, hire)).events)
    rows = {r["staff_id"]: r for r in out.iter_rows(named=True)}
    assert str(rows["c1"]["notice_given_on"]) == "2026-05-01"
    assert str(rows["c9"]["hired_on"]) == "2026-05-07"


def test_it_reads_an_events_parquet_file_as_the_frame_that_was_written(
    log: OfficeLog, tmp_path: Path
) -> None:
    from ryoken.detect.load import EVENT_SCHEMA, read_events_parquet

    normal_office(log, working_days(MONDAY, 2), clerks=("c1", "c2"), visits=3)
    log.add("disclosure", at(MONDAY, 21), "c2", ["ds_x"], fields=["address"])
    frame = log.frame()
    frame.write_parquet(tmp_path / "events.parquet")
    back = read_events_parquet(tmp_path / "events.parquet")
    assert back.equals(frame) and back.schema == frame.schema == pl.Schema(EVENT_SCHEMA)
    # columns no event fills (here "via", "change_role") read back as nulls of their type
    for name in ("via", "change_role"):
        assert back.get_column(name).null_count() == back.height
        assert back.get_column(name).dtype == pl.String


def test_it_reads_only_the_columns_asked_for_and_detection_scores_them_alike(
    log: OfficeLog, tmp_path: Path
) -> None:
    from ryoken.detect.cases import detect
    from ryoken.detect.load import DETECT_COLUMNS, UNREAD_COLUMNS, read_events_parquet

    normal_office(log, working_days(MONDAY, 3), clerks=("c1", "c2", "c3"), visits=4)
    log.add("disclosure", at(MONDAY, 13, 7), "c3", ["ds_other"], fields=["address"])
    frame = log.frame()
    frame.write_parquet(tmp_path / "events.parquet")
    lean = read_events_parquet(tmp_path / "events.parquet", columns=DETECT_COLUMNS)
    assert lean.columns == list(DETECT_COLUMNS)
    assert not set(UNREAD_COLUMNS) & set(lean.columns)
    full, slim = detect(frame).to_json(), detect(lean).to_json()
    assert slim["summary"]["alerts"] >= 1  # the read outside any task is scored
    for result in (full, slim):
        for case in result["cases"]:  # detectors of equal weight come in no fixed order
            case["detectors"].sort(key=lambda d: d["detector"])
            case["reasons_ja"].sort()
            case["reasons_en"].sort()
    assert full == slim


def test_it_refuses_a_parquet_file_that_is_not_an_events_frame(tmp_path: Path) -> None:
    from ryoken.detect.load import read_events_parquet

    pl.DataFrame({"code": ["disclosure"], "at": ["2026-11-26"]}).write_parquet(tmp_path / "x.pq")
    with pytest.raises(InvalidInput, match="not an events frame"):
        read_events_parquet(tmp_path / "x.pq")
    with pytest.raises(InvalidInput, match="cannot read events file"):
        read_events_parquet(tmp_path / "missing.parquet")
    with pytest.raises(InvalidInput, match="not event columns: nationality"):
        read_events_parquet(tmp_path / "x.pq", columns=["line", "nationality"])
