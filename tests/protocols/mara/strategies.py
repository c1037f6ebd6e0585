"""Hypothesis strategies for Mara values and frames."""

from dataclasses import replace
from datetime import datetime

from hypothesis import strategies as st

from protocols.mara import (
    AnalogValue,
    ComsysEvent,
    DigitalEvent,
    EnergyEvent,
    IdleEvent,
    PollReply,
    encode_event,
    encode_poll,
    encode_poll_reply,
    encode_time_set,
)
from protocols.mara.constants import MAX_PAYLOAD
from protocols.mara.timestamps import microseconds_to_ticks, ticks_to_microseconds

bytes_ = st.integers(0, 255)
nibbles = st.integers(0, 15)
qualifiers = st.integers(0, 3)

_datetimes = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2255, 12, 31, 23, 59))

# Times as the wire carries them: to the 1/32768 s tick, or to the minute for energy.
tick_times = _datetimes.map(
    lambda when: when.replace(
        microsecond=ticks_to_microseconds(microseconds_to_ticks(when.microsecond))
    )
)
minute_times = _datetimes.map(lambda when: when.replace(second=0, microsecond=0))

events = st.one_of(
    st.builds(
        DigitalEvent,
        ied=nibbles,
        q=qualifiers,
        status=st.integers(0, 1),
        port=st.integers(0, 7),
        bit=nibbles,
        time=tick_times,
    ),
    st.builds(
        EnergyEvent,
        ied=nibbles,
        q=qualifiers,
        channel=st.integers(0, 7),
        code=st.integers(0, 7),
        time=minute_times,
        value=st.integers(0, 0xFFFFFF),
    ),
    st.builds(IdleEvent, ied=nibbles, q=qualifiers, code=st.integers(0, 7), time=tick_times),
    st.builds(
        ComsysEvent, ied=nibbles, q=qualifiers, code=nibbles, reason=nibbles, time=tick_times
    ),
)

analog_values = st.builds(AnalogValue, q=qualifiers, raw=st.integers(0, 0x0FFF))


@st.composite
def poll_replies(draw: st.DrawFn) -> PollReply:
    """Replies whose sections fit a frame."""
    sv = draw(st.binary(max_size=60))
    di = draw(st.lists(st.integers(0, 0xFFFF), max_size=20))
    ai = draw(st.lists(analog_values, max_size=30))
    room = (MAX_PAYLOAD - 4 - len(sv) - 2 * len(di) - 2 * len(ai)) // 10
    reply_events = draw(st.lists(events, max_size=room))
    return PollReply(sv=sv, di=tuple(di), ai=tuple(ai), events=tuple(reply_events))


def with_raw(event):
    """``event`` as decoding its encoding gives it back."""
    return replace(event, raw=encode_event(event))


frames = st.one_of(
    st.builds(encode_poll, bytes_, bytes_, bytes_),
    st.builds(encode_poll_reply, bytes_, bytes_, bytes_, poll_replies()),
    st.builds(encode_time_set, bytes_, bytes_, bytes_, tick_times),
)
"""Valid frames of the kinds a master and a COMaster exchange."""
