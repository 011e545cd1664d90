"""Processes of the HTTP load benchmark: a clean environment, the `ryoken` and helper
subprocesses, a throw-away PostgreSQL database, and gunicorn, always stopped on the way out."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DATABASE = "ryoken_bench_load"


class LoadBenchError(Exception):
    """The benchmark could not run (setup, server start): reported, not a traceback."""


def base_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """A clean environment: nothing from another benchmark run in this process leaks in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RYOKEN_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(RYOKEN_DATA_DIR=str(data_dir), RYOKEN_HTTPS="0", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run_python(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise LoadBenchError(f"{what} failed (exit {done.returncode}): " + " | ".join(tail))
    return done.stdout


@contextmanager
def postgres(pg_url: str) -> Iterator[str]:
    """A fresh database for this run, dropped afterwards (also after an error)."""
    try:
        import psycopg
    except ImportError as error:
        raise LoadBenchError("psycopg is not installed") from error
    admin = pg_url.rstrip("/") + "/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    except psycopg.Error as error:
        raise LoadBenchError(f"PostgreSQL at {pg_url} is not usable: {error}") from error
    try:
        yield pg_url.rstrip("/") + "/" + PG_DATABASE
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def cpu_seconds(pid: int) -> float:
    """User+system CPU of `pid` and its children (the gunicorn master and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@contextmanager
def server(workers: int, threads: int, env: dict[str, str], log: Path) -> Iterator[tuple[int, int]]:
    """gunicorn on 127.0.0.1 with the bench settings; always stopped on the way out."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        raise LoadBenchError("gunicorn is not installed in the virtualenv (pip install gunicorn)")
    port = free_port()
    server_env = dict(env, DJANGO_SETTINGS_MODULE="bench.web.settings")
    server_env["RYOKEN_BENCH_BASELINE"] = "1"
    args = [
        str(gunicorn),
        "--worker-class=gthread",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--bind=127.0.0.1:{port}",
        "--keep-alive=30",
        "--timeout=120",
        "--error-logfile=-",
        "--no-control-socket",  # several servers may run at once (tests, benchmarks)
        "ryoken.web.wsgi:application",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            args,
            env=server_env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(port, process, log)
        yield port, process.pid
    finally:
        _stop(process)


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadBenchError("gunicorn exited: " + " | ".join(tail(log, 5)))
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise LoadBenchError(
        "gunicorn did not answer /healthz within 120 s: " + " | ".join(tail(log, 5))
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def tail(path: Path, lines: int) -> list[str]:
    try:
        return path.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
