"""The two processes of the poller bench that are not the poller (see bench/poll.py).

``python -m bench.poll_load simulate PROFILE [simulator options]``
    The Mara simulator (``protocols.mara.simulator``) with the struct-based reply and
    event encoders of :mod:`bench.mara_fast` in place of the Construct ones, which alone
    would take a whole core to serve 500 COMasters a second. Everything else (field,
    events, BufRetry, ledger, control port) is the simulator's own, and the fast encoders
    are checked against the real ones first.

``python -m bench.poll_load baseline --seconds S``
    The baseline: the bench profile polled with the same client, but every value of
    every reply saved with its own ORM ``save()`` and every record with its own
    ``save()``, in one database thread, as the original master stored data. Prints its
    figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from typing import Any

from bench.mara_fast import fast_event, fast_poll_reply
from protocols.mara import (
    AnalogValue,
    DigitalEvent,
    PollReply,
    decode_event,
    encode_event,
    encode_poll_reply,
)

PROFILE_NAME = "Bench substation"
BASELINE_WARMUP = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.poll_load")
    parser.add_argument("role", choices=["simulate", "baseline"])
    parser.add_argument("--seconds", type=float, default=30.0)
    args, rest = parser.parse_known_args(argv)
    if args.role == "simulate":
        return simulate(rest)
    return baseline(args.seconds)


# The simulator with fast encoders


def simulate(arguments: list[str]) -> int:
    from protocols.mara.simulator import __main__ as cli
    from protocols.mara.simulator import device

    # The simulator buffers events decoded from their encoding, so they carry raw bytes.
    event = DigitalEvent(3, 0, 1, 1, 5, datetime(2024, 5, 1, 12, 0, 0, 123457))
    assert fast_event(event) == encode_event(event)
    sample = PollReply(
        bytes(24), (1, 2, 3, 4), (AnalogValue(1, 2000),) * 32, (decode_event(encode_event(event)),)
    )
    assert fast_poll_reply(0x40, 1, 0x21, sample) == encode_poll_reply(0x40, 1, 0x21, sample)
    # The names device.py's encoders are called by.
    vars(device).update(encode_poll_reply=fast_poll_reply, encode_event=fast_event)
    return cli.main(arguments)


# The baseline


class Counts:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.replies = self.events = 0
        self.late: list[float] = []

    def lateness(self, q: float) -> float:
        ordered = sorted(self.late) or [float("nan")]
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class SavePerValue:
    """The baseline's client sink. SEQ advances when a reply is saved, as in the poller."""

    def __init__(self, mapper: Any, points: dict[int, Any], counts: Counts, pool: Any) -> None:
        self.mapper, self.points, self.counts, self.pool = mapper, points, counts, pool

    def poll_sent(self, seq: int, attempt: int, lateness: float | None) -> None:
        if lateness is not None:
            self.counts.late.append(lateness)

    def reply_received(self, seq: int, reply: PollReply, latency: float) -> Any:
        from twisted.internet import reactor
        from twisted.internet.interfaces import IReactorFromThreads
        from twisted.internet.threads import deferToThreadPool

        return deferToThreadPool(IReactorFromThreads(reactor), self.pool, self._save, reply)

    def _save(self, reply: PollReply) -> None:
        from django.db import IntegrityError

        from poll.acquisition.batch import WriteBatch, from_micros
        from poll.models import Energy, Event

        batch, now = WriteBatch(), time.time_ns() // 1000
        self.mapper.forget()  # every value, not only the changed ones
        self.mapper.read_values(reply, now, batch)
        self.mapper.read_records(reply, now, batch)
        for change in batch.points.values():
            point = self.points[change.point_id]
            point.value, point.q, point.current = change.value, change.q, change.current
            point.updated_at = from_micros(change.at)
            point.save(update_fields=["value", "q", "current", "updated_at"])
        for model, rows in ((Event, batch.events), (Energy, batch.energy)):
            for row in rows:
                fields = row._asdict() | {"received_at": from_micros(row.received_at)}
                fields["time"] = None if row.time is None else from_micros(row.time)
                try:
                    model(**fields).save()
                    self.counts.events += 1
                except IntegrityError:
                    pass  # a BufRetry repeat
        self.counts.replies += 1

    def try_failed(self, *args: Any) -> None: ...

    def bad_frame(self, *args: Any) -> None: ...

    def link_down(self, *args: Any) -> None: ...

    def reconnect_scheduled(self, *args: Any) -> None: ...


def baseline(seconds: float) -> int:
    import django

    django.setup()
    from poll.acquisition.service import install_reactor

    install_reactor()
    from twisted.internet import reactor

    counts = start_baseline(reactor)
    reactor.callLater(BASELINE_WARMUP, counts.reset)
    reactor.callLater(BASELINE_WARMUP + seconds, reactor.stop)
    reactor.run()
    result = {
        "replies": counts.replies / seconds,
        "events": counts.events / seconds,
        "p50": counts.lateness(0.5),
        "p99": counts.lateness(0.99),
        "warmup": BASELINE_WARMUP,
    }
    sys.stdout.write(json.dumps(result))
    return 0


def start_baseline(reactor: Any) -> Counts:
    import zoneinfo

    from django.conf import settings
    from twisted.python.threadpool import ThreadPool

    from poll.acquisition.mara.config import load_mara_site
    from poll.acquisition.mara.layout import ComasterLayout
    from poll.acquisition.mara.mapping import ReplyMapper
    from poll.acquisition.options import PollerOptions
    from poll.models import Point, Profile
    from protocols.mara.client import PollClient

    pool = ThreadPool(minthreads=1, maxthreads=1, name="baseline-writer")
    pool.start()
    reactor.addSystemEventTrigger("during", "shutdown", pool.stop)
    profile = Profile.objects.get(name=PROFILE_NAME)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    points = {point.pk: point for point in Point.objects.filter(profile=profile)}
    counts = Counts()
    for config in load_mara_site(profile, PollerOptions.from_settings()).comasters.values():
        mapper = ReplyMapper(ComasterLayout(config), zone)
        client = PollClient(
            config.client,
            SavePerValue(mapper, points, counts, pool),
            reactor,
            lambda: datetime.now(zone).replace(tzinfo=None),
        )
        client.start()
    return counts


if __name__ == "__main__":
    sys.exit(main())
