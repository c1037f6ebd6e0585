"""Settings for the test suite: the real settings, with a key that is fine for tests only."""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-key")

from smve.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

# A file, not memory, so that processes a test starts (the poller, servers) share the data.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}  # noqa: F405
