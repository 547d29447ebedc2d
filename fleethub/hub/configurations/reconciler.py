"""Applies configurations to twins: for each device, the highest-ranked configuration of each
kind that targets it wins; its content is written into the device twin's desired properties
(`deviceContent`) or its modules' (`modulesContent`, IoT Edge deployments), and every
targeting configuration records where it stands on the device (Targeted / Applied, and for
deployments the IoT Edge agent's reported verdict).

A write happens only when the twin lacks the content, so a pass over a settled fleet writes
nothing but states. Properties a configuration set stay when it stops applying, as in Azure.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.configurations import targeting
from fleethub.hub.configurations.record import (
    APPLIED,
    DEVICE,
    MODULES,
    TARGETED,
    Configuration,
    Content,
    DeviceStatus,
    module_patches,
    outcome_of,
)
from fleethub.hub.errors import HubError
from fleethub.hub.ports import ConfigurationStore, IdentityStore
from fleethub.hub.query import Query
from fleethub.hub.registry.device import Identity, IdentitySpec
from fleethub.hub.registry.service import Registry
from fleethub.hub.twins import patch as rules
from fleethub.hub.twins.service import TwinPatch, Twins

log = logging.getLogger(__name__)

EDGE_AGENT, EDGE_HUB = "$edgeAgent", "$edgeHub"
#: IoT Hub creates these module identities with every IoT Edge device.
SYSTEM_MODULES = (EDGE_AGENT, EDGE_HUB)
_PAGE = 1000


class Reconciler:
    def __init__(
        self,
        store: ConfigurationStore,
        identities: IdentityStore,
        registry: Registry,
        twins: Twins,
    ) -> None:
        self._store = store
        self._identities = identities
        self._registry = registry
        self._twins = twins

    async def run_all(self) -> bool:
        """One pass over every configuration and every device any of them targets; False
        when there is no configuration at all."""
        configurations = await self._store.list()
        matching: dict[str, list[Configuration]] = {}
        for configuration in configurations:
            for device_id in await self._targets(configuration, None):
                matching.setdefault(device_id, []).append(configuration)
        states: dict[str, dict[str, DeviceStatus]] = {c.id: {} for c in configurations}
        for device_id, found in matching.items():
            for configuration_id, status in (await self.settle(device_id, found)).items():
                states[configuration_id][device_id] = status
        for configuration_id, by_device in states.items():
            await self._store.set_statuses(configuration_id, by_device)
        return bool(configurations)

    async def run_device(self, device_id: str) -> None:
        """Re-target and settle one device (its tags or identity changed)."""
        found = []
        for configuration in await self._store.list():
            if await self._targets(configuration, device_id):
                found.append(configuration)
        await self._store.set_device_statuses(device_id, await self.settle(device_id, found))

    async def settle(
        self, device_id: str, found: Sequence[Configuration]
    ) -> dict[str, DeviceStatus]:
        """Apply the winner of each kind to the device; the state of every configuration."""
        states: dict[str, DeviceStatus] = {}
        for kind in (DEVICE, MODULES):
            contenders = [c for c in found if c.content.kind == kind]
            if not contenders:
                continue
            winner = max(contenders, key=lambda c: c.rank)
            try:
                state = await self._apply(device_id, winner.content)
            except HubError as error:
                log.warning("configuration %s not applied to %s: %s", winner.id, device_id, error)
                state = DeviceStatus(TARGETED)
            for configuration in contenders:
                states[configuration.id] = (
                    state if configuration is winner else DeviceStatus(TARGETED)
                )
        return states

    async def apply_modules(self, device_id: str, modules: dict[str, dict[str, object]]) -> None:
        """Write modules content straight to an IoT Edge device (applyConfigurationContent)."""
        await self._apply(device_id, Content(modules=modules))

    async def _apply(self, device_id: str, content: Content) -> DeviceStatus:
        if content.kind == DEVICE:
            identity = await self._registry.find(device_id, None)
            await self._write(identity, None, content.device_patch())
            return DeviceStatus(APPLIED)
        modules = await self._edge_modules(device_id)
        for module_id, section in content.modules.items():
            module = modules.get(module_id)
            if module is None:
                continue  # a custom module's twin gets its content once the agent creates it
            await self._write(module, *module_patches(section, module_id))
        agent = await self._registry.find(device_id, EDGE_AGENT)  # its twin after the writes
        return DeviceStatus(APPLIED, outcome_of(agent.twin.desired_version, agent.twin.reported))

    async def _edge_modules(self, device_id: str) -> dict[str, Identity]:
        modules = {m.module_id or "": m for m in await self._identities.list_modules(device_id)}
        for module_id in SYSTEM_MODULES:
            if module_id not in modules:
                result = await self._registry.put(SYSTEM, device_id, module_id, IdentitySpec())
                modules[module_id] = result.identity
        return modules

    async def _write(
        self, identity: Identity, whole: dict[str, object] | None, patch: dict[str, object]
    ) -> None:
        twin, module_id = identity.twin, identity.module_id
        if whole is not None:
            wanted = rules.merge(whole, patch)
            if twin.desired != wanted:
                change = TwinPatch(tags=twin.tags, desired=wanted)
                await self._twins.replace(SYSTEM, identity.device_id, module_id, change, twin.etag)
            return
        if patch and rules.merge(twin.desired, patch) != twin.desired:
            change = TwinPatch(desired=patch)
            await self._twins.patch(SYSTEM, identity.device_id, module_id, change, None)

    async def _targets(self, configuration: Configuration, device_id: str | None) -> list[str]:
        try:
            query = targeting.target_query(configuration, device_id)
        except HubError as error:  # stored before a rule tightened: skip rather than stop
            log.warning("configuration %s has an unusable target: %s", configuration.id, error)
            return []
        return await self.device_ids(query)

    async def device_ids(self, query: Query) -> list[str]:
        found: list[str] = []
        continuation: str | None = None
        while True:
            page = await self._identities.query(query, _PAGE, continuation)
            found += [str(row["deviceId"]) for row in page.rows or []]
            continuation = page.continuation
            if continuation is None:
                return found

    async def count(self, query: Query) -> int:
        """The single number of a `SELECT COUNT() AS n` query."""
        page = await self._identities.query(query, 1, None)
        rows = page.rows or [{}]
        return int(rows[0].get("n", 0))
