"""kill -9 of the server and the watcher in the middle of load, then restart.

Four issuance clerks reload the pickup screen and the holder's photo with no pause against
gunicorn (production settings, 2 workers) while `ryoken watch --interval 1` scores the
ledger. Twice, both are killed with SIGKILL (every gunicorn process at once) and started
again while the clerks keep going; a canary is looked up by break-glass before each kill and
again while everything is down. Afterwards:

- `ryoken audit verify` passes;
- every answer that carried personal data (the holder's name, the photo's bytes) has a
  `disclosure` entry of its own, with its grant, subject and fields, appended between the
  request and the answer; entries without an answer are only the requests in flight when the
  server died;
- the watcher resumed after its last committed pass: its passes tile the ledger, nothing was
  left unscored, each canary lookup is in exactly one case with exactly one alert.

One test: the scenario runs once (about a minute), and xdist would split separate tests of a
shared fixture across workers and run it twice. The machinery is bench/faultload.py.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.faultload import (  # noqa: E402 - bench/ is beside src/, not installed
    Office,
    Server,
    Watcher,
    run_clerks,
    unledgered,
    watcher_problems,
)

pytestmark = [
    pytest.mark.skipif(
        not (Path(sys.executable).parent / "gunicorn").exists(),
        reason="gunicorn is not installed",
    ),
    pytest.mark.wall_clock,
]

LOOKERS = ("li002", "li003")  # one outage each


def _caught_up(office: Office, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        state = office.watch_state()
        if state["last_seq"] >= state["top"] or time.monotonic() > deadline:
            return state
        time.sleep(0.5)


def test_kill_9_mid_load_loses_no_ledger_entry_and_no_watched_event(tmp_path):
    office = Office.create(tmp_path / "data", pickup=4, ready=12, canaries=1)
    canary = office.spec["canaries"][0]
    server = Server(office.env, tmp_path / "gunicorn.log", workers=2, threads=4)
    watcher = Watcher(office.env, tmp_path / "watch.log", interval=1)
    stop = None
    outages: list[tuple[float, float]] = []
    try:
        server.start()
        watcher.start()
        clerks = office.clerks(server.port)
        for clerk in clerks:
            clerk.start()
        stop, threads = run_clerks(clerks)
        for looker in LOOKERS:
            time.sleep(4)
            office.lookup_canary(looker, canary)  # everything running
            time.sleep(3)
            down = time.time()
            server.kill9()
            watcher.kill9()
            office.lookup_canary(looker, canary)  # the server and the watcher are down
            server.start()
            watcher.start()
            outages.append((down, time.time()))
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        state = _caught_up(office)
        watcher_exit = watcher.stop()
        server.stop()
    finally:
        if stop is not None:
            stop.set()
        server.stop()
        watcher.stop()

    # The ledger: complete and consistent after two crashes.
    verified = office.verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "verified" in verified.stdout

    # The load was real on both sides of each outage, and each kill hit it mid-flight.
    answers = [a for clerk in clerks for a in clerk.answers]
    assert Counter(a.status for a in answers).keys() <= {200, 0}, [
        a.body[:300] for a in answers if a.status not in (200, 0)
    ]
    assert all(a.personal for a in answers if a.status == 200)
    edges = [0.0, *[t for outage in outages for t in outage], float("inf")]
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        served = [a for a in answers if a.personal and start <= a.sent < end]
        assert len(served) >= 20, f"too little load between {start} and {end}"
    for down, up in outages:
        assert any(a.status == 0 and down - 1 <= a.sent <= up for a in answers)

    # Every answer with personal data has its own disclosure entry, appended before it.
    entries = office.entries()
    problems, unclaimed = unledgered(answers, entries)
    assert problems == []
    # Ledgered but never answered: at most the request each clerk had in flight at a kill.
    assert unclaimed <= len(clerks) * len(outages)

    # The watcher resumed after its last committed pass, twice, and caught up.
    report = watcher_problems(watcher.lines())
    assert report.problems == []
    assert report.lives == 3 and report.passes > 6
    assert state["last_seq"] == state["top"]
    assert watcher_exit == 0
    # Each lookup of the canary — made while the watcher ran and while it was dead — is
    # evidence in exactly one case, raised exactly once.
    for looker in LOOKERS:
        touches = {
            e["seq"]
            for e in entries
            if e["code"] == "disclosure" and e["actor"] == looker and canary in e["subjects"]
        }
        assert len(touches) == 2
        cases = [c for c in state["cases"] if c["staff"] == looker]
        assert len(cases) == 1 and "canary" in cases[0]["detectors"]
        assert touches <= set(cases[0]["seqs"])
        raised = [
            e
            for e in entries
            if e["code"] == "alert.triage"
            and e["details"].get("staff") == looker
            and e["details"].get("action") == "raised"
        ]
        assert len(raised) == 1

    # A crash leaves nothing the restarted server trips over.
    assert not [line for line in server.log_lines() if "Traceback" in line]
