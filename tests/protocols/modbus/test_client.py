"""The client's state machine on a fake clock and a fake transport: no sockets, no sleeps,
every timeout exact."""

from __future__ import annotations

from dataclasses import replace

import pytest
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure

from protocols.link.wire import LinkProtocol
from protocols.modbus import (
    DataType,
    ExceptionReply,
    ExceptionResponse,
    Framing,
    FunctionCode,
    Point,
    ReadBitsResponse,
    ReadPlan,
    ReadRegistersResponse,
    ReadRequest,
    RequestFailed,
    Table,
    ValueFormat,
    WriteCoil,
    decode_request,
    decode_rtu,
    decode_tcp,
    encode_pdu,
    encode_rtu,
    encode_tcp,
)
from protocols.modbus.client import DeviceSettings, FailedTry, ModbusClient

SETTINGS = DeviceSettings(
    host="10.0.0.9",
    port=502,
    unit=1,
    poll_interval=1.0,
    reply_timeout=0.25,
    attempts=3,
    backoff_initial=2.0,
    backoff_max=10.0,
)
POINTS = [
    Point("LEVEL", Table.HOLDING_REGISTER, 0, ValueFormat(DataType.UINT16, scale=0.01)),
    Point("O2", Table.HOLDING_REGISTER, 1, ValueFormat(DataType.UINT16, scale=0.01)),
    Point("NO_ALARM", Table.COIL, 0, ValueFormat(DataType.BOOL)),
    Point("START", Table.COIL, 31, ValueFormat(DataType.BOOL), writable=True),
]
COILS = ReadRequest(FunctionCode.READ_COILS, 0, 32)
REGISTERS = ReadRequest(FunctionCode.READ_HOLDING_REGISTERS, 0, 2)


class RecordingSink:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def link_up(self) -> None:
        self.calls.append(("up",))

    def values_received(self, values, latency) -> None:
        self.calls.append(("values", dict(values), latency))

    def exception_reply(self, tags, error) -> None:
        self.calls.append(("exception", tuple(tags), error.code))

    def cycle_completed(self, lateness, duration) -> None:
        self.calls.append(("cycle", lateness, duration))

    def try_failed(self, request, attempt, why, detail) -> None:
        self.calls.append(("failed", request, attempt, why))

    def bad_frame(self, data, reason) -> None:
        self.calls.append(("bad", reason))

    def link_down(self, reason) -> None:
        self.calls.append(("down", reason))

    def reconnect_scheduled(self, delay) -> None:
        self.calls.append(("reconnect", delay))

    def of(self, kind: str) -> list[tuple]:
        return [call for call in self.calls if call[0] == kind]


class Harness:
    """A client on a ``MemoryReactorClock``, its connection on a ``StringTransport``."""

    def __init__(self, settings: DeviceSettings = SETTINGS) -> None:
        self.reactor = MemoryReactorClock()
        self.sink = RecordingSink()
        self.client = ModbusClient(
            settings, ReadPlan(POINTS), self.sink, self.reactor, random_fraction=lambda: 0.0
        )
        self._transport: StringTransport | None = None
        self._protocol: LinkProtocol | None = None
        self.client.start()

    @property
    def transport(self) -> StringTransport:
        """The connection's transport; the harness must have connected."""
        assert self._transport is not None, "not connected"
        return self._transport

    @property
    def protocol(self) -> LinkProtocol:
        """The connection's protocol; the harness must have connected."""
        assert self._protocol is not None, "not connected"
        return self._protocol

    def connect(self) -> None:
        factory = self.reactor.tcpClients[-1][2]
        protocol = factory.buildProtocol(None)
        assert isinstance(protocol, LinkProtocol)
        self._protocol, self._transport = protocol, StringTransport()
        protocol.makeConnection(self._transport)

    def sent(self) -> list:
        """(transaction or None, request) of every frame written since the last call."""
        data = self.transport.value()
        self.transport.clear()
        frames = []
        framing = self.client.settings.framing
        while data:
            if framing is Framing.TCP:
                size = 6 + int.from_bytes(data[4:6], "big")
                adu = decode_tcp(data[:size])
            else:
                size = 8
                adu = decode_rtu(data[:size])
            frames.append((adu.transaction, decode_request(adu.pdu)))
            data = data[size:]
        return frames

    def reply(self, transaction: int | None, response) -> None:
        if self.client.settings.framing is Framing.TCP:
            assert transaction is not None, "every TCP frame carries a transaction id"
            self.protocol.dataReceived(encode_tcp(transaction, 1, encode_pdu(response)))
        else:
            self.protocol.dataReceived(encode_rtu(1, encode_pdu(response)))

    def answer_cycle(self, coils: int = 1, registers: tuple[int, int] = (250, 125)) -> None:
        for transaction, request in self.sent():
            if request.function == FunctionCode.READ_COILS:
                bits = tuple(bool(coils >> i & 1) for i in range(32))
                self.reply(transaction, ReadBitsResponse(request.function, bits))
            else:
                self.reply(transaction, ReadRegistersResponse(request.function, registers))

    def lose(self, reason=ConnectionDone) -> None:
        self.protocol.connectionLost(Failure(reason()))


