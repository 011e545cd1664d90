import shlex
import subprocess
import sys
from types import ModuleType

import pytest

from ryoken.cli import main


@pytest.fixture(autouse=True)
def _no_reentrant_main(monkeypatch):
    # The dispatcher discovers `ryoken.cli.__main__` as a command module, and importing it
    # runs main() on pytest's argv. Until discovery skips it, stand in an empty module.
    monkeypatch.setitem(sys.modules, "ryoken.cli.__main__", ModuleType("ryoken.cli.__main__"))


SPECIMEN_1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
SPECIMEN_2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
SATO = [
    "mrz", "encode", "--type", "P", "--country", "JPN", "--surname", "SATO",
    "--given", "HANAKO", "--number", "TK1234567", "--nationality", "JPN",
    "--birth", "900102", "--sex", "F", "--expiry", "350102",
]  # fmt: skip


def test_it_prints_the_two_lines_of_a_japanese_passport(capsys):
    assert main(SATO) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "P<JPNSATO<<HANAKO" + "<" * 27
    assert len(lines) == 2 and len(lines[1]) == 44
    assert lines[1].startswith("TK1234567")


def test_it_encodes_the_specimen(capsys):
    argv = [
        "mrz", "encode", "--country", "UTO", "--surname", "Eriksson", "--given", "Anna Maria",
        "--number", "L898902C3", "--nationality", "UTO", "--birth", "740812", "--sex", "F",
        "--expiry", "120415", "--optional", "ZE184226B",
    ]  # fmt: skip
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == [SPECIMEN_1, SPECIMEN_2]


def test_it_says_when_the_name_was_truncated(capsys):
    argv = [*SATO]
    argv[argv.index("HANAKO")] = "CHAYAPA DEJTHAMRONG KRASUANG WONGSAWAT"
    assert main(argv) == 0
    assert "truncated" in capsys.readouterr().err


def test_it_accepts_a_filler_for_unspecified_sex(capsys):
    argv = [*SATO]
    argv[argv.index("F")] = "<"
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[1][20] == "<"


@pytest.mark.parametrize(
    ("option", "value", "mentions"),
    [("--sex", "X", "sex"), ("--birth", "741332", "birth date"), ("--type", "V", "type")],
)
def test_it_exits_2_with_one_line_for_a_bad_argument(capsys, option, value, mentions):
    argv = [*SATO]
    argv[argv.index(option) + 1] = value
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert mentions in captured.err
    assert "Traceback" not in captured.err


def test_it_says_valid_for_the_specimen(capsys):
    assert main(["mrz", "check", SPECIMEN_1, SPECIMEN_2, "--today", "2025-06-01"]) == 0
    assert capsys.readouterr().out.strip() == "valid"


def test_it_exits_1_naming_every_failed_check(capsys):
    broken = SPECIMEN_2[:19] + "3" + SPECIMEN_2[20:43] + "9"
    assert main(["mrz", "check", SPECIMEN_1, broken, "--today", "2025-06-01"]) == 1
    err = capsys.readouterr().err
    assert "birth date check digit" in err
    assert "composite check digit" in err
    assert "document number" not in err
    assert len(err.strip().splitlines()) == 1


def test_it_exits_1_for_lines_of_the_wrong_length(capsys):
    assert main(["mrz", "check", SPECIMEN_1[:40], SPECIMEN_2, "--today", "2025-06-01"]) == 1
    assert "line 1 length" in capsys.readouterr().err


def test_it_exits_2_for_a_bad_today(capsys):
    assert main(["mrz", "check", SPECIMEN_1, SPECIMEN_2, "--today", "01/06/2025"]) == 2
    assert "--today" in capsys.readouterr().err


def test_it_survives_a_shell_when_the_lines_are_quoted():
    # `<` is a redirection in a shell: the lines must be quoted, as shlex.quote does.
    command = " ".join(
        shlex.quote(part)
        for part in [
            sys.executable,
            "-m",
            "ryoken.cli",
            "mrz",
            "check",
            SPECIMEN_1,
            SPECIMEN_2,
            "--today",
            "2025-06-01",
        ]
    )
    assert "'P<UTOERIKSSON" in command
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "valid"), done.stderr
