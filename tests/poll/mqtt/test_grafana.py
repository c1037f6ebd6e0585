"""Grafana's views (PostgreSQL): every query of deploy/grafana/detector-dashboard.json runs as
the read-only role smve_grafana_read, with Grafana's time macro expanded as Grafana does,
and finds the detector's points, samples and rollups; the role reads nothing else."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from history.models import Rollup
from poll.models import Point, Sample
from poll.profiles import load_profile, read_profile_file
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the views are for Grafana's PostgreSQL source"
)

DASHBOARD = ROOT / "deploy" / "grafana" / "detector-dashboard.json"
ROLE = "smve_grafana_read"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def queries() -> list[tuple[str, str]]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [(panel["title"], target["rawSql"]) for panel in panels for target in panel["targets"]]


def expand(sql: str) -> str:
    """Grafana's ``$__timeFilter(column)`` for the last 24 hours before NOW."""
    start, end = (NOW - timedelta(hours=24)).isoformat(), NOW.isoformat()
    return re.sub(r"\$__timeFilter\((\w+)\)", rf"\1 BETWEEN '{start}' AND '{end}'", sql)


def as_grafana(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f"SET ROLE {ROLE}")
                cursor.execute(sql)
                return list(cursor.fetchall())
        finally:
            cursor.execute("RESET ROLE")


@pytest.fixture
def detector(db: None) -> None:
    load_profile(read_profile_file(ROOT / "fixtures" / "detector.json"), activate=True)
    for point in Point.objects.filter(
        tag__in=["HV_CH0_VREQ", "LV_CH2_VREQ", "TH1_TEMP", "TH2_HUM"]
    ):
        point.value, point.current, point.updated_at = 21.5, True, NOW
        point.save()
        for minutes in (90, 30):
            Sample.objects.create(
                point=point, time=NOW - timedelta(minutes=minutes), value=21.0, q=0
            )
        Rollup.objects.create(
            point=point, resolution="1h", start=NOW - timedelta(hours=2), min=20.0, max=22.0,
            avg=21.0, first=20.5, last=21.5, count=60, good=1.0, covered=3600.0,
        )  # fmt: skip


def test_every_dashboard_query_runs_as_the_read_only_role(detector: None) -> None:
    found = {title: as_grafana(expand(sql)) for title, sql in queries()}
    assert len(found) == 5
    assert {row[1] for row in found["HV channels: requested voltage"]} == {"HV_CH0_VREQ"}
    assert len(found["LV channels: requested voltage"]) == 2
    temperatures = found["Temperatures (hourly mean, min, max)"]
    assert {row[1] for row in temperatures} == {"TH1_TEMP mean", "TH1_TEMP min", "TH1_TEMP max"}
    assert [row[1:] for row in found["Humidities (hourly mean)"]] == [("TH2_HUM", 21.0)]
    now = found["Detector points now"]
    assert len(now) == Point.objects.filter(mqtt_device__isnull=False).count()
    assert ("hv", "HV_CH0_VREQ") in {row[:2] for row in now}


@pytest.mark.parametrize("table", ["poll_point", "commands_auditrecord", "auth_user"])
def test_the_role_reads_no_table_directly(detector: None, table: str) -> None:
    with pytest.raises(DatabaseError, match="permission denied"):
        as_grafana(f"SELECT 1 FROM {table}")  # noqa: S608  (the parameters' table names)
