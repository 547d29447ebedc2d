"""Consumer groups of the Event Hub-compatible built-in endpoint.

`$Default` always exists; the node's settings may name more (fixed for its lifetime); the rest
are created and deleted through the service REST API or the CLI and kept in the store. Names
compare case-insensitively, as in Event Hubs.

The AMQP face checks a partition receiver's group synchronously while it answers the attach,
so the known names are cached here: changes made on this node count at once, other nodes'
within one housekeeping pass (`refresh`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.clock import Clock
from fleethub.hub.errors import ArgumentInvalid, ConsumerGroupNotFound, ServiceUnavailable

if TYPE_CHECKING:  # hub/ports imports ConsumerGroup from here
    from fleethub.hub.ports import ConsumerGroupStore

DEFAULT = "$Default"

#: Event Hubs' rule: 1-50 letters, digits, periods, hyphens and underscores, starting and
#: ending with a letter or digit.
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$")

#: Creating or deleting a group is a management operation (ARM in Azure): it needs a policy
#: that may both read the endpoint and change the hub, such as iothubowner.
_MANAGE = Permission.SERVICE_CONNECT | Permission.REGISTRY_WRITE


@dataclass(frozen=True, slots=True)
class ConsumerGroup:
    name: str
    #: Creation time (epoch seconds); None for `$Default` and groups from the settings.
    created_time: float | None = None

    @property
    def fixed(self) -> bool:
        """True for `$Default` and groups from the settings: they cannot be deleted."""
        return self.created_time is None


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ArgumentInvalid(
            f"'{name[:60]}' is not a valid consumer group name: 1-50 letters, digits, '.', '-' "
            "or '_', starting and ending with a letter or digit."
        )
    return name


class ConsumerGroups:
    def __init__(
        self, store: ConsumerGroupStore | None, clock: Clock, configured: frozenset[str]
    ) -> None:
        self._store = store
        self._clock = clock
        self._fixed = {g.lower(): ConsumerGroup(g) for g in (DEFAULT, *sorted(configured))}
        self._stored: dict[str, ConsumerGroup] = {}

    def exists(self, name: str) -> bool:
        """Whether a receiver may read through `name` (no I/O: answered from the cache)."""
        key = name.lower()
        return key in self._fixed or key in self._stored

    async def refresh(self) -> None:
        """Reload the stored groups (at start-up and on every housekeeping pass)."""
        if self._store is not None:
            groups = await self._store.list()
            self._stored = {g.name.lower(): g for g in groups}

    async def list(self, principal: Principal) -> list[ConsumerGroup]:
        require(principal, Permission.SERVICE_CONNECT)
        await self.refresh()
        return [*self._fixed.values(), *sorted(self._stored.values(), key=lambda g: g.name)]

    async def get(self, principal: Principal, name: str) -> ConsumerGroup:
        require(principal, Permission.SERVICE_CONNECT)
        key = name.lower()
        if key in self._fixed:
            return self._fixed[key]
        await self.refresh()
        if key not in self._stored:
            raise ConsumerGroupNotFound(f"The consumer group '{name[:60]}' does not exist.")
        return self._stored[key]

    async def add(self, principal: Principal, name: str) -> tuple[ConsumerGroup, bool]:
        """Create the group unless it exists; returns it and whether it was created."""
        require(principal, _MANAGE)
        check_name(name)
        key = name.lower()
        if key in self._fixed:
            return self._fixed[key], False
        group = ConsumerGroup(name, self._clock())
        created = await self._writable().add(group)
        await self.refresh()
        return self._stored.get(key, group), created

    async def remove(self, principal: Principal, name: str) -> None:
        require(principal, _MANAGE)
        key = name.lower()
        if key in self._fixed:
            raise ArgumentInvalid(
                f"The consumer group '{self._fixed[key].name}' is built in or set in the "
                "settings; it cannot be deleted here."
            )
        removed = await self._writable().remove(name)
        self._stored.pop(key, None)
        if not removed:
            raise ConsumerGroupNotFound(f"The consumer group '{name[:60]}' does not exist.")

    def _writable(self) -> ConsumerGroupStore:
        if self._store is None:
            raise ServiceUnavailable("This hub keeps no consumer groups of its own.")
        return self._store