@pytest.fixture
def harness() -> Harness:
    h = Harness()
    h.connect()
    return h


def test_reads_every_block_one_at_a_time_and_decodes(harness: Harness) -> None:
    (first,) = harness.sent()
    assert first == (1, COILS)
    harness.reactor.advance(0.05)
    harness.reply(1, ReadBitsResponse(FunctionCode.READ_COILS, (True,) + (False,) * 31))
    (second,) = harness.sent()
    assert second == (2, REGISTERS)
    harness.reply(2, ReadRegistersResponse(FunctionCode.READ_HOLDING_REGISTERS, (250, 125)))
    values = harness.sink.of("values")
    assert values == [
        ("values", {"NO_ALARM": True, "START": False}, 0.05),
        ("values", {"LEVEL": 2.5, "O2": 1.25}, 0.0),
    ]
    assert harness.sink.of("cycle") == [("cycle", 0.0, 0.05)]


def test_fixed_rate_schedule_skips_ticks_while_a_cycle_runs():
    h = Harness(replace(SETTINGS, reply_timeout=5.0))
    h.connect()
    h.answer_cycle()
    h.answer_cycle()
    h.reactor.advance(1.0)
    (coils,) = h.sent()
    h.reactor.advance(1.5)
    assert h.sent() == [], "the tick at 2 s is skipped: the cycle of 1 s still runs"
    h.reply(coils[0], ReadBitsResponse(FunctionCode.READ_COILS, (False,) * 32))
    h.answer_cycle()
    assert h.sink.of("cycle")[-1] == ("cycle", 0.0, 1.5)
    h.reactor.advance(0.5)
    ((transaction, request),) = h.sent()
    assert request == COILS, "the tick at 3 s keeps its time"
    h.reply(transaction, ReadBitsResponse(FunctionCode.READ_COILS, (False,) * 32))
    h.answer_cycle()
    assert h.sink.of("cycle")[-1] == ("cycle", 0.0, 0.0)


def test_timeout_then_retry_with_a_new_transaction(harness: Harness) -> None:
    assert harness.sent() == [(1, COILS)]
    harness.reactor.advance(0.25)
    assert harness.sink.of("failed") == [("failed", COILS, 1, FailedTry.TIMEOUT)]
    assert harness.sent() == [(2, COILS)]
    harness.reply(1, ReadBitsResponse(FunctionCode.READ_COILS, (False,) * 32))
    assert harness.sink.of("values")[0][1]["NO_ALARM"] is False, "a late reply to try 1 counts"
    assert harness.sent() == [(3, REGISTERS)]
    harness.reply(2, ReadBitsResponse(FunctionCode.READ_COILS, (True,) * 32))
    assert len(harness.sink.of("values")) == 1, "the reply to the other try is ignored"


def test_give_up_reports_offline_and_reconnects_with_backoff(harness: Harness) -> None:
    for _ in range(3):
        harness.sent()
        harness.reactor.advance(0.25)
    assert [call[2] for call in harness.sink.of("failed")] == [1, 2, 3]
    (down,) = harness.sink.of("down")
    assert "no answer after 3 tries (reply timeout" in down[1]
    assert harness.transport.disconnecting
    harness.lose()
    assert harness.sink.of("down") == [down], "give-up is reported once"
    assert harness.sink.of("reconnect") == [("reconnect", 4.0)]
    connects = len(harness.reactor.tcpClients)
    harness.reactor.advance(4.0)
    assert len(harness.reactor.tcpClients) == connects + 1
    client = harness.reactor.tcpClients[-1]
    assert client[:2] == ("10.0.0.9", 502)
    client[2].clientConnectionFailed(
        harness.reactor.connectors[-1], Failure(ConnectionRefusedError())
    )
    assert harness.sink.of("reconnect")[-1] == ("reconnect", 8.0)
    harness.reactor.advance(8.0)
    harness.reactor.tcpClients[-1][2].clientConnectionFailed(
        harness.reactor.connectors[-1], Failure(ConnectionRefusedError())
    )
    assert harness.sink.of("reconnect")[-1] == ("reconnect", 10.0), "capped"


