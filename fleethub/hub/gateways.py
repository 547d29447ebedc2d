"""IoT Edge gateways (the Portal's Gateways): edge devices of the one registry, with the
system modules IoT Hub gives every edge device, the modules their agent runs (from module
identities and `$edgeAgent`'s twin), the deployment applied to them, and the devices in their
scope (children set `deviceScope` to the gateway's scope).

Tags as the Portal writes them: `purpose` (the gateway's type) and `env`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from fleethub.hub import ids
from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.configurations.record import APPLIED, FAILURE, MODULES, SUCCESS, split
from fleethub.hub.configurations.service import Configurations
from fleethub.hub.errors import ArgumentInvalid, DeviceAlreadyExists, DeviceNotFound
from fleethub.hub.methods import MethodResult, Methods
from fleethub.hub.ports import IdentityStore
from fleethub.hub.query import Compare, Count, FieldPath, Literal, Projection, Query
from fleethub.hub.registry.device import Identity, IdentitySpec
from fleethub.hub.registry.service import Registry
from fleethub.hub.registry.specs import spec_of
from fleethub.hub.twins.patch import merge
from fleethub.hub.twins.scan import scan
from fleethub.hub.twins.service import TwinPatch, Twins

JSON = dict[str, Any]

EDGE_QUERY = "SELECT * FROM devices WHERE capabilities.iotEdge = true"
SYSTEM_MODULES = ("$edgeAgent", "$edgeHub")
_SCOPE = FieldPath(("deviceScope",))


@dataclass(frozen=True, slots=True)
class GatewayModule:
    name: str
    version: str | None = None
    status: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    twin_settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Deployment:
    name: str
    created_time: float
    status: str
    """Applied, then Success or Failure once the edge agent reports on it."""


@dataclass(frozen=True, slots=True)
class GatewaySummary:
    device_id: str
    status: str
    type: str | None
    devices: int


@dataclass(frozen=True, slots=True)
class Gateway:
    device_id: str
    symmetric_key: str | None
    connection_state: str
    scope: str | None
    type: str | None
    status: str
    runtime_response: str | None
    devices: int
    environment: str | None
    last_deployment: Deployment | None
    modules: tuple[GatewayModule, ...]


@dataclass(frozen=True, slots=True)
class GatewayDraft:
    device_id: str
    type: str
    environment: str | None = None
    enabled: bool = True


class Gateways:
    def __init__(
        self,
        registry: Registry,
        twins: Twins,
        identities: IdentityStore,
        methods: Methods,
        configurations: Configurations,
    ) -> None:
        self._registry = registry
        self._twins = twins
        self._identities = identities
        self._methods = methods
        self._configurations = configurations

    async def list(self, principal: Principal) -> list[GatewaySummary]:
        require(principal, Permission.REGISTRY_READ)
        edges = await scan(self._twins, principal, EDGE_QUERY)
        by_scope = await self._children(None)
        return [
            GatewaySummary(e.device_id, _status(e), _tag(e, "purpose"), _in_scope(e, by_scope))
            for e in edges
        ]

    async def get(self, principal: Principal, device_id: str) -> Gateway:
        edge = await self._existing(principal, device_id)
        modules = {m.module_id or "": m for m in await self._identities.list_modules(device_id)}
        agent = modules.get("$edgeAgent")
        runtime = (
            _path(agent.twin.reported, "systemModules", "edgeAgent", "runtimeStatus")
            if agent
            else None
        )
        return Gateway(
            device_id=device_id,
            symmetric_key=edge.auth.primary_key,
            connection_state=edge.connection_state,
            scope=edge.device_scope,
            type=_tag(edge, "purpose"),
            status=_status(edge),
            runtime_response=runtime if isinstance(runtime, str) else None,
            devices=_in_scope(edge, await self._children(edge.device_scope)),
            environment=_tag(edge, "env"),
            last_deployment=await self._deployment(device_id),
            modules=_modules(modules),
        )

    async def create(self, principal: Principal, draft: GatewayDraft) -> Gateway:
        """An IoT Edge device with SAS keys, its own scope, and `$edgeAgent`/`$edgeHub`."""
        require(principal, Permission.REGISTRY_WRITE)
        ids.check_device_id(draft.device_id)
        spec = IdentitySpec(status="enabled" if draft.enabled else "disabled", iot_edge=True)
        identity = self._registry.new_identity(draft.device_id, None, spec)
        # Azure's form for an edge device's scope: ms-azure-iot-edge://<id>-<generation id>.
        identity.device_scope = f"ms-azure-iot-edge://{draft.device_id}-{identity.generation_id}"
        identity.twin = self._twins.merged(identity.twin, TwinPatch(tags=_tags(draft)))
        if await self._registry.insert_many([identity]):
            raise DeviceAlreadyExists(f"A device with id '{draft.device_id}' already exists.")
        for module_id in SYSTEM_MODULES:
            await self._registry.put(principal, draft.device_id, module_id, IdentitySpec())
        return await self.get(principal, draft.device_id)

    async def update(self, principal: Principal, draft: GatewayDraft) -> Gateway:
        require(principal, Permission.REGISTRY_WRITE)
        edge = await self._existing(principal, draft.device_id)
        tags = {"purpose": draft.type, "env": draft.environment}
        await self._twins.patch(principal, draft.device_id, None, TwinPatch(tags=tags), None)
        status = "enabled" if draft.enabled else "disabled"
        if status != edge.status:
            spec = spec_of(edge, status)
            await self._registry.put(principal, draft.device_id, None, spec, edge.etag)
        return await self.get(principal, draft.device_id)

    async def delete(self, principal: Principal, device_id: str) -> None:
        require(principal, Permission.REGISTRY_WRITE)
        await self._existing(principal, device_id)
        await self._registry.delete(principal, device_id, None, None)

    async def connection_string(self, principal: Principal, device_id: str, host: str) -> str:
        """`HostName=<host>;DeviceId=<id>;SharedAccessKey=<primary key>` for the device."""
        require(principal, Permission.REGISTRY_READ)
        identity = await self._registry.find(device_id, None)
        if identity.auth.type != "sas" or not identity.auth.primary_key:
            raise ArgumentInvalid(f"The device '{device_id}' does not use symmetric keys.")
        return f"HostName={host};DeviceId={device_id};SharedAccessKey={identity.auth.primary_key}"

    async def invoke(
        self, principal: Principal, device_id: str, module_id: str, method: str, payload: Any
    ) -> MethodResult:
        """A direct method on one of the gateway's modules (404 offline, 504 no answer)."""
        return await self._methods.invoke(principal, device_id, module_id, method, payload)

    async def _existing(self, principal: Principal, device_id: str) -> Identity:
        identity = await self._registry.get(principal, device_id, None)
        if not identity.iot_edge:
            raise DeviceNotFound(f"The IoT Edge gateway '{device_id}' does not exist.")
        return identity

    async def _children(self, scope: str | None) -> dict[str, int]:
        """Device count per scope (for one scope when given)."""
        where = Compare("=", _SCOPE, Literal(scope)) if scope is not None else None
        query = Query(
            select=(Projection(_SCOPE), Count("n")),
            source="devices",
            where=where,
            group_by=(_SCOPE,),
        )
        page = await self._identities.query(query, 1000, None)
        return {str(r["deviceScope"]): int(r["n"]) for r in page.rows or [] if "deviceScope" in r}

    async def _deployment(self, device_id: str) -> Deployment | None:
        for record, state in await self._configurations.states_of(device_id):
            if record.content.kind == MODULES and state.status == APPLIED:
                verdict = {SUCCESS: "Success", FAILURE: "Failure"}.get(state.outcome or "", APPLIED)
                return Deployment(record.id, record.created_time, verdict)
        return None


