"""Topic filters: the wildcards of MQTT 3.1.1 section 4.7."""

from __future__ import annotations

import pytest

from protocols.mqtt.errors import BadPath
from protocols.mqtt.topics import check_filter, has_wildcards, topic_matches


@pytest.mark.parametrize(
    ("topic_filter", "topic", "expected"),
    [
        ("/hv/status", "/hv/status", True),
        ("/hv/status", "/lv/status", False),
        ("/+/status", "/lv/status", True),
        ("/sensor/+/temperature", "/sensor/th1/temperature", True),
        ("/sensor/+/temperature", "/sensor/th1/humidity", False),
        ("/sensor/#", "/sensor/th1/humidity", True),
        ("/sensor/#", "/sensor", True),
        ("#", "/hv/status", True),
        ("+/status", "/hv/status", False),
        ("/hv/+", "/hv/cmd/setv", False),
        ("#", "$SYS/broker/uptime", False),
        ("$SYS/#", "$SYS/broker/uptime", True),
    ],
)
def test_matching(topic_filter: str, topic: str, expected: bool) -> None:
    assert topic_matches(topic_filter, topic) is expected


@pytest.mark.parametrize("topic_filter", ["", "/a/#/b", "/a/b#", "/a+/b", "a\0b"])
def test_bad_filters(topic_filter: str) -> None:
    with pytest.raises(BadPath):
        check_filter(topic_filter)


def test_good_filters() -> None:
    assert check_filter("/sensor/+/#") == "/sensor/+/#"
    assert has_wildcards("/sensor/+/x") and not has_wildcards("/hv/status")
