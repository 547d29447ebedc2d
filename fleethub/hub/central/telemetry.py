"""IoT Central telemetry (seed 001 "Telemetry"): telemetry posted over REST on a device's
behalf, the latest value of one telemetry field, and the device's validation counts.

Posted telemetry goes through the same ingest as MQTT and HTTPS device traffic: it is checked
against the model, stored with its verdict, and counts as the device's D2C traffic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.errors import ArgumentInvalid, CapabilityNotFound, Forbidden
from fleethub.hub.messaging.message import D2CRecord, Message
from fleethub.hub.messaging.telemetry import Telemetry
from fleethub.hub.models.conformance import Conformance, ValidationCounts
from fleethub.hub.models.dtdl import Telemetry as TelemetryContent
from fleethub.hub.ports import RecentTelemetry
from fleethub.hub.registry.service import Registry

#: How far back a "latest value" read looks, in messages of that device.
LATEST_SCAN = 500


@dataclass(frozen=True, slots=True)
class TelemetryValue:
    value: Any
    time: float


class CentralTelemetry:
    def __init__(
        self,
        registry: Registry,
        telemetry: Telemetry,
        conformance: Conformance,
        recent: RecentTelemetry,
    ) -> None:
        self._registry = registry
        self._telemetry = telemetry
        self._conformance = conformance
        self._recent = recent

    async def send(self, principal: Principal, device_id: str, body: bytes) -> D2CRecord:
        """Ingest a JSON object as the device's telemetry; the record carries the verdict."""
        require(principal, Permission.SERVICE_CONNECT)
        identity = await self._registry.find(device_id, None)
        if identity.status != "enabled":
            raise Forbidden(f"The device '{device_id}' is disabled.")
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ArgumentInvalid("Telemetry must be a JSON object of telemetry name → value.")
        message = Message(body, content_type="application/json", content_encoding="utf-8")
        return await self._telemetry.ingest(device_id, None, message, "apiToken")

    async def latest(self, principal: Principal, device_id: str, name: str) -> TelemetryValue:
        """The newest value of `name` the device sent that conforms to its model."""
        require(principal, Permission.REGISTRY_READ)
        await self._registry.find(device_id, None)
        validator = await self._conformance.validator_of(device_id)
        if validator is not None and not isinstance(
            validator.interface.content(name), TelemetryContent
        ):
            raise CapabilityNotFound(f"The device's template has no telemetry '{name[:200]}'.")
        for message in await self._recent.recent(device_id, LATEST_SCAN):
            encoding = (message.content_encoding or "utf-8").lower()
            if message.component is not None or encoding not in ("utf-8", "utf8"):
                continue
            try:
                body = orjson.loads(message.body)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(body, dict) or name not in body:
                continue
            if validator is None or validator.telemetry({name: body[name]}).ok:
                return TelemetryValue(body[name], message.enqueued_time)
        raise CapabilityNotFound(f"The device has sent no valid '{name[:200]}' value yet.")

    async def validation(self, principal: Principal, device_id: str) -> ValidationCounts:
        require(principal, Permission.REGISTRY_READ)
        await self._registry.find(device_id, None)
        return self._conformance.counts(device_id)
