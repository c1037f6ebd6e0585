"""The poller bench's report: CPU per stored reply, and the goals of a run."""

from __future__ import annotations

from bench.poll_ledger import EventAccount
from bench.poll_report import goals, per_reply_ms


def test_cpu_per_reply_is_in_milliseconds() -> None:
    assert per_reply_ms(0.5, 500.0) == "1.00"


def test_cpu_per_reply_is_not_a_number_when_no_reply_was_stored() -> None:
    assert per_reply_ms(0.5, 0.0) == "n/a"


def run(**figures: float) -> dict[str, float]:
    at_1000 = {"replies": 1000.0, "cpu": 0.5, "pg_cpu": 0.26, "p99": 0.043, "hot": 1.0}
    return at_1000 | figures


def test_the_goals_of_a_run_that_meets_them_all() -> None:
    verdict = goals(run(), EventAccount(handed_out=10, late=0, lost=0))
    assert "not met" not in verdict and verdict.count(": met") == 5


def test_each_goal_missed_says_so() -> None:
    assert "poller + PostgreSQL < 1.2 cores: not met" in goals(
        run(cpu=0.8, pg_cpu=0.5), EventAccount(handed_out=10, late=0, lost=0)
    )
    assert "CPU per stored reply <= 0.91 ms: not met" in goals(
        run(replies=500.0), EventAccount(handed_out=10, late=0, lost=0)
    )
    assert "zero lost events: not met" in goals(run(), EventAccount(10, 3, None))
    assert "p99 lateness < 200 ms: not met" in goals(run(p99=0.4), EventAccount(10, 0, 0))
