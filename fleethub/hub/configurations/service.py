"""Create, read, update and delete configurations under Azure's rules; test their queries;
apply modules content to one IoT Edge device; keep the reconciler running as things change.

Azure's rules: ids are lower case; content cannot change once created (labels, priority,
targetCondition and metrics can); an existing id without If-Match is a conflict; If-Match
arrives unquoted from the SDK's configuration manager (wire spec §6.2).
"""

from __future__ import annotations

import builtins
import dataclasses
from dataclasses import dataclass

from fleethub.hub import ids
from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.clock import Clock
from fleethub.hub.configurations import targeting
from fleethub.hub.configurations.metrics import Metrics, measure
from fleethub.hub.configurations.reconciler import Reconciler
from fleethub.hub.configurations.record import (
    Configuration,
    Content,
    DeviceStatus,
    check,
    check_content,
    check_id,
)
from fleethub.hub.configurations.worker import Worker
from fleethub.hub.errors import (
    ArgumentInvalid,
    ConfigurationAlreadyExists,
    ConfigurationNotFound,
    HubError,
    PreconditionFailed,
)
from fleethub.hub.events import IdentitiesChanged, TwinChanged
from fleethub.hub.ports import ConfigurationStore, IdentityStore
from fleethub.hub.registry.service import Registry
from fleethub.hub.twins.service import Twins

#: Azure's limit per hub (automatic device management and deployments together).
MAX_CONFIGURATIONS = 100
MAX_TOP = 100


@dataclass(frozen=True, slots=True)
class ConfigurationView:
    """A configuration with its live metrics, as the APIs show it."""

    record: Configuration
    system: Metrics
    custom: Metrics


