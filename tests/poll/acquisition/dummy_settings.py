"""The test settings with the dummy source's app installed (dummy_app.py)."""

from smve.test_settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.poll.acquisition.dummy_app.DummySourceApp"]  # noqa: F405
