"""The monthly report against hand-computed figures, in the site's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from metering.models import Flat, MeterAssignment, Reading
from metering.quarters import QUARTER, month_range
from metering.reports import expected_intervals, monthly_report


@pytest.fixture
def zurich(settings):
    settings.TIME_ZONE = "Europe/Zurich"


def put(meter, flat, time, consumption, demand=None, status="m", wh=1):
    Reading.objects.create(
        meter=meter,
        flat=flat,
        time=time,
        status=status,
        import_wh=wh,
        consumption_wh=consumption,
        demand_w=demand,
    )


def test_report_totals_match_hand_computed_figures(zurich, meter, flat, make_meter, building):
    start, end = month_range(2026, 11)  # local midnights: 2026-10-31T23:00Z, 2026-11-30T23:00Z
    assert start == datetime(2026, 10, 31, 23, tzinfo=UTC)
    put(meter, flat, start, 1000, 4000)  # ends October's last interval: not November's
    put(meter, flat, start + QUARTER, 1234, 4936)
    put(meter, flat, start + 2 * QUARTER, 567, 2268, status="e")
    put(meter, flat, datetime(2026, 11, 15, 12, tzinfo=UTC), 89)
    put(meter, flat, end, 7, 28)  # ends November's last interval
    put(meter, flat, end + QUARTER, 5000, 20000)  # December
    second = Flat.objects.create(building=building, name="Flat 2")
    other = make_meter("F02", unit=2)
    MeterAssignment.objects.create(
        flat=second, meter=other, start=datetime(2026, 11, 30, 23, tzinfo=UTC) - 4 * QUARTER
    )
    put(other, second, end - QUARTER, 250, 1000)
    put(other, second, end, 250, 1000)

    report = monthly_report(building, 2026, 11)
    one, two = report.lines
    assert (one.flat, one.consumption_wh, one.peak_demand_w) == ("Flat 1", 1897, 4936)
    assert one.peak_time == start + QUARTER
    assert (one.measured, one.estimated, one.missing) == (3, 1, 30 * 96 - 4)
    assert (two.consumption_wh, two.peak_demand_w, two.peak_time) == (500, 1000, end - QUARTER)
    assert (two.measured, two.missing) == (2, 3)  # assigned for the last hour: 5 boundaries
    assert report.total_wh == 2397
    assert monthly_report(building, 2026, 11).lines == report.lines  # produced again: the same


def test_expected_intervals_count_a_replacement_boundary_once(meter, flat, make_meter):
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    swap = datetime(2026, 11, 1, 12, tzinfo=UTC)
    first = MeterAssignment(
        flat=flat, meter=meter, start=datetime(2026, 1, 1, tzinfo=UTC), end=swap
    )
    second = MeterAssignment(flat=flat, meter=make_meter("F02"), start=swap)
    assert expected_intervals([first, second], start, end) == 96
    assert expected_intervals([first], start, end) == 48
    assert expected_intervals([second], start, end) == 49  # from the swap boundary on


def test_a_dst_month_has_its_hours(zurich, meter, flat, building):
    report = monthly_report(building, 2026, 10)  # 31 days, one of 25 hours
    assert report.lines[0].missing == 31 * 96 + 4
