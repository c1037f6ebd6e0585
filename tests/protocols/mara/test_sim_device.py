"""The simulated COMaster without sockets, on a task.Clock."""

from datetime import datetime, timedelta

import pytest

from protocols.mara import (
    AnalogValue,
    DigitalEvent,
    EnergyCode,
    EnergyEvent,
    LogicalPortCommand,
    PollReply,
    PortCommand,
    decode_frame,
    encode_logical_port_command,
    encode_poll,
    encode_port_command,
    encode_time_set,
)
from protocols.mara.simulator import UnknownPoint

from .sim_support import START, make_harness
from .support import profile_document


def test_reply_holds_the_configured_sections() -> None:
    harness = make_harness()
    frame = harness.poll(0x21)
    assert (frame.dst, frame.src, frame.seq, frame.cmd) == (0x40, 1, 0x21, 0x10)
    reply = frame.payload_as(PollReply)
    assert reply.sv == bytes(12)
    # E4DI00 = 1; E4DI01 = 0 but inverted, so its bit is 1; E4BRK05 = 0
    assert reply.di == (0b011,)
    assert reply.ai == (AnalogValue(0, 1320), AnalogValue(0, 1350), AnalogValue(0, 400))
    assert reply.events == ()


def test_frames_not_for_this_comaster_get_no_answer() -> None:
    harness = make_harness()
    assert harness.request(encode_poll(2, 0x40, 1)) is None  # another COMaster
    assert harness.request(encode_poll(1, 0x41, 1)) is None  # not from its master
    assert harness.request(encode_poll(0xFF, 0x40, 1)) is None  # broadcast poll


def test_repeated_seq_gets_the_previous_answer() -> None:
    harness = make_harness()
    harness.device.set_di("E4BRK05", 1)
    first = harness.device.handle(decode_frame(encode_poll(1, 0x40, 0x30)))
    harness.device.set_di("E4BRK05", 0)
    harness.clock.advance(5)
    again = harness.device.handle(decode_frame(encode_poll(1, 0x40, 0x30)))
    assert again == first
    assert first is not None
    assert len(decode_frame(first).payload_as(PollReply).events) == 1
    assert len(harness.handed_out) == 1, "a BufRetry repeat is not a new hand-out"
    following = harness.poll(0x31).payload_as(PollReply)
    assert [event.status for event in following.events_of(DigitalEvent)] == [0]
    assert following.di == (0b011,)


def test_repeats_do_not_change_what_the_field_hands_out() -> None:
    """Two fields of one seed, polled at the same moments; one also gets a retry of every
    poll half a second later. Their new answers are the same, byte for byte."""
    document = profile_document()
    document["comasters"][0]["ieds"][1]["di"][0]["sim"]["flip_per_hour"] = 3600
    plain, retried = make_harness(document=document), make_harness(document=document)
    answers: dict[str, list[bytes]] = {"plain": [], "retried": []}
    for seq in range(0x20, 0x50):
        for name, harness in (("plain", plain), ("retried", retried)):
            answer = harness.device.handle(decode_frame(encode_poll(1, 0x40, seq)))
            assert answer is not None
            answers[name].append(answer)
        retried.clock.advance(0.5)
        again = retried.device.handle(decode_frame(encode_poll(1, 0x40, seq)))
        assert again == answers["retried"][-1]
        plain.clock.advance(0.5)
        for harness in (plain, retried):
            harness.clock.advance(0.5)
    assert answers["retried"] == answers["plain"]
    replies = [decode_frame(answer).payload_as(PollReply) for answer in answers["plain"]]
    assert sum(len(reply.events) for reply in replies) > 5, "the field flipped meanwhile"
    assert len({reply.ai for reply in replies}) > 5, "the AIs wandered meanwhile"


