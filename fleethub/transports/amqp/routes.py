"""Which node a link's address names, and the checks its attach must pass first.

| address (scheme and host stripped)                 | server role | needs             |
|-----------------------------------------------------|-------------|-------------------|
| `$cbs`                                              | both        | nothing           |
| `$management`                                       | both        | any valid token   |
| `messages/devicebound`                              | receiver    | ServiceConnect    |
| `messages/servicebound/feedback`                    | sender      | ServiceConnect    |
| `{eventhub}/ConsumerGroups/{group}/Partitions/{n}`  | sender      | ServiceConnect    |
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fleethub.hub.auth.principal import Permission
from fleethub.transports.amqp import c2d, cbs, eventhub, management
from fleethub.transports.amqp.claims import strip_scheme
from fleethub.transports.amqp.links import RECEIVER, SENDER, Link, Refused
from fleethub.transports.amqp.replies import REQUEST_CREDIT, NoOpNode

if TYPE_CHECKING:
    from fleethub.transports.amqp.peer import Node, Peer

_PARTITION = re.compile(
    r"^(?P<entity>[^/]+)/consumergroups/(?P<group>[^/]+)/partitions/(?P<partition>\d+)$",
    re.IGNORECASE,
)
#: §2.8.2-§2.8.3 settle modes: the server settles on receipt (first) or pre-settles (settled).
_RCV_FIRST = 0
_SND_SETTLED = 1


def path_of(peer: Peer, address: str) -> str:
    """``amqps://localhost/messages/devicebound`` → ``messages/devicebound``."""
    if address.startswith("/"):
        return address.strip("/")
    path = peer.hub.config.names.split(strip_scheme(address))
    if path is None:
        raise Refused("amqp:not-found", f"'{address[:200]}' is not on this hub.")
    return path


def route(peer: Peer, link: Link) -> Node:
    """Accept the link onto its node, or raise Refused (the attach is then refused)."""
    address = link.address
    if not address:
        raise Refused("amqp:invalid-field", "The link names no address.")
    if address == cbs.ADDRESS:
        return _request_pair(peer, link, cbs.CbsNode(peer))
    if address == management.ADDRESS:
        peer.claims.any_valid()
        return _request_pair(peer, link, management.ManagementNode(peer))
    path = path_of(peer, address)
    lowered = path.lower().rstrip("/")
    if lowered == c2d.DEVICEBOUND and link.role == RECEIVER:
        principal = peer.claims.authorize(path, Permission.SERVICE_CONNECT)
        peer.engine.accept(link, credit=c2d.SEND_CREDIT, rcv_settle_mode=_RCV_FIRST)
        return c2d.DeviceboundNode(peer, principal)
    if lowered == c2d.FEEDBACK and link.role == SENDER:
        principal = peer.claims.authorize(path, Permission.SERVICE_CONNECT)
        peer.engine.accept(link)
        return c2d.FeedbackNode(peer, principal, link)
    match = _PARTITION.match(path)
    if match is not None and link.role == SENDER:
        return _partition(peer, link, path, match)
    raise Refused("amqp:not-found", f"No node '{path[:200]}' for this link's direction.")


def _request_pair(peer: Peer, link: Link, node: Any) -> Node:
    if link.role == RECEIVER:
        peer.engine.accept(link, credit=REQUEST_CREDIT, rcv_settle_mode=_RCV_FIRST)
        result: Node = node
        return result
    peer.engine.accept(link, snd_settle_mode=_SND_SETTLED)
    return NoOpNode()


def _partition(peer: Peer, link: Link, path: str, match: re.Match[str]) -> Node:
    config = peer.context.eventhub
    if match["entity"].lower() != config.name.lower():
        raise Refused("amqp:not-found", f"The messaging entity '{match['entity']}' does not exist.")
    if not peer.hub.consumer_groups.exists(match["group"]):
        raise Refused("amqp:not-found", f"The consumer group '{match['group']}' does not exist.")
    partition = int(match["partition"])
    if partition >= config.partitions:
        raise Refused("amqp:not-found", f"The partition '{partition}' does not exist.")
    principal = peer.claims.authorize(path, Permission.SERVICE_CONNECT)
    start = eventhub.start_position(link.attach.source)
    peer.engine.accept(link, snd_settle_mode=_SND_SETTLED)
    return eventhub.PartitionReader(peer, principal, link, partition, start)
