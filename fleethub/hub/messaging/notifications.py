"""Twin change and device lifecycle notifications, appended to the telemetry log so the
Event Hub-compatible endpoint serves them as Azure's routes do (iothub-message-source
`twinChangeEvents` and `deviceLifecycleEvents`).

Azure only sends them to the built-in endpoint when a route asks for them, so each kind is
switched on by HubConfig.builtin_events. Bodies follow Azure's:
``{"version": 3, "properties": {"desired": {"fan": "on", "$version": 3}}}`` for a twin change,
the identity's twin skeleton for a lifecycle event.
"""

from __future__ import annotations

import json
from typing import Any

from fleethub.hub.clock import Clock, iso
from fleethub.hub.events import DesiredChanged, IdentitiesChanged, IdentityChanged
from fleethub.hub.messaging.message import D2CRecord, Message
from fleethub.hub.ports import TelemetryLog

TWIN_CHANGES = "twinChangeEvents"
LIFECYCLE = "deviceLifecycleEvents"
_OPERATIONS = {"created": "create", "deleted": "delete"}


class BuiltInEvents:
    def __init__(
        self, log: TelemetryLog, clock: Clock, kinds: frozenset[str], hub_name: str
    ) -> None:
        self._log = log
        self._clock = clock
        self.kinds = kinds
        self._hub_name = hub_name

    async def desired_changed(self, event: DesiredChanged) -> None:
        if TWIN_CHANGES not in self.kinds:
            return
        body = {"version": event.version, "properties": {"desired": event.patch}}
        await self._append(event.device_id, event.module_id, TWIN_CHANGES, body, "updateTwin")

    async def identities_changed(self, events: IdentitiesChanged) -> None:
        if LIFECYCLE in self.kinds:
            for event in events:
                await self._lifecycle(event)

    async def _lifecycle(self, event: IdentityChanged) -> None:
        operation = _OPERATIONS.get(event.change)
        if operation is None:
            return
        kind = "Module" if event.module_id else "Device"
        body: dict[str, Any] = {
            "deviceId": event.device_id,
            "version": 1,
            "properties": {"desired": {"$version": 1}, "reported": {"$version": 1}},
        }
        if event.module_id:
            body["moduleId"] = event.module_id
        await self._append(
            event.device_id, event.module_id, LIFECYCLE, body, f"{operation}{kind}Identity"
        )

    async def _append(
        self, device_id: str, module_id: str | None, source: str, body: Any, operation: str
    ) -> None:
        now = self._clock()
        schema = (
            "twinChangeNotification" if source == TWIN_CHANGES else ("deviceLifecycleNotification")
        )
        properties = {
            "hubName": self._hub_name,
            "deviceId": device_id,
            "operationTimestamp": iso(now),
            "iothub-message-schema": schema,
            "opType": operation,
        }
        if module_id:
            properties["moduleId"] = module_id
        message = Message(
            body=json.dumps(body, separators=(",", ":")).encode(),
            properties=properties,
            content_type="application/json",
            content_encoding="utf-8",
        )
        record = D2CRecord(device_id, module_id, now, message, "sas", source=source)
        await self._log.append(record)