def _in_scope(edge: Identity, by_scope: dict[str, int]) -> int:
    """Devices in the gateway's scope, not counting the gateway itself."""
    if not edge.device_scope:
        return 0
    return max(0, by_scope.get(edge.device_scope, 0) - 1)


def _tags(draft: GatewayDraft) -> JSON:
    tags = {"purpose": draft.type, "env": draft.environment}
    return {key: value for key, value in tags.items() if value is not None}


def _tag(identity: Identity, key: str) -> str | None:
    value = identity.twin.tags.get(key)
    return value if isinstance(value, str) else None


def _status(identity: Identity) -> str:
    """As .NET's DeviceStatus prints, which the Portal shows."""
    return "Enabled" if identity.status == "enabled" else "Disabled"


def _path(document: JSON, *keys: str) -> Any:
    node: Any = document
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _modules(modules: dict[str, Identity]) -> tuple[GatewayModule, ...]:
    """Custom modules: those with an identity and those the agent's twin names."""
    agent = modules.get("$edgeAgent")
    reported = _path(agent.twin.reported, "modules") if agent else None
    desired = _path(agent.twin.desired, "modules") if agent else None
    reported = reported if isinstance(reported, dict) else {}
    desired = desired if isinstance(desired, dict) else {}
    names = {m for m in modules if not m.startswith("$")} | set(reported) | set(desired)
    return tuple(
        _module(name, reported.get(name), desired.get(name), _desired(modules.get(name)))
        for name in sorted(names)
    )


def _desired(identity: Identity | None) -> JSON:
    return identity.twin.desired if identity is not None else {}


def _module(name: str, reported: Any, desired: Any, settings: JSON) -> GatewayModule:
    seen = reported if isinstance(reported, dict) else {}
    wanted = desired if isinstance(desired, dict) else {}
    env = seen.get("env") or wanted.get("env") or {}
    version = seen.get("version") or wanted.get("version")
    status = seen.get("runtimeStatus") or wanted.get("status")
    return GatewayModule(
        name=name,
        version=str(version) if version is not None else None,
        status=str(status) if status is not None else None,
        environment={
            key: str(value.get("value"))
            for key, value in (env.items() if isinstance(env, dict) else [])
            if isinstance(value, dict)
        },
        twin_settings={
            key: value if isinstance(value, str) else orjson.dumps(value).decode()
            for key, value in settings.items()
        },
    )


def deployment_modules(content_modules: dict[str, JSON]) -> tuple[GatewayModule, ...]:
    """The custom modules a deployment runs, from its `$edgeAgent` content, with each one's
    own desired properties as its twin settings."""
    agent = content_modules.get("$edgeAgent") or {}
    whole, patch = split(agent, "modulesContent.$edgeAgent")
    declared = _path(merge(whole or {}, patch), "modules")
    result = []
    for name, spec in sorted((declared if isinstance(declared, dict) else {}).items()):
        own_whole, own_patch = split(content_modules.get(name) or {}, f"modulesContent.{name}")
        result.append(_module(name, None, spec, merge(own_whole or {}, own_patch)))
    return tuple(result)
