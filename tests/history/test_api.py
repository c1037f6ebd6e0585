"""GET /api/history/: the contract, min-max downsampling, gaps, CSV, validation, roles."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from history.rollups import update_rollups
from poll.models import Sample

pytestmark = pytest.mark.django_db
START = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def viewer(role_user):
    client = APIClient()
    client.force_authenticate(role_user("viewer"))
    return client


def get(client, **params):
    return client.get("/api/history/", params)


def test_a_one_second_spike_in_a_year_stays_in_the_1000_bucket_series(viewer, point):
    # A heartbeat sample every 6 hours for a year, and one second at 999 in it.
    rows = [
        Sample(point=point, time=START + timedelta(hours=h), value=10.0, q=0)
        for h in range(0, 365 * 24, 6)
    ]
    spike = START + timedelta(days=200, minutes=30)
    rows += [
        Sample(point=point, time=spike, value=999.0, q=0),
        Sample(point=point, time=spike + timedelta(seconds=1), value=10.0, q=0),
    ]
    Sample.objects.bulk_create(rows, batch_size=5000)
    update_rollups(START)
    end = START + timedelta(days=365)
    answer = get(
        viewer, tag=point.tag, start=START.isoformat(), end=end.isoformat(), max_points=1000
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["resolution"] == "1h"
    (series,) = body["series"]
    assert set(series) >= {"tag", "unit", "t", "avg", "min", "max"}
    assert series["tag"] == point.tag and series["unit"] == point.unit
    assert 0 < len(series["t"]) <= 1000
    assert len(series["t"]) == len(series["avg"]) == len(series["min"]) == len(series["max"])
    assert max(series["max"]) == 999.0
    assert min(series["min"]) == 10.0
    assert series["avg"][0] == pytest.approx(10.0)


def test_bad_quality_and_no_data_marks_are_gaps(viewer, point):
    Sample.objects.bulk_create(
        [
            Sample(point=point, time=START, value=1.0, q=0),
            Sample(point=point, time=START + timedelta(seconds=10), value=None, q=0),
            Sample(point=point, time=START + timedelta(seconds=20), value=3.0, q=1),
            Sample(point=point, time=START + timedelta(seconds=30), value=4.0, q=0),
        ]
    )
    end = START + timedelta(seconds=40)
    body = get(
        viewer, tag=point.tag, start=START.isoformat(), end=end.isoformat(), max_points=4
    ).json()
    assert body["resolution"] == "raw"
    assert body["series"][0]["avg"] == [1.0, None, None, 4.0]
    assert body["series"][0]["max"] == [1.0, None, None, 4.0]


def test_two_pens_in_the_asked_order_and_site_time_without_offset(viewer, pens):
    first, second = pens
    body = get(
        viewer, tag=[second.tag, first.tag], start="2025-06-01T00:00", end="2025-06-02T00:00"
    ).json()
    assert [series["tag"] for series in body["series"]] == [second.tag, first.tag]
    assert body["resolution"] == "1min"
    assert body["series"][0]["t"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "tag"),
        ({"tag": "NO-SUCH-TAG"}, "tag"),
        ({"start": "yesterday"}, "start"),
        ({"end": "2025-05-01T00:00Z"}, "end"),
        ({"max_points": "0"}, "max_points"),
        ({"max_points": "many"}, "max_points"),
        ({"max_points": "²"}, "max_points"),
        ({"max_points": "9" * 5000}, "max_points"),
        ({"tag": "E4\x00"}, "tag"),
        ({"resolution": "1w"}, "resolution"),
        ({"format": "xml"}, "format"),
    ],
)
def test_parameters_are_checked_with_clear_400s(viewer, point, params, field):
    query = {"tag": point.tag, "start": "2025-06-01T00:00Z", "end": "2025-06-02T00:00Z", **params}
    if field == "tag" and not params:
        del query["tag"]
    answer = get(viewer, **query)
    assert answer.status_code == 400
    assert field in answer.json()


def test_csv_streams_raw_samples_with_time_zone_and_units(viewer, point):
    Sample.objects.bulk_create(
        Sample(point=point, time=START + timedelta(minutes=m), value=float(m), q=0)
        for m in range(50)
    )
    answer = get(
        viewer,
        tag=point.tag,
        start=START.isoformat(),
        end=(START + timedelta(hours=1)).isoformat(),
        format="csv",
        resolution="raw",
    )
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode()
    header, *lines = text.splitlines()
    assert "time zone" in header and f"{point.tag} [{point.unit}]" in header
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    assert rows[0] == ["time", "tag", "unit", "value", "q"]
    assert len(rows) == 51 and rows[-1][3] == "49.0"


def test_csv_of_the_series(viewer, point):
    Sample.objects.create(point=point, time=START, value=5.0, q=0)
    answer = get(
        viewer,
        tag=point.tag,
        start=START.isoformat(),
        end=(START + timedelta(minutes=1)).isoformat(),
        format="csv",
    )
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[1] == ["time", "tag", "unit", "avg", "min", "max"]
    assert rows[2][1:] == [point.tag, point.unit, "5.0", "5.0", "5.0"]


def test_roles(client, django_user_model, point, role_user):
    query = {"tag": point.tag, "start": "2025-06-01T00:00Z", "end": "2025-06-02T00:00Z"}
    assert client.get("/api/history/", query).status_code in (401, 403)
    bare = django_user_model.objects.create_user(username="bare", password="x")
    client.force_login(bare)
    assert client.get("/api/history/", query).status_code == 403
    bare.groups.add(Group.objects.get(name="viewer"))
    assert client.get("/api/history/", query).status_code == 200


def test_documented_in_the_schema(viewer):
    schema = viewer.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/history/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"tag", "start", "end", "max_points", "format"} <= names
