"""Prometheus metrics: one registry per node (no process-global state), scraped at /metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


@dataclass(frozen=True, slots=True)
class NodeFigures:
    """What the node counts anyway, read when Prometheus scrapes (nothing per message)."""

    device_connections: int
    telemetry_messages: int
    telemetry_commits: int
    telemetry_queued: int


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fleethub_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fleethub_http_request_duration_seconds",
            "HTTP request latency by route template.",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=self.registry,
        )
        # (route, method, status) → its request counter and latency histogram. Routes are
        # templates and statuses few, so this stays small.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.devices = Gauge(
            "fleethub_devices",
            "Devices in the registry by status (enabled, disabled, connected).",
            ["status"],
            registry=self.registry,
        )

    def request_done(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one HTTP request and time it; labelled children are looked up once each."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = self.requests.labels(route, method, str(status)), self.latency.labels(route)
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def watch(self, read: Callable[[], NodeFigures]) -> None:
        """Expose the node's connection and ingest figures, read at each scrape."""
        self.registry.register(_NodeCollector(read))


class _NodeCollector(Collector):
    def __init__(self, read: Callable[[], NodeFigures]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        figures = self._read()
        yield GaugeMetricFamily(
            "fleethub_device_connections",
            "Device connections (MQTT, MQTT over WebSocket) open on this node.",
            value=figures.device_connections,
        )
        yield CounterMetricFamily(
            "fleethub_telemetry_messages",
            "Device-to-cloud messages committed to the telemetry store by this node.",
            value=figures.telemetry_messages,
        )
        yield CounterMetricFamily(
            "fleethub_telemetry_commits",
            "Group commits of telemetry (messages / commits is the mean batch size).",
            value=figures.telemetry_commits,
        )
        yield GaugeMetricFamily(
            "fleethub_telemetry_queued",
            "Messages accepted and waiting for their group commit (back-pressure at 10,000).",
            value=figures.telemetry_queued,
        )
