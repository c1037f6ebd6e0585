"""Settings for the test suite: the real settings, with a key that is fine for tests only."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-suite-only-key")

from smve.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

# A file, not memory, so that processes a test starts (the poller, servers) share the data;
# named after the database, as PostgreSQL's test_<name> is, so that runs on different
# databases never share one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _database = Path(DATABASES["default"]["NAME"])  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(_database.with_name(f"test-{_database.name}"))}  # noqa: F405
