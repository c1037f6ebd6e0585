"""A reply's events as rows: digital events, energy records and comsys events.

An event naming an IED, port, bit or channel that no point is configured for is stored
all the same, unassigned, and logged once. Field times are naive local times of the site:
they are read in the ``TIME_ZONE`` setting and stored in UTC (in the hour a daylight-saving
change repeats, the first reading is taken); an impossible date is stored as no time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, tzinfo

from poll.acquisition.batch import ComEventRow, EnergyRow, EventRow, WriteBatch, to_micros
from poll.acquisition.mara.layout import ComasterLayout
from protocols.mara import ComsysEvent, DigitalEvent, EnergyEvent, Event

log = logging.getLogger(__name__)

COMSYS_TEXT = {
    2: ("IED link lost", "IED link restored"),
    3: ("IED started",) * 2,
    4: ("communications started",) * 2,
    6: ("IED RAM dump",) * 2,
    7: ("forced digital event on port 7",) * 2,
}


def comsys_text(code: int, reason: int) -> str:
    """What a comsys event means, for the operator."""
    texts = COMSYS_TEXT.get(code)
    if texts is None:
        return f"communication event {code}, reason {reason}"
    return texts[reason & 1]


class EventReader:
    """Turns one COMaster's events into rows; ``dedup_key`` is the COMaster and the raw
    bytes, so the same event stored twice is one row."""

    def __init__(self, layout: ComasterLayout, site_zone: tzinfo) -> None:
        self.layout = layout
        self._zone = site_zone
        self._reported: set[tuple[object, ...]] = set()

    def read(self, events: Iterable[Event], now: int, batch: WriteBatch) -> int:
        """Add the rows of ``events`` received at ``now``; returns how many (idle events
        carry nothing to store)."""
        layout = self.layout
        cm, profile = layout.comaster_id, layout.profile_id
        count = 0
        for event in events:
            raw = event.raw.hex()
            key = f"{cm}:{raw}"
            time = self._utc(event.time)
            if isinstance(event, DigitalEvent):
                point = layout.di_by_address.get((event.ied, event.port, event.bit))
                if point is None:
                    self._report("digital", event.ied, event.port, event.bit)
                batch.events.append(
                    EventRow(
                        profile_id=profile,
                        comaster_id=cm,
                        di_id=point[0] if point else None,
                        ied_address=event.ied,
                        port=event.port,
                        bit=event.bit,
                        time=time,
                        value=event.status ^ point[1] if point else event.status,
                        q=event.q,
                        raw=raw,
                        dedup_key=key,
                        received_at=now,
                    )
                )
            elif isinstance(event, EnergyEvent):
                ai_id = layout.ai_by_channel.get((event.ied, event.channel))
                if ai_id is None:
                    self._report("energy", event.ied, event.channel)
                batch.energy.append(
                    EnergyRow(
                        profile_id=profile,
                        comaster_id=cm,
                        ai_id=ai_id,
                        ied_address=event.ied,
                        channel=event.channel,
                        time=time,
                        code=event.code,
                        value=event.value,
                        q=event.q,
                        raw=raw,
                        dedup_key=key,
                        received_at=now,
                    )
                )
            elif isinstance(event, ComsysEvent):
                ied_id = layout.ied_by_address.get(event.ied)
                if ied_id is None:
                    self._report("comsys", event.ied)
                batch.com_events.append(
                    ComEventRow(
                        profile_id=profile,
                        comaster_id=cm,
                        ied_id=ied_id,
                        source="field",
                        ied_address=event.ied,
                        code=event.code,
                        reason=event.reason,
                        text=comsys_text(event.code, event.reason),
                        time=time,
                        raw=raw,
                        dedup_key=key,
                        received_at=now,
                    )
                )
            else:
                continue
            count += 1
        return count

    def _utc(self, field_time: datetime | None) -> int | None:
        return None if field_time is None else to_micros(field_time.replace(tzinfo=self._zone))

    def _report(self, kind: str, *address: int) -> None:
        key = (kind, *address)
        if key not in self._reported:
            self._reported.add(key)
            log.warning(
                "%s: %s event for IED %s that no point is configured for; stored unassigned",
                self.layout.name,
                kind,
                "/".join(str(part) for part in address),
            )
