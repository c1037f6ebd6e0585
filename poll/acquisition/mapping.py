"""Reading one COMaster's poll replies into point changes, history samples and records.

A :class:`ReplyMapper` remembers each point's last state (value, q, current), so that a
reply yields only the points that changed. It also remembers the last reply: DI words,
AI words and SV bytes equal to the previous reply's are skipped without looking at their
points, which is most of a reply most of the time. An IED whose SV block has bit 4 set
in its first byte is not answering its COMaster: its AIs get q=1.

AI history keeps a sample when the value moves more than the point's deadband, when q
changes, or when the maximum interval has passed since the point's last sample.
"""

from __future__ import annotations

import logging
from datetime import tzinfo

from poll.acquisition.batch import PointChange, SampleRow, WriteBatch
from poll.acquisition.events import EventReader
from poll.acquisition.layout import ComasterLayout
from protocols.mara import AnalogValue, PollReply
from protocols.mara.constants import SV_BLOCK_SIZE

log = logging.getLogger(__name__)

IED_SILENT_FLAG = 0x10
"""Bit of an IED's first SV byte: the COMaster got no answer from it after 5 attempts."""


class ReplyMapper:
    """Turns one COMaster's replies into the changes of a batch."""

    def __init__(
        self, layout: ComasterLayout, site_zone: tzinfo, sample_max_interval: float
    ) -> None:
        self.layout = layout
        self._events = EventReader(layout, site_zone)
        self._sample_max_us = int(sample_max_interval * 1_000_000)
        self._states: dict[int, tuple[float | None, int | None, bool]] = {}
        self._samples: dict[int, tuple[float, int, int]] = {}  # value, q, time
        self._previous: PollReply | None = None
        self._silent: frozenset[int] = frozenset()
        self._stale_samples_due = 0
        self._short_replies: set[tuple[int, int, int]] = set()

    def relayout(self, layout: ComasterLayout) -> None:
        """Take a new configuration; points that are gone are forgotten."""
        kept = set(layout.point_ids)
        self._states = {key: value for key, value in self._states.items() if key in kept}
        self._samples = {key: value for key, value in self._samples.items() if key in kept}
        self._previous = None
        self.layout = self._events.layout = layout

    def forget(self) -> None:
        """Forget every point's state, so that the next reply writes them all again (after
        a batch that carried changes could not be journaled)."""
        self._states.clear()
        self._samples.clear()
        self._previous = None

    def read_records(self, reply: PollReply, now: int, batch: WriteBatch) -> int:
        """Events, energy records and comsys events of a reply; returns how many."""
        return self._events.read(reply.events, now, batch)

    def mark_not_current(self, now: int, batch: WriteBatch) -> None:
        """Every point of the COMaster is no longer current (it stopped answering)."""
        self._previous = None
        for point_id in self.layout.point_ids:
            self._lose(point_id, now, batch)

    def read_values(self, reply: PollReply, now: int, batch: WriteBatch) -> None:
        """Point changes and history samples of a reply received at ``now``."""
        if not self.layout.covers(reply):
            self._report_short(reply)
        previous, self._previous = self._previous, reply
        sv_changed = previous is None or reply.sv != previous.sv
        if sv_changed:
            self._read_sv(reply.sv, now, batch)
        self._read_di(reply.di, None if previous is None else previous.di, now, batch)
        before = None if previous is None or sv_changed else previous.ai
        self._read_ai(reply.ai, before, now, batch)
        if now >= self._stale_samples_due:
            self._sample_stale(now, batch)

    def _read_sv(self, sv: bytes, now: int, batch: WriteBatch) -> None:
        states = self._states
        for point_id, byte, bit in self.layout.sv:
            if byte < len(sv):
                value = float(sv[byte] if bit is None else (sv[byte] >> bit) & 1)
                if states.get(point_id) != (value, 0, True):
                    self._set(point_id, value, 0, now, batch)
            else:
                self._lose(point_id, now, batch)
        self._silent = frozenset(
            position
            for position in range(min(self.layout.ied_count, len(sv) // SV_BLOCK_SIZE))
            if sv[position * SV_BLOCK_SIZE] & IED_SILENT_FLAG
        )

    def _read_di(
        self, di: tuple[int, ...], before: tuple[int, ...] | None, now: int, batch: WriteBatch
    ) -> None:
        states, count = self._states, len(di)
        same = before if before is not None and len(before) == count else None
        for index, members in enumerate(self.layout.di_words):
            if index >= count:
                for _, point_id, _ in members:
                    self._lose(point_id, now, batch)
                continue
            word = di[index]
            if same is not None and same[index] == word:
                continue
            for bit, point_id, inverted in members:
                value = float(((word >> bit) & 1) ^ inverted)
                if states.get(point_id) != (value, 0, True):
                    self._set(point_id, value, 0, now, batch)

    def _read_ai(
        self,
        ai: tuple[AnalogValue, ...],
        before: tuple[AnalogValue, ...] | None,
        now: int,
        batch: WriteBatch,
    ) -> None:
        states, silent, count = self._states, self._silent, len(ai)
        same = before if before is not None and len(before) == count else None
        for index, (point_id, escala, deadband, position) in enumerate(self.layout.ai):
            if index >= count:
                self._lose(point_id, now, batch)
                continue
            word = ai[index]
            if same is not None and same[index] is word:
                continue  # the parser shares one AnalogValue per word value
            q = 1 if position in silent else word.q
            value = word.raw * escala
            if states.get(point_id) != (value, q, True):
                self._set(point_id, value, q, now, batch)
            self._sample(point_id, value, q, deadband, now, batch)

    def _sample(
        self, point_id: int, value: float, q: int, deadband: float, now: int, batch: WriteBatch
    ) -> None:
        """Keep a history sample of an AI that was read, if it is due."""
        last = self._samples.get(point_id)
        if (
            last is None
            or abs(value - last[0]) > deadband
            or q != last[1]
            or now - last[2] >= self._sample_max_us
        ):
            self._samples[point_id] = (value, q, now)
            batch.samples.append(SampleRow(point_id, now, value, q))

    def _sample_stale(self, now: int, batch: WriteBatch) -> None:
        """A sample for every current AI whose last one is older than the maximum interval
        (AIs whose word did not change were not read, so not sampled)."""
        oldest = now
        for point_id, *_ in self.layout.ai:
            last = self._samples.get(point_id)
            state = self._states.get(point_id)
            if last is None or state is None or not state[2]:
                continue
            if now - last[2] >= self._sample_max_us:
                value, q = state[0], state[1]
                assert value is not None and q is not None
                self._samples[point_id] = (value, q, now)
                batch.samples.append(SampleRow(point_id, now, value, q))
            else:
                oldest = min(oldest, last[2])
        self._stale_samples_due = oldest + self._sample_max_us

    def _set(self, point_id: int, value: float, q: int, now: int, batch: WriteBatch) -> None:
        self._states[point_id] = (value, q, True)
        batch.set_point(PointChange(point_id, value, q, True, now))

    def _lose(self, point_id: int, now: int, batch: WriteBatch) -> None:
        value, q, current = self._states.get(point_id, (None, None, True))
        if current:
            self._states[point_id] = (value, q, False)
            batch.set_point(PointChange(point_id, None, None, False, now))

    def _report_short(self, reply: PollReply) -> None:
        shape = (len(reply.sv), len(reply.di), len(reply.ai))
        if shape not in self._short_replies:
            self._short_replies.add(shape)
            log.warning(
                "%s: reply has %d SV bytes, %d DI words, %d AI words; points beyond them "
                "are marked not current",
                self.layout.name,
                *shape,
            )
