"""The Hub: holds the domain services every face receives, and wires their events.

No rules live here; each service owns its own. `app.py` builds the adapters and passes them in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from fleethub.hub import presence
from fleethub.hub.auth.policies import Policy
from fleethub.hub.auth.service import HubNames, ServiceTokens
from fleethub.hub.auth.tokens import ApiTokens
from fleethub.hub.central.application import Application, CentralApp, CentralParts
from fleethub.hub.clock import Clock
from fleethub.hub.configurations.service import Configurations
from fleethub.hub.connections import Connections
from fleethub.hub.events import DesiredChanged, IdentitiesChanged
from fleethub.hub.gateways import Gateways
from fleethub.hub.jobs.service import JobAdapters, Jobs
from fleethub.hub.lorawan.concentrators import Concentrators
from fleethub.hub.lorawan.devices import LoraDevices
from fleethub.hub.lorawan.models import LoraModels
from fleethub.hub.messaging.c2d import C2DLimits, CloudToDevice
from fleethub.hub.messaging.consumer_groups import ConsumerGroups
from fleethub.hub.messaging.notifications import BuiltInEvents
from fleethub.hub.messaging.telemetry import Telemetry
from fleethub.hub.methods import Methods
from fleethub.hub.models.catalogue import Catalogue
from fleethub.hub.models.conformance import Conformance
from fleethub.hub.ports import (
    ApiTokenStore,
    AvatarStore,
    Bus,
    BusMessage,
    C2DQueue,
    CommandLog,
    ConfigurationStore,
    ConsumerGroupStore,
    DeviceProfileStore,
    FeedbackStore,
    IdentityStore,
    ModelStore,
    RecentTelemetry,
    TelemetryLog,
)
from fleethub.hub.registry.service import Registry
from fleethub.hub.twins.service import Twins

log = logging.getLogger(__name__)

#: Housekeeping rounds between two sweeps of states a dead node left (hub/presence.py).
SWEEP_EVERY = 6


@dataclass(frozen=True, slots=True)
class HubConfig:
    """Plain values the services need (app.py derives them from Settings)."""

    names: HubNames
    policies: dict[str, Policy]
    c2d: C2DLimits = field(default_factory=C2DLimits)
    application: Application = field(default_factory=Application)
    #: Names this node in job leases; stable across restarts so a restarted node takes its
    #: unfinished jobs back at once (app.py derives it from the host name and data dir).
    node_id: str = "local"
    #: Notifications also served by the Event Hub-compatible endpoint (like Azure routes):
    #: "twinChangeEvents", "deviceLifecycleEvents"; and the hub name they carry.
    builtin_events: frozenset[str] = frozenset()
    hub_name: str = "fleethub"
    #: The built-in endpoint's consumer groups from the settings (besides `$Default` and the
    #: stored ones), and how long telemetry is kept: housekeeping prunes older records.
    consumer_groups: frozenset[str] = frozenset()
    retention_seconds: float = 86400.0


@dataclass(frozen=True, slots=True)
class HubStores:
    identities: IdentityStore
    telemetry: TelemetryLog
    c2d: C2DQueue
    feedback: FeedbackStore
    models: ModelStore
    api_tokens: ApiTokenStore
    profiles: DeviceProfileStore
    commands: CommandLog
    recent: RecentTelemetry
    #: IoT Hub configurations and model pictures (the Portal API, #5).
    configurations: ConfigurationStore
    avatars: AvatarStore
    #: Job stores and outbound adapters; None only where jobs are never run.
    jobs: JobAdapters | None = None
    #: Consumer groups created through the API (#8); None: only `$Default` and the settings'.
    consumer_groups: ConsumerGroupStore | None = None


class Hub:
    def __init__(self, config: HubConfig, stores: HubStores, clock: Clock, bus: Bus) -> None:
        self.config = config
        self.clock = clock
        #: Service SAS tokens already verified (the REST faces' per-request check).
        self.service_tokens = ServiceTokens()
        self.registry = Registry(stores.identities, clock)
        self.twins = Twins(stores.identities, clock)
        self.jobs = Jobs(stores.jobs, clock, config.node_id)
        self.bus = bus
        self.connections = Connections(self.registry.set_connection, bus)
        self.methods = Methods(self.registry, self.connections)
        self.telemetry = Telemetry(stores.telemetry, stores.identities, clock)
        self.consumer_groups = ConsumerGroups(stores.consumer_groups, clock, config.consumer_groups)
        self.c2d = CloudToDevice(
            stores.c2d, stores.feedback, self.registry, self.connections, clock, config.c2d
        )
        self.models = Catalogue(stores.models, clock)
        self.conformance = Conformance(self.models, stores.identities, clock)
        self.telemetry.verdict = self.conformance.verdict
        self.telemetry.cached_verdict = self.conformance.cached_verdict
        self.registry.changed.add(self.conformance.identities_changed)
        self.api_tokens = ApiTokens(stores.api_tokens, clock, config.application.id)
        parts = CentralParts(
            self.registry,
            self.twins,
            self.methods,
            self.telemetry,
            self.conformance,
            stores.identities,
            stores.profiles,
            stores.commands,
            stores.recent,
            clock,
        )
        self.central = CentralApp.assemble(config.application, parts)
        self.configurations = Configurations(
            stores.configurations, stores.identities, self.registry, self.twins, clock
        )
        self.twins.tags_changed.add(self.configurations.tags_changed)
        self.twins.reported_changed.add(self.configurations.reported_changed)
        self.registry.changed.add(self.configurations.identities_changed)
        self.lora_models = LoraModels(self.models, stores.avatars, clock)
        self.lora_devices = LoraDevices(
            self.registry,
            self.twins,
            stores.identities,
            self.lora_models,
            self.c2d,
            self.conformance,
        )
        self.concentrators = Concentrators(self.registry, self.twins)
        self.gateways = Gateways(
            self.registry, self.twins, stores.identities, self.methods, self.configurations
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self.twins.desired_changed.add(self._tell_desired)
        self.builtin_events = BuiltInEvents(
            stores.telemetry, clock, config.builtin_events, config.hub_name
        )
        self.twins.desired_changed.add(self.builtin_events.desired_changed)
        self.registry.changed.add(self.builtin_events.identities_changed)
        self.registry.changed.add(self._identities_changed)

    async def _tell_desired(self, event: DesiredChanged) -> None:
        await self.connections.send_desired(event.device_id, event.module_id, event.patch)

    async def _identities_changed(self, events: IdentitiesChanged) -> None:
        for event in events:
            if event.change == "deleted" or not event.enabled:
                reason = f"identity {event.change}"
                await self.connections.close(event.device_id, event.module_id, reason)

    async def join(self) -> None:
        """Connect to the bus and answer the other nodes of a cluster (app.py, at start)."""
        self.configurations.worker.lease = lambda: self.bus.lease("configurations")
        await self.bus.start(self.connections.on_broadcast, self._on_request)

    async def _on_request(self, message: BusMessage) -> BusMessage:
        if message.get("kind") == "method":
            return await self.methods.answer(message)
        return {"error": "ArgumentInvalid", "message": f"unknown request {message.get('kind')!r}"}

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run background work that nobody awaits; failures are logged, never lost."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    async def run_housekeeping(self, interval: float = 5.0) -> None:
        """Expire C2D messages, flush activity times, prune telemetry past the retention and
        reload the consumer groups, forever (started by app.py)."""
        rounds = 0
        while True:
            await asyncio.sleep(interval)
            rounds += 1
            try:
                if rounds % SWEEP_EVERY == 1:
                    await presence.sweep(self.registry, self.connections)
                await self.c2d.expire()
                await self.telemetry.record_activity()
                await self.telemetry.prune(self.config.retention_seconds)
                await self.consumer_groups.refresh()
            except Exception:
                log.exception("housekeeping failed; retrying")

    async def close(self) -> None:
        await self.configurations.worker.close()
        await self.central.commands.close()
        await self.connections.drain()
        await self.bus.close()
        await self.registry.close()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