def test_events_are_handed_out_once_oldest_first_as_many_as_fit() -> None:
    harness = make_harness()
    for n in range(30):
        harness.clock.advance(0.5)
        harness.device.set_di("E4BRK05", (n + 1) % 2)
    first = harness.poll().payload_as(PollReply).events
    second = harness.poll().payload_as(PollReply).events
    assert (len(first), len(second)) == (22, 8)
    times = [event.time for event in first + second if event.time is not None]
    assert times == sorted(times) and len(set(times)) == 30
    digital = [event for event in first + second if isinstance(event, DigitalEvent)]
    assert [event.status for event in digital] == [(n + 1) % 2 for n in range(30)]
    assert list(first + second) == harness.handed_out
    assert harness.poll().payload_as(PollReply).events == ()


def test_digital_event_time_is_the_change_time_to_the_tick() -> None:
    harness = make_harness()
    harness.clock.advance(1.25)
    assert harness.device.set_di("E4BRK05", 1) is True
    assert harness.device.set_di("E4BRK05", 1) is False, "no change, no event"
    (event,) = harness.poll().payload_as(PollReply).events
    assert event == DigitalEvent(5, 0, 1, 1, 3, START + timedelta(seconds=1.25), event.raw)


def test_inverted_di_is_sent_with_its_mask_applied() -> None:
    harness = make_harness()
    harness.device.set_di("E4DI01", 1)
    reply = harness.poll().payload_as(PollReply)
    assert reply.di == (0b001,)
    assert [(event.port, event.bit, event.status) for event in reply.events_of(DigitalEvent)] == [
        (0, 1, 0)
    ]


def test_buffer_overflow_loses_the_oldest_events() -> None:
    harness = make_harness(buffer_size=5)
    for n in range(8):
        harness.clock.advance(1)
        harness.device.set_di("E4BRK05", (n + 1) % 2)
    assert harness.device.state()["lost_events"] == 3
    events = harness.poll().payload_as(PollReply).events
    assert [event.time for event in events] == [START + timedelta(seconds=s) for s in range(4, 9)]


def test_time_set_sets_the_clock_and_gets_no_answer() -> None:
    harness = make_harness(speed=60)
    when = datetime(2031, 5, 6, 10, 0, 0, 500000)
    assert harness.request(encode_time_set(0xFF, 0x40, 0x22, when)) is None
    assert harness.device.state()["time"] == when.isoformat()
    harness.clock.advance(2)
    assert harness.device.state()["time"] == (when + timedelta(minutes=2)).isoformat()
    assert harness.device.state()["last_seq"] is None, "a broadcast is not a request"


def test_port_command_is_echoed_and_drives_the_di() -> None:
    harness = make_harness()
    command = encode_port_command(1, 0x40, 0x40, port=1, bit=3, state=1, indirect=True)
    echo = harness.request(command)
    assert echo is not None
    assert echo.payload == PortCommand(indirect=True, port=1, state=1, bit=3)
    assert (echo.dst, echo.src, echo.seq, echo.cmd) == (0x40, 1, 0x40, 0x03)
    assert harness.device.state()["di"]["E4BRK05"] == 1
    (event,) = harness.poll().payload_as(PollReply).events
    assert isinstance(event, DigitalEvent)
    assert (event.ied, event.port, event.bit, event.status) == (5, 1, 3, 1)


def test_logical_port_command_echo_reports_an_unwired_bit() -> None:
    harness = make_harness()
    wired = harness.request(encode_logical_port_command(1, 0x40, 1, port=0, bit=1, state=0))
    assert wired is not None
    assert wired.payload == LogicalPortCommand(port=0, bit=1, state=0)
    # E4DI01 is inverted: wire state 0 means value 1
    assert harness.device.state()["di"]["E4DI01"] == 1
    unwired = harness.request(encode_logical_port_command(1, 0x40, 2, port=9, bit=2, state=1))
    assert unwired is not None
    assert unwired.payload_as(LogicalPortCommand).failed


