"""Simulated COMasters over real TCP on 127.0.0.1, driven through the control interface.

The simulators run on a private reactor in a thread; the tests are plain blocking
clients. Nothing waits on a clock: every wait is for a reply (with a timeout that only a
failure reaches) or for a state the simulator reports.
"""

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from twisted.internet.threads import blockingCallFromThread

from protocols.mara import (
    DigitalEvent,
    Dropped,
    Frame,
    LogicalPortCommand,
    PollReply,
    PortCommand,
    encode_logical_port_command,
    encode_poll,
    encode_port_command,
    encode_time_set,
)
from protocols.mara.jsonform import event_as_dict
from protocols.mara.simulator import RunningSimulator, parse_profile, start_simulators

from .support import TIMEOUT, ControlClient, MaraClient, profile_document


class Simulation:
    """Running simulators and clients to talk to them."""

    def __init__(self, running: RunningSimulator, ledger_path) -> None:
        self.running = running
        self.ledger_path = ledger_path
        self.control = ControlClient(running.control_port_number())
        self.clients: list[MaraClient] = []

    def connect(self, comaster: str = "E4") -> MaraClient:
        client = MaraClient(self.running.port_number(comaster))
        self.clients.append(client)
        return client

    def state(self, comaster: str = "E4") -> dict:
        return self.control(cmd="get_state", comaster=comaster)["comasters"][comaster]

    def wait_for_state(self, condition: Callable[[dict], bool], comaster: str = "E4") -> dict:
        """Ask for the state until ``condition`` holds (each question is a round trip)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            state = self.state(comaster)
            if condition(state):
                return state
        raise AssertionError(f"the simulator never reached the expected state: {state}")

    def ledger(self) -> list[dict]:
        assert self.control(cmd="flush_ledger")["ok"]
        return [json.loads(line) for line in self.ledger_path.read_text().splitlines()]

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.control.close()


@pytest.fixture
def simulation(thread_reactor, tmp_path) -> Iterator[Simulation]:
    ledger_path = tmp_path / "ledger.jsonl"
    running = blockingCallFromThread(
        thread_reactor,
        start_simulators,
        thread_reactor,
        parse_profile(profile_document()),
        port_base=0,
        control_port=0,
        ledger_path=ledger_path,
        seed=11,
    )
    simulation = Simulation(running, ledger_path)
    yield simulation
    simulation.close()
    blockingCallFromThread(thread_reactor, running.stop)


def set_breaker(simulation: Simulation, value: int) -> None:
    reply = simulation.control(cmd="set_di", comaster="E4", tag="E4BRK05", value=value)
    assert reply == {"ok": True, "changed": True}


def test_poll_and_bufretry(simulation: Simulation) -> None:
    client = simulation.connect()
    set_breaker(simulation, 1)
    first = client.request(encode_poll(1, 0x40, 0x21))
    assert (first.src, first.seq) == (1, 0x21)
    assert [
        (e.ied, e.port, e.bit, e.status)
        for e in first.payload_as(PollReply).events_of(DigitalEvent)
    ] == [(5, 1, 3, 1)]
    assert first.payload_as(PollReply).di == (0b111,)
    assert client.request(encode_poll(1, 0x40, 0x21)) == first
    assert client.request(encode_poll(1, 0x40, 0x22)).payload_as(PollReply).events == ()


def test_bufretry_across_connections_after_a_close(simulation: Simulation) -> None:
    simulation.control(cmd="set_faults", comaster="E4", close_every=2)
    first = simulation.connect()
    first.request(encode_poll(1, 0x40, 0x30))
    set_breaker(simulation, 1)
    first.send(encode_poll(1, 0x40, 0x31))
    first.wait_closed()

    simulation.control(cmd="set_faults", comaster="E4", close_every=0)
    second = simulation.connect()
    retried = second.request(encode_poll(1, 0x40, 0x31))
    (event,) = retried.payload_as(PollReply).events
    assert isinstance(event, DigitalEvent) and event.status == 1
    assert second.request(encode_poll(1, 0x40, 0x32)).payload_as(PollReply).events == ()
    ledger = simulation.ledger()
    assert [line["event"] for line in ledger] == [event_as_dict(event)]
    assert ledger[0]["raw"] == event.raw.hex()


def test_time_set_sets_the_comaster_clock(simulation: Simulation) -> None:
    client = simulation.connect()
    client.send(encode_time_set(0xFF, 0x40, 0x50, datetime(2031, 5, 6, 10, 0)))
    client.request(encode_poll(1, 0x40, 0x51))  # answered after the time set was handled
    assert simulation.state()["time"].startswith("2031-05-06T10:0")
    assert simulation.state("E5")["time"] < "2031"


def test_port_commands_are_echoed(simulation: Simulation) -> None:
    client = simulation.connect()
    echo = client.request(encode_port_command(1, 0x40, 0x60, port=1, bit=3, state=1))
    assert (echo.dst, echo.src, echo.seq, echo.cmd) == (0x40, 1, 0x60, 0x03)
    assert echo.payload == PortCommand(indirect=False, port=1, state=1, bit=3)
    assert simulation.state()["di"]["E4BRK05"] == 1
    failed = client.request(encode_logical_port_command(1, 0x40, 0x61, port=7, bit=7, state=1))
    assert failed.payload == LogicalPortCommand(port=7, bit=0xFF, state=1)


def test_dropped_reply_then_retry(simulation: Simulation) -> None:
    client = simulation.connect()
    set_breaker(simulation, 1)
    simulation.control(cmd="set_faults", comaster="E4", drop=1.0)
    client.send(encode_poll(1, 0x40, 0x70))
    simulation.wait_for_state(lambda state: state["last_seq"] == 0x70)
    simulation.control(cmd="set_faults", comaster="E4", drop=0.0)
    retried = client.request(encode_poll(1, 0x40, 0x70))
    assert retried.seq == 0x70, "the dropped reply never came"
    assert len(retried.payload_as(PollReply).events) == 1


def test_corrupted_bcc_is_dropped_and_the_retry_is_clean(simulation: Simulation) -> None:
    client = simulation.connect()
    simulation.control(cmd="set_faults", comaster="E4", corrupt=1.0)
    client.send(encode_poll(1, 0x40, 0x80))
    assert isinstance(client.next_item(), Dropped)
    simulation.control(cmd="set_faults", comaster="E4", corrupt=0.0)
    assert client.request(encode_poll(1, 0x40, 0x80)).seq == 0x80


def test_garbage_before_a_reply_is_dropped(simulation: Simulation) -> None:
    client = simulation.connect()
    simulation.control(cmd="set_faults", comaster="E4", garbage=1.0)
    client.send(encode_poll(1, 0x40, 0x90))
    items = [client.next_item()]
    while not isinstance(items[-1], Frame):
        items.append(client.next_item())
    assert items[-1].seq == 0x90
    assert any(isinstance(item, Dropped) for item in items[:-1])


def test_split_and_delayed_replies_arrive_whole(simulation: Simulation) -> None:
    client = simulation.connect()
    for value in (1, 0, 1, 0, 1):
        set_breaker(simulation, value)
    simulation.control(cmd="set_faults", comaster="E4", split=3, delay=0.05)
    split = client.request(encode_poll(1, 0x40, 0xA0))
    assert len(split.payload_as(PollReply).events) == 5
    simulation.control(cmd="set_faults", comaster="E4", split=0, delay=0.0)
    assert client.request(encode_poll(1, 0x40, 0xA0)) == split


def test_stopped_comaster_answers_again_after_resume(simulation: Simulation) -> None:
    client = simulation.connect()
    simulation.control(cmd="stop", comaster="E4")
    client.send(encode_poll(1, 0x40, 0xB0))
    simulation.wait_for_state(lambda state: state["ignored_requests"] == 1)
    simulation.control(cmd="resume", comaster="E4")
    assert client.request(encode_poll(1, 0x40, 0xB1)).seq == 0xB1


def test_stall_every_request(simulation: Simulation) -> None:
    client = simulation.connect()
    simulation.control(cmd="set_faults", comaster="E4", stall_every=1, stall_for=3600)
    client.send(encode_poll(1, 0x40, 0xC0))
    assert simulation.wait_for_state(lambda state: state["ignored_requests"] == 1)["silent"]
    simulation.control(cmd="set_faults", comaster="E4", stall_every=0)
    simulation.control(cmd="resume", comaster="E4")
    assert client.request(encode_poll(1, 0x40, 0xC1)).seq == 0xC1


def test_control_interface_over_tcp(simulation: Simulation) -> None:
    control = simulation.control
    assert control(cmd="set_ai", comaster="E5", tag="E5V00", raw=1234, q=1) == {"ok": True}
    client = simulation.connect("E5")
    reply = client.request(encode_poll(2, 0x40, 1)).payload_as(PollReply)
    assert (reply.ai[0].q, reply.ai[0].raw) == (1, 1234)
    assert simulation.state("E5")["ai"]["E5V00"] == {"q": 1, "raw": 1234}
    assert control.raw(b"this is not json")["ok"] is False
    assert control(cmd="set_di", comaster="E5", tag="E4BRK05", value=1)["ok"] is False


def test_ledger_holds_every_event_handed_out_exactly_once(simulation: Simulation) -> None:
    e4, e5 = simulation.connect("E4"), simulation.connect("E5")
    received: list[tuple[str, dict[str, Any], str]] = []
    for seq in range(1, 6):
        for n in range(seq * (seq - 1) // 2, seq * (seq + 1) // 2):  # each E5 DI once
            simulation.control(cmd="set_di", comaster="E5", tag=f"E5DI{n:02d}", value=1)
        set_breaker(simulation, seq % 2)
        for name, client, address in (("E4", e4, 1), ("E5", e5, 2)):
            events = client.request(encode_poll(address, 0x40, seq)).payload_as(PollReply).events
            assert (
                client.request(encode_poll(address, 0x40, seq)).payload_as(PollReply).events
                == events
            )
            received.extend((name, event_as_dict(event), event.raw.hex()) for event in events)
    ledger = [(line["comaster"], line["event"], line["raw"]) for line in simulation.ledger()]
    assert len(received) == 5 + 15
    assert ledger == received
