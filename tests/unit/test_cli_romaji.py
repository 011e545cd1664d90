import subprocess
import sys
from pathlib import Path

from ryoken.cli import main


def test_it_prints_one_spelling_per_name(capsys):
    assert main(["romaji", "なんば", "ほっち", "ニーナ"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["NAMBA", "HOTCHI", "NINA"]


def test_it_uses_the_kanji_to_keep_a_vowel_pair_across_a_boundary(capsys):
    assert main(["romaji", "--kanji", "松浦", "まつうら"]) == 0
    assert capsys.readouterr().out.strip() == "MATSUURA"


def test_it_flags_a_long_vowel_for_the_clerk_without_kanji(capsys):
    assert main(["romaji", "まつうら"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.split()[0] == "MATSURA"
    assert "要確認" in line
    assert "MATSUURA" in line


def test_it_matches_each_kanji_to_its_name_in_order(capsys):
    assert main(["romaji", "--kanji", "松浦", "--kanji", "大野", "まつうら", "おおの"]) == 0
    assert capsys.readouterr().out.splitlines() == ["MATSUURA", "ONO"]


def test_it_lists_the_alternatives_with_all(capsys):
    assert main(["romaji", "--all", "--kanji", "大野", "おおの"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.split()[0] == "ONO"
    assert "OHNO" in line
    assert "OONO" in line


def test_it_exits_2_with_one_line_for_text_that_is_not_kana(capsys):
    assert main(["romaji", "yamada"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert "'y'" in captured.err


def test_it_exits_2_when_the_kanji_do_not_pair_with_the_names(capsys):
    assert main(["romaji", "--kanji", "松浦", "まつうら", "おおの"]) == 2
    assert "--kanji" in capsys.readouterr().err


def test_it_checks_a_written_spelling(capsys):
    assert main(["romaji", "--kanji", "大野", "--check", "OHNO", "おおの"]) == 0
    assert capsys.readouterr().out.startswith("OHNO")
    assert main(["romaji", "--check", "NANBA", "なんば"]) == 1
    err = capsys.readouterr().err
    assert "syllabic-n" in err
    assert "NAMBA" in err


def test_it_accepts_a_documented_foreign_spelling_only_when_told(capsys):
    assert main(["romaji", "--check", "SMITH", "スミス"]) == 1
    assert main(["romaji", "--check", "SMITH", "--documented", "スミス"]) == 0


def test_it_runs_as_the_installed_command():
    ryoken = Path(sys.executable).parent / "ryoken"
    done = subprocess.run(
        [
            str(ryoken),
            "romaji",
            "--kanji",
            "松浦 太郎",
            "--kanji",
            "妹尾",
            "まつうら たろう",
            "せのお",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "MATSUURA TARO"
    assert lines[1] == "SENOO"
