from __future__ import annotations

import pytest


@pytest.fixture
def keys_dir(tmp_path, monkeypatch, settings):
    """A fresh keys directory and witness for one test, created as `ryoken init` would."""
    from django.utils import timezone

    from ryoken.web.ledger import checkpoints
    from ryoken.web.vault import keys

    monkeypatch.setenv("RYOKEN_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("RYOKEN_WITNESS_PATH", str(tmp_path / "witness.log"))
    keys.forget_cached_keys()
    keys.create_keys(timezone.now())
    checkpoints.create_signing_key()
    checkpoints.reset_state()
    yield tmp_path / "keys"
    keys.forget_cached_keys()
    checkpoints.reset_state()


@pytest.fixture
def ledger_db(transactional_db, keys_dir):
    """A database where durable ledger writes commit for real (no wrapping transaction).

    The append-only triggers are dropped after the test so Django can flush the tables,
    and created again before the next one.
    """
    from django.db import connection

    from ryoken.web.ledger import store
    from ryoken.web.ledger.triggers import create_triggers, drop_triggers

    create_triggers(connection)
    store.forget_frontier()
    yield
    drop_triggers(connection)
    store.forget_frontier()
