"""Faults under load: the office that tests/integration/test_faults.py and
test_disk_faults.py start, load, kill and starve of disk.

- `Office`: a fresh data dir (`ryoken init`, then `bench.loadoffice prepare`: issuance clerks
  with TOTP devices and windows of their own, passports ready for pickup whose holders are in
  the vault, optionally canaries), its environment, and readers of its ledger and watcher.
- `Server`: gunicorn with the production settings on a fixed port: started, `kill -9`ed (the
  master and every worker at once, as a crash would leave them) and started again;
  optionally as another user (`setpriv`, when we are root), so file modes bind it.
- `Watcher`: `ryoken watch` in a subprocess; its output is kept across its lives.
- `PickupClerk`: one issuance clerk's browser. It logs in, calls a pickup ticket, then loads
  the pickup screen and the holder's photo again and again, recording every answer: when it
  was sent and received, its status, and whether it carried the holder's personal data (the
  name on the screen, the photo's bytes).
- `unledgered`: every answer that carried personal data without a `disclosure` entry of its
  own (same grant, subject and fields, appended between sending and receiving).
- `watcher_problems`: the watcher's passes, life by life, checked to tile the ledger: each
  quick pass scores exactly the entries after the previous one, and a restarted watcher
  resumes at or after the last pass it printed (never re-scoring one).

Nothing here is a benchmark: it is the machinery of the fault tests, kept next to the load
benchmark whose clerks, browser and office setup it reuses.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.loadbrowser import Browser, Stats
from bench.loadclient import IssuanceClerk, Login
from bench.loadoffice import tiny_png
from bench.loadserver import ROOT, LoadBenchError, base_env, free_port, run_python, tail
from ryoken.privacy.policy import Exposure, Step, exposure

NOBODY = 65534
SCREEN_FIELDS = ("name_kanji", "birth_date", "passport_number", "previous_passport")
# What each answer discloses, as the gateway records it: the fields the pickup step SHOWS.
FIELDS = {
    "page": tuple(f for f in SCREEN_FIELDS if exposure(Step.PICKUP, f) is Exposure.SHOWN),
    "photo": ("face_photo",),
}
PHOTO = tiny_png()
# What the page says when storage fails (web/views.py: server_error): the ledger could not
# record (a disclosure refused), its witness could not be written, or the database at all.
REFUSALS_JA = (
    "監査台帳に記録できないため、個人情報は表示できません。",
    "監査台帳の控え（ウィットネス）に書き込めないため、個人情報は表示できません。",
    "データベースに書き込めないため、処理を中止しました。",
)


def ryoken(
    env: dict[str, str], *args: str, timeout: float = 300, user: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `ryoken` command (as `user`, if we are root); the result, whatever its exit."""
    return subprocess.run(
        _as_user([sys.executable, "-m", "ryoken.cli", *args], user),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- the office --------------------------------------------------------------------------------


@dataclass
class Office:
    env: dict[str, str]
    spec: dict[str, Any]

    @classmethod
    def create(cls, data: Path, *, pickup: int = 4, ready: int = 20, canaries: int = 0) -> Office:
        env = base_env(data, None)
        env["RYOKEN_CHECKPOINT_SECONDS"] = "2"  # checkpoints often: kills land among them
        run_python(["-m", "ryoken.cli", "init"], env, "ryoken init")
        out = data.parent / f"{data.name}-office.json"
        run_python(
            [
                "-m",
                "bench.loadoffice",
                "prepare",
                str(out),
                "--intake=0",
                f"--pickup={pickup}",
                "--tickets=0",
                f"--ready={ready}",
                f"--canaries={canaries}",
            ],
            env,
            "office setup",
        )
        return cls(env, json.loads(out.read_text()))

    @property
    def data(self) -> Path:
        return Path(self.env["RYOKEN_DATA_DIR"])

    @property
    def database(self) -> Path:
        return self.data / "ryoken.sqlite3"

    def clerks(self, port: int) -> list[PickupClerk]:
        return [PickupClerk(spec, self.spec, port) for spec in self.spec["pickup"]]

    def entries(self, since: int = 0) -> list[dict[str, Any]]:
        """Every ledger entry from `since` on, decoded."""
        out = run_python(["-m", "bench.loadoffice", "entries", str(since)], self.env, "entries")
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def watch_state(self) -> dict[str, Any]:
        """The watcher's bookmark, the ledger's top sequence number, the cases."""
        out = run_python(["-m", "bench.loadoffice", "watch-state"], self.env, "watch state")
        result: dict[str, Any] = json.loads(out)
        return result

    def lookup_canary(self, staff: str, subject: str) -> None:
        """`staff` looks the canary `subject` up by break-glass (a case for the watcher)."""
        run_python(
            ["-m", "bench.loadoffice", "lookup-canary", staff, subject], self.env, "canary lookup"
        )

    def production(self) -> dict[str, str]:
        """A production batch ordered, one approved application waiting, a bureau client."""
        out = self.data.parent / f"{self.data.name}-production.json"
        run_python(["-m", "bench.loadoffice", "production", str(out)], self.env, "production")
        result: dict[str, str] = json.loads(out.read_text())
        return result

    def give_to(self, uid: int) -> None:
        """Hand the data dir to another user (the server will run as them)."""
        if os.geteuid() != 0:
            return
        for path in [self.data, *self.data.rglob("*")]:
            os.chown(path, uid, uid)

    def verify(self) -> subprocess.CompletedProcess[str]:
        return ryoken(self.env, "audit", "verify")


# --- processes ---------------------------------------------------------------------------------


def _kill9(process: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL to the process group: a gunicorn master and all its workers at once."""
    if process is None or process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


def _stop(process: subprocess.Popen[bytes] | None, timeout: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        _kill9(process)


def _as_user(args: list[str], user: int | None) -> list[str]:
    if user is None or os.geteuid() != 0:
        return args
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *args]


class Server:
    """gunicorn (gthread) with the production settings, on one port for all its lives."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        *,
        workers: int = 1,
        threads: int = 8,
        user: int | None = None,
    ) -> None:
        self.env = dict(env, DJANGO_SETTINGS_MODULE="ryoken.web.settings")
        self.log = log
        self.port = free_port()
        self.workers, self.threads, self.user = workers, threads, user
        self.process: subprocess.Popen[bytes] | None = None
        self.lives = 0

    def start(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        args = [
            str(gunicorn),
            "--worker-class=gthread",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            f"--bind=127.0.0.1:{self.port}",
            "--timeout=60",
            "--error-logfile=-",
            "--no-control-socket",
            "ryoken.web.wsgi:application",
        ]
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                _as_user(args, self.user),
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready()
        self.lives += 1

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise LoadBenchError("gunicorn exited: " + " | ".join(tail(self.log, 5)))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        raise LoadBenchError("gunicorn did not answer /healthz: " + " | ".join(tail(self.log, 5)))

    def kill9(self) -> None:
        _kill9(self.process)

    def stop(self) -> None:
        _stop(self.process)

    def log_lines(self) -> list[str]:
        return tail(self.log, 1_000_000)


class Watcher:
    """`ryoken watch` in a subprocess; every life appends to the same log."""

    def __init__(self, env: dict[str, str], log: Path, *, interval: int = 1) -> None:
        self.env, self.log, self.interval = env, log, interval
        self.process: subprocess.Popen[bytes] | None = None
        self.lives = 0

    def start(self) -> None:
        args = [sys.executable, "-m", "ryoken.cli", "watch", f"--interval={self.interval}"]
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                args,
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.lives += 1

    def kill9(self) -> None:
        _kill9(self.process)

    def stop(self) -> int | None:
        """SIGTERM: the watcher finishes its pass and exits. Returns its exit status."""
        _stop(self.process, timeout=60)
        return None if self.process is None else self.process.returncode

    def lines(self) -> list[str]:
        return tail(self.log, 1_000_000)


def api_get(port: int, path: str, token: str) -> tuple[int, str]:
    """GET an API route with a bearer token: (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


# --- the clerk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One request of a clerk and what came back (status 0: no answer at all)."""

    kind: str  # "page" or "photo"
    grant: str
    subject: str
    sent: float  # wall-clock seconds, like the ledger's times
    received: float
    status: int
    personal: bool  # the holder's name on the page, or the photo's bytes
    body: str = ""  # the page's text when it was not a 200 (a refusal), or the error


class PickupClerk:
    """An issuance clerk at the pickup window, reloading the screen and the photo."""

    def __init__(self, spec: dict[str, Any], office: dict[str, Any], port: int) -> None:
        self.browser = Browser("127.0.0.1", port, Stats(), timeout=60)
        login = Login(**{k: spec[k] for k in Login.__dataclass_fields__})
        self.flow = IssuanceClerk(
            self.browser,
            login,
            think=lambda: 0.0,
            rng=random.Random(spec["username"]),
            presented=office["presented"],
        )
        self.username = spec["username"]
        self.holders: dict[str, dict[str, str]] = office["holders"]
        self.answers: list[Answer] = []
        self.grant = self.subject = self.name = ""
        self.paths: dict[str, str] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Log in (password and TOTP) and call the next pickup visitor."""
        self.flow.log_in()
        self.flow.setup()
        app_id = self.flow._call()
        holder = self.holders[app_id]
        self.grant = self.flow.grant
        self.subject, self.name = holder["subject"], holder["name_kanji"]
        self.paths = {
            "page": self.flow.app_url,
            "photo": f"/pickup/photo/{self.grant}/{self.subject}/",
        }

    def load(self, kind: str, *, language: str = "ja") -> Answer:
        sent = time.time()
        try:
            response = self.browser.request("GET", self.paths[kind], kind, language=language)
        except (OSError, http.client.HTTPException) as error:
            answer = Answer(
                kind, self.grant, self.subject, sent, time.time(), 0, False, repr(error)
            )
        else:
            received = time.time()
            personal = self.name in response.body if kind == "page" else response.data == PHOTO
            text = (
                ""
                if response.status == 200
                else response.body or response.data.decode("utf-8", "replace")
            )
            answer = Answer(
                kind, self.grant, self.subject, sent, received, response.status, personal, text
            )
        with self._lock:
            self.answers.append(answer)
        return answer

    def run(self, stop: threading.Event, pause: float = 0.05) -> None:
        """Screen, photo, screen, photo... until told to stop (errors are answers too)."""
        while not stop.is_set():
            for kind in ("page", "photo"):
                answer = self.load(kind)
                if answer.status == 0:
                    stop.wait(0.2)  # the server is down: try again shortly, like a clerk
            stop.wait(pause)


def run_clerks(clerks: list[PickupClerk]) -> tuple[threading.Event, list[threading.Thread]]:
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in clerks]
    for thread in threads:
        thread.start()
    return stop, threads


# --- the checks ----------------------------------------------------------------------------------


def unledgered(
    answers: Iterable[Answer], entries: Iterable[dict[str, Any]], slack: float = 0.001
) -> tuple[list[str], int]:
    """Answers with personal data that have no `disclosure` entry of their own.

    Each such answer must be matched by a distinct entry with its grant, subject and fields,
    appended between the moment the request was sent and the moment the answer arrived.
    Returns the problems, and how many of these grants' disclosure entries no answer claimed
    (ledgered, but the answer never arrived: the server died in between — allowed)."""
    pool: dict[tuple[str, str, tuple[str, ...]], list[tuple[float, int]]] = defaultdict(list)
    for entry in entries:
        if entry["code"] != "disclosure":
            continue
        for subject in entry["subjects"]:
            key = (entry["grant"], subject, tuple(entry["fields"]))
            pool[key].append((entry["at"], entry["seq"]))
    for times in pool.values():
        times.sort()
    personal = sorted((a for a in answers if a.personal), key=lambda a: a.received)
    grants = {a.grant for a in personal}
    used: set[int] = set()
    problems = []
    for answer in personal:
        key = (answer.grant, answer.subject, FIELDS[answer.kind])
        found = next(
            (
                seq
                for at, seq in pool.get(key, [])
                if seq not in used and answer.sent - slack <= at <= answer.received + slack
            ),
            None,
        )
        if found is None:
            problems.append(
                f"{answer.kind} of {answer.subject} under {answer.grant} answered at "
                f"{answer.received:.3f} (sent {answer.sent:.3f}) has no disclosure entry"
            )
        else:
            used.add(found)
    unclaimed = sum(
        1 for key, times in pool.items() if key[0] in grants for _, seq in times if seq not in used
    )
    return problems, unclaimed


_START = re.compile(r"watching the ledger after entry #(-?\d+)")
_PASS = re.compile(r"^(full|quick) run: ([\d,]+) events through #(-?\d+)")


@dataclass
class WatcherReport:
    problems: list[str] = field(default_factory=list)
    lives: int = 0
    passes: int = 0
    bookmark: int = -1  # where the last printed pass left the bookmark
    resumed_after: list[int] = field(default_factory=list)


def watcher_problems(lines: Iterable[str]) -> WatcherReport:
    """Check the watcher's printed passes across its lives (see the module docstring)."""
    report = WatcherReport()
    bookmark: int | None = None
    for line in lines:
        start = _START.search(line)
        if start:
            resumed = int(start.group(1))
            if bookmark is not None and resumed < bookmark:
                report.problems.append(
                    f"life {report.lives + 1} resumed after #{resumed}, but a pass through "
                    f"#{bookmark} was already done: entries would be scored twice"
                )
            report.lives += 1
            report.resumed_after.append(resumed)
            bookmark = resumed
            continue
        found = _PASS.match(line)
        if not found:
            continue
        kind, through = found.group(1), int(found.group(3))
        events = int(found.group(2).replace(",", ""))
        if bookmark is None:
            report.problems.append(f"a pass before the watcher said where it starts: {line}")
            bookmark = -1
        if kind == "quick" and through >= bookmark and events != through - bookmark:
            report.problems.append(
                f"quick pass through #{through} after #{bookmark} scored {events} entries, "
                f"not {through - bookmark}"
            )
        if through < bookmark:
            report.problems.append(f"pass through #{through} went back from #{bookmark}")
        bookmark = max(bookmark, through)
        report.passes += 1
    report.bookmark = -1 if bookmark is None else bookmark
    return report
