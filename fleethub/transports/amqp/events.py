"""What the AMQP connection engine tells the application (connection.py produces these).

Each event is a plain record; the application answers by calling the engine's methods
(accept or refuse a link, grant credit, send, settle, detach, close).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fleethub.transports.amqp.links import Link
from fleethub.transports.amqp.performatives import Error


@dataclass(frozen=True, slots=True)
class Opened:
    """The client's `open` arrived (§2.7.1); `hostname` is the host it dialled."""

    hostname: str | None
    container_id: str


@dataclass(frozen=True, slots=True)
class LinkAttached:
    """The client attached a link (§2.7.3): call `accept` or `refuse` exactly once."""

    link: Link


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """A whole delivery on a link where the server receives (every frame joined)."""

    link: Link
    delivery_id: int
    delivery_tag: bytes
    settled: bool
    payload: bytes


@dataclass(frozen=True, slots=True)
class CreditGranted:
    """A link where the server sends may send now (credit or session window opened)."""

    link: Link


@dataclass(frozen=True, slots=True)
class DeliverySettled:
    """The client settled or updated deliveries the server sent (§2.7.6)."""

    link: Link
    delivery_id: int
    state: Any
    settled: bool


@dataclass(frozen=True, slots=True)
class LinkDetached:
    """The link is gone: detached by the client, its session ended, or the connection closed."""

    link: Link
    error: Error | None


@dataclass(frozen=True, slots=True)
class Closed:
    """The connection is over; `error` says why when it was not a clean close."""

    error: Error | None


Event = (
    Opened
    | LinkAttached
    | MessageReceived
    | CreditGranted
    | DeliverySettled
    | LinkDetached
    | Closed
)
