"""``GET /metrics``: the site's field links by kind and the pollers' heartbeats, for
Prometheus with a bearer token; the example alert rules use only metrics that exist; and
the web server's workers add up their metrics (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import re
import runpy
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from deploy.render import Site, render
from history.models import JobRun
from poll.models import COMaster, ModbusDevice
from poll.profiles import load_profile, read_profile_file
from tests.conftest import ROOT
from tests.ops.test_health import beat

pytestmark = pytest.mark.django_db
TOKEN = "a-long-random-scrape-token"


@pytest.fixture
def scraped(settings) -> dict[str, list]:
    settings.METRICS_TOKEN = TOKEN
    load_profile(read_profile_file(ROOT / "fixtures" / "demo_site.json"), activate=True)
    COMaster.objects.filter(name="E4").update(online=True, polls=12)
    ModbusDevice.objects.update(timeouts=3)
    beat(4, "poller-a")
    ended = timezone.now() - timedelta(seconds=28)
    JobRun.objects.create(
        name="rollups", started_at=ended - timedelta(seconds=2), finished_at=ended, ok=True
    )
    assert Client().get("/healthz").status_code == 200  # a request, timed
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return {
        family.name: family.samples
        for family in text_string_to_metric_families(response.content.decode())
    }


def test_every_link_kind_is_measured(scraped) -> None:
    online = {(s.labels["kind"], s.labels["name"]): s.value for s in scraped["smve_link_online"]}
    assert online[("COMaster", "E4")] == 1.0 and online[("COMaster", "E5")] == 0.0
    assert sum(kind == "Modbus" for kind, _ in online) == ModbusDevice.objects.count()
    timeouts = [s for s in scraped["smve_link_timeouts"] if s.labels["kind"] == "Modbus"]
    assert {s.value for s in timeouts} == {3.0}
    polls = {s.labels["name"]: s.value for s in scraped["smve_link_polls"]}
    assert polls["E4"] == 12.0
    (age,) = scraped["smve_poller_heartbeat_age_seconds"]
    assert age.labels == {"poller": "poller-a"} and 4 <= age.value < 60


def test_the_web_tier_and_the_jobs_are_measured(scraped) -> None:
    seconds = {
        (s.labels["method"], s.labels["status"]): s.value
        for s in scraped["smve_web_request_seconds"]
        if s.name == "smve_web_request_seconds_count"
    }
    assert seconds[("GET", "2xx")] >= 1
    assert "smve_web_streams_open" in scraped and "smve_web_stream_messages" in scraped
    (took,) = scraped["smve_job_last_run_duration_seconds"]
    assert took.labels == {"job": "rollups"} and took.value == pytest.approx(2.0)
    (ok,) = scraped["smve_job_last_run_ok"]
    assert ok.value == 1.0


def test_metrics_need_the_token(settings) -> None:
    assert Client().get("/metrics").status_code == 404  # no token configured: no endpoint
    settings.METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_the_alert_rules_name_only_metrics_the_site_or_the_poller_exports(scraped) -> None:
    from poll.acquisition.metrics import PollerMetrics

    exported = {f"{name}_total" for name in scraped} | set(scraped) | {"up"}
    exported |= {sample.name for samples in scraped.values() for sample in samples}
    exported |= {
        sample.name for metric in PollerMetrics().registry.collect() for sample in metric.samples
    }
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "smve-alerts.yml").read_text())
    for rule in rules["groups"][0]["rules"]:
        names = set(re.findall(r"\b(smve_\w+|up)\b", rule["expr"]))
        assert names and names <= exported, (rule["alert"], names - exported)
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus-smve.yml").read_text())
    assert {job["job_name"] for job in scrape["scrape_configs"]} == {"smve-site", "smve-poll"}


def gunicorn_hooks() -> dict[str, Any]:
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def test_the_web_server_starts_with_an_empty_metrics_folder(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "smve-metrics"
    (folder / "left").mkdir(parents=True)
    (folder / "counter_4242.db").write_bytes(b"a previous run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    gunicorn_hooks()["on_starting"](None)
    assert folder.is_dir() and not list(folder.iterdir())


def test_a_dead_workers_open_streams_are_no_longer_counted(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for pid in (101, 102):
        (tmp_path / f"gauge_livesum_{pid}.db").write_bytes(b"")
    (tmp_path / "counter_101.db").write_bytes(b"")
    gunicorn_hooks()["child_exit"](None, SimpleNamespace(pid=101))
    left = sorted(entry.name for entry in tmp_path.iterdir())
    assert left == ["counter_101.db", "gauge_livesum_102.db"]  # its counts stay counted


def test_production_web_servers_share_one_metrics_folder_made_at_boot(tmp_path) -> None:
    setting = "PROMETHEUS_MULTIPROC_DIR"
    supervisor = (ROOT / "deploy" / "supervisor-smve.conf").read_text()
    web = supervisor[supervisor.index("[program:smve-web]") :]
    assert f'environment={setting}="/run/smve-metrics"' in web
    assert "--config /srv/smve/deploy/gunicorn.conf.py" in web
    systemd = (ROOT / "deploy" / "systemd" / "smve-web.service").read_text()
    assert f"Environment={setting}=/run/smve-metrics" in systemd
    assert "--config /srv/smve/deploy/gunicorn.conf.py" in systemd
    tmpfiles = (ROOT / "deploy" / "tmpfiles-smve.conf").read_text().split("\n")
    assert "d /run/smve-metrics 0750 smve smve -" in tmpfiles
    site = Site(prefix=tmp_path)
    render(site)
    rendered = (site.conf / "supervisor-smve.conf").read_text()
    assert f'{setting}="{site.metrics_dir}"' in rendered
    assert f'{setting}="/run/smve-metrics"' not in rendered
