"""Get, patch and replace twins; reported patches from devices; the twin query.

Writes are compare-and-swap on the twin version: with If-Match "*" (or none) a lost race is
retried on fresh state; with a concrete ETag it is a PreconditionFailed, as Azure answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fleethub.hub import ids
from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.clock import Clock, iso
from fleethub.hub.errors import PreconditionFailed, QuerySyntaxInvalid, QueryUnsupported
from fleethub.hub.events import DesiredChanged, Listeners, TwinChanged
from fleethub.hub.ports import IdentityStore, QueryPage
from fleethub.hub.query import QuerySyntaxError, UnsupportedQuery, parse
from fleethub.hub.registry.device import Identity
from fleethub.hub.registry.service import not_found
from fleethub.hub.twins import patch as rules
from fleethub.hub.twins.twin import TwinState

JSON = dict[str, Any]
_RETRIES = 20
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class TwinPatch:
    tags: JSON | None = None
    desired: JSON | None = None


class Twins:
    def __init__(self, store: IdentityStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self.desired_changed: Listeners[DesiredChanged] = Listeners()
        #: Tags or reported properties changed (configurations retarget and re-measure, #5).
        self.tags_changed: Listeners[TwinChanged] = Listeners()
        self.reported_changed: Listeners[TwinChanged] = Listeners()

    async def get(self, principal: Principal, device_id: str, module_id: str | None) -> Identity:
        require(principal, Permission.SERVICE_CONNECT, Permission.REGISTRY_READ)
        return await self._load(device_id, module_id)

    async def patch(
        self,
        principal: Principal,
        device_id: str,
        module_id: str | None,
        change: TwinPatch,
        if_match: str | None,
    ) -> Identity:
        """Merge tags and desired properties (null removes a key)."""
        require(principal, Permission.SERVICE_CONNECT, Permission.REGISTRY_WRITE)
        _check_patch(change, allow_null=True)
        return await self._write(device_id, module_id, change, if_match, replace=False)

    async def replace(
        self,
        principal: Principal,
        device_id: str,
        module_id: str | None,
        change: TwinPatch,
        if_match: str | None,
    ) -> Identity:
        """Replace tags and desired properties whole; reported ones are the device's."""
        require(principal, Permission.SERVICE_CONNECT, Permission.REGISTRY_WRITE)
        full = TwinPatch(tags=change.tags or {}, desired=change.desired or {})
        _check_patch(full, allow_null=False)
        return await self._write(device_id, module_id, full, if_match, replace=True)

    async def patch_reported(self, device_id: str, module_id: str | None, patch: JSON) -> int:
        """A device's reported patch; returns the new reported `$version`."""
        rules.check_document(patch, "properties.reported", allow_null=True)
        for _ in range(_RETRIES):
            current = await self._load(device_id, module_id)
            twin = current.twin
            reported = rules.merge(twin.reported, patch)
            rules.check_size(reported, "properties.reported")
            version = twin.reported_version + 1
            new = dataclasses.replace(
                twin,
                reported=reported,
                reported_metadata=rules.stamp(twin.reported_metadata, patch, self._now(), None),
                reported_version=version,
                version=twin.version + 1,
            )
            if await self._store.save_twin(device_id, module_id, new, twin.version):
                await self.reported_changed.emit(TwinChanged(device_id, module_id))
                return version
        raise PreconditionFailed("The twin kept changing; try again.")

    async def query(
        self, principal: Principal, text: str, page_size: int | None, continuation: str | None
    ) -> QueryPage:
        require(principal, Permission.SERVICE_CONNECT, Permission.REGISTRY_READ)
        try:
            query = parse(text)
        except QuerySyntaxError as error:
            raise QuerySyntaxInvalid(str(error)) from None
        except UnsupportedQuery as error:
            raise QueryUnsupported(str(error)) from None
        size = max(1, min(page_size or 100, MAX_PAGE))
        return await self._store.query(query, size, continuation)

    async def _load(self, device_id: str, module_id: str | None) -> Identity:
        identity = await self._store.get(device_id, module_id)
        if identity is None:
            raise not_found(device_id, module_id)
        return identity

    async def _write(
        self,
        device_id: str,
        module_id: str | None,
        change: TwinPatch,
        if_match: str | None,
        replace: bool,
    ) -> Identity:
        match = ids.normalize_if_match(if_match)
        for _ in range(_RETRIES):
            current = await self._load(device_id, module_id)
            if match not in (None, "*") and match != current.twin.etag:
                raise PreconditionFailed(
                    f"The twin ETag '{match}' does not match '{current.twin.etag}'."
                )
            new = self._apply(current.twin, change, replace)
            if await self._store.save_twin(device_id, module_id, new, current.twin.version):
                if new.desired_version != current.twin.desired_version:
                    await self._announce(device_id, module_id, change, new, replace)
                if new.tags != current.twin.tags:
                    await self.tags_changed.emit(TwinChanged(device_id, module_id))
                return dataclasses.replace(current, twin=new)
            if match not in (None, "*"):
                raise PreconditionFailed("The twin changed while it was being updated.")
        raise PreconditionFailed("The twin kept changing; try again.")

    def merged(self, twin: TwinState, change: TwinPatch) -> TwinState:
        """`twin` after the merge patch `change`, not stored: for batch writers (jobs, #6)
        that store many twins in one transaction; the rules are the ones `patch` applies."""
        _check_patch(change, allow_null=True)
        return self._apply(twin, change, replace=False)

    def merger(self, change: TwinPatch) -> Callable[[TwinState], TwinState]:
        """`merged` for one patch and many twins: the patch is checked once, here."""
        _check_patch(change, allow_null=True)
        return lambda twin: self._apply(twin, change, replace=False)

    def _apply(self, twin: TwinState, change: TwinPatch, replace: bool) -> TwinState:
        now = self._now()
        new = dataclasses.replace(twin, version=twin.version + 1)
        if change.tags is not None:
            new.tags = change.tags if replace else rules.merge(twin.tags, change.tags)
            rules.check_size(new.tags, "tags")
        if change.desired is not None and (change.desired or replace):
            version = twin.desired_version + 1
            if replace:
                new.desired = change.desired
                new.desired_metadata = rules.replace_metadata(change.desired, now, version)
            else:
                new.desired = rules.merge(twin.desired, change.desired)
                new.desired_metadata = rules.stamp(
                    twin.desired_metadata, change.desired, now, version
                )
            rules.check_size(new.desired, "properties.desired")
            new.desired_version = version
        return new

    async def _announce(
        self,
        device_id: str,
        module_id: str | None,
        change: TwinPatch,
        new: TwinState,
        replace: bool,
    ) -> None:
        body = dict(new.desired) if replace else dict(change.desired or {})
        body["$version"] = new.desired_version
        event = DesiredChanged(device_id, module_id, body, new.desired_version)
        await self.desired_changed.emit(event)

    def _now(self) -> str:
        return iso(self._clock())


def _check_patch(change: TwinPatch, allow_null: bool) -> None:
    if change.tags is not None:
        rules.check_document(change.tags, "tags", allow_null=allow_null)
    if change.desired is not None:
        rules.check_document(change.desired, "properties.desired", allow_null=allow_null)
