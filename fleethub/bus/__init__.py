"""Bus adapters (#9): `local` for one process, `nats` for N nodes. `open_bus` picks by URL."""

from __future__ import annotations

from fleethub.bus.local import LocalBus
from fleethub.hub.ports import Bus


def open_bus(url: str, node_id: str, prefix: str = "fleethub") -> Bus:
    """'local' → LocalBus; 'nats://host:port[,nats://…]' → NatsBus (connects in `start`)."""
    if url == "local":
        return LocalBus(node_id)
    if url.startswith(("nats://", "tls://")):
        from fleethub.bus.nats import NatsBus

        return NatsBus(url, node_id, prefix)
    raise ValueError(f"unknown bus {url!r}: use 'local' or a nats:// URL")
