"""The IoT Central application: what `GET /api/apps/app` describes, and its services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from fleethub.hub.central.commands import Commands
from fleethub.hub.central.devices import CentralDevices
from fleethub.hub.central.properties import DeviceProperties
from fleethub.hub.central.telemetry import CentralTelemetry
from fleethub.hub.clock import Clock
from fleethub.hub.messaging.telemetry import Telemetry
from fleethub.hub.methods import Methods
from fleethub.hub.models.conformance import Conformance
from fleethub.hub.ports import (
    CommandLog,
    DeviceProfileStore,
    IdentityStore,
    RecentTelemetry,
)
from fleethub.hub.registry.service import Registry
from fleethub.hub.twins.service import Twins


@dataclass(frozen=True, slots=True)
class Application:
    """Fixed at `fleethub init` (hub.json) so every node and restart answers the same."""

    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    display_name: str = "fleethub"
    created_time: float = 0.0
    template: str = "iotc-pnp-preview"
    """IoT Central's id for a custom application template."""
    location: str = "self-hosted"


@dataclass(frozen=True, slots=True)
class CentralApp:
    info: Application
    devices: CentralDevices
    properties: DeviceProperties
    commands: Commands
    telemetry: CentralTelemetry

    @classmethod
    def assemble(
        cls,
        info: Application,
        parts: CentralParts,
    ) -> CentralApp:
        """Wire the Central services onto the hub's own (called by Hub.__init__)."""
        p = parts
        devices = CentralDevices(p.registry, p.identities, p.profiles, p.commands, p.conformance)
        p.registry.changed.add(devices.identities_changed)
        return cls(
            info=info,
            devices=devices,
            properties=DeviceProperties(p.registry, p.twins, p.conformance, p.profiles, p.clock),
            commands=Commands(p.registry, p.methods, p.conformance, p.commands, p.clock),
            telemetry=CentralTelemetry(p.registry, p.telemetry, p.conformance, p.recent),
        )


@dataclass(frozen=True, slots=True)
class CentralParts:
    """The hub services and stores the Central services are built on."""

    registry: Registry
    twins: Twins
    methods: Methods
    telemetry: Telemetry
    conformance: Conformance
    identities: IdentityStore
    profiles: DeviceProfileStore
    commands: CommandLog
    recent: RecentTelemetry
    clock: Clock
