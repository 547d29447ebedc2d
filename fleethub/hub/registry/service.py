"""Create, replace and delete identities under Azure's If-Match rules; bulk operations.

PUT/DELETE preconditions follow seed 002's ETag table where the Azure SDK agrees with it:
a create answers 200 (the SDK accepts nothing else), an existing id without If-Match is a
409 DeviceAlreadyExists (IoT Hub's data plane), and DELETE of an absent identity is a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets
from dataclasses import dataclass
from datetime import datetime

from fleethub.hub import ids
from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.clock import Clock, utc
from fleethub.hub.errors import (
    DeviceAlreadyExists,
    DeviceNotFound,
    HubError,
    ModuleAlreadyExists,
    ModuleNotFound,
    PreconditionFailed,
)
from fleethub.hub.events import ConnectionChanged, IdentitiesChanged, IdentityChanged, Listeners
from fleethub.hub.ports import IdentityStore, RegistryCounts
from fleethub.hub.registry.credentials import CredentialCache
from fleethub.hub.registry.device import Identity, IdentitySpec, check_status, checked_auth

MAX_TOP = 1000


@dataclass(frozen=True, slots=True)
class PutResult:
    identity: Identity
    created: bool


#: Random bytes a new identity may need: two 32-byte keys and an 8-byte generation id.
_RANDOM_BYTES = 72


@dataclass(frozen=True, slots=True)
class NewIdentities:
    """What the identities of one bulk create share: their creation time, and one buffer of
    random bytes for their keys and generation ids (one call to the OS per request rather
    than three per identity)."""

    now: datetime
    random: ids.RandomBytes


class Registry:
    def __init__(self, store: IdentityStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self.changed: Listeners[IdentitiesChanged] = Listeners()
        #: Connection changes as this node records them (the portal's recent events).
        self.connection_changed: Listeners[ConnectionChanged] = Listeners()
        self._states: dict[tuple[str, str | None], tuple[str, datetime]] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()
        self._cache: CredentialCache | None = None

    def cache_credentials(self, limit: int = 50_000) -> None:
        """Serve `credentials` from memory (credentials.py). Only for a node that makes every
        identity write itself (`app.py`: the local bus); a cluster must not call this."""
        self._cache = CredentialCache(limit)

    def forget_cached(self, device_id: str, module_id: str | None) -> None:
        """For code that writes an identity through the store rather than the registry
        (a model id set by IoT Central or the Portal): the next connect reads it afresh."""
        if self._cache is not None:
            self._cache.forget(device_id, module_id)

    async def get(self, principal: Principal, device_id: str, module_id: str | None) -> Identity:
        require(principal, Permission.REGISTRY_READ, Permission.SERVICE_CONNECT)
        return await self.find(device_id, module_id)

    async def find(self, device_id: str, module_id: str | None) -> Identity:
        """The identity, without a permission check (for the hub's own use)."""
        identity = await self._store.get(device_id, module_id)
        if identity is None:
            raise not_found(device_id, module_id)
        return identity

    async def lookup(self, device_id: str, module_id: str | None) -> Identity | None:
        return await self._store.get(device_id, module_id)

    async def credentials(self, device_id: str, module_id: str | None) -> Identity | None:
        """`lookup` for authenticating a connect: ids, status, `auth` and `model_id` are
        current, the rest (twin, connection state) may not be; cached when enabled."""
        cache = self._cache
        if cache is None:
            return await self._store.get(device_id, module_id)
        found = cache.get(device_id, module_id)
        if found is not None:
            return found
        epoch = cache.epoch
        identity = await self._store.get(device_id, module_id)
        if identity is not None:
            cache.put(identity, epoch)
        return identity

    async def insert_many(self, identities: list[Identity]) -> list[Identity]:
        """Store new identities in one transaction; return those whose id already existed."""
        epoch = self._cache.epoch if self._cache is not None else 0
        taken = set(await self._store.create_many(identities))
        duplicates: list[Identity] = []
        created: list[IdentityChanged] = []
        for identity in identities:
            if (identity.device_id, identity.module_id) in taken:
                duplicates.append(identity)
                continue
            if self._cache is not None:
                self._cache.put(identity, epoch)  # new devices tend to connect next
            enabled = identity.status == "enabled"
            created.append(
                IdentityChanged(identity.device_id, identity.module_id, "created", enabled)
            )
        if created:
            await self.changed.emit(created)
        return duplicates

    async def list_devices(self, principal: Principal, top: int | None) -> list[Identity]:
        require(principal, Permission.REGISTRY_READ)
        return await self._store.list_devices(min(top or MAX_TOP, MAX_TOP))

    async def list_modules(self, principal: Principal, device_id: str) -> list[Identity]:
        require(principal, Permission.REGISTRY_READ)
        await self.find(device_id, None)
        return await self._store.list_modules(device_id)

    async def put(
        self,
        principal: Principal,
        device_id: str,
        module_id: str | None,
        spec: IdentitySpec,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> PutResult:
        require(principal, Permission.REGISTRY_WRITE)
        ids.check_device_id(device_id)
        if module_id is not None:
            ids.check_module_id(module_id)
        match, none_match = ids.normalize_if_match(if_match), ids.normalize_if_match(if_none_match)
        existing = await self._store.get(device_id, module_id)
        if existing is None:
            if match is not None:
                raise PreconditionFailed("The identity does not exist, so no ETag can match.")
            identity = await self._create(device_id, module_id, spec)
            return PutResult(identity, created=True)
        if none_match == "*":
            raise PreconditionFailed("The identity exists and If-None-Match is '*'.")
        if match is None:
            raise already_exists(device_id, module_id)
        if match != "*" and match != existing.etag:
            raise PreconditionFailed(f"The ETag '{match}' does not match '{existing.etag}'.")
        updated = self._updated(existing, spec)
        try:
            if not await self._store.update(updated, existing.etag_seq):
                raise PreconditionFailed("The identity changed while it was being updated.")
        finally:
            self.forget_cached(device_id, module_id)
        await self.changed.emit(
            [IdentityChanged(device_id, module_id, "updated", updated.status == "enabled")]
        )
        return PutResult(updated, created=False)

    async def _create(self, device_id: str, module_id: str | None, spec: IdentitySpec) -> Identity:
        if module_id is not None and await self._store.get(device_id, None) is None:
            raise DeviceNotFound(f"The device '{device_id}' does not exist.")
        identity = self.new_identity(device_id, module_id, spec)
        epoch = self._cache.epoch if self._cache is not None else 0
        await self._store.create(identity)
        if self._cache is not None:
            self._cache.put(identity, epoch)
        await self.changed.emit(
            [IdentityChanged(device_id, module_id, "created", identity.status == "enabled")]
        )
        return identity

    def new_identities(self, count: int) -> NewIdentities:
        """What `count` identities created together share (pass it to `new_identity`)."""
        return NewIdentities(utc(self._clock()), ids.RandomBytes(_RANDOM_BYTES * count))

    def new_identity(
        self,
        device_id: str,
        module_id: str | None,
        spec: IdentitySpec,
        batch: NewIdentities | None = None,
    ) -> Identity:
        """A checked identity with generated keys and ids, not yet stored."""
        draw: ids.Draw = secrets.token_bytes if batch is None else batch.random.take
        now = utc(self._clock()) if batch is None else batch.now
        return Identity(
            device_id=device_id,
            module_id=module_id,
            generation_id=ids.new_generation_id(draw),
            created_time=now,
            status=check_status(spec.status),
            status_reason=spec.status_reason,
            status_updated_time=now,
            auth=checked_auth(spec.auth, draw),
            iot_edge=spec.iot_edge,
            device_scope=spec.device_scope,
            parent_scopes=list(spec.parent_scopes),
            managed_by=spec.managed_by,
        )

    def _updated(self, existing: Identity, spec: IdentitySpec) -> Identity:
        auth = spec.auth
        if auth.type == "sas" and not auth.primary_key and not auth.secondary_key:
            # An update that leaves keys out keeps the current ones rather than rotating them.
            auth = dataclasses.replace(
                auth,
                primary_key=existing.auth.primary_key,
                secondary_key=existing.auth.secondary_key,
            )
        status = check_status(spec.status)
        return dataclasses.replace(
            existing,
            etag_seq=existing.etag_seq + 1,
            status=status,
            status_reason=spec.status_reason,
            status_updated_time=(
                utc(self._clock()) if status != existing.status else existing.status_updated_time
            ),
            auth=checked_auth(auth),
            iot_edge=spec.iot_edge,
            device_scope=spec.device_scope,
            parent_scopes=list(spec.parent_scopes),
            managed_by=spec.managed_by if existing.is_module else None,
        )

    async def delete(
        self, principal: Principal, device_id: str, module_id: str | None, if_match: str | None
    ) -> None:
        require(principal, Permission.REGISTRY_WRITE)
        match = ids.normalize_if_match(if_match)
        existing = await self._store.get(device_id, module_id)
        if existing is None:
            return
        if match not in (None, "*") and match != existing.etag:
            raise PreconditionFailed(f"The ETag '{match}' does not match '{existing.etag}'.")
        try:
            deleted = await self._store.delete(device_id, module_id)
        finally:
            self.forget_cached(device_id, module_id)
        if deleted:
            await self.changed.emit([IdentityChanged(device_id, module_id, "deleted", False)])

    async def set_model(self, device_id: str, module_id: str | None, model_id: str | None) -> None:
        """Record the DTDL model a device announced (IoT Plug and Play `model-id`)."""
        identity = await self.find(device_id, module_id)
        if identity.model_id == model_id:
            return
        try:
            stored = await self._store.set_model(device_id, module_id, model_id)
        finally:
            self.forget_cached(device_id, module_id)
        if stored:
            enabled = identity.status == "enabled"
            await self.changed.emit([IdentityChanged(device_id, module_id, "updated", enabled)])

    async def statistics(self, principal: Principal) -> RegistryCounts:
        require(principal, Permission.REGISTRY_READ, Permission.SERVICE_CONNECT)
        return await self._store.counts()

    async def connected_identities(
        self, after: tuple[str, str | None] | None, limit: int
    ) -> list[tuple[str, str | None]]:
        """Keys whose stored state reads Connected, a page at a time (the presence sweep)."""
        return await self._store.connected(after, limit)

    async def set_connection(self, device_id: str, module_id: str | None, connected: bool) -> None:
        """Record a connection change; changes are written in batches (see flush_connections).

        connectionState is eventually consistent in Azure too; batching keeps a reconnect
        storm from turning into one database write per device.
        """
        state = "Connected" if connected else "Disconnected"
        now = self._clock()
        self._states[(device_id, module_id)] = (state, utc(now))
        await self.connection_changed.emit(ConnectionChanged(device_id, module_id, connected, now))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(0.2)
        await self.flush_connections()

    async def close(self) -> None:
        """Write the last connection changes and stop the pending flush (shutdown)."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        await self.flush_connections()

    async def flush_connections(self) -> None:
        """Write the connection changes recorded so far. Flushes take turns, so once this
        returns every earlier change is written (a flush already under way is waited for),
        and batches commit in the order they were taken."""
        async with self._flushing:
            states, self._states = self._states, {}
            if states:
                await self._store.set_connections(
                    [(d, m, state, at) for (d, m), (state, at) in states.items()]
                )


def not_found(device_id: str, module_id: str | None) -> HubError:
    if module_id is None:
        return DeviceNotFound(f"The device '{device_id}' does not exist.")
    return ModuleNotFound(f"The module '{module_id}' of device '{device_id}' does not exist.")


def already_exists(device_id: str, module_id: str | None) -> HubError:
    if module_id is None:
        return DeviceAlreadyExists(f"A device with id '{device_id}' already exists.")
    return ModuleAlreadyExists(f"A module '{module_id}' already exists on device '{device_id}'.")
