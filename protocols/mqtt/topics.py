"""MQTT topic filters: validation and matching with the ``+`` and ``#`` wildcards
(MQTT 3.1.1 section 4.7), so that a message is routed to the points that subscribed to it
without asking the client library."""

from __future__ import annotations

from .errors import BadPath


def check_filter(topic_filter: str) -> str:
    """``topic_filter`` if it is a valid subscription filter, else :class:`BadPath`."""
    if not topic_filter:
        raise BadPath("an empty topic filter")
    if "\0" in topic_filter:
        raise BadPath("a topic filter holds a NUL character")
    levels = topic_filter.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            raise BadPath(f"'#' must be a whole last level: {topic_filter!r}")
        if "+" in level and level != "+":
            raise BadPath(f"'+' must be a whole level: {topic_filter!r}")
    return topic_filter


def has_wildcards(topic_filter: str) -> bool:
    return "+" in topic_filter or "#" in topic_filter


def topic_matches(topic_filter: str, topic: str) -> bool:
    """Whether a message published on ``topic`` is delivered to ``topic_filter``. Topics
    starting with ``$`` (the broker's own) match no filter starting with a wildcard."""
    if topic.startswith("$") and topic_filter[:1] in ("+", "#"):
        return False
    wanted = topic_filter.split("/")
    levels = topic.split("/")
    for index, level in enumerate(wanted):
        if level == "#":
            return True
        if index >= len(levels):
            return False
        if level != "+" and level != levels[index]:
            return False
    return len(wanted) == len(levels)
