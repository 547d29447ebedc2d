"""The identities device connects authenticate against, kept in memory on a single node.

Reading an identity cost a connect about a fifth of the hub's CPU (docs/performance.md), and
devices reconnect often (SAS renewal, flaky links), so `Registry.credentials` serves them from
here. Only a node that sees every write may cache: `app.py` turns this on with the local bus,
never in a cluster, where another node could rotate a key or disable a device unseen.

Staleness rules: every registry write forgets the identity (a device's write forgets its
modules too) and bumps `epoch`; a read started before a write never stores what it read.
"""

from __future__ import annotations

from collections import OrderedDict

from fleethub.hub.registry.device import Authentication, Identity
from fleethub.hub.twins.twin import TwinState

Key = tuple[str, str | None]


def slim(identity: Identity) -> Identity:
    """What authentication reads (ids, status, keys, thumbprints, model), without the twin,
    which can be large and which no connect reads; `auth` is copied since it is mutable.

    Spelled out rather than `dataclasses.replace`, which took 4 µs per identity (a bulk
    import caches every device it creates); tests/hub/registry/test_credentials.py fails
    when Identity gains a field this does not copy.
    """
    a = identity.auth
    return Identity(
        device_id=identity.device_id,
        module_id=identity.module_id,
        generation_id=identity.generation_id,
        created_time=identity.created_time,
        etag_seq=identity.etag_seq,
        status=identity.status,
        status_reason=identity.status_reason,
        status_updated_time=identity.status_updated_time,
        connection_state=identity.connection_state,
        connection_state_updated_time=identity.connection_state_updated_time,
        last_activity_time=identity.last_activity_time,
        c2d_count=identity.c2d_count,
        auth=Authentication(
            a.type, a.primary_key, a.secondary_key, a.primary_thumbprint, a.secondary_thumbprint
        ),
        iot_edge=identity.iot_edge,
        device_scope=identity.device_scope,
        parent_scopes=[],
        managed_by=identity.managed_by,
        model_id=identity.model_id,
        twin=TwinState(),
    )


class CredentialCache:
    """Device id → module id (None for the device) → slim identity, at most `limit` devices
    (the oldest entry goes first)."""

    __slots__ = ("_devices", "epoch", "limit")

    def __init__(self, limit: int = 50_000) -> None:
        # Ordered for O(1) eviction of the oldest: `next(iter(dict))` after many deletions from
        # the front walks the dead slots, and cost a bulk import past the limit 8% of its CPU.
        self._devices: OrderedDict[str, dict[str | None, Identity]] = OrderedDict()
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
                self._devices.popitem(last=False)
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
