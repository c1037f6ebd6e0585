"""Communication-loss alarms: which link each watches, and what a batch's link changes say.

A COMaster, Modbus device or MQTT device is a link of the poller: its state (online or
not, since when) comes in the batch's link states, by link kind name and link id. An IED
is reached through its COMaster, which tells when the IED's link is lost or restored with
a communication event (comsys code 2; reason bit 0 clear: lost, set: restored).
"""

from __future__ import annotations

from collections.abc import Iterator

from poll.acquisition.processors import LinkChanges

LINK_KIND_OF_FIELD = {
    "comaster": "comasters",
    "modbus_device": "modbus_devices",
    "mqtt_device": "mqtt_devices",
}
"""Definition field -> the poller's link kind name (poll/acquisition/*/recorder.py)."""

IED_LINK_CODE = 2
"""The comsys code of an IED's link lost / restored (poll/acquisition/mara/events.py)."""


class LinkWatch:
    """The comm-loss definitions by the link they watch."""

    def __init__(self) -> None:
        self._by_link: dict[tuple[str, int], list[int]] = {}  # (kind, link id) -> definitions
        self._by_ied: dict[int, list[int]] = {}  # IED id -> definitions

    def add(self, definition_id: int, field: str, link_id: int) -> None:
        if field == "ied":
            self._by_ied.setdefault(link_id, []).append(definition_id)
        else:
            key = (LINK_KIND_OF_FIELD[field], link_id)
            self._by_link.setdefault(key, []).append(definition_id)

    def __bool__(self) -> bool:
        return bool(self._by_link or self._by_ied)

    def lost(self, changes: LinkChanges) -> Iterator[tuple[int, bool, int | None]]:
        """``(definition id, link lost, field time or None)`` for each watched link the
        changes speak of, in the batch's order (states last: they are the latest word)."""
        for row in changes.com_events:
            if row.code != IED_LINK_CODE or row.ied_id is None:
                continue
            for definition_id in self._by_ied.get(row.ied_id, ()):
                yield definition_id, not row.reason & 1, row.time or row.received_at
        for kind, statuses in changes.links.items():
            for link_id, status in statuses.items():
                for definition_id in self._by_link.get((kind, link_id), ()):
                    at = status.state_since or status.last_poll_at
                    yield definition_id, not status.online, at
