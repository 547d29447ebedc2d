"""Azure's Configuration, ConfigurationContent, ConfigurationMetrics and the testQueries
shapes (wire spec §6.4, configuration_py3.py): request models and renderers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from fleethub.hub.clock import iso
from fleethub.hub.configurations import record
from fleethub.hub.configurations.metrics import Metrics
from fleethub.hub.configurations.service import ConfigurationView
from fleethub.hub.errors import ArgumentInvalid

JSON = dict[str, Any]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ConfigurationContent(_Model):
    deviceContent: dict[str, Any] | None = None
    modulesContent: dict[str, dict[str, Any]] | None = None
    moduleContent: dict[str, Any] | None = None

    def to_domain(self) -> record.Content:
        if self.moduleContent:
            raise ArgumentInvalid(
                "moduleContent (configurations of module twins) is not supported; use "
                "deviceContent or modulesContent."
            )
        return record.Content(device=self.deviceContent or {}, modules=self.modulesContent or {})


class ConfigurationMetrics(_Model):
    results: dict[str, int] | None = None
    queries: dict[str, str] | None = None


class Configuration(_Model):
    """Server-set fields (times, systemMetrics, results, etag) are ignored when sent."""

    id: str | None = None
    schemaVersion: str | None = None
    labels: dict[str, str] | None = None
    content: ConfigurationContent | None = None
    targetCondition: str | None = None
    createdTimeUtc: datetime | None = None
    lastUpdatedTimeUtc: datetime | None = None
    priority: int | None = None
    systemMetrics: ConfigurationMetrics | None = None
    metrics: ConfigurationMetrics | None = None
    etag: str | None = None

    def to_domain(self, configuration_id: str) -> record.Configuration:
        if self.id is not None and self.id != configuration_id:
            raise ArgumentInvalid("The body's id does not match the configuration id in the path.")
        return record.Configuration(
            id=configuration_id,
            content=(self.content or ConfigurationContent()).to_domain(),
            target_condition=self.targetCondition or "",
            priority=self.priority or 0,
            labels=self.labels or {},
            metric_queries=(self.metrics.queries or {}) if self.metrics else {},
            schema_version=self.schemaVersion or "1.0",
        )


class ConfigurationQueriesTestInput(_Model):
    targetCondition: str | None = None
    customMetricQueries: dict[str, str] | None = None


def _metrics(metrics: Metrics) -> JSON:
    return {"results": metrics.results, "queries": metrics.queries}


def configuration_json(view: ConfigurationView) -> JSON:
    c = view.record
    return {
        "id": c.id,
        "schemaVersion": c.schema_version,
        "labels": c.labels,
        "content": {
            "deviceContent": c.content.device,
            "modulesContent": c.content.modules,
            "moduleContent": {},
        },
        "targetCondition": c.target_condition,
        "createdTimeUtc": iso(c.created_time),
        "lastUpdatedTimeUtc": iso(c.updated_time),
        "priority": c.priority,
        "systemMetrics": _metrics(view.system),
        "metrics": _metrics(view.custom),
        "etag": c.etag,
    }
