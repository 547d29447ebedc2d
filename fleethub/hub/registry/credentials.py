"""The identities device connects authenticate against, kept in memory on a single node.

Reading an identity cost a connect about a fifth of the hub's CPU (docs/performance.md), and
devices reconnect often (SAS renewal, flaky links), so `Registry.credentials` serves them from
here. Only a node that sees every write may cache: `app.py` turns this on with the local bus,
never in a cluster, where another node could rotate a key or disable a device unseen.

Staleness rules: every registry write forgets the identity (a device's write forgets its
modules too) and bumps `epoch`; a read started before a write never stores what it read.
"""

from __future__ import annotations

import dataclasses

from fleethub.hub.registry.device import Identity
from fleethub.hub.twins.twin import TwinState

Key = tuple[str, str | None]


def slim(identity: Identity) -> Identity:
    """What authentication reads (ids, status, keys, thumbprints, model), without the twin,
    which can be large and which no connect reads; `auth` is copied since it is mutable."""
    return dataclasses.replace(
        identity,
        auth=dataclasses.replace(identity.auth),
        twin=TwinState(),
        parent_scopes=[],
    )


class CredentialCache:
    """Device id → module id (None for the device) → slim identity, at most `limit` devices
    (the oldest entry goes first)."""

    __slots__ = ("_devices", "epoch", "limit")

    def __init__(self, limit: int = 50_000) -> None:
        self._devices: dict[str, dict[str | None, Identity]] = {}
        self.limit = limit
        self.epoch = 0
        """Bumped by every write; a read stores its result only if it did not move."""

    def __len__(self) -> int:
        return len(self._devices)

    def get(self, device_id: str, module_id: str | None) -> Identity | None:
        modules = self._devices.get(device_id)
        return None if modules is None else modules.get(module_id)

    def put(self, identity: Identity, epoch: int) -> None:
        """Remember an identity read (or written) when the cache's epoch was `epoch`."""
        if epoch != self.epoch:
            return  # something was written meanwhile: what was read may be out of date
        modules = self._devices.get(identity.device_id)
        if modules is None:
            if len(self._devices) >= self.limit:
                del self._devices[next(iter(self._devices))]
            modules = self._devices[identity.device_id] = {}
        modules[identity.module_id] = slim(identity)

    def forget(self, device_id: str, module_id: str | None) -> None:
        """An identity was (or is being) written; a device takes its modules along, since
        deleting a device deletes them."""
        self.epoch += 1
        if module_id is None:
            self._devices.pop(device_id, None)
        else:
            modules = self._devices.get(device_id)
            if modules is not None:
                modules.pop(module_id, None)
