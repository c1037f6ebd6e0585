"""The metering API's contract: readings and reports as JSON, CSV and XLSX, clear 400s, and
who may see what (the role matrix of every metering page and endpoint)."""

from __future__ import annotations

import csv
import io
import tracemalloc

import openpyxl
import pytest
from django.test import Client

from metering.exports import READING_COLUMNS, xlsx_file
from metering.models import Reading
from metering.quarters import QUARTER
from tests.metering.conftest import T0

READINGS = "/api/metering/readings/"
REPORT = "/api/metering/report/"
DASHBOARD = "/api/metering/dashboard/"


@pytest.fixture
def readings(meter, flat):
    rows = []
    wh = 1_000_000
    for n in range(8):
        time = T0 + n * QUARTER
        consumption = None if n == 0 else 250 + n
        wh += consumption or 0
        rows.append(
            Reading(
                meter=meter,
                flat=flat,
                time=time,
                status="x" if n == 5 else "m",
                import_wh=None if n == 5 else wh,
                consumption_wh=None if n == 5 else consumption,
                demand_w=None if consumption is None or n in (5, 6) else consumption * 4,
                new_series=n == 0,
            )
        )
    Reading.objects.bulk_create(rows)
    return rows


@pytest.fixture
def login(role_user):
    def make(role: str | None) -> Client:
        client = Client()
        if role == "nobody":
            from django.contrib.auth.models import User

            client.force_login(User.objects.create_user("nobody", password="x"))
        elif role:
            client.force_login(role_user(role))
        return client

    return make


def query(flat, **extra) -> dict:
    return {"flat": flat.pk, "start": "2026-11-02T10:00Z", "end": "2026-11-02T12:00Z", **extra}


def test_readings_json_follow_the_contract(login, readings, flat):
    answer = login("provider").get(READINGS, query(flat))
    assert answer.status_code == 200
    body = answer.json()
    assert body["time_zone"] == "UTC"
    assert len(body["readings"]) == 8
    first = body["readings"][1]
    assert set(first) == set(READING_COLUMNS)
    assert (first["flat"], first["meter"], first["consumption_wh"]) == ("Flat 1", "F01", 251)
    assert body["readings"][5]["status"] == "x" and body["readings"][5]["import_wh"] is None


def test_readings_csv_has_time_zone_and_units_and_every_row(login, readings, flat, settings):
    settings.TIME_ZONE = "Europe/Zurich"
    answer = login("provider").get(READINGS, query(flat, format="csv"))
    assert answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode()
    lines = text.splitlines()
    assert "Europe/Zurich" in lines[0] and "Wh" in lines[0]
    rows = list(csv.DictReader(lines[1:]))
    assert len(rows) == 8
    assert rows[0]["time"] == "2026-11-02T11:00:00+01:00"
    assert sum(int(r["consumption_wh"] or 0) for r in rows) == sum(
        r.consumption_wh or 0 for r in readings
    )


def test_readings_xlsx_reads_back(login, readings, flat):
    answer = login("provider").get(READINGS, query(flat, format="xlsx"))
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(answer.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert "UTC" in rows[0][0]
    assert rows[1] == READING_COLUMNS
    assert len(rows) == 2 + 8
    assert rows[3][8] == 251


def test_xlsx_export_memory_stays_bounded(db):
    """50,000 rows through the exporter: its peak allocation stays far below the rows' size."""
    row = ["2026-11-02T10:00:00+00:00", "Flat 1", "F01", "m", 123456789, 0, 1234, 0, 250, 1000]
    tracemalloc.start()
    book = xlsx_file("readings", "header", READING_COLUMNS, ([*row] for _ in range(50_000)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert book.seek(0, 2) > 500_000  # a real workbook of that size was written
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({}, "flat"),
        ({"flat": "x", "start": "2026-11-02", "end": "2026-11-03"}, "flat"),
        ({"flat": "999999", "start": "2026-11-02T00:00", "end": "2026-11-03T00:00"}, "flat"),
        ({"start": "yesterday", "end": "2026-11-03T00:00"}, "start"),
        ({"start": "2026-11-03T00:00", "end": "2026-11-02T00:00"}, "end"),
        ({"start": "2026-01-01T00:00", "end": "2026-11-02T00:00"}, "end"),
        ({"start": "2026-11-02T00:00", "end": "2026-11-03T00:00", "format": "pdf"}, "format"),
    ],
)
def test_bad_reading_parameters_are_named(login, readings, flat, params, key):
    params = {"flat": str(flat.pk), **params} if key != "flat" or params else params
    answer = login("provider").get(READINGS, params)
    assert answer.status_code == 400
    assert key in answer.json()


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"month": "2026-11"}, "building"),
        ({"building": "999999", "month": "2026-11"}, "building"),
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-11", "format": "doc"}, "format"),
    ],
)
def test_bad_report_parameters_are_named(login, building, params, key):
    params = (
        {"building": str(building.pk), **params}
        if "building" not in params and key != "building"
        else params
    )
    answer = login("provider").get(REPORT, params)
    assert answer.status_code == 400
    assert key in answer.json()


