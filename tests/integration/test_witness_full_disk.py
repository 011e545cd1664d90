"""A witness line that does not fit on a full disk is cut back, and disclosure stops.

The disk fills in the middle of writing a checkpoint's line to the witness: the part that was
written is removed (a half line would read as tampering to `ryoken audit verify`), the error
reaches the caller as LedgerError in Japanese and English, and the ledger still verifies.
"""

from __future__ import annotations

import errno
import os

import pytest

from ryoken.errors import LedgerError
from ryoken.web.ledger import audit, checkpoints, paths, store

from .ledger_helpers import event

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_witness_line_that_does_not_fit_is_cut_back(ledger_db, monkeypatch):
    store.record(*(event(i) for i in range(5)))
    assert checkpoints.create_checkpoint() is not None
    witness = paths.witness_path()
    before = witness.read_bytes()
    assert before.count(b"\n") == 1
    store.record(*(event(i) for i in range(5, 9)))

    real_write = os.write
    writes: list[int] = []

    def disk_fills_up(fd: int, data: bytes) -> int:
        writes.append(len(data))
        if len(writes) == 1:  # half the line fits
            return real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoints.os, "write", disk_fills_up)
    with pytest.raises(LedgerError) as refused:
        checkpoints.create_checkpoint()
    monkeypatch.setattr(checkpoints.os, "write", real_write)

    assert len(writes) == 2  # the half line was written, then the disk was full
    assert witness.read_bytes() == before  # and it was cut back
    assert "ウィットネス" in refused.value.message_ja
    assert "No space left on device" in refused.value.message
    report = audit.verify()
    assert report.ok, report.problems
    assert report.witness_checked == 1 and report.entries_checked == 9
    # With room again, the next checkpoint reaches the witness as a whole line.
    store.record(event(9))
    assert checkpoints.create_checkpoint() is not None
    assert witness.read_bytes().startswith(before) and witness.read_bytes().count(b"\n") == 2
    assert audit.verify().ok


def test_a_checkpoint_the_database_could_not_keep_is_taken_back_from_the_witness(
    ledger_db, monkeypatch
):
    """The witness line fits but the database's commit fails (its disk is the full one):
    neither keeps the checkpoint, and the ledger still verifies."""
    from django.db import OperationalError

    store.record(*(event(i) for i in range(5)))
    assert checkpoints.create_checkpoint() is not None
    witness = paths.witness_path()
    before = witness.read_bytes()
    store.record(*(event(i) for i in range(5, 9)))
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the proxy
    real_append, real_commit = checkpoints.append_witness, connection.commit
    fail = {"next_commit": False}

    def append_then_fail_the_commit(signed):
        written = real_append(signed)
        assert witness.read_bytes() != before  # the line was written
        fail["next_commit"] = True
        return written

    def commit():
        if fail["next_commit"]:
            fail["next_commit"] = False
            raise OperationalError("database or disk is full")
        real_commit()

    monkeypatch.setattr(checkpoints, "append_witness", append_then_fail_the_commit)
    monkeypatch.setattr(connection, "commit", commit)
    with pytest.raises(OperationalError):
        checkpoints.create_checkpoint()
    assert witness.read_bytes() == before
    assert checkpoints.latest().size == 5
    report = audit.verify()
    assert report.ok, report.problems
