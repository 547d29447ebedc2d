"""Seed 000's JSON shapes for IoT Edge gateways and deployments: the Gateway request model
and the Gateway, GatewayListItem, ConfigListItem and C2Dresult renderers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import Field, field_validator

from fleethub.api.portal.wire import Body, rule, time_json
from fleethub.hub import ids
from fleethub.hub.configurations.service import ConfigurationView
from fleethub.hub.gateways import Gateway as GatewayRecord
from fleethub.hub.gateways import GatewayDraft, GatewayModule, GatewaySummary
from fleethub.hub.methods import MethodResult

JSON = dict[str, Any]


class GatewayModuleBody(Body):
    """GatewayModule, as a request body (POST .../{moduleId}/{methodName})."""

    moduleName: str | None = None
    version: str | None = None
    status: str | None = None
    environmentVariables: dict[str, str] | None = None
    moduleIdentityTwinSettings: dict[str, str] | None = None


class ConfigItem(Body):
    name: str | None = None
    dateCreation: datetime | None = None
    status: str | None = None


class Gateway(Body):
    deviceId: str = Field(min_length=1)
    symmetricKey: str | None = None
    connectionState: str | None = None
    scope: str | None = None
    endPoint: str | None = None
    type: str = Field(min_length=1)
    status: str | None = None
    runtimeResponse: str | None = None
    nbDevices: int = 0
    nbModules: int = 0
    environment: str | None = None
    lastDeployment: ConfigItem | None = None
    modules: list[GatewayModuleBody] | None = None

    @field_validator("deviceId")
    @classmethod
    def _device_id(cls, value: str) -> str:
        return rule(ids.check_device_id, value)

    def to_draft(self) -> GatewayDraft:
        return GatewayDraft(
            device_id=self.deviceId,
            type=self.type,
            environment=self.environment or None,
            enabled=(self.status or "").strip().lower() != "disabled",
        )


def module_json(module: GatewayModule) -> JSON:
    return {
        "moduleName": module.name,
        "version": module.version,
        "status": module.status,
        "environmentVariables": module.environment,
        "moduleIdentityTwinSettings": module.twin_settings,
    }


def gateway_list_item(summary: GatewaySummary) -> JSON:
    return {
        "deviceId": summary.device_id,
        "status": summary.status,
        "type": summary.type,
        "nbDevices": summary.devices,
    }


def gateway_json(gateway: GatewayRecord, end_point: str) -> JSON:
    deployment = gateway.last_deployment
    return {
        "deviceId": gateway.device_id,
        "symmetricKey": gateway.symmetric_key,
        "connectionState": gateway.connection_state,
        "scope": gateway.scope,
        "endPoint": end_point,
        "type": gateway.type,
        "status": gateway.status,
        "runtimeResponse": gateway.runtime_response,
        "nbDevices": gateway.devices,
        "nbModules": len(gateway.modules),
        "environment": gateway.environment,
        "lastDeployment": (
            {
                "name": deployment.name,
                "dateCreation": time_json(deployment.created_time),
                "status": deployment.status,
            }
            if deployment is not None
            else None
        ),
        "modules": [module_json(m) for m in gateway.modules],
    }


def config_list_item(view: ConfigurationView, modules: tuple[GatewayModule, ...]) -> JSON:
    """A metric the configuration does not have (success and failure for automatic device
    management) shows as -1, as the Portal shows it."""
    record, results = view.record, view.system.results
    return {
        "configurationID": record.id,
        "conditions": record.target_condition,
        "metricsTargeted": results.get("targetedCount", -1),
        "metricsApplied": results.get("appliedCount", -1),
        "metricsSuccess": results.get("reportedSuccessfulCount", -1),
        "metricsFailure": results.get("reportedFailedCount", -1),
        "priority": record.priority,
        "creationDate": time_json(record.created_time),
        "modules": [module_json(m) for m in modules],
    }


def c2d_result(result: MethodResult) -> JSON:
    """C2Dresult: the method's answer as JSON text, and its status."""
    payload = result.payload
    text = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    return {"payload": text, "status": result.status}
