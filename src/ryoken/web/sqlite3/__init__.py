"""Django's SQLite backend, with one addition (see `base`)."""
