"""Readings fixed at quarter-hour boundaries: on time, between reads, silent meters, DST days,
register resets, replaced meters, and idempotent catch-up."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from metering.fixing import fix_due, fix_range
from metering.models import Flat, MeterAssignment, Progress, Reading
from metering.quarters import QUARTER, day_range, quarters_in
from tests.metering.conftest import T0, write

M = timedelta(minutes=1)


def reading(meter, time) -> Reading:
    return Reading.objects.get(meter=meter, time=time)


def test_a_read_on_time_is_measured(meter):
    write(meter, [(T0 - 5 * M, 99.0), (T0 + timedelta(seconds=20), 100.25)])
    fix_range(T0 - QUARTER, T0)
    fixed = reading(meter, T0)
    assert (fixed.status, fixed.import_wh) == ("m", 100250)


def test_a_boundary_between_reads_is_interpolated_and_flagged_estimated(meter):
    write(meter, [(T0 - 5 * M, 100.0), (T0 + 5 * M, 101.0)])
    fix_range(T0 - QUARTER, T0)
    fixed = reading(meter, T0)
    assert (fixed.status, fixed.import_wh) == ("e", 100500)


def test_a_silent_meter_is_missing_never_zero(meter):
    write(meter, [(T0 - 40 * M, 100.0), (T0 + 40 * M, 101.0)])  # too far apart to interpolate
    fix_range(T0 - QUARTER, T0)
    fixed = reading(meter, T0)
    assert (fixed.status, fixed.import_wh, fixed.consumption_wh) == ("x", None, None)


def test_bad_quality_samples_do_not_count(meter):
    write(meter, [(T0, 100.0)])
    Reading.objects.all().delete()
    from poll.models import Sample

    Sample.objects.update(q=1)
    fix_range(T0 - QUARTER, T0)
    assert reading(meter, T0).status == "x"


def test_consumption_and_demand_are_differences_of_readings(meter):
    write(meter, [(T0 + n * QUARTER, 100.0 + n * 0.5) for n in range(4)])
    fix_range(T0 - QUARTER, T0 + 3 * QUARTER)
    rows = list(Reading.objects.filter(meter=meter).order_by("time"))
    assert rows[0].new_series and rows[0].consumption_wh is None
    assert [r.consumption_wh for r in rows[1:]] == [500, 500, 500]
    assert [r.demand_w for r in rows[1:]] == [2000, 2000, 2000]


def test_after_a_gap_consumption_spans_it_without_a_demand(meter):
    write(meter, [(T0, 100.0), (T0 + 3 * QUARTER, 103.0)])
    fix_range(T0 - QUARTER, T0 + 3 * QUARTER)
    rows = list(Reading.objects.filter(meter=meter).order_by("time"))
    assert [r.status for r in rows] == ["m", "x", "x", "m"]
    assert (rows[3].consumption_wh, rows[3].demand_w) == (3000, None)


def test_a_register_going_backwards_starts_a_new_series(meter):
    write(
        meter,
        [(T0, 500.0), (T0 + QUARTER, 501.0), (T0 + 2 * QUARTER, 0.5), (T0 + 3 * QUARTER, 1.0)],
    )
    fix_range(T0 - QUARTER, T0 + 3 * QUARTER)
    rows = list(Reading.objects.filter(meter=meter).order_by("time"))
    assert [r.new_series for r in rows] == [True, False, True, False]
    assert [r.consumption_wh for r in rows] == [None, 1000, None, 500]


def test_a_register_jumping_beyond_what_a_flat_can_draw_starts_a_new_series(meter):
    write(meter, [(T0, 500.0), (T0 + QUARTER, 501.0), (T0 + 2 * QUARTER, 90_000.0)])
    fix_range(T0 - QUARTER, T0 + 2 * QUARTER)
    last = reading(meter, T0 + 2 * QUARTER)
    assert (last.new_series, last.consumption_wh) == (True, None)


def test_fixing_again_gives_the_same_rows(meter):
    write(meter, [(T0 + n * 5 * M, 100.0 + n) for n in range(13)])
    fix_range(T0 - QUARTER, T0 + 4 * QUARTER)
    first = list(Reading.objects.order_by("time").values())
    fix_range(T0 - QUARTER, T0 + 4 * QUARTER)
    assert list(Reading.objects.order_by("time").values()) == first


def test_the_job_catches_up_after_downtime_and_refixes_late_reads(meter):
    MeterAssignment.objects.update(start=T0)
    write(meter, [(T0 + n * 5 * M, 100.0 + n) for n in range(12)])  # 10:00 to 10:55
    fix_due(T0 + timedelta(hours=1, minutes=20))  # first run: from the assignment's start
    assert Reading.objects.filter(meter=meter).count() == 6  # 10:00 to 11:15
    assert Progress.objects.get().until == T0 + timedelta(hours=1, minutes=15)
    assert reading(meter, T0 + timedelta(hours=1)).status == "x"
    write(meter, [(T0 + timedelta(hours=1, minutes=3), 112.0)])  # a spool replays a later read
    fix_due(T0 + timedelta(hours=3))  # down for a while: catches up, fixes 11:00 again
    assert reading(meter, T0 + timedelta(hours=1)).status == "e"
    assert Reading.objects.filter(meter=meter).count() == 12  # up to 12:45
    fix_due(T0 + timedelta(hours=4, minutes=5))
    assert Reading.objects.filter(meter=meter).count() == 17  # up to 14:00


def test_a_replaced_meter_closes_its_period_and_the_flat_series_goes_on(meter, make_meter, flat):
    new = make_meter("F01B", unit=2)
    swap = T0 + 2 * QUARTER
    MeterAssignment.objects.filter(meter=meter).update(end=swap)
    MeterAssignment.objects.create(flat=flat, meter=new, start=swap)
    write(meter, [(T0 + n * QUARTER, 200.0 + n) for n in range(3)])
    write(new, [(T0 + n * QUARTER, 0.1 * n) for n in range(2, 5)])
    fix_range(T0 - QUARTER, T0 + 4 * QUARTER)
    old_rows = list(Reading.objects.filter(meter=meter).order_by("time"))
    new_rows = list(Reading.objects.filter(meter=new).order_by("time"))
    assert [r.time for r in old_rows][-1] == swap  # the old meter's last reading closes it
    assert new_rows[0].time == swap and new_rows[0].new_series
    consumption = sum(r.consumption_wh or 0 for r in Reading.objects.filter(flat=flat))
    assert consumption == 2000 + 200


def test_overlapping_assignments_are_refused(meter, make_meter, flat, building):
    from django.core.exceptions import ValidationError

    second = MeterAssignment(flat=flat, meter=make_meter("F09"), start=T0)
    with pytest.raises(ValidationError, match="Another meter measures this flat"):
        second.full_clean()
    other = Flat.objects.create(building=building, name="Flat 2")
    with pytest.raises(ValidationError, match="measures another flat"):
        MeterAssignment(flat=other, meter=meter, start=T0).full_clean()
    MeterAssignment.objects.filter(meter=meter).update(end=T0)
    MeterAssignment(flat=other, meter=meter, start=T0).full_clean()  # after its end: fine


@pytest.mark.parametrize(
    ("day", "quarters"),
    [(date(2026, 3, 29), 92), (date(2026, 10, 25), 100), (date(2026, 11, 2), 96)],
)
def test_dst_days_have_92_and_100_quarters(meter, settings, day, quarters):
    settings.TIME_ZONE = "Europe/Zurich"
    start, end = day_range(day)
    assert quarters_in(start, end) == quarters
    write(meter, [(start + n * 5 * M, 10.0 + n * 0.01) for n in range(quarters * 3 + 1)])
    fix_range(start - QUARTER, end)  # midnight too: the day's first interval has a start
    rows = Reading.objects.filter(meter=meter, time__gt=start, time__lte=end)
    assert rows.count() == quarters
    assert set(rows.values_list("status", flat=True)) == {"m"}
    assert rows.filter(new_series=False).count() == quarters


def test_a_reading_with_a_value_is_not_made_missing_by_a_later_fix(meter, flat):
    Reading.objects.create(meter=meter, flat=flat, time=T0, status="m", import_wh=5000)
    fix_range(T0 - QUARTER, T0 + QUARTER)  # no samples at all
    assert (reading(meter, T0).status, reading(meter, T0).import_wh) == ("m", 5000)
    assert reading(meter, T0 + QUARTER).status == "x"
