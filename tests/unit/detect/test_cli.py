"""`ryoken detect` over files, as another office would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ryoken.cli import main
from ryoken.detect.load import STAFF_COLUMNS, SUBJECT_COLUMNS

from .logs import MONDAY, OfficeLog, at, normal_office, working_days


@pytest.fixture
def office(tmp_path: Path) -> Path:
    log = OfficeLog()
    normal_office(log, working_days(MONDAY, 3), clerks=("c1", "c2", "c3", "c4"), visits=5)
    log.add("search", at(MONDAY, 21), "c3", ["ds_vip"], kind="name_kanji", found=1)
    (tmp_path / "events.jsonl").write_bytes(log.jsonl())
    rows = "".join(f"c{k},counter_clerk,contractor,Alpha,2024-04-01,,,TKY,,\n" for k in range(1, 5))
    (tmp_path / "staff.csv").write_text(",".join(STAFF_COLUMNS) + "\n" + rows)
    (tmp_path / "subjects.csv").write_text(",".join(SUBJECT_COLUMNS) + "\nds_vip,f9,s9,a9,1,0,,\n")
    return tmp_path


def test_it_writes_ranked_cases_with_reasons_in_two_languages(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = office / "cases.json"
    code = main(
        [
            "detect",
            "--events", str(office / "events.jsonl"),
            "--staff", str(office / "staff.csv"),
            "--subjects", str(office / "subjects.csv"),
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    cases = json.loads(out.read_text())
    top = cases["cases"][0]
    assert top["staff"] == "c3" and top["alert"]
    assert any("要注意" in r for r in top["reasons_ja"])
    assert any("watch-listed" in r for r in top["reasons_en"])
    assert cases["summary"]["alerts"] == 1
    assert "c3" in capsys.readouterr().out


def test_it_scores_the_events_saved_as_parquet_as_it_scores_the_json_lines(office: Path) -> None:
    from ryoken.detect.load import load_events

    load_events(office / "events.jsonl").events.write_parquet(office / "events.parquet")
    results = []
    for name in ("events.jsonl", "events.parquet"):
        out = office / f"{name}.cases.json"
        code = main(
            ["detect", "--events", str(office / name), "--staff", str(office / "staff.csv"),
             "--subjects", str(office / "subjects.csv"), "--out", str(out)]
        )  # fmt: skip
        assert code == 0
        cases = json.loads(out.read_text())
        del cases["summary"]["seconds"]
        for case in cases["cases"]:  # detectors of equal weight come in no fixed order
            case["detectors"].sort(key=lambda d: d["detector"])
            case["reasons_ja"].sort()
            case["reasons_en"].sort()
        results.append(cases)
    assert results[1]["cases"][0]["staff"] == "c3" and results[1]["summary"]["alerts"] == 1
    assert results[0] == results[1]


def test_it_refuses_a_parquet_file_that_holds_no_events(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import polars as pl

    pl.DataFrame({"staff_id": ["c1"]}).write_parquet(office / "staff.parquet")
    code = main(["detect", "--events", str(office / "staff.parquet"), "--out", str(office / "x")])
    assert code == 2
    assert "not an events frame" in capsys.readouterr().err
    assert not (office / "x").exists()


def test_it_refuses_a_staff_file_with_nationality(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (office / "bad.csv").write_text("staff_id,role,nationality\nc1,counter_clerk,JP\n")
    code = main(
        ["detect", "--events", str(office / "events.jsonl"), "--staff", str(office / "bad.csv"),
         "--out", str(office / "cases.json")]
    )  # fmt: skip
    assert code == 2
    assert "nationality" in capsys.readouterr().err
    assert not (office / "cases.json").exists()


def test_it_names_the_bad_line_of_an_event_file(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (office / "events.jsonl").open("a") as handle:
        handle.write('{"code":"disclosure","at":"2026-04-06T09:00:00","actor":"c1"}\n')
    lines = (office / "events.jsonl").read_text().count("\n")
    code = main(["detect", "--events", str(office / "events.jsonl"), "--out", str(office / "x")])
    assert code == 2
    assert f"line {lines}: 'at'" in capsys.readouterr().err


def test_it_reports_the_unexplained_by_pattern_and_the_alerts_by_signal_for_onboarding(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = office / "cases.json"
    args = ["detect", "--events", str(office / "events.jsonl"), "--staff",
            str(office / "staff.csv"), "--subjects", str(office / "subjects.csv"),
            "--out", str(out), "--report"]  # fmt: skip
    assert main(args) == 0
    report = json.loads(out.read_text())["report"]
    assert report["unexplained_patterns"][0]["what"] == "search hits outside any task"
    assert report["unexplained_patterns"][0]["share_of_unexplained"] == 1.0
    assert {a["detector"] for a in report["alerts_by_signal"]} >= {"unexplained", "watchlist"}
    contractor = [g for g in report["alerts_by_group"] if g["group"] == "contractor"]
    assert contractor[0]["alerts"] == 1
    printed = capsys.readouterr().out
    assert "search hits outside any task: 100%" in printed
