"""The test settings, with the history test double routed when the site lacks the API."""

from smve.test_settings import *  # noqa: F403

ROOT_URLCONF = "tests.console.trends_urls"
