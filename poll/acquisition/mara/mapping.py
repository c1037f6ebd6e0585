"""Reading one COMaster's poll replies into point changes, history samples and records.

A :class:`ReplyMapper` keeps each point's last state in a
:class:`~poll.acquisition.point_states.PointStates`, so that a reply yields only the points
that changed, and each point's history by its policy there too. It also remembers the
last reply: DI words, AI words and SV bytes equal to the previous reply's are skipped
without looking at their points, which is most of a reply most of the time (their
heartbeat and held-back samples come from ``PointStates.sample_due``). An IED whose SV
block has bit 4 set in its first byte is not answering its COMaster: its AIs get q=1.
"""

from __future__ import annotations

import logging
from datetime import tzinfo

from poll.acquisition.batch import WriteBatch
from poll.acquisition.mara.events import EventReader
from poll.acquisition.mara.layout import ComasterLayout
from poll.acquisition.point_states import PointStates
from protocols.mara import AnalogValue, PollReply
from protocols.mara.constants import SV_BLOCK_SIZE

log = logging.getLogger(__name__)

IED_SILENT_FLAG = 0x10
"""Bit of an IED's first SV byte: the COMaster got no answer from it after 5 attempts."""


def _nothing_before(count: int) -> tuple[None, ...]:
    """A previous reply's AI words when there is none to compare with: nothing is equal."""
    return (None,) * count


class ReplyMapper:
    """Turns one COMaster's replies into the changes of a batch."""

    def __init__(self, layout: ComasterLayout, site_zone: tzinfo) -> None:
        self.layout = layout
        self._events = EventReader(layout, site_zone)
        self.points = PointStates(layout.policies)
        self._previous: PollReply | None = None
        self._silent: frozenset[int] = frozenset()
        self._short_replies: set[tuple[int, int, int]] = set()

    def relayout(self, layout: ComasterLayout) -> None:
        """Take a new configuration; points that are gone are forgotten."""
        self.points.keep_only(set(layout.point_ids), layout.policies)
        self._previous = None
        self.layout = self._events.layout = layout

    def forget(self) -> None:
        """Forget every point's state, so that the next reply writes them all again (after
        a batch that carried changes could not be journaled)."""
        self.points.clear()
        self._previous = None

    def read_records(self, reply: PollReply, now: int, batch: WriteBatch) -> int:
        """Events, energy records and comsys events of a reply; returns how many."""
        return self._events.read(reply.events, now, batch)

    def mark_not_current(self, now: int, batch: WriteBatch) -> None:
        """Every point of the COMaster is no longer current (it stopped answering)."""
        self._previous = None
        for point_id in self.layout.point_ids:
            self.points.lose(point_id, now, batch)

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
        if now >= self.points.samples_due:  # values skipped above as unchanged
            self.points.sample_due(now, batch)

    def _read_sv(self, sv: bytes, now: int, batch: WriteBatch) -> None:
        states = self.points.last
        for point_id, byte, bit in self.layout.sv:
            if byte < len(sv):
                value = float(sv[byte] if bit is None else (sv[byte] >> bit) & 1)
                if states.get(point_id) != (value, 0, True):
                    self.points.update(point_id, value, 0, now, batch)
            else:
                self.points.lose(point_id, now, batch)
        self._silent = frozenset(
            position
            for position in range(min(self.layout.ied_count, len(sv) // SV_BLOCK_SIZE))
            if sv[position * SV_BLOCK_SIZE] & IED_SILENT_FLAG
        )

    def _read_di(
        self, di: tuple[int, ...], before: tuple[int, ...] | None, now: int, batch: WriteBatch
    ) -> None:
        if di == before:
            return  # most replies: one comparison in C
        states, count = self.points.last, len(di)
        same = before if before is not None and len(before) == count else None
        for index, members in enumerate(self.layout.di_words):
            if index >= count:
                for _, point_id, _ in members:
                    self.points.lose(point_id, now, batch)
                continue
            word = di[index]
            # Only the bits that moved since the last reply, whose states it wrote.
            moved = ~0 if same is None else word ^ same[index]
            if not moved:
                continue
            for bit, point_id, inverted in members:
                if (moved >> bit) & 1:
                    value = float(((word >> bit) & 1) ^ inverted)
                    if states.get(point_id) != (value, 0, True):
                        self.points.update(point_id, value, 0, now, batch)

    def _read_ai(
        self,
        ai: tuple[AnalogValue, ...],
        before: tuple[AnalogValue, ...] | None,
        now: int,
        batch: WriteBatch,
    ) -> None:
        silent, count, layout = self._silent, len(ai), self.layout.ai
        same = before if before is not None and len(before) == count else _nothing_before(count)
        update = self.points.update
        for (point_id, escala, position), word, old in zip(layout, ai, same, strict=False):
            if word is not old:  # the parser shares one AnalogValue per word value
                update(point_id, word.raw * escala, 1 if position in silent else word.q, now, batch)
        for point_id, _, _ in layout[count:]:
            self.points.lose(point_id, now, batch)

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
