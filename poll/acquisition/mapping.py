"""Reading a COMaster's poll replies into point states and records.

Positions follow docs/profile-format.md: SV point = byte ``6 * ied_position + offset``
(one bit of it when ``bit`` is set); DIs of the COMaster sorted by (IED offset, DI offset)
are bits of the DI words; AIs sorted the same way take the AI words in order. An IED
whose SV block has bit 4 set in its first byte is not answering its COMaster: its AIs get
q=1.

A :class:`ReplyMapper` remembers each point's last state, so that a reply yields only the
points that changed, and each AI's last history sample (deadband and maximum interval).

Field times are naive local times of the site: they are read in the ``TIME_ZONE`` setting
and stored in UTC. In the hour a daylight-saving change repeats, the first reading is taken.
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo

from poll.acquisition.batch import (
    ComEventRow,
    EnergyRow,
    EventRow,
    PointChange,
    SampleRow,
    WriteBatch,
    to_micros,
)
from poll.acquisition.config import ComasterConfig
from protocols.mara import ComsysEvent, DigitalEvent, EnergyEvent, PollReply
from protocols.mara.constants import SV_BLOCK_SIZE

log = logging.getLogger(__name__)

IED_SILENT_FLAG = 0x10
"""Bit of an IED's first SV byte: the COMaster got no answer from it after 5 attempts."""

COMSYS_TEXT = {
    2: ("IED link lost", "IED link restored"),
    3: ("IED started",) * 2,
    4: ("communications started",) * 2,
    6: ("IED RAM dump",) * 2,
    7: ("forced digital event on port 7",) * 2,
}


class ComasterLayout:
    """Where each point of one COMaster sits in a reply, and which point an event names."""

    def __init__(self, config: ComasterConfig) -> None:
        self.comaster_id = config.id
        self.profile_id = config.profile_id
        self.name = config.name
        self.sv: list[tuple[int, int, int | None]] = []  # point, byte, bit
        self.di: list[tuple[int, int]] = []  # point, inverted; position = DI number
        self.ai: list[tuple[int, float, float, int]] = []  # point, escala, deadband, IED position
        self.di_by_address: dict[tuple[int, int, int], tuple[int, int]] = {}
        self.ai_by_channel: dict[tuple[int, int], int] = {}
        self.ied_by_address: dict[int, int] = {}
        self.ied_count = len(config.ieds)
        for position, ied in enumerate(sorted(config.ieds, key=lambda ied: ied.offset)):
            self.ied_by_address[ied.address] = ied.id
            for point in ied.points:
                if point.kind == "sv":
                    self.sv.append((point.id, SV_BLOCK_SIZE * position + point.offset, point.bit))
                elif point.kind == "di":
                    self.di.append((point.id, int(point.inverted)))
                    key = (ied.address, point.port or 0, point.bit or 0)
                    self.di_by_address[key] = (point.id, int(point.inverted))
                else:
                    self.ai.append((point.id, point.escala, point.deadband, position))
                    if point.channel is not None:
                        self.ai_by_channel[(ied.address, point.channel)] = point.id
        self.point_ids = [row[0] for row in (*self.sv, *self.di, *self.ai)]

    def covers(self, reply: PollReply) -> bool:
        """Whether the reply has every byte and word the configured points need."""
        sv_needed = max((byte + 1 for _, byte, _ in self.sv), default=0)
        return (
            len(reply.sv) >= sv_needed
            and len(reply.di) * 16 >= len(self.di)
            and len(reply.ai) >= len(self.ai)
        )


