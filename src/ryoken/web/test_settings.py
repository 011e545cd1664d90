"""Settings for the test suite: a throw-away data dir unless RYOKEN_DATA_DIR is set."""

import os
import tempfile

os.environ.setdefault("RYOKEN_DATA_DIR", tempfile.mkdtemp(prefix="ryoken-test-"))
os.environ.setdefault("RYOKEN_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("RYOKEN_HTTPS", "0")

from ryoken.web.settings import *  # noqa: F403

# Argon2 is the production hasher (settings.py); tests hash thousands of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# pytest-django recognises SQLite by Django's own engine name: with ryoken's wrapper it would
# take the test database for a file and give each xdist worker a path that cannot exist.
# The wrapper only repairs a file database's side files; the tests' database is in memory,
# and the repair is tested through gunicorn with the production settings (test_disk_faults).
if DATABASES["default"]["ENGINE"] == "ryoken.web.sqlite3":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"  # noqa: F405
