"""The timing the field clients share: the fixed-rate schedule and the reconnect backoff."""

from protocols.link.scheduling import Backoff, PollSchedule


def test_schedule_is_fixed_rate_and_skips_missed_ticks() -> None:
    schedule = PollSchedule(start=10.0, interval=1.0)
    assert schedule.advance(10.0) == 11.0
    assert schedule.advance(11.3) == 12.0
    assert schedule.advance(14.5) == 15.0
    assert schedule.due == 15.0


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    assert [Backoff(1.0, 10.0, lambda: 0.0).delay(n) for n in range(6)] == [1, 2, 4, 8, 10, 10]
    assert Backoff(1.0, 10.0, lambda: 1.0).delay(1) == 1.5
