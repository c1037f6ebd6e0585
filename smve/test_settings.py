"""Settings for the test suite: the real settings, with a key that is fine for tests only."""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-key")

from smve.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
