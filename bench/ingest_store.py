"""Telemetry appends through the group-commit writer, on SQLite and PostgreSQL, in-process.

    python -m bench.ingest_store [--records 200000] [--producers 1000] [--store sqlite|postgres]

Each producer awaits every append before making the next, as a QoS 1 device awaits its PUBACK.
Prints appends/s, append latency p50/p99, mean batch size and the hub's CPU µs per record
(process CPU: the event loop plus the driver threads; PostgreSQL's own CPU is not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fleethub.hub.messaging.message import D2CRecord, Message
from fleethub.store import Store, open_store

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
BODY = b'{"temperature": 21.53, "humidity": 40.2, "pressure": 1013.2, "battery": 0.87}'


def make_record(device: int, n: int) -> D2CRecord:
    message = Message(
        BODY,
        {"alert": "false"},
        message_id=f"{device}-{n}",
        content_type="application/json",
        content_encoding="utf-8",
    )
    return D2CRecord(f"device-{device:04d}", None, time.time(), message)


async def produce(store: Store, producers: int, records: int) -> tuple[float, float, list[float]]:
    per_producer = records // producers
    latencies: list[float] = []

    async def producer(device: int) -> None:
        for n in range(per_producer):
            record = make_record(device, n)
            started = time.perf_counter()
            await store.telemetry.append(record)
            latencies.append(time.perf_counter() - started)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(producer(d) for d in range(producers)))
    return time.perf_counter() - wall, time.process_time() - cpu, latencies


async def measure(label: str, store: Store, producers: int, records: int) -> None:
    await produce(store, producers, max(producers, records // 20))  # warm caches and pools
    writer = store.telemetry.writer
    batches, items = writer.batches, writer.items
    elapsed, cpu, latencies = await produce(store, producers, records)
    done = len(latencies)
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"[{label}] {producers:,} producers: {done / elapsed:,.0f} appends/s, "
        f"latency p50 {cuts[49] * 1000:.1f} ms p99 {cuts[98] * 1000:.1f} ms, "
        f"{(writer.items - items) / max(1, writer.batches - batches):,.0f} records/batch, "
        f"{cpu / done * 1e6:.1f} µs hub CPU/record"
    )


async def on_sqlite(producers: int, records: int) -> None:
    with tempfile.TemporaryDirectory(prefix="fleethub-bench-") as data:
        store = await open_store(f"sqlite:///{Path(data) / 'fleethub.db'}")
        try:
            await measure("sqlite", store, producers, records)
        finally:
            await store.close()


async def on_postgres(producers: int, records: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    store = await open_store(POSTGRES, schema=schema)
    try:
        await measure("postgres", store, producers, records)
    finally:
        async with store.db.write() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await store.close()


def run(main: Coroutine[Any, Any, None], loop: str) -> None:
    runner: Callable[[Coroutine[Any, Any, None]], None] = asyncio.run
    if loop == "uvloop":
        import uvloop

        runner = uvloop.run
    runner(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--producers", type=int, default=1000)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args()
    if args.store in ("sqlite", "both"):
        run(on_sqlite(args.producers, args.records), args.loop)
    if args.store in ("postgres", "both"):
        run(on_postgres(args.producers, args.records), args.loop)


if __name__ == "__main__":
    main()
