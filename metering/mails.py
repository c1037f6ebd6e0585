"""Metering's mails, all through the outbox (``outbox/sending.py``), and the jobs that make
them.

- The monthly report to the service providers, once the month's last readings are final:
  keyed by building and month, so a restart or a second run never sends it again.
- A meter silent for ``METERING_SILENT`` seconds (30 min), and again when it is back; when
  every meter behind one gateway (host and port) is silent, one gateway mail instead.
- The daily completeness summary of the day before, when an interval is missing.
- The outbox's delivery, every minute (alarm digests included).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max

from history.jobs import Job
from metering import exports
from metering.fixing import max_gap
from metering.models import Building, MeterAssignment, MeterState, Reading, Status
from metering.quarters import day_range, local_day, month_range
from metering.registers import import_points
from metering.reports import expected_intervals, monthly_report
from outbox.sending import deliver, enqueue
from poll.models import ModbusDevice, Sample

PROVIDER = "provider"


def providers() -> list[str]:
    users = get_user_model().objects.filter(groups__name=PROVIDER, is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def silent_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "METERING_SILENT", 1800)))


def queue_monthly_reports(now: datetime) -> str:
    today = local_day(now)
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    _, end = month_range(year, month)
    if now < end + timedelta(seconds=max_gap()):
        return "last month's readings are not final yet"
    queued = 0
    for building in Building.objects.all():
        report = monthly_report(building, year, month)
        queued += enqueue(
            f"metering-report:{building.pk}:{report.month}",
            f"SMVE: {building.name}, energy report {report.month}",
            exports.report_text(report),
            providers(),
            attachment=(f"report-{report.month}.csv", exports.report_csv_text(report)),
            now=now,
        )
    return f"{queued} monthly reports queued"


def last_reads(now: datetime) -> dict[int, datetime | None]:
    """Each assigned meter's last good read of its import register (None: none for a day)."""
    meters = set(
        MeterAssignment.objects.filter(start__lte=now)
        .exclude(end__lt=now)
        .values_list("meter_id", flat=True)
    )
    points = import_points(meters)
    latest = dict(
        Sample.objects.filter(
            point_id__in=list(points.values()), time__gte=now - timedelta(days=1), q=0
        )
        .values("point_id")
        .annotate(last=Max("time"))
        .values_list("point_id", "last")
    )
    return {meter: latest.get(points.get(meter, -1)) for meter in meters}


def check_meters(now: datetime) -> str:
    """Mail meters (or whole gateways) that fell silent or came back."""
    reads = last_reads(now)
    silent = {m for m, last in reads.items() if last is None or now - last >= silent_after()}
    mailed = set(MeterState.objects.filter(silent_mailed=True).values_list("meter_id", flat=True))
    went, came = silent - mailed, (mailed & set(reads)) - silent
    if not went and not came:
        return "no change"
    devices = {d.pk: d for d in ModbusDevice.objects.filter(pk__in=went | came)}
    gateways: dict[tuple[str, int], set[int]] = defaultdict(set)
    for device in ModbusDevice.objects.filter(pk__in=list(reads)):
        gateways[(device.host, device.port)].add(device.pk)
    for change, meters in (("silent", went), ("back", came)):
        for (host, port), behind in sorted(gateways.items()):
            hit = meters & behind
            if not hit:
                continue
            if hit == behind and len(behind) > 1:
                what = f"gateway {host}:{port} ({len(behind)} meters)"
            else:
                what = ", ".join(sorted(devices[m].name for m in hit))
            subject = (
                f"SMVE: {what} silent for {int(silent_after().total_seconds() // 60)} minutes"
                if change == "silent"
                else f"SMVE: {what} answering again"
            )
            lines = [
                f"{devices[m].name}: last read {reads[m]:%Y-%m-%d %H:%M} UTC"
                if reads[m]
                else f"{devices[m].name}: no read for a day"
                for m in sorted(hit, key=lambda m: devices[m].name)
            ]
            stamp = now.isoformat(timespec="seconds")
            enqueue(
                f"metering-{change}:{host}:{port}:{stamp}",
                subject,
                "\n".join(lines),
                providers(),
                now=now,
            )
    for meter in went:
        MeterState.objects.update_or_create(meter_id=meter, defaults={"silent_mailed": True})
    MeterState.objects.filter(meter_id__in=came).update(silent_mailed=False)
    return f"{len(went)} meters silent, {len(came)} back"


def queue_completeness(now: datetime) -> str:
    """The summary of yesterday's missing intervals, once, when there is one."""
    day = local_day(now) - timedelta(days=1)
    start, end = day_range(day)
    if now < end + timedelta(seconds=max_gap()):
        return "yesterday's readings are not final yet"
    lines = []
    for building in Building.objects.all():
        assignments: dict[int, list[MeterAssignment]] = defaultdict(list)
        for assignment in MeterAssignment.objects.filter(flat__building=building).select_related(
            "flat"
        ):
            assignments[assignment.flat_id].append(assignment)
        counts = dict(
            Reading.objects.filter(flat__building=building, time__gt=start, time__lte=end)
            .exclude(status=Status.MISSING)
            .values("flat_id")
            .annotate(n=Count("time", distinct=True))
            .values_list("flat_id", "n")
        )
        for flat_id, flat_assignments in assignments.items():
            missing = expected_intervals(flat_assignments, start, end) - counts.get(flat_id, 0)
            if missing > 0:
                lines.append(
                    f"{building.name} / {flat_assignments[0].flat.name}: {missing} missing"
                )
    if not lines:
        return f"{day}: complete"
    enqueue(
        f"metering-completeness:{day.isoformat()}",
        f"SMVE: {len(lines)} flats with missing readings on {day.isoformat()}",
        "\n".join(sorted(lines)),
        providers(),
        now=now,
    )
    return f"{day}: {len(lines)} flats incomplete"


def deliver_outbox(now: datetime) -> str:
    return f"{deliver(now)} mails sent"


JOBS = (
    Job("metering-monthly-report", timedelta(hours=1), queue_monthly_reports),
    Job("metering-meters", timedelta(minutes=1), check_meters),
    Job("metering-completeness", timedelta(hours=1), queue_completeness),
    Job("outbox-delivery", timedelta(minutes=1), deliver_outbox),
)