def test_exception_reply_is_reported_not_decoded_nor_retried(harness: Harness) -> None:
    harness.sent()
    harness.reply(1, ExceptionResponse(1, 2))
    assert harness.sink.of("exception") == [("exception", ("NO_ALARM", "START"), 2)]
    assert harness.sink.of("failed") == []
    assert harness.sent() == [(2, REGISTERS)]
    harness.reply(2, ReadRegistersResponse(FunctionCode.READ_HOLDING_REGISTERS, (1, 2)))
    assert [call[1] for call in harness.sink.of("values")] == [{"LEVEL": 0.01, "O2": 0.02}]


def test_bad_reply_uses_up_a_try(harness: Harness) -> None:
    harness.sent()
    harness.reply(1, ReadRegistersResponse(FunctionCode.READ_HOLDING_REGISTERS, (1,)))
    assert harness.sink.of("bad")
    assert harness.sink.of("failed") == [("failed", COILS, 1, FailedTry.BAD_FRAME)]
    assert harness.sent() == [(2, COILS)]


def test_writes_are_queued_between_reads(harness: Harness) -> None:
    harness.sent()
    done = harness.client.write("START", True)
    assert harness.sent() == [], "one request in flight"
    harness.reply(1, ReadBitsResponse(FunctionCode.READ_COILS, (False,) * 32))
    assert harness.sent() == [(2, WriteCoil(31, True))], "the write goes before the next read"
    results: list[None] = []
    done.addCallback(results.append)
    harness.reply(2, WriteCoil(31, True))
    assert results == [None]
    assert harness.sent() == [(3, REGISTERS)]


def test_a_refused_write_fails_with_the_exception(harness: Harness) -> None:
    harness.answer_cycle()
    harness.answer_cycle()
    failures: list[Failure] = []
    harness.client.write("START", True).addErrback(failures.append)
    ((transaction, _),) = harness.sent()
    harness.reply(transaction, ExceptionResponse(5, 4))
    refusal = failures[0].value
    assert isinstance(refusal, ExceptionReply)
    assert refusal.code == 4


def test_writes_fail_when_not_connected_or_the_link_drops(harness: Harness) -> None:
    harness.sent()
    queued: list[Failure] = []
    harness.client.write("START", True).addErrback(queued.append)
    harness.lose()
    assert queued[0].check(RequestFailed)
    assert harness.sink.of("down")[0][1].startswith("connection lost")
    assert harness.sink.of("failed") == [("failed", COILS, 1, FailedTry.CONNECTION_LOST)]
    refused: list[Failure] = []
    harness.client.write("START", True).addErrback(refused.append)
    assert refused[0].check(RequestFailed)


def test_only_writable_points_are_written(harness: Harness) -> None:
    with pytest.raises(Exception, match="not writable"):
        harness.client.write("LEVEL", 1.0)


def test_rtu_framing_pairs_by_unit_and_function():
    h = Harness(replace(SETTINGS, framing=Framing.RTU))
    h.connect()
    assert h.sent() == [(None, COILS)]
    h.protocol.dataReceived(encode_rtu(2, encode_pdu(ReadBitsResponse(1, (True,) * 32))))
    assert h.sink.of("values") == [], "another unit's frame is not an answer"
    reply = encode_rtu(1, encode_pdu(ReadBitsResponse(1, (True,) * 32)))
    h.protocol.dataReceived(reply[:3])
    h.protocol.dataReceived(reply[3:])
    assert h.sink.of("values")[0][1] == {"NO_ALARM": True, "START": True}
    assert h.sent() == [(None, REGISTERS)]


def test_stop_closes_and_does_not_reconnect(harness: Harness) -> None:
    stopped: list[None] = []
    harness.client.stop().addCallback(stopped.append)
    assert harness.transport.disconnecting
    harness.lose()
    assert stopped == [None]
    assert harness.sink.of("reconnect") == []
    assert not harness.client.connected


def test_settings_are_checked():
    with pytest.raises(ValueError):
        replace(SETTINGS, attempts=0)


def test_a_tcp_reply_from_another_unit_is_not_taken_even_with_the_right_transaction(
    harness: Harness,
) -> None:
    """Devices behind one gateway count their transaction ids apart: a late reply of a
    neighbour may carry the id this device is waiting for, but never its unit."""
    (first,) = harness.sent()
    other_unit = encode_pdu(ReadBitsResponse(FunctionCode.READ_COILS, (True,) + (False,) * 31))
    harness.protocol.dataReceived(encode_tcp(first[0], 2, other_unit))
    assert harness.sink.of("values") == [] and harness.sink.of("failed") == []
    harness.reply(first[0], ReadBitsResponse(FunctionCode.READ_COILS, (True,) + (False,) * 31))
    assert len(harness.sink.of("values")) == 1
