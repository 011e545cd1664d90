"""A read-only or full disk under the database: the gateway refuses, clearly, and nothing is
shown or half-written.

Each test runs the real thing: gunicorn with the production settings on a fresh office, an
issuance clerk with the pickup screen open, a production batch whose order file the bureau
fetches over the API (a disclosure through the gateway too). Then the disk fails under it:

- read-only: the SQLite file (or its whole directory) loses its write permission while the
  server runs. File modes do not bind root, so when the tests run as root the server and the
  CLI run as `nobody` (setpriv) with the data dir handed to them;
- full: the data dir sits on a 4 MB tmpfs that is filled up to the last 160 KB while the
  clerk works (mounting needs root; skipped where it is not allowed).

Each time: the screen and the photo answer 503 with the Japanese explanation (English with
an English browser) and no personal data; the API answers 503 in its error shape; `ryoken
production order` exits 1 with one clear line and prints nothing of the order; the ledger
gained nothing while the disk was unwritable (or, full, nothing without an answer); once the
disk is writable again the same screen works without a restart, every answer with personal
data has its ledger entry, and `ryoken audit verify` passes (no half-written entry or
witness line).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.faultload import (  # noqa: E402 - bench/ is beside src/, not installed
    NOBODY,
    REFUSALS_JA,
    Office,
    PickupClerk,
    Server,
    api_get,
    ryoken,
    unledgered,
)

pytestmark = [
    pytest.mark.skipif(
        not (Path(sys.executable).parent / "gunicorn").exists(),
        reason="gunicorn is not installed",
    ),
    pytest.mark.wall_clock,
]

LEDGER_JA = REFUSALS_JA[0]
LEDGER_EN = "Personal data cannot be shown because the audit ledger cannot record it."


@pytest.fixture
def work() -> Iterator[Path]:
    """A work dir another user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="ryoken-diskfault-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _refused(answer, *, ja: tuple[str, ...] = REFUSALS_JA) -> None:
    assert answer.status == 503, answer.body[:500]
    assert not answer.personal
    assert any(text in answer.body for text in ja), answer.body[:800]
    assert "Traceback" not in answer.body


def _order(server: Server, production: dict[str, str]) -> tuple[int, str]:
    return api_get(
        server.port, f"/api/production/batches/{production['batch']}/order", production["token"]
    )


def _api_refused(status: int, body: str, birth_date: str) -> None:
    assert status == 503, body[:500]
    error = json.loads(body)
    assert any(text in error["message"] for text in REFUSALS_JA), error
    assert error["detail"] and error["detail"].isascii()
    assert birth_date not in body


