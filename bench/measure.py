"""Timing shared by the benches: contenders interleaved round by round, medians reported.

Machines are noisy. A contender timed in a block of its own meets other noise than the one
timed after it, and a best-of-N run hides the spread. Here every round times each contender
once, in an order that rotates from round to round, and the figures are medians over the
rounds; the ratio of two contenders is the median of their ratios within each round, so a
round that was noisy for both moves it little.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping


def interleaved_rates(
    runs: Mapping[str, Callable[[], int]], rounds: int, min_seconds: float = 0.2
) -> dict[str, list[float]]:
    """Each contender's rate (units per second) in each round. A run does some work and
    returns how many units it did; it is repeated until ``min_seconds`` have passed."""
    names = list(runs)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            run = runs[name]
            units = 0
            start = time.perf_counter()
            while (elapsed := time.perf_counter() - start) < min_seconds:
                units += run()
            rates[name].append(units / elapsed)
    return rates


def median(values: list[float]) -> float:
    return statistics.median(values)


def median_ratio(rates: Mapping[str, list[float]], numerator: str, denominator: str) -> float:
    """The median over rounds of ``numerator``'s rate over ``denominator``'s in that round."""
    pairs = zip(rates[numerator], rates[denominator], strict=True)
    return statistics.median(ours / theirs for ours, theirs in pairs)


def spread(values: list[float]) -> str:
    """The range of a contender's rates, as text for a report."""
    return f"{min(values):.0f}-{max(values):.0f}"
