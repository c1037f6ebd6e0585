"""The test settings with the alarms API double in front of the site's URLs (browser
tests of the alarm console only; see ``alarm_api_double``)."""

from smve.test_settings import *  # noqa: F403

ROOT_URLCONF = "tests.console.alarm_api_double"

# The double keeps its alarms in memory, not in the table the site stream reads its alarm
# changes from: the stream carries none, and the console reads the double's list whole.
STREAM_ALARMS_MAX = 0
