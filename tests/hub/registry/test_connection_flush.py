"""Connection states are written in batches; a flush returns only once every change recorded
before it is written, even while the background flush is still writing its own batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import pytest

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.registry.device import Authentication, IdentitySpec


async def test_a_flush_waits_for_the_one_under_way(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    for device_id in ("a", "b"):
        await hub.registry.put(SYSTEM, device_id, None, IdentitySpec(auth=Authentication("sas")))
    store = hub.registry._store
    write = store.set_connections
    gate = asyncio.Event()

    async def slow_write(changes: Sequence[tuple[str, str | None, str, datetime]]) -> None:
        await gate.wait()  # a write that takes a while, as on a busy database
        await write(changes)

    monkeypatch.setattr(store, "set_connections", slow_write)
    await hub.registry.set_connection("a", None, True)
    await hub.registry.set_connection("b", None, True)
    under_way = asyncio.ensure_future(hub.registry.flush_connections())
    await asyncio.sleep(0)  # it has taken both changes and is writing them
    asyncio.get_running_loop().call_later(0.1, gate.set)

    await hub.registry.flush_connections()  # nothing left to take: it must wait, not return

    states = [(await hub.registry.find(d, None)).connection_state for d in ("a", "b")]
    assert states == ["Connected", "Connected"]
    await under_way
