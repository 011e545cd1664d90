"""Shared fixtures. Integration tests run on SQLite, or PostgreSQL when DATABASE_URL is set."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Start every test without the ledger's append-only triggers.

    Django flushes tables between transactional tests, which the triggers would refuse;
    the `ledger_db` fixture creates them for the tests that write the ledger.
    """
    from django.db import connection

    from ryoken.web.ledger.triggers import drop_triggers

    with django_db_blocker.unblock():
        drop_triggers(connection)
