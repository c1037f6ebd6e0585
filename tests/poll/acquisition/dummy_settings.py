"""The test settings with the dummy source's app installed (tests/poll/acquisition/dummy_source.py)."""

from smve.test_settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.poll.acquisition.dummy_app.DummySourceApp"]  # noqa: F405
