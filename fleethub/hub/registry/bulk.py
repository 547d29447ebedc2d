"""Bulk registry operations (POST /devices): ExportImportDevice items with an importMode.

Creates are gathered into one store transaction (the fast path for provisioning fleets),
stored before any later item of another kind runs; every other mode is applied item by item.
A failing item never stops the others: it is reported in the result, as Azure's
BulkRegistryOperationResult does. An identity named a second time in one request is such a
failure (DeviceDefinedMultipleTimes); its first entry is applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fleethub.hub import ids
from fleethub.hub.auth.principal import SYSTEM, Permission, Principal, require
from fleethub.hub.errors import (
    ArgumentInvalid,
    DeviceDefinedMultipleTimes,
    HubError,
    PreconditionFailed,
    TooManyDevices,
)
from fleethub.hub.registry.device import Identity, IdentitySpec
from fleethub.hub.registry.service import Registry, already_exists
from fleethub.hub.twins.service import TwinPatch, Twins

MAX_ITEMS = 100
MODES = (
    "create",
    "update",
    "updateIfMatchETag",
    "delete",
    "deleteIfMatchETag",
    "updateTwin",
    "updateTwinIfMatchETag",
)


@dataclass(slots=True)
class BulkItem:
    """One ExportImportDevice item. Not frozen: a bulk request builds a hundred of these, and a
    frozen dataclass's __init__ (object.__setattr__ per field) costs twice as much."""

    device_id: str
    module_id: str | None
    import_mode: str
    spec: IdentitySpec
    etag: str | None = None
    twin_etag: str | None = None
    tags: dict[str, Any] | None = None
    desired: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class BulkError:
    device_id: str
    module_id: str | None
    operation: str
    error: HubError


@dataclass(slots=True)
class BulkResult:
    errors: list[BulkError] = field(default_factory=list)

    @property
    def is_successful(self) -> bool:
        return not self.errors


async def apply(
    registry: Registry, twins: Twins, principal: Principal, items: list[BulkItem]
) -> BulkResult:
    require(principal, Permission.REGISTRY_WRITE)
    if len(items) > MAX_ITEMS:
        raise TooManyDevices(f"A bulk request may carry at most {MAX_ITEMS} identities.")
    result = BulkResult()
    creates: list[Identity] = []
    seen: set[tuple[str, str | None]] = set()
    batch = registry.new_identities(len(items))
    for item in items:
        try:
            _check_once(seen, item)
            if item.import_mode not in MODES:
                raise ArgumentInvalid(f"importMode '{item.import_mode}' is not one of {MODES}.")
            fast = item.module_id is None and item.tags is None and item.desired is None
            if item.import_mode == "create" and fast:
                ids.check_device_id(item.device_id)
                creates.append(registry.new_identity(item.device_id, None, item.spec, batch))
            else:
                # Pending creates go first: a later item may name their device.
                await _create_all(registry, creates, result)
                creates = []
                await _apply_one(registry, twins, principal, item)
        except HubError as error:
            result.errors.append(BulkError(item.device_id, item.module_id, item.import_mode, error))
    await _create_all(registry, creates, result)
    return result


def _check_once(seen: set[tuple[str, str | None]], item: BulkItem) -> None:
    """Azure refuses every entry after the first that names the same identity (400011)."""
    key = (item.device_id, item.module_id)
    if key in seen:
        what = f"module '{item.module_id}' of device" if item.module_id else "device"
        raise DeviceDefinedMultipleTimes(
            f"The {what} '{item.device_id}' is defined more than once in the request."
        )
    seen.add(key)


async def _create_all(registry: Registry, creates: list[Identity], result: BulkResult) -> None:
    if not creates:
        return
    for identity in await registry.insert_many(creates):
        error = already_exists(identity.device_id, identity.module_id)
        result.errors.append(BulkError(identity.device_id, identity.module_id, "create", error))


async def _apply_one(
    registry: Registry, twins: Twins, principal: Principal, item: BulkItem
) -> None:
    mode, dev, mod = item.import_mode, item.device_id, item.module_id
    if mode in ("delete", "deleteIfMatchETag"):
        match = item.etag if mode == "deleteIfMatchETag" else "*"
        if mode == "deleteIfMatchETag" and not item.etag:
            raise PreconditionFailed("deleteIfMatchETag needs the item's eTag.")
        await registry.delete(principal, dev, mod, match)
        return
    if mode in ("create", "update", "updateIfMatchETag"):
        current = await registry.lookup(dev, mod)
        if mode == "create" or current is None:
            if mode == "updateIfMatchETag":
                raise PreconditionFailed("The identity does not exist, so no ETag can match.")
            await registry.put(principal, dev, mod, item.spec)
        else:
            match = item.etag if mode == "updateIfMatchETag" else "*"
            await registry.put(principal, dev, mod, item.spec, if_match=match)
    elif mode == "updateTwinIfMatchETag" and not item.twin_etag:
        raise PreconditionFailed("updateTwinIfMatchETag needs the item's twinETag.")
    if item.tags is not None or item.desired is not None:
        match = item.twin_etag if mode == "updateTwinIfMatchETag" else "*"
        await twins.patch(SYSTEM, dev, mod, TwinPatch(tags=item.tags, desired=item.desired), match)
