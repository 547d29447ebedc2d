"""The node's figures in /metrics: read at scrape time, in Prometheus' text format."""

from __future__ import annotations

from prometheus_client import generate_latest

from fleethub.metrics import Metrics, NodeFigures


def test_node_figures_are_read_at_each_scrape() -> None:
    figures = [NodeFigures(3, 1200, 40, 7), NodeFigures(2, 1500, 45, 0)]
    metrics = Metrics()
    metrics.watch(lambda: figures[0])

    first = generate_latest(metrics.registry).decode()
    figures.pop(0)
    second = generate_latest(metrics.registry).decode()

    assert "fleethub_device_connections 3.0" in first
    assert "fleethub_telemetry_messages_total 1200.0" in first
    assert "fleethub_telemetry_commits_total 40.0" in first
    assert "fleethub_telemetry_queued 7.0" in first
    assert "fleethub_device_connections 2.0" in second
    assert "fleethub_telemetry_messages_total 1500.0" in second
