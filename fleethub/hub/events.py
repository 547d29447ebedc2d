"""In-process notifications between hub services (who listens is wired by app.py).

Cross-node delivery is the bus's job; these callbacks only tell this node's services that
something changed so they can tell the bus or a live connection.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class IdentityChanged:
    """A device or module was created, updated (e.g. disabled, keys rotated) or deleted."""

    device_id: str
    module_id: str | None
    change: str  # "created" | "updated" | "deleted"
    enabled: bool


#: What `Registry.changed` sends: one change, or every identity a bulk create stored, so that
#: each listener runs once per request rather than once per identity.
IdentitiesChanged = Sequence[IdentityChanged]


@dataclass(frozen=True, slots=True)
class DesiredChanged:
    """Desired properties changed: ``patch`` carries ``$version`` as the device expects."""

    device_id: str
    module_id: str | None
    patch: dict[str, Any]
    version: int


@dataclass(frozen=True, slots=True)
class TwinChanged:
    """A twin's tags or reported properties changed (desired changes are DesiredChanged)."""

    device_id: str
    module_id: str | None


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    """An identity connected to or disconnected from this node (after the debounce)."""

    device_id: str
    module_id: str | None
    connected: bool
    at: float


class Listeners(Generic[E]):
    """Awaitable callbacks; one failing listener is logged and never breaks the caller."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[E], Awaitable[None]]] = []

    def add(self, callback: Callable[[E], Awaitable[None]]) -> None:
        self._callbacks.append(callback)

    async def emit(self, event: E) -> None:
        for callback in self._callbacks:
            try:
                await callback(event)
            except Exception:
                log.exception("listener %r failed on %r", callback, type(event).__name__)
