"""Readings and monthly reports as CSV and XLSX, in bounded memory.

CSV is produced line by line (a streaming response); XLSX with XlsxWriter in
``constant_memory`` mode, which writes each row to a temporary file as it goes, so a year of
15-minute readings of a hundred flats never sits in memory. Times are in the site's time
zone, registers in whole Wh and varh, and the first line (CSV) or row (XLSX) says so.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import IO, Any

import xlsxwriter

from history.buckets import site_zone
from metering.models import Reading
from metering.reports import MonthlyReport

READING_COLUMNS = (
    "time",
    "flat",
    "meter",
    "status",
    "import_wh",
    "export_wh",
    "import_varh",
    "export_varh",
    "consumption_wh",
    "demand_w",
)
REPORT_COLUMNS = (
    "flat",
    "floor",
    "occupant",
    "consumption_wh",
    "peak_demand_w",
    "peak_time",
    "measured",
    "estimated",
    "missing",
)


class _Echo:
    def write(self, line: str) -> str:
        return line


def _local(time: datetime | None) -> str:
    return time.astimezone(site_zone()).isoformat() if time else ""


def readings_header() -> str:
    return (
        f"site time zone: {site_zone()}; registers in Wh and varh (kWh x 1000), "
        "demand in W (15-minute average); status m measured, e estimated, x missing"
    )


def reading_rows(flat_ids: Sequence[int], start: datetime, end: datetime) -> Iterator[list[Any]]:
    readings = (
        Reading.objects.filter(flat_id__in=flat_ids, time__gte=start, time__lte=end)
        .order_by("flat__name", "time", "meter__name")
        .values_list("time", "flat__name", "meter__name", "status", *READING_COLUMNS[4:])
    )
    for row in readings.iterator(chunk_size=5000):
        yield [_local(row[0]), *row[1:]]


def readings_csv(rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "# " + readings_header() + "\r\n"
    yield writer.writerow(READING_COLUMNS)
    for row in rows:
        yield writer.writerow(row)


def report_rows(report: MonthlyReport) -> Iterator[list[Any]]:
    for line in report.lines:
        yield [
            line.flat,
            line.floor,
            line.occupant,
            line.consumption_wh,
            line.peak_demand_w,
            _local(line.peak_time),
            line.measured,
            line.estimated,
            line.missing,
        ]
    yield ["total", "", "", report.total_wh, "", "", "", "", report.missing]


def report_header(report: MonthlyReport) -> str:
    return (
        f"{report.building.name}, {report.month}; site time zone: {site_zone()}; "
        "energy in Wh, demand in W (15-minute average)"
    )


def report_csv(report: MonthlyReport) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "# " + report_header(report) + "\r\n"
    yield writer.writerow(REPORT_COLUMNS)
    for row in report_rows(report):
        yield writer.writerow(row)


def report_csv_text(report: MonthlyReport) -> str:
    return "".join(report_csv(report))


def report_text(report: MonthlyReport) -> str:
    lines = [report_header(report), ""]
    for line in report.lines:
        peak = (
            f", peak {line.peak_demand_w} W at {_local(line.peak_time)}"
            if line.peak_demand_w is not None
            else ""
        )
        lines.append(
            f"{line.flat}: {line.consumption_wh / 1000:.3f} kWh{peak}, {line.missing} missing"
        )
    lines.append(f"Total: {report.total_wh / 1000:.3f} kWh, {report.missing} intervals missing")
    return "\n".join(lines)


def xlsx_file(
    title: str, header: str, columns: Sequence[str], rows: Iterable[list[Any]]
) -> IO[bytes]:
    """An XLSX of one sheet, written row by row (constant memory) to a temporary file."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True})
    sheet.write_string(0, 0, header)
    sheet.write_row(1, 0, list(columns), bold)
    # Typed writes: the generic ``write`` would test every string for a number, a formula
    # or a link first, which takes most of the time of a large export.
    write_string, write_number = sheet.write_string, sheet.write_number
    for index, row in enumerate(rows, start=2):
        for column, value in enumerate(row):
            if isinstance(value, str):
                write_string(index, column, value)
            elif value is not None and not isinstance(value, bool):
                write_number(index, column, value)
            elif value is not None:
                sheet.write_boolean(index, column, value)
    book.close()
    target.seek(0)
    return target
