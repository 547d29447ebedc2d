"""Session and link state of one AMQP connection (OASIS AMQP 1.0 Part 2, §2.5-§2.6).

Plain bookkeeping, no I/O: the session windows of §2.5.6 and the link credit of §2.6.7, kept
from the server's point of view. A link's `role` is the *server's* role on it: RECEIVER when
the client sends (C2D, CBS and $management requests), SENDER when the server sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fleethub.transports.amqp.performatives import Attach, Error, Source, Target

SENDER = False
RECEIVER = True
#: §2.6.7 sequence numbers are RFC 1982 serial numbers of 32 bits.
SERIAL = 0x1_0000_0000


class Refused(Exception):
    """A node will not take this link; the attach is answered and detached with `error`."""

    def __init__(self, condition: str, description: str) -> None:
        super().__init__(description)
        self.error = Error(condition=condition, description=description)


def address_of(terminus: Any) -> str | None:
    """The address of a Source or Target, e.g. ``amqps://hub/messages/devicebound``."""
    if isinstance(terminus, Source | Target) and isinstance(terminus.address, str):
        return terminus.address
    return None


@dataclass(eq=False, slots=True)
class Link:
    """One attached link; `node` is whatever the application hangs on it."""

    session: Session
    name: str
    handle: int
    role: bool
    attach: Attach
    attached: bool = False
    detached: bool = False
    delivery_count: int = 0
    credit: int = 0
    drain: bool = False
    auto_credit: int = 0
    max_message_size: int = 0
    partial: bytearray | None = None
    partial_id: int = 0
    partial_tag: bytes = b""
    partial_settled: bool = False
    node: Any = None

    @property
    def address(self) -> str | None:
        """The node the client named: the target it sends to, or the source it reads from."""
        return address_of(self.attach.target if self.role == RECEIVER else self.attach.source)

    @property
    def can_send(self) -> bool:
        return (
            self.role == SENDER
            and self.attached
            and not self.detached
            and self.credit > 0
            and self.session.remote_incoming_window > 0
        )


@dataclass(eq=False, slots=True)
class Session:
    """One session; the server answers on the channel number the client used."""

    channel: int
    remote_channel: int
    next_outgoing_id: int = 0
    next_incoming_id: int = 0
    incoming_window: int = 0
    remote_incoming_window: int = 0
    remote_outgoing_window: int = 0
    links: dict[int, Link] = field(default_factory=dict)
    names: dict[str, Link] = field(default_factory=dict)
    outgoing: dict[int, Link] = field(default_factory=dict)
    """Unsettled deliveries the server sent, by delivery id."""
    ended: bool = False

    def sending_links(self) -> list[Link]:
        return [link for link in self.links.values() if link.role == SENDER]
