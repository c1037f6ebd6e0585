"""``GET /metrics``: Prometheus metrics of the site read from the database, the same for
every kind of field link (the LinkStateModel rows the poller keeps: COMasters, Modbus
devices, later MQTT connections), plus the pollers' heartbeats and journal backlog, the
jobs' last runs (history.models.JobRun), and the web tier's own: live streams open,
messages sent, request latency (smve.web_metrics).

The poller's own process metrics (poll latency, lateness, write batches) stay on its
``--metrics-port``; these are what any web server can tell, so one scrape of the site
covers every poller, on any host. Prometheus sends ``Authorization: Bearer METRICS_TOKEN``;
without METRICS_TOKEN set, the endpoint does not exist (404).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from history.models import JobRun
from ops.links import COUNTERS, link_rows
from poll.models import PollerHeartbeat, Profile
from smve.web_metrics import web_collector

LABELS = ["kind", "name"]


class SiteCollector(Collector):
    """Reads the active profile's links and the heartbeats at each scrape (three queries)."""

    def collect(self) -> Iterator[Metric]:
        profile = Profile.objects.filter(active=True).values_list("pk", flat=True).first()
        rows = link_rows(profile)
        online = GaugeMetricFamily("smve_link_online", "1 if the link answers", labels=LABELS)
        enabled = GaugeMetricFamily("smve_link_enabled", "1 if the link is polled", labels=LABELS)
        late = GaugeMetricFamily(
            "smve_link_last_poll_age_seconds", "Seconds since the last good poll", labels=LABELS
        )
        counters = {
            name: CounterMetricFamily(f"smve_link_{name}", f"{name} of the link", labels=LABELS)
            for name in COUNTERS
        }
        for row in rows:
            labels = [row["kind"], row["name"]]
            online.add_metric(labels, float(row["online"]))
            enabled.add_metric(labels, float(row["enabled"]))
            if row["late_seconds"] is not None:
                late.add_metric(labels, row["late_seconds"])
            for name, family in counters.items():
                family.add_metric(labels, float(row[name]))
        yield from (online, enabled, late, *counters.values())

        now = timezone.now()
        age = GaugeMetricFamily(
            "smve_poller_heartbeat_age_seconds", "Seconds since the poller's last heartbeat",
            labels=["poller"],
        )  # fmt: skip
        backlog = GaugeMetricFamily(
            "smve_poller_journal_backlog", "Journal entries not yet in the database",
            labels=["poller"],
        )  # fmt: skip
        for beat in PollerHeartbeat.objects.all():
            age.add_metric([beat.name], (now - beat.beat_at).total_seconds())
            backlog.add_metric([beat.name], float(beat.backlog))
        yield from (age, backlog)
        yield from job_metrics(now)


def job_metrics(now: datetime) -> Iterator[Metric]:
    """Each job's last run: how long ago it started, how long it took, whether it
    succeeded (one query per job; there are a handful)."""
    labels = ["job"]
    started = GaugeMetricFamily(
        "smve_job_last_run_age_seconds", "Seconds since the job's last run started", labels=labels
    )
    took = GaugeMetricFamily(
        "smve_job_last_run_duration_seconds", "How long the job's last finished run took",
        labels=labels,
    )  # fmt: skip
    ok = GaugeMetricFamily("smve_job_last_run_ok", "1 if the last run succeeded", labels=labels)
    names = JobRun.objects.order_by().values_list("name", flat=True).distinct()
    for name in sorted(names):
        run = JobRun.objects.filter(name=name).order_by("-started_at").first()
        if run is None:
            continue
        started.add_metric([name], (now - run.started_at).total_seconds())
        if run.finished_at is not None:
            took.add_metric([name], (run.finished_at - run.started_at).total_seconds())
            ok.add_metric([name], float(run.ok))
    yield from (started, took, ok)


def metrics_token() -> str:
    return str(getattr(settings, "METRICS_TOKEN", None) or os.environ.get("METRICS_TOKEN", ""))


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    token = metrics_token()
    if not token:
        raise Http404("Metrics are off: set METRICS_TOKEN.")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(given.encode(), token.encode()):
        return HttpResponse("A bearer token is needed.\n", status=401, content_type="text/plain")
    registry = CollectorRegistry()
    registry.register(SiteCollector())
    registry.register(web_collector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