def test_energy_of_a_whole_day() -> None:
    harness = make_harness(start=datetime(2024, 3, 1))
    harness.device.set_ai("E4E05", 800)  # held: every full period is worth exactly 800
    harness.clock.advance(timedelta(days=1, minutes=1).total_seconds())
    events = [event for event in harness.drain() if isinstance(event, EnergyEvent)]
    assert {(event.ied, event.channel) for event in events} == {(5, 0)}
    periods = [event for event in events if event.code == EnergyCode.PERIOD]
    assert [event.time for event in periods] == [
        datetime(2024, 3, 1) + timedelta(minutes=15 * n) for n in range(1, 96)
    ]
    last, total = events[-2:]
    assert (last.code, last.time) == (EnergyCode.LAST_PERIOD_OF_DAY, datetime(2024, 3, 1, 23, 59))
    assert (total.code, total.time) == (EnergyCode.DAY_TOTAL, datetime(2024, 3, 1, 23, 59))
    assert {event.value for event in periods + [last]} == {800}
    assert total.value == 96 * 800


def test_energy_follows_a_wandering_ai() -> None:
    harness = make_harness(start=datetime(2024, 3, 1, 6, 0))
    harness.clock.advance(timedelta(hours=6).total_seconds())
    values = [event.value for event in harness.drain() if isinstance(event, EnergyEvent)]
    assert len(values) == 24
    assert all(0 < value < 4096 for value in values)
    assert len(set(values)) > 1


def test_ais_wander_within_range_around_their_start() -> None:
    harness = make_harness("E5")
    seen = []
    for _ in range(240):
        harness.clock.advance(60)
        seen.append(harness.poll().payload_as(PollReply).ai[0])
    raws = [value.raw for value in seen]
    assert all(value.q == 0 for value in seen)
    assert all(0 <= raw <= 4095 for raw in raws)
    assert max(raws) == 4095, "E5V00 starts at 4000 with a spread of 200 and hits the top"
    assert min(raws) > 4000 - 10 * 200
    assert len(set(raws)) > 10


def test_set_ai_holds_the_value_and_qualifier() -> None:
    harness = make_harness()
    harness.device.set_ai("E4V00", 77, q=1)
    harness.clock.advance(3600)
    assert harness.poll().payload_as(PollReply).ai[0] == AnalogValue(1, 77)
    harness.device.set_ai("E4V00", 1320, hold=False)
    harness.clock.advance(3600)
    assert harness.poll().payload_as(PollReply).ai[0] != AnalogValue(1, 77)


def test_digital_inputs_flip_by_themselves_at_their_rate() -> None:
    document = profile_document()
    document["comasters"][0]["ieds"][1]["di"][0]["sim"]["flip_per_hour"] = 60
    harness = make_harness(document=document)
    harness.clock.advance(3600)
    events = [event for event in harness.drain() if isinstance(event, DigitalEvent)]
    assert 20 < len(events) < 150
    assert all(
        event.time is not None and START < event.time <= START + timedelta(hours=1)
        for event in events
    )
    assert [event.status for event in events] == [(n + 1) % 2 for n in range(len(events))]
    assert harness.device.state()["di"]["E4BRK05"] == len(events) % 2


def test_control_errors() -> None:
    harness = make_harness()
    with pytest.raises(UnknownPoint):
        harness.device.set_di("NOPE", 1)
    with pytest.raises(UnknownPoint):
        harness.device.set_ai("E4DI00", 1)
    with pytest.raises(ValueError):
        harness.device.set_ai("E4V00", 4096)


def test_with_a_field_delay_the_di_moves_that_long_after_the_echo() -> None:
    harness = make_harness(field_delay=0.5)
    command = encode_port_command(1, 0x40, 0x40, port=1, bit=3, state=1, indirect=True)
    assert harness.request(command) is not None
    assert harness.device.state()["di"]["E4BRK05"] == 0, "not yet: the breaker is moving"
    assert harness.poll().payload_as(PollReply).events == ()
    harness.clock.advance(0.5)
    assert harness.device.state()["di"]["E4BRK05"] == 1
    (event,) = harness.poll().payload_as(PollReply).events
    assert isinstance(event, DigitalEvent) and event.status == 1
    assert event.time == START + timedelta(seconds=0.5)
