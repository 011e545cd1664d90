"""`ryoken incident` files: personal data written 0600; a closed pipe costs no file; the
leaked list read within limits, NUL refused."""

from __future__ import annotations

import os
import stat
import sys
from datetime import timedelta

import pytest

from ryoken.cli import main

pytestmark = pytest.mark.django_db(transaction=True)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _day(delta: int = 0) -> str:
    from django.utils import timezone

    return (timezone.localdate() + timedelta(days=delta)).isoformat()


def test_it_writes_notices_and_exports_readable_by_the_owner_only(office, tmp_path):
    incident = office.incident()
    officer = office.officer.staff_id
    old = os.umask(0o022)
    try:
        notices = tmp_path / "notices.pdf"
        notices.write_bytes(b"old")  # an existing file is tightened too
        os.chmod(notices, 0o644)
        assert main(["incident", "notices", "--incident", str(incident.pk), "--out",
                     str(notices), "--officer", officer]) == 0  # fmt: skip
        csv, xlsx = tmp_path / "scope.csv", tmp_path / "scope.xlsx"
        assert main(["incident", "scope", "--incident", str(incident.pk), "--csv", str(csv),
                     "--xlsx", str(xlsx), "--officer", officer]) == 0  # fmt: skip
        assert main(["incident", "report", "--incident", str(incident.pk), "--out",
                     str(tmp_path / "report"), "--officer", officer]) == 0  # fmt: skip
    finally:
        os.umask(old)
    written = [notices, csv, xlsx, *(tmp_path / "report").iterdir()]
    assert {p.name: _mode(p) for p in written} == {p.name: 0o600 for p in written}


def test_it_still_writes_the_files_when_the_reader_closes_the_pipe(office, tmp_path, capsys):
    incident = office.incident()
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head` that has already gone
    pipe, saved = os.fdopen(write_end, "w"), sys.stdout
    csv, xlsx = tmp_path / "scope.csv", tmp_path / "scope.xlsx"
    sys.stdout = pipe
    try:
        code = main(["incident", "scope", "--incident", str(incident.pk), "--csv", str(csv),
                     "--xlsx", str(xlsx), "--officer", office.officer.staff_id])  # fmt: skip
    finally:
        sys.stdout = saved
        pipe.close()
    assert code == 141
    assert csv.stat().st_size > 0 and xlsx.stat().st_size > 0
    assert "unexpected error" not in capsys.readouterr().err


def test_it_refuses_a_leaked_list_with_a_nul_byte(office, tmp_path, capsys):
    leaked = tmp_path / "leaked.csv"
    leaked.write_bytes("氏名,生年月日\n松浦 一郎\x00,1990-04-01\n".encode())
    code = main(["incident", "attribute", "--leaked", str(leaked), "--from", _day(-1),
                 "--to", _day(), "--officer", office.officer.staff_id])  # fmt: skip
    assert code == 2
    assert "NUL" in capsys.readouterr().err


def test_it_refuses_an_endless_leaked_list_in_one_line(office, capsys):
    code = main(["incident", "attribute", "--leaked", "/dev/zero", "--from", _day(-1),
                 "--to", _day(), "--officer", office.officer.staff_id])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "line 1 is longer than" in err and len(err) < 300
