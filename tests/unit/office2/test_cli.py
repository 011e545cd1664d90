"""`ryoken simulate --generator office2`: the new option, without changing the old ones."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ryoken.cli import main


@pytest.fixture(autouse=True)
def _no_reentrant_main(monkeypatch: pytest.MonkeyPatch) -> None:
    # as in tests/unit/test_cli_mrz.py: discovery would import ryoken.cli.__main__
    monkeypatch.setitem(sys.modules, "ryoken.cli.__main__", ModuleType("ryoken.cli.__main__"))


def test_it_runs_office2_with_an_insider(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "simulate",
        "--generator",
        "office2",
        "--config",
        "H1",
        "--seed",
        "3",
        "--days",
        "2",
        "--insider",
        "skim_footprint",
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 0
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["config"] == "H1" and truth["insider"]["kind"] == "skim_footprint"
    assert "office2 H1 seed 3" in capsys.readouterr().out


def test_it_refuses_mixed_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path)
    assert (
        main(
            [
                "simulate",
                "--generator",
                "office2",
                "--seed",
                "1",
                "--days",
                "1",
                "--scenario",
                "S1",
                "--out",
                out,
            ]
        )
        == 2
    )
    assert "--scenario" in capsys.readouterr().err
    assert main(["simulate", "--seed", "1", "--days", "1", "--insider", "bulk", "--out", out]) == 2
    assert "--generator office2" in capsys.readouterr().err
    assert (
        main(
            [
                "simulate",
                "--generator",
                "office2",
                "--config",
                "Z",
                "--seed",
                "1",
                "--days",
                "1",
                "--out",
                out,
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "simulate",
                "--generator",
                "office2",
                "--insider",
                "thief",
                "--seed",
                "1",
                "--days",
                "1",
                "--out",
                out,
            ]
        )
        == 2
    )
    assert not (tmp_path / "events.jsonl").exists()
