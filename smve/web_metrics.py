"""The web tier's own Prometheus metrics: live streams open, messages they sent, and how
long requests take. ``GET /metrics`` (ops.metrics) exports them with the site's.

Kept here, below every app, so that hmi's stream and ops's middleware share them. Each
web process counts its own; with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (an
empty folder, emptied at each start) and the scrape adds up every worker's files.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

STREAMS_OPEN = Gauge(
    "smve_web_streams_open",
    "Live streams (Server-Sent Events) open now",
    ["channel"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
STREAM_MESSAGES = Counter(
    "smve_web_stream_messages",
    "Messages sent on live streams (heartbeats not counted)",
    ["channel"],
    registry=REGISTRY,
)
STREAM_CHECKS = Counter(
    "smve_web_stream_checks",
    "Checks of which watched screens a new revision touched (one per revision and process)",
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "smve_web_request_seconds",
    "Time to answer a request (for a stream: until it starts)",
    ["method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


def web_collector() -> Collector:
    """What to export: this process's metrics, or every worker's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        merged = CollectorRegistry()
        MultiProcessCollector(merged)
        return merged
    return REGISTRY
