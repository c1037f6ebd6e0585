"""The bench simulator's struct encoders write the bytes the Construct encoders write."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from bench.mara_fast import fast_event, fast_poll_reply
from protocols.mara import DigitalEvent, encode_event, encode_poll_reply
from tests.protocols.mara.strategies import bytes_, events, nibbles, poll_replies, qualifiers

# The simulated field's flips fall on any microsecond, not only on a tick.
any_time_digital = st.builds(
    DigitalEvent,
    ied=nibbles,
    q=qualifiers,
    status=st.integers(0, 1),
    port=st.integers(0, 7),
    bit=nibbles,
    time=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2255, 12, 31)),
)


@given(st.one_of(events, any_time_digital))
def test_an_event_is_the_bytes_construct_builds(event) -> None:
    assert fast_event(event) == encode_event(event)


@given(bytes_, bytes_, bytes_, poll_replies())
def test_a_poll_reply_is_the_frame_construct_builds(dst, src, seq, reply) -> None:
    with_raw = replace(reply, events=tuple(replace(e, raw=encode_event(e)) for e in reply.events))
    assert fast_poll_reply(dst, src, seq, with_raw) == encode_poll_reply(dst, src, seq, reply)
