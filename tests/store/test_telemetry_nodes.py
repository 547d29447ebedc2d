"""Several nodes append to one PostgreSQL telemetry log while a reader tails it by sequence
number, as every node's Event Hub-compatible endpoint does (#9): the reader sees every record,
because batches of different nodes commit one at a time, in sequence order."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from fleethub.hub.messaging.message import D2CRecord, Message
from fleethub.store import open_store
from tests.conftest import POSTGRES_URL, drop_schema

pytestmark = pytest.mark.postgres

NODES = 3
DEVICES_PER_NODE = 20
MESSAGES = 40


async def test_a_tail_by_sequence_number_misses_nothing_other_nodes_commit() -> None:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    nodes = [await open_store(POSTGRES_URL, schema=schema, pool_size=4)]
    nodes += [await open_store(POSTGRES_URL, schema=schema, pool_size=4) for _ in range(NODES - 1)]
    seen: list[int] = []
    writing = True

    async def device(log: object, name: str) -> None:
        for n in range(MESSAGES):
            record = D2CRecord(name, None, float(n), Message(b"x", message_id=f"{name}-{n}"))
            await log.append(record)  # type: ignore[attr-defined]

    async def tail() -> None:
        last = 0
        while writing or len(seen) < NODES * DEVICES_PER_NODE * MESSAGES:
            page = await nodes[0].telemetry.read(None, None, None, last, 1000)
            seen.extend(r.sequence_number for r in page)
            last = page[-1].sequence_number if page else last
            await asyncio.sleep(0)

    try:
        reader = asyncio.create_task(tail())
        await asyncio.gather(
            *(
                device(store.telemetry, f"n{k}-d{d}")
                for k, store in enumerate(nodes)
                for d in range(DEVICES_PER_NODE)
            )
        )
        writing = False
        await asyncio.wait_for(reader, 30)
        assert len(seen) == len(set(seen)) == NODES * DEVICES_PER_NODE * MESSAGES
    finally:
        for store in nodes:
            await store.close()
        await drop_schema(schema)
