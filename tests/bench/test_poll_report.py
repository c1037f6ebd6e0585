"""The poller bench's report: CPU per stored reply."""

from __future__ import annotations

from bench.poll_report import per_reply_ms


def test_cpu_per_reply_is_in_milliseconds() -> None:
    assert per_reply_ms(0.5, 500.0) == "1.00"


def test_cpu_per_reply_is_not_a_number_when_no_reply_was_stored() -> None:
    assert per_reply_ms(0.5, 0.0) == "n/a"
