"""Each point's last written state and last history sample, for any kind of source.

A source (a COMaster's reply, a Modbus device's read, an MQTT message) reports values;
:class:`PointStates` turns them into only the point changes a batch must carry, and keeps
history by each point's :class:`~poll.acquisition.history_policy.HistoryPolicy`: a sample
when the value moved past the policy's deadband (once its minimum interval passed), when q
changed, or when its maximum interval passed since the last sample. When a point's source
stops answering, a "no data" sample (value None, q ``NO_DATA``) marks the start of the
gap, and the first value read afterwards is sampled at once.

This is the one place where history is decided, for every source; the hot path is a dict
lookup and a few comparisons per point, and nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from poll.acquisition.batch import PointChange, SampleRow, WriteBatch
from poll.acquisition.history_policy import HistoryPolicy
from poll.models.points import Quality

State = tuple[float | None, int | None, bool]  # value, q, current
Sampled = tuple[float | None, int, int]  # value (None: no data), q, time
NO_DATA = int(Quality.NO_DATA)
NEVER = 2**63 - 1


class PointStates:
    """What the database holds for each point of one source, as far as this poller wrote it."""

    def __init__(self, policies: Mapping[int, HistoryPolicy]) -> None:
        self.last: dict[int, State] = {}
        self.policies: dict[int, HistoryPolicy] = dict(policies)
        self._samples: dict[int, Sampled] = {}
        self.samples_due = NEVER
        """When :meth:`sample_due` may find a sample to write (for sources that skip
        unchanged values, or hear from their points only now and then)."""

    def keep_only(self, point_ids: Collection[int], policies: Mapping[int, HistoryPolicy]) -> None:
        """Take a new configuration: forget points that are gone, apply new policies."""
        self.last = {key: value for key, value in self.last.items() if key in point_ids}
        self._samples = {key: value for key, value in self._samples.items() if key in policies}
        self.policies = dict(policies)
        self.samples_due = 0  # policies may have changed: look again at the next reading

    def clear(self) -> None:
        """Forget everything, so that the next reading writes every point again."""
        self.last.clear()
        self._samples.clear()
        self.samples_due = NEVER

    def update(self, point_id: int, value: float, q: int, now: int, batch: WriteBatch) -> None:
        """A value read at ``now``: a point change if it differs from what was written
        last, a history sample if the point's policy wants one."""
        state = (value, q, True)
        if self.last.get(point_id) != state:
            self.last[point_id] = state
            # With a value, nothing of an earlier change is kept (WriteBatch.set_point):
            # set directly, as this runs for every changed value of every answer.
            batch.points[point_id] = PointChange(point_id, value, q, True, now)
        policy = self.policies.get(point_id)
        if policy is not None:
            self._sample(point_id, value, q, policy, now, batch)

    def lose(self, point_id: int, now: int, batch: WriteBatch) -> None:
        """The point's source no longer answers for it: it is not current any more, and
        its history gets a "no data" mark (once per outage; none for a point this poller
        never read, as its last sample, if any, was followed by one already or by a poller
        restart)."""
        value, q, current = self.last.get(point_id, (None, None, True))
        if not current:
            return
        self.last[point_id] = (value, q, False)
        batch.set_point(PointChange(point_id, None, None, False, now))
        if point_id in self.policies:
            last = self._samples.get(point_id)
            if last is not None and last[1] != NO_DATA:  # not for a point never read
                self._samples[point_id] = (None, NO_DATA, now)
                batch.samples.append(SampleRow(point_id, now, None, NO_DATA))

    def sample_due(self, now: int, batch: WriteBatch) -> None:
        """Samples due by time alone, for every current point with history: a heartbeat
        of a flat value, a move held back by the minimum interval, every reading of a
        point that samples them all. Sets :attr:`samples_due` to when the next falls due."""
        self.samples_due = NEVER
        due = NEVER
        samples, states = self._samples, self.last
        for point_id, policy in self.policies.items():
            state = states.get(point_id)
            if state is None or not state[2]:
                continue  # never read, or lost: the next reading samples it
            value, q, _ = state
            assert value is not None and q is not None  # a current state has both
            last = samples.get(point_id)
            if last is None or last[2] != now:
                self._sample(point_id, value, q, policy, now, batch)
            if policy.every:
                due = now  # the next reading
            elif policy.max_us:
                due = min(due, samples[point_id][2] + policy.max_us)
        self.samples_due = min(self.samples_due, due)

    def _sample(
        self,
        point_id: int,
        value: float,
        q: int,
        policy: HistoryPolicy,
        now: int,
        batch: WriteBatch,
    ) -> None:
        last = self._samples.get(point_id)
        if last is not None:
            last_value, last_q, last_time = last
            if q == last_q and last_value is not None:
                elapsed = now - last_time
                if not 0 < policy.max_us <= elapsed:
                    if abs(value - last_value) <= policy.deadband:
                        return
                    if elapsed < policy.min_us:
                        self.samples_due = min(self.samples_due, last_time + policy.min_us)
                        return
        self._samples[point_id] = (value, q, now)
        batch.samples.append(SampleRow(point_id, now, value, q))
        if policy.deadband < 0:  # every reading: due again at the next one
            self.samples_due = now
        elif policy.max_us and now + policy.max_us < self.samples_due:
            self.samples_due = now + policy.max_us
