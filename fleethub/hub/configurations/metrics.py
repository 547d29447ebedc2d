"""A configuration's metrics, live: system metrics from the per-device states the reconciler
keeps, custom metrics by running their queries now (Azure's ConfigurationMetrics shape).

System metric names are Azure's: `targetedCount` and `appliedCount`, and for IoT Edge
deployments also `reportedSuccessfulCount` and `reportedFailedCount`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from fleethub.hub.configurations import targeting
from fleethub.hub.configurations.reconciler import Reconciler
from fleethub.hub.configurations.record import (
    APPLIED,
    DEVICE,
    FAILURE,
    SUCCESS,
    Configuration,
)
from fleethub.hub.errors import HubError
from fleethub.hub.ports import ConfigurationStore

log = logging.getLogger(__name__)

Counts = dict[tuple[str, str | None], int]


@dataclass(frozen=True, slots=True)
class Metrics:
    results: dict[str, int] = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)


async def measure(
    record: Configuration,
    counts: Counts,
    store: ConfigurationStore,
    reconciler: Reconciler,
) -> tuple[Metrics, Metrics]:
    """(systemMetrics, metrics) of one configuration."""
    return system_metrics(record, counts), await custom_metrics(record, store, reconciler)


def system_metrics(record: Configuration, counts: Counts) -> Metrics:
    def total(status: str | None = None, outcome: str | None = None) -> int:
        return sum(
            n
            for (s, o), n in counts.items()
            if (status is None or s == status) and (outcome is None or o == outcome)
        )

    where = record.target_condition.strip() or "false"
    applied = f"configurations.[[{record.id}]].status = 'Applied'"
    if record.content.kind == DEVICE:
        return Metrics(
            {"targetedCount": total(), "appliedCount": total(APPLIED)},
            {
                "targetedCount": _select("devices", where),
                "appliedCount": _select("devices", applied),
            },
        )
    agent = _select("devices.modules", f"moduleId='$edgeAgent' and {applied}")
    reported = (
        "properties.desired.$version = properties.reported.lastDesiredVersion and "
        "properties.reported.lastDesiredStatus.code"
    )
    return Metrics(
        {
            "targetedCount": total(),
            "appliedCount": total(APPLIED),
            "reportedSuccessfulCount": total(APPLIED, SUCCESS),
            "reportedFailedCount": total(APPLIED, FAILURE),
        },
        {
            "targetedCount": _select("devices", f"capabilities.iotEdge = true and ({where})"),
            "appliedCount": agent,
            "reportedSuccessfulCount": f"{agent} and {reported} = 200",
            "reportedFailedCount": f"{agent} and {reported} != 200",
        },
    )


def _select(source: str, condition: str) -> str:
    """Query text as Azure shows a metric's query; never run, and never SQL."""
    return f"select deviceId from {source} where {condition}"  # noqa: S608 (IoT Hub query text)


async def custom_metrics(
    record: Configuration, store: ConfigurationStore, reconciler: Reconciler
) -> Metrics:
    """Run each custom query now; one that fails is left out of `results` (and logged)."""
    results: dict[str, int] = {}
    for name, text in record.metric_queries.items():
        try:
            query = targeting.metric_query(name, text)
            states: dict[str, dict[str, list[str]]] = {}
            for configuration_id in targeting.referenced(query.where):
                by_status: dict[str, list[str]] = {}
                for device_id, state in (await store.statuses(configuration_id)).items():
                    by_status.setdefault(state.status, []).append(device_id)
                states[configuration_id] = by_status
            results[name] = await reconciler.count(targeting.counting(query, states))
        except HubError as error:
            log.warning("metric %s of %s cannot run: %s", name, record.id, error)
    return Metrics(results, dict(record.metric_queries))