class ReplyMapper:
    """Turns one COMaster's replies into the changes of a batch."""

    def __init__(
        self, layout: ComasterLayout, site_zone: tzinfo, sample_max_interval: float
    ) -> None:
        self.layout = layout
        self._zone = site_zone
        self._sample_max_us = int(sample_max_interval * 1_000_000)
        self._states: dict[int, tuple[float | None, int | None, bool]] = {}
        self._samples: dict[int, tuple[float, int, int]] = {}  # value, q, time
        self._reported: set[object] = set()

    def relayout(self, layout: ComasterLayout) -> None:
        """Take a new configuration; points that are gone are forgotten."""
        kept = set(layout.point_ids)
        self._states = {key: value for key, value in self._states.items() if key in kept}
        self._samples = {key: value for key, value in self._samples.items() if key in kept}
        self.layout = layout

    def forget(self) -> None:
        """Forget every point's state, so that the next reply writes them all again (after
        a batch that carried changes could not be journaled)."""
        self._states.clear()
        self._samples.clear()

    def read_values(self, reply: PollReply, now: int, batch: WriteBatch) -> None:
        """Point changes and history samples of a reply received at ``now``."""
        layout = self.layout
        if not layout.covers(reply):
            self._report_once(
                ("short reply", len(reply.sv), len(reply.di), len(reply.ai)),
                "%s: reply has %d SV bytes, %d DI words, %d AI words; points beyond them "
                "are marked not current",
                layout.name,
                len(reply.sv),
                len(reply.di),
                len(reply.ai),
            )
        sv, di, ai = reply.sv, reply.di, reply.ai
        states = self._states
        for point_id, byte, bit in layout.sv:
            if byte < len(sv):
                value = sv[byte] if bit is None else (sv[byte] >> bit) & 1
                if states.get(point_id) != (value, 0, True):
                    self._set(point_id, float(value), 0, now, batch)
            else:
                self._lose(point_id, now, batch)
        words = len(di)
        for number, (point_id, inverted) in enumerate(layout.di):
            if number >> 4 < words:
                value = ((di[number >> 4] >> (number & 15)) & 1) ^ inverted
                if states.get(point_id) != (value, 0, True):
                    self._set(point_id, float(value), 0, now, batch)
            else:
                self._lose(point_id, now, batch)
        silent = self._silent_ieds(sv)
        for index, (point_id, escala, deadband, position) in enumerate(layout.ai):
            if index >= len(ai):
                self._lose(point_id, now, batch)
                continue
            word = ai[index]
            q = 1 if position in silent else word.q
            value = word.raw * escala
            if states.get(point_id) != (value, q, True):
                self._set(point_id, value, q, now, batch)
            self._sample(point_id, value, q, deadband, now, batch)

    def mark_not_current(self, now: int, batch: WriteBatch) -> None:
        """Every point of the COMaster is no longer current (it stopped answering)."""
        for point_id in self.layout.point_ids:
            self._lose(point_id, now, batch)

    def read_records(self, reply: PollReply, now: int, batch: WriteBatch) -> int:
        """Events, energy records and comsys events of a reply; returns how many."""
        layout = self.layout
        cm, profile = layout.comaster_id, layout.profile_id
        count = 0
        for event in reply.events:
            raw = event.raw.hex()
            key = f"{cm}:{raw}"
            time = self._utc(event.time)
            if isinstance(event, DigitalEvent):
                point = layout.di_by_address.get((event.ied, event.port, event.bit))
                if point is None:
                    self._report_unmapped("digital", event.ied, event.port, event.bit)
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
                    self._report_unmapped("energy", event.ied, event.channel)
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
                    self._report_unmapped("comsys", event.ied)
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
                continue  # idle events carry nothing to store
            count += 1
        return count

    def _set(self, point_id: int, value: float, q: int, now: int, batch: WriteBatch) -> None:
        self._states[point_id] = (value, q, True)
        batch.set_point(PointChange(point_id, value, q, True, now))

    def _lose(self, point_id: int, now: int, batch: WriteBatch) -> None:
        value, q, current = self._states.get(point_id, (None, None, True))
        if current:
            self._states[point_id] = (value, q, False)
            batch.set_point(PointChange(point_id, None, None, False, now))

    def _sample(
        self, point_id: int, value: float, q: int, deadband: float, now: int, batch: WriteBatch
    ) -> None:
        last = self._samples.get(point_id)
        if (
            last is None
            or abs(value - last[0]) > deadband
            or q != last[1]
            or now - last[2] >= self._sample_max_us
        ):
            self._samples[point_id] = (value, q, now)
            batch.samples.append(SampleRow(point_id, now, value, q))

    def _silent_ieds(self, sv: bytes) -> set[int]:
        """Positions of IEDs whose SV block says the COMaster gets no answer from them."""
        return {
            position
            for position in range(min(self.layout.ied_count, len(sv) // SV_BLOCK_SIZE))
            if sv[position * SV_BLOCK_SIZE] & IED_SILENT_FLAG
        }

    def _utc(self, field_time: datetime | None) -> int | None:
        return None if field_time is None else to_micros(field_time.replace(tzinfo=self._zone))

    def _report_unmapped(self, kind: str, *address: int) -> None:
        self._report_once(
            (kind, *address),
            "%s: %s event for IED %s that no point is configured for; stored unassigned",
            self.layout.name,
            kind,
            "/".join(str(part) for part in address),
        )

    def _report_once(self, key: object, message: str, *args: object) -> None:
        if key not in self._reported:
            self._reported.add(key)
            log.warning(message, *args)


def comsys_text(code: int, reason: int) -> str:
    """What a comsys event means, for the operator."""
    texts = COMSYS_TEXT.get(code)
    if texts is None:
        return f"communication event {code}, reason {reason}"
    return texts[reason & 1]
