"""The 199 replies captured from a live COMaster."""

from collections import defaultdict
from datetime import timedelta

from protocols.mara import EnergyCode, EnergyEvent, PollReply, decode_frame

PERIOD = timedelta(minutes=15)
MAX_STEP_RATIO = 10
"""Consecutive 15-minute energies of one channel may differ, but not by an order of magnitude."""


def test_every_captured_frame_decodes_with_a_valid_bcc(capture: list[bytes]) -> None:
    assert len(capture) == 199
    for data in capture:
        frame = decode_frame(data)
        assert frame.qty == len(data)
        assert isinstance(frame.payload, PollReply)
        assert frame.payload_as(PollReply).events
        assert all(isinstance(event, EnergyEvent) for event in frame.payload_as(PollReply).events)


def _steps(series: dict[tuple[int, int], dict], value_of) -> list[tuple[int, int]]:
    """Pairs of energies of consecutive periods of the same IED and channel."""
    pairs = []
    for periods in series.values():
        for time, event in periods.items():
            following = periods.get(time + PERIOD)
            if following is not None:
                pairs.append((value_of(event), value_of(following)))
    return pairs


def _implausible(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [
        (a, b)
        for a, b in pairs
        if (a == 0) != (b == 0) or (a and b and max(a, b) > MAX_STEP_RATIO * min(a, b))
    ]


def _period_series(capture: list[bytes]) -> dict[tuple[int, int], dict]:
    series: dict[tuple[int, int], dict] = defaultdict(dict)
    for data in capture:
        for event in decode_frame(data).payload_as(PollReply).events_of(EnergyEvent):
            if event.code == EnergyCode.PERIOD:
                series[event.ied, event.channel][event.time] = event
    return series


def test_energy_of_consecutive_periods_is_plausible(capture: list[bytes]) -> None:
    pairs = _steps(_period_series(capture), lambda event: event.value)
    assert len(pairs) > 1500
    assert any(a and b for a, b in pairs), "some channels carry energy"
    assert _implausible(pairs) == []


def test_the_plausibility_check_rejects_a_wrong_byte_order(capture: list[bytes]) -> None:
    """The check has teeth: reading the value as one big-endian 24-bit number (one of
    the original software's mistakes) makes energies jump."""
    pairs = _steps(_period_series(capture), lambda event: int.from_bytes(event.raw[7:10], "big"))
    assert _implausible(pairs)


def test_day_ends_with_the_last_period_and_the_day_total(capture: list[bytes]) -> None:
    events = [
        event
        for data in capture
        for event in decode_frame(data).payload_as(PollReply).events_of(EnergyEvent)
    ]
    last = [event for event in events if event.code == EnergyCode.LAST_PERIOD_OF_DAY]
    totals = [event for event in events if event.code == EnergyCode.DAY_TOTAL]
    assert len(last) == len(totals) == 18
    assert {event.time and (event.time.hour, event.time.minute) for event in last + totals} == {
        (23, 59)
    }