def test_report_in_every_format_has_the_same_totals(login, readings, building):
    client = login("provider")
    params = {"building": building.pk, "month": "2026-11"}
    body = client.get(REPORT, params).json()
    total = sum(r.consumption_wh or 0 for r in readings)
    assert body["total_wh"] == total and body["flats"][0]["consumption_wh"] == total
    assert body["flats"][0]["peak_demand_w"] == 257 * 4
    text = b"".join(client.get(REPORT, {**params, "format": "csv"}).streaming_content).decode()
    last = list(csv.reader(text.splitlines()))[-1]
    assert last[0] == "total" and int(last[3]) == total
    answer = client.get(REPORT, {**params, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(answer.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[-1][0] == "total" and rows[-1][3] == total
    page = client.get("/metering/report", params)
    assert page.status_code == 200 and str(total) in page.content.decode()


ROLES = ("viewer", "operator", "engineer", "provider")


@pytest.mark.parametrize(
    ("role", "dashboard", "downloads"),
    [
        (None, 403, 403),
        ("nobody", 403, 403),
        ("viewer", 200, 403),
        ("operator", 200, 403),
        ("engineer", 200, 403),
        ("provider", 200, 200),
    ],
)
def test_role_matrix_of_the_api(login, readings, flat, building, role, dashboard, downloads):
    client = login(role)
    anonymous = 401 if role is None else None
    assert client.get(DASHBOARD, {"building": building.pk}).status_code in (dashboard, anonymous)
    assert client.get(READINGS, query(flat)).status_code in (downloads, anonymous)
    assert client.get(READINGS, query(flat, format="csv")).status_code in (downloads, anonymous)
    report = {"building": building.pk, "month": "2026-11", "format": "xlsx"}
    assert client.get(REPORT, report).status_code in (downloads, anonymous)


@pytest.mark.parametrize(
    ("role", "page", "report", "admin_flats", "add_flat"),
    [
        (None, 302, 302, 302, 302),
        ("nobody", 403, 403, 302, 302),
        # role_user makes staff users: in the admin, they read flats and may not add one
        ("viewer", 200, 403, 200, 403),
        ("operator", 200, 403, 200, 403),
        ("engineer", 200, 403, 200, 403),
        ("provider", 200, 200, 200, 200),
    ],
)
def test_role_matrix_of_the_pages(login, building, role, page, report, admin_flats, add_flat):
    client = login(role)
    assert client.get("/metering").status_code == page
    assert client.get("/metering/report", {"building": building.pk}).status_code == report
    assert client.get("/admin/metering/flat/").status_code == admin_flats
    assert client.get("/admin/metering/flat/add/").status_code == add_flat


def test_a_provider_can_keep_flats_in_the_admin(login, building):
    client = login("provider")
    answer = client.post(
        "/admin/metering/flat/add/",
        {
            "building": building.pk,
            "name": "Flat 9",
            "floor": "3",
            "occupant": "Z",
            "email": "z@example.com",
            "notes": "",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
        },
    )
    assert answer.status_code == 302
    assert building.flats.filter(name="Flat 9").exists()


def test_dashboard_data(login, readings, building):
    body = login("viewer").get(DASHBOARD, {"building": building.pk}).json()
    assert body["building"]["name"] == "House"
    assert set(body["load_profile"]) == {"today", "yesterday", "last_week"}
    assert body["consumption"]["flats"] == ["Flat 1"]
    assert body["meters"][0]["meter"] == "F01"
    assert body["meters"][0]["last_reading"] == (T0 + 7 * QUARTER).isoformat()


def test_the_schema_documents_the_contract(login):
    schema = login("viewer").get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/metering/readings/", "/api/metering/report/"):
        assert path in schema["paths"] or path.rstrip("/") in schema["paths"]