class Configurations:
    def __init__(
        self,
        store: ConfigurationStore,
        identities: IdentityStore,
        registry: Registry,
        twins: Twins,
        clock: Clock,
    ) -> None:
        self._store = store
        self._registry = registry
        self._clock = clock
        self.reconciler = Reconciler(store, identities, registry, twins)
        self.worker = Worker(self.reconciler)

    async def get(self, principal: Principal, configuration_id: str) -> ConfigurationView:
        require(principal, Permission.REGISTRY_READ)
        return (await self._views([await self._existing(configuration_id)]))[0]

    async def list(self, principal: Principal, top: int | None = None) -> list[ConfigurationView]:
        require(principal, Permission.REGISTRY_READ)
        if top is not None and not 1 <= top <= MAX_TOP:
            raise ArgumentInvalid(f"top must be between 1 and {MAX_TOP}.")
        records = await self._store.list()
        return await self._views(records[: top or MAX_TOP])

    async def put(
        self, principal: Principal, draft: Configuration, if_match: str | None
    ) -> tuple[ConfigurationView, bool]:
        """Create (no If-Match) or update (If-Match `*` or the current etag)."""
        require(principal, Permission.REGISTRY_WRITE)
        check(draft)
        targeting.condition(draft.target_condition)
        for name, text in draft.metric_queries.items():
            targeting.metric_query(name, text)
        match = ids.normalize_if_match(if_match)
        existing = await self._store.get(draft.id)
        if existing is None:
            record = await self._create(draft, match)
            created = True
        else:
            record = await self._update(existing, draft, match)
            created = False
        self.worker.active = True
        self.worker.request_all()
        return (await self._views([record]))[0], created

    async def _create(self, draft: Configuration, match: str | None) -> Configuration:
        if match not in (None, "*"):
            raise PreconditionFailed("The configuration does not exist, so no ETag can match.")
        if len(await self._store.list()) >= MAX_CONFIGURATIONS:
            raise ArgumentInvalid(f"A hub holds at most {MAX_CONFIGURATIONS} configurations.")
        now = self._clock()
        record = dataclasses.replace(draft, created_time=now, updated_time=now, etag_seq=1)
        if not await self._store.insert(record):
            raise ConfigurationAlreadyExists(f"The configuration '{draft.id}' already exists.")
        return record

    async def _update(
        self, existing: Configuration, draft: Configuration, match: str | None
    ) -> Configuration:
        if match is None:
            raise ConfigurationAlreadyExists(
                f"The configuration '{draft.id}' already exists; send If-Match to update it."
            )
        if match != "*" and match != existing.etag:
            raise PreconditionFailed(f"The ETag '{match}' does not match '{existing.etag}'.")
        if draft.content != existing.content:
            raise ArgumentInvalid(
                "A configuration's content cannot be changed; create a new configuration."
            )
        record = dataclasses.replace(
            draft,
            created_time=existing.created_time,
            updated_time=self._clock(),
            etag_seq=existing.etag_seq + 1,
        )
        if not await self._store.replace(record, existing.etag_seq):
            raise PreconditionFailed("The configuration changed while it was being updated.")
        return record

    async def delete(
        self, principal: Principal, configuration_id: str, if_match: str | None
    ) -> None:
        require(principal, Permission.REGISTRY_WRITE)
        existing = await self._existing(configuration_id)
        match = ids.normalize_if_match(if_match)
        if match not in (None, "*") and match != existing.etag:
            raise PreconditionFailed(f"The ETag '{match}' does not match '{existing.etag}'.")
        await self._store.delete(configuration_id)
        self.worker.request_all()

    async def test_queries(
        self, principal: Principal, target_condition: str | None, metrics: dict[str, str]
    ) -> tuple[str, dict[str, str]]:
        """(targetConditionError, customMetricQueryErrors): "" where a query is fine."""
        require(principal, Permission.REGISTRY_READ)
        target_error = ""
        try:
            targeting.condition(target_condition or "")
        except HubError as error:
            target_error = error.message
        errors: dict[str, str] = {}
        for name, text in metrics.items():
            try:
                targeting.metric_query(name, text)
            except HubError as error:
                errors[name] = error.message
        return target_error, errors

    async def apply_to_edge_device(
        self, principal: Principal, device_id: str, content: Content
    ) -> None:
        """Write modules content to one IoT Edge device's module twins now (Azure answers 204).
        A deployment targeting the device later takes its place, as in Azure."""
        require(principal, Permission.REGISTRY_WRITE)
        identity = await self._registry.find(device_id, None)
        if not identity.iot_edge:
            raise ArgumentInvalid(f"The device '{device_id}' is not an IoT Edge device.")
        if not content.modules or content.device:
            raise ArgumentInvalid("applyConfigurationContent takes modulesContent only.")
        check_content(content)
        await self.reconciler.apply_modules(device_id, content.modules)

    async def states_of(self, device_id: str) -> builtins.list[tuple[Configuration, DeviceStatus]]:
        """The configurations that target a device and where each stands (hub-internal)."""
        states = await self._store.device_statuses(device_id)
        records = [await self._store.get(configuration_id) for configuration_id in states]
        return [(r, states[r.id]) for r in records if r is not None]

    async def _existing(self, configuration_id: str) -> Configuration:
        check_id(configuration_id)
        record = await self._store.get(configuration_id)
        if record is None:
            raise ConfigurationNotFound(f"The configuration '{configuration_id}' does not exist.")
        return record

    async def _views(
        self, records: builtins.list[Configuration]
    ) -> builtins.list[ConfigurationView]:
        counts = await self._store.counts()
        views = []
        for record in records:
            system, custom = await measure(
                record, counts.get(record.id, {}), self._store, self.reconciler
            )
            views.append(ConfigurationView(record, system, custom))
        return views

    # -- what sets the reconciler off ------------------------------------------------------

    async def tags_changed(self, event: TwinChanged) -> None:
        if event.module_id is None:
            self.worker.request_device(event.device_id)

    async def reported_changed(self, event: TwinChanged) -> None:
        """The IoT Edge agent reports on its deployment: refresh the device's outcome."""
        if event.module_id == "$edgeAgent":
            self.worker.request_device(event.device_id)

    async def identities_changed(self, events: IdentitiesChanged) -> None:
        for event in events:
            if event.module_id is None or event.change == "created":
                self.worker.request_device(event.device_id)
