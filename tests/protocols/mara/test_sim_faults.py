"""Fault injection: the settings, what they do to a reply, and the server carrying them
out over a StringTransport on a task.Clock."""

import random
from typing import Any

import pytest
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from protocols.mara import BadChecksum, Frame, StreamReader, decode_frame, encode_poll
from protocols.mara.simulator import FaultInjector, FaultSettings
from protocols.mara.simulator.server import COMasterFactory
from protocols.simulation.delivery import SPLIT_PAUSE
from protocols.simulation.faults import Delivery

from .sim_support import make_harness

REPLY_BYTES = bytes.fromhex("FE 08 01 40 80 10 80 A7")  # any frame will do


def injector(**settings: Any) -> FaultInjector:
    return FaultInjector(FaultSettings(**settings), random.Random(3), Clock())


def delivered(faults: FaultInjector, request: int = 1) -> Delivery:
    """What ``faults`` makes of the reply to ``request``, which must not be dropped."""
    delivery = faults.deliver(REPLY_BYTES, request)
    assert delivery is not None
    return delivery


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="probability"):
        FaultSettings(drop=1.5)
    with pytest.raises(ValueError, match="negative"):
        FaultSettings(delay=-1)
    not_an_int: Any = 2.5  # what an untyped caller (a JSON control request) may send
    with pytest.raises(ValueError, match="int"):
        FaultSettings(split=not_an_int)
    with pytest.raises(ValueError, match="unknown"):
        FaultSettings().changed({"explode": 1})
    assert FaultSettings().changed({"drop": 0.5}).drop == 0.5


def test_no_fault_sends_the_reply_in_one_write() -> None:
    assert delivered(injector()).writes == (REPLY_BYTES,)


def test_drop() -> None:
    assert injector(drop=1.0).deliver(REPLY_BYTES, 1) is None


def test_corrupt_breaks_only_the_bcc() -> None:
    (data,) = delivered(injector(corrupt=1.0)).writes
    assert data[:-1] == REPLY_BYTES[:-1]
    with pytest.raises(BadChecksum):
        decode_frame(data)


def test_garbage_goes_before_the_reply() -> None:
    (data,) = delivered(injector(garbage=1.0)).writes
    assert data.endswith(REPLY_BYTES) and 1 <= len(data) - len(REPLY_BYTES) <= 16


def test_split_and_delay() -> None:
    delivery = delivered(injector(split=3, delay=0.25))
    assert delivery.writes == (REPLY_BYTES[:3], REPLY_BYTES[3:6], REPLY_BYTES[6:])
    assert delivery.delay == 0.25


def test_close_every_third_request() -> None:
    faults = injector(close_every=3)
    assert [delivered(faults, n).close for n in range(1, 7)] == [
        False,
        False,
        True,
        False,
        False,
        True,
    ]


class RecordingTransport(StringTransport):
    """A StringTransport that keeps every write separately."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        super().write(data)


class Connection:
    """A simulated COMaster's protocol on a fake transport."""

    def __init__(self, **settings) -> None:
        self.harness = make_harness()
        self.faults = FaultInjector(FaultSettings(**settings), random.Random(5), self.harness.clock)
        self.factory = COMasterFactory(self.harness.device, self.faults, self.harness.clock)
        self.protocol = self.factory.buildProtocol(None)
        self.transport = RecordingTransport()
        self.protocol.makeConnection(self.transport)

    def send(self, data: bytes) -> None:
        self.protocol.dataReceived(data)

    def poll(self, seq: int) -> None:
        self.send(encode_poll(1, 0x40, seq))

    def frames(self) -> list[Frame]:
        items = StreamReader().feed(self.transport.value())
        return [item for item in items if isinstance(item, Frame)]


def test_requests_split_across_reads_and_after_garbage_are_answered() -> None:
    connection = Connection()
    request = encode_poll(1, 0x40, 0x21)
    connection.send(b"\x00junk\xfe" + request[:3])
    connection.send(request[3:] + encode_poll(1, 0x40, 0x22))
    assert [frame.seq for frame in connection.frames()] == [0x21, 0x22]


def test_delayed_reply_leaves_exactly_after_the_delay() -> None:
    connection = Connection(delay=0.5)
    connection.poll(1)
    connection.harness.clock.advance(0.499)
    assert connection.transport.value() == b""
    connection.harness.clock.advance(0.001)
    assert [frame.seq for frame in connection.frames()] == [1]


def test_split_reply_is_written_in_pieces_that_never_interleave() -> None:
    connection = Connection(split=10)
    connection.poll(1)
    connection.poll(2)
    assert len(connection.transport.writes) == 1
    clock = connection.harness.clock
    while clock.getDelayedCalls():
        clock.advance(SPLIT_PAUSE)
    assert all(len(piece) <= 10 for piece in connection.transport.writes)
    assert len(connection.transport.writes) > 2
    assert [frame.seq for frame in connection.frames()] == [1, 2]


def test_close_every_second_request_closes_without_answering() -> None:
    connection = Connection(close_every=2)
    connection.poll(1)
    connection.poll(2)
    assert [frame.seq for frame in connection.frames()] == [1]
    assert connection.transport.disconnecting
    assert connection.harness.device.state()["last_seq"] == 2, "the request was handled"


def test_stall_stops_answering_for_its_time() -> None:
    connection = Connection(stall_every=2, stall_for=30)
    connection.poll(1)
    connection.poll(2)
    connection.harness.clock.advance(29)
    connection.poll(3)
    connection.harness.clock.advance(1)
    connection.poll(4)
    assert [frame.seq for frame in connection.frames()] == [1, 4]
    assert connection.faults.ignored_requests == 2


def test_stop_and_resume() -> None:
    connection = Connection()
    connection.faults.stop()
    connection.poll(1)
    connection.harness.clock.advance(10**6)
    connection.poll(2)
    connection.faults.resume()
    connection.poll(3)
    connection.faults.stop(5)
    connection.poll(4)
    connection.harness.clock.advance(5)
    connection.poll(5)
    assert [frame.seq for frame in connection.frames()] == [3, 5]


def test_drop_corrupt_and_garbage_on_the_wire() -> None:
    connection = Connection(drop=1.0)
    connection.poll(1)
    assert connection.transport.value() == b""
    connection.faults.settings = FaultSettings(corrupt=1.0, garbage=1.0)
    connection.poll(1)
    assert connection.frames() == []
    connection.faults.settings = FaultSettings()
    connection.poll(1)
    assert [frame.seq for frame in connection.frames()] == [1]


def test_lost_connection_cancels_pending_writes() -> None:
    connection = Connection(delay=1.0)
    connection.poll(1)
    connection.protocol.connectionLost()
    assert connection.harness.clock.getDelayedCalls() == []
    assert connection.factory.connections == set()
