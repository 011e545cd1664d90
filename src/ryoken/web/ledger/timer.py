"""Checkpoints on a timer, so the tail of the ledger is never unsigned for long.

Entries after the last checkpoint can be deleted without a trace (nothing signed covers
them yet). Appends sign a checkpoint every N events (`RYOKEN_CHECKPOINT_EVERY`), but on a
quiet server the last few entries would wait for the next append; this thread signs them
instead, every `RYOKEN_CHECKPOINT_SECONDS` (60) seconds. An entry is therefore unsigned for
at most T seconds plus the time one signature and one witness write take. Each tick also
asks the external witnesses listed in RYOKEN_WITNESSES to cosign the latest checkpoint
(ledger/witnesses.py), so cosignatures lag by at most T seconds while the witness answers.

Where it runs: in every process that serves requests (the WSGI module starts it at import,
so `ryoken serve`, gunicorn's master with `--preload`, and each worker on its first request)
and in `ryoken watch`. Several timers are harmless: a checkpoint is signed under the append
lock, and a timer that finds the ledger unchanged signs nothing. The thread is a daemon and
never stops the process; a failure (a full witness disk) is logged and retried next tick.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.db import connection

from ryoken.web.ledger import checkpoints

log = logging.getLogger("ryoken.ledger")


class CheckpointTimer(threading.Thread):
    def __init__(self, seconds: float) -> None:
        super().__init__(name="ryoken-checkpoint-timer", daemon=True)
        self.seconds = seconds
        self.stopped = threading.Event()
        self.ticks = 0
        self.transport: Any = None  # the witnesses' HTTP (tests hand in their own)

    def run(self) -> None:
        # one tick at start: what a previous process left unsigned is signed now, and a
        # checkpoint a crash left in the witness only is put back (checkpoints.py)
        self.tick()
        while not self.stopped.wait(self.seconds):
            self.tick()

    def tick(self) -> None:
        try:
            checkpoints.create_checkpoint()
            self.cosign()
        except Exception:  # keep ticking: the next tick may succeed (disk freed)
            log.exception("the checkpoint timer could not sign a checkpoint")
        finally:
            connection.close()  # this thread's own connection; a new one next tick
            self.ticks += 1

    def cosign(self) -> None:
        """Ask the external witnesses (RYOKEN_WITNESSES) to cosign the latest checkpoint.

        A witness that already cosigned it is not asked again (one database read); one that
        is unreachable is logged and asked again next tick, and shows in `ryoken audit
        verify` as lagging meanwhile."""
        from ryoken.web.ledger import witnesses

        if witnesses.configured():
            witnesses.cosign_latest(self.transport)

    def stop(self) -> None:
        self.stopped.set()


_lock = threading.Lock()
_timer: dict[int, CheckpointTimer] = {}  # by process id: a forked worker starts its own


def ensure_started(seconds: float | None = None) -> CheckpointTimer:
    """Start this process's timer unless it is running (cheap enough to call per request)."""
    pid = os.getpid()
    running = _timer.get(pid)
    if running is not None and running.is_alive():
        return running
    with _lock:
        running = _timer.get(pid)
        if running is None or not running.is_alive():
            every = seconds if seconds is not None else checkpoints.every_seconds()
            running = _timer[pid] = CheckpointTimer(max(0.05, float(every)))
            running.start()
        return running


def stop() -> None:
    """Stop this process's timer (tests)."""
    running = _timer.pop(os.getpid(), None)
    if running is not None:
        running.stop()
        running.join(timeout=10)
