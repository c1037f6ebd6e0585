"""Prometheus metrics of the poller, served on 127.0.0.1 with ``--metrics-port``.

They are always counted (a counter increment costs well under a microsecond) and only
served when asked for. Each poller has its own registry, so a process can hold several.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
LATENESS_BUCKETS = (
    *(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25),
    *(0.3, 0.4, 0.5, 0.75, 1.0, 2.0, 5.0),
)
ENTRY_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
BATCH_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class PollerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.polls = Counter(
            "smve_poll_requests", "Poll requests sent (retries included)", registry=registry
        )
        self.replies = Counter("smve_poll_replies", "Poll replies stored", registry=registry)
        self.failures = Counter(
            "smve_poll_failures",
            "Tries of a poll that got no usable answer, by reason",
            ["reason"],
            registry=registry,
        )
        self.bad_frames = Counter(
            "smve_poll_bad_frames", "Frames dropped as unsound", registry=registry
        )
        self.latency = Histogram(
            "smve_poll_latency_seconds",
            "Time from a poll to its reply",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.lateness = Histogram(
            "smve_poll_lateness_seconds",
            "How late scheduled polls left",
            buckets=LATENESS_BUCKETS,
            registry=registry,
        )
        self.events_stored = Counter(
            "smve_poll_events_stored",
            "Events, energy and communication records newly stored",
            registry=registry,
        )
        self.batches = Counter(
            "smve_poll_write_batches", "Transactions committed by the writer", registry=registry
        )
        self.batch_seconds = Histogram(
            "smve_poll_write_batch_seconds",
            "Time to write one batch, commit included",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.batch_entries = Histogram(
            "smve_poll_write_batch_entries",
            "Journal entries coalesced into one transaction (they grow when the writer is behind)",
            buckets=ENTRY_BUCKETS,
            registry=registry,
        )
        self.spool_depth = Gauge(
            "smve_poll_spool_depth", "Journal entries not yet in the database", registry=registry
        )
        self.online = Gauge("smve_poll_comasters_online", "COMasters answering", registry=registry)
        self.comasters = Gauge("smve_poll_comasters", "COMasters polled", registry=registry)

    def serve(self, port: int) -> None:
        """Serve ``/metrics`` on 127.0.0.1:``port`` from a daemon thread."""
        start_http_server(port, addr="127.0.0.1", registry=self.registry)
