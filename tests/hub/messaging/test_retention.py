"""Telemetry past the retention is pruned by housekeeping, not only hidden from readers
(issue #8), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import Message
from fleethub.hub.messaging.telemetry import ReadRange
from tests.conftest import Clock

HOUR = 3600.0


async def bodies(hub: Hub) -> list[bytes]:
    records = await hub.telemetry.read(SYSTEM, ReadRange(device_id=None, limit=1000))
    return [r.message.body for r in records]


async def test_prune_keeps_what_is_within_the_retention(hub: Hub, clock: Clock) -> None:
    await hub.telemetry.ingest("dev1", None, Message(b"old"), "sas")
    clock.now += 2 * HOUR
    await hub.telemetry.ingest("dev1", None, Message(b"new"), "sas")

    assert await hub.telemetry.prune(retention=HOUR) == 1
    assert await bodies(hub) == [b"new"]


async def test_housekeeping_prunes_past_the_configured_retention(hub: Hub, clock: Clock) -> None:
    hub.config = dataclasses.replace(hub.config, retention_seconds=HOUR)
    for n in range(3):
        await hub.telemetry.ingest("dev1", None, Message(f"m{n}".encode()), "sas")
    clock.now += HOUR / 2
    await hub.telemetry.ingest("dev1", None, Message(b"recent"), "sas")
    clock.now += HOUR * 0.6  # the first three are now 1.1 h old, the last 0.6 h

    housekeeping = asyncio.create_task(hub.run_housekeeping(interval=0.01))
    try:
        for _ in range(500):
            if await bodies(hub) == [b"recent"]:
                break
            await asyncio.sleep(0.01)
    finally:
        housekeeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await housekeeping
    assert await bodies(hub) == [b"recent"]
