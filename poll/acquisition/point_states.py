"""Each point's last written state and last history sample, for any kind of source.

A source (a COMaster's reply, a Modbus device's read) reports values; :class:`PointStates`
turns them into only the point changes a batch must carry, and keeps AI history: a sample
when the value moves more than the point's deadband, when q changes, or when the maximum
interval has passed since the point's last sample.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from poll.acquisition.batch import PointChange, SampleRow, WriteBatch

State = tuple[float | None, int | None, bool]  # value, q, current


class PointStates:
    """What the database holds for each point of one source, as far as this poller wrote it."""

    def __init__(self, sample_max_interval: float) -> None:
        self.sample_max_us = int(sample_max_interval * 1_000_000)
        self.last: dict[int, State] = {}
        self._samples: dict[int, tuple[float, int, int]] = {}  # value, q, time

    def keep_only(self, point_ids: Collection[int]) -> None:
        """Forget points that are no longer configured."""
        self.last = {key: value for key, value in self.last.items() if key in point_ids}
        self._samples = {key: value for key, value in self._samples.items() if key in point_ids}

    def clear(self) -> None:
        """Forget everything, so that the next reading writes every point again."""
        self.last.clear()
        self._samples.clear()

    def set(self, point_id: int, value: float, q: int, now: int, batch: WriteBatch) -> None:
        """Record a current value if it differs from what was written last."""
        if self.last.get(point_id) != (value, q, True):
            self.last[point_id] = (value, q, True)
            batch.set_point(PointChange(point_id, value, q, True, now))

    def lose(self, point_id: int, now: int, batch: WriteBatch) -> None:
        """The point's source no longer answers for it: it is not current any more."""
        value, q, current = self.last.get(point_id, (None, None, True))
        if current:
            self.last[point_id] = (value, q, False)
            batch.set_point(PointChange(point_id, None, None, False, now))

    def sample(
        self, point_id: int, value: float, q: int, deadband: float, now: int, batch: WriteBatch
    ) -> None:
        """Keep a history sample of an AI that was read, if it is due."""
        last = self._samples.get(point_id)
        if (
            last is None
            or abs(value - last[0]) > deadband
            or q != last[1]
            or now - last[2] >= self.sample_max_us
        ):
            self._samples[point_id] = (value, q, now)
            batch.samples.append(SampleRow(point_id, now, value, q))

    def sample_stale(self, point_ids: Iterable[int], now: int, batch: WriteBatch) -> int:
        """A sample for every current AI of ``point_ids`` whose last one is older than the
        maximum interval (values a source skipped as unchanged were not sampled); returns
        when the next such sample falls due."""
        oldest = now
        for point_id in point_ids:
            last = self._samples.get(point_id)
            state = self.last.get(point_id)
            if last is None or state is None or not state[2]:
                continue
            if now - last[2] >= self.sample_max_us:
                value, q = state[0], state[1]
                assert value is not None and q is not None
                self._samples[point_id] = (value, q, now)
                batch.samples.append(SampleRow(point_id, now, value, q))
            else:
                oldest = min(oldest, last[2])
        return oldest + self.sample_max_us