def _cli_refused(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout == ""  # not a line of the order file
    assert done.stderr.startswith("ryoken: ")
    assert "cannot be written" in done.stderr or "could not record" in done.stderr


def _ready(office: Office, server: Server) -> tuple[PickupClerk, dict[str, str], str]:
    """The clerk at the pickup screen, and the bureau's order file served, before the fault."""
    production = office.production()
    server.start()
    clerk = office.clerks(server.port)[0]
    clerk.start()
    for kind in ("page", "photo"):
        answer = clerk.load(kind)
        assert answer.status == 200 and answer.personal
    birth_date = office.spec["presented"][production["ordered"]]["birth_date"]
    status, body = _order(server, production)
    assert status == 200 and birth_date in body
    return clerk, production, birth_date


@pytest.mark.parametrize("what", ["file", "directory"])
def test_a_read_only_database_refuses_disclosure(work, what):
    office = Office.create(work / "data", pickup=1, ready=3)
    user = NOBODY if os.geteuid() == 0 else None
    server = Server(office.env, work / "gunicorn.log", user=user)
    files = [office.database, *office.data.glob("ryoken.sqlite3-*")]
    try:
        office.give_to(NOBODY)
        clerk, production, birth_date = _ready(office, server)
        before = len(office.entries())

        for path in [office.database, *office.data.glob("ryoken.sqlite3-*")]:
            path.chmod(0o444)
        if what == "directory":
            office.data.chmod(0o555)

        # Only the ledger's message when just the file is read-only: the request got as far
        # as the gateway, which refused. A read-only directory stops SQLite earlier.
        expected = (LEDGER_JA,) if what == "file" else REFUSALS_JA
        for kind in ("page", "photo", "page"):
            _refused(clerk.load(kind), ja=expected)
        english = clerk.load("page", language="en")
        assert english.status == 503 and not english.personal
        if what == "file":
            assert LEDGER_EN in english.body
        _api_refused(*_order(server, production), birth_date)
        ordered = ryoken(office.env, "production", "order", "--staff", production["supervisor"],
                         user=user)  # fmt: skip
        _cli_refused(ordered)
    finally:
        office.data.chmod(0o700)
        for path in [office.database, *office.data.glob("ryoken.sqlite3-*"), *files]:
            if path.exists():
                path.chmod(0o644)

    try:
        assert len(office.entries()) == before  # nothing was written while read-only
        again = clerk.load("page")  # writable again: no restart needed
        assert again.status == 200 and again.personal
    finally:
        server.stop()
    assert unledgered(clerk.answers, office.entries())[0] == []
    verified = office.verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_it_recovers_from_a_read_only_database_file_without_a_restart(work):
    """The database file alone turns read-only and back: SQLite re-creates its `-shm` with
    the file's read-only mode meanwhile, and the server must not stay at 503 until restarted
    (issue 15)."""
    office = Office.create(work / "data", pickup=1, ready=3)
    user = NOBODY if os.geteuid() == 0 else None
    server = Server(office.env, work / "gunicorn.log", user=user)
    try:
        office.give_to(NOBODY)
        clerk, _, _ = _ready(office, server)
        server.stop()  # the last connection closes: SQLite removes its -wal and -shm
        assert not list(office.data.glob("ryoken.sqlite3-*"))
        office.database.chmod(0o444)
        server.start()
        _refused(clerk.load("page"))
        shm = Path(f"{office.database}-shm")
        assert shm.exists() and not shm.stat().st_mode & 0o200  # SQLite made it read-only
        office.database.chmod(0o644)  # the administrator fixes the file, and only the file
        again = clerk.load("page")
        assert again.status == 200 and again.personal, again.body[:300]
        # No read-only -shm is left behind: SQLite removes it when the last connection
        # closes, so it may be gone; if it is there, it is writable again.
        assert not shm.exists() or shm.stat().st_mode & 0o200
    finally:
        server.stop()
    verified = office.verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _fill(disk: Path, leave: int) -> Path:
    """Fill `disk` with one file, then give back `leave` bytes."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        chunk = b"\0" * 65536
        while True:
            try:
                os.write(fd, chunk)
            except OSError:
                if len(chunk) == 4096:
                    break
                chunk = chunk[:4096]
        os.ftruncate(fd, os.fstat(fd).st_size - leave)
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def small_disk(work) -> Iterator[Path]:
    disk = work / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a 4 MB tmpfs here: {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_refuses_disclosure(work, small_disk):
    office = Office.create(small_disk / "data", pickup=1, ready=3)
    server = Server(office.env, work / "gunicorn.log")
    try:
        clerk, production, birth_date = _ready(office, server)
        # Room for SQLite's shared-memory file and a little journal: the clerk works on
        # until the ledger's next page does not fit.
        filler = _fill(small_disk, leave=160 * 1024)
        first = None
        for n in range(4000):
            answer = clerk.load("page" if n % 2 == 0 else "photo")
            if answer.status != 200:
                first = answer
                break
            assert answer.personal
        assert first is not None, "the disk never filled up"
        _refused(first)
        for kind in ("page", "photo", "page", "photo"):
            _refused(clerk.load(kind))
        assert any(LEDGER_JA in a.body for a in clerk.answers)  # the gateway itself refused
        _api_refused(*_order(server, production), birth_date)
        _cli_refused(ryoken(office.env, "production", "order", "--staff", production["supervisor"]))

        filler.unlink()
        again = clerk.load("page")  # room again: no restart needed
        assert again.status == 200 and again.personal
    finally:
        server.stop()
    assert unledgered(clerk.answers, office.entries())[0] == []
    verified = office.verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr
