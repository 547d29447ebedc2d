"""Registry, twin and query figures over the service REST API, on SQLite and PostgreSQL.

    python -m bench.registry [--devices 100000] [--store sqlite|postgres|both]

Prints bulk import devices/s, GET device p50/p99 at 50 concurrent clients, twin PATCH
p50/p99, and query latencies, each with the hub's CPU time per request.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import ssl
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

import httpx

from bench.hubprocess import HubProcess, start_hub

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


async def timed_calls(
    count: int, concurrency: int, call: Callable[[int], Awaitable[None]]
) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            started = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


async def run(hub: HubProcess, devices: int, label: str) -> None:
    headers = {"authorization": hub.service_token()}
    params = {"api-version": "2021-04-12"}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=f"https://localhost:{hub.https_port}",
        verify=ssl.create_default_context(cafile=str(hub.ca_path)),
        headers=headers,
        params=params,
        limits=limits,
        timeout=120,
    ) as client:
        floors = ["a", "b", "c", "d", "e"]

        async def bulk(i: int) -> None:
            items = [{"id": f"dev{i * 100 + j:06d}", "importMode": "create"} for j in range(100)]
            response = await client.post("/devices", json=items)
            response.raise_for_status()

        cpu = hub.cpu_seconds()
        _, elapsed = await timed_calls(devices // 100, 8, bulk)
        used = hub.cpu_seconds() - cpu
        print(
            f"[{label}] bulk import: {devices / elapsed:,.0f} devices/s "
            f"({used / devices * 1e6:.0f} µs hub CPU/device)"
        )

        # Tag a fifth of the fleet so the tag query has something to find.
        async def tag(i: int) -> None:
            body = {"tags": {"floor": floors[i % 5], "n": i}}
            await client.patch(f"/twins/dev{i * 5:06d}", json=body)

        await timed_calls(min(devices // 5, 20000), 32, tag)
        print(f"[{label}] tagged {min(devices // 5, 20000)} twins")

        async def get(i: int) -> None:
            response = await client.get(f"/devices/dev{random.randrange(devices):06d}")
            response.raise_for_status()

        await report(hub, label, "GET device (50 clients)", 5000, 50, get)

        async def patch(i: int) -> None:
            body = {"properties": {"desired": {"setpoint": i}}}
            response = await client.patch(f"/twins/dev{random.randrange(devices):06d}", json=body)
            response.raise_for_status()

        await report(hub, label, "twin PATCH (50 clients)", 3000, 50, patch)
        queries = {
            "tag filter": "SELECT * FROM devices WHERE tags.floor = 'c'",
            "tag filter, count": "SELECT COUNT() AS n FROM devices WHERE tags.floor = 'c'",
            "GROUP BY": "SELECT tags.floor, COUNT() AS n FROM devices GROUP BY tags.floor",
            "indexed field": "SELECT * FROM devices WHERE status = 'disabled'",
            "deviceId": "SELECT * FROM devices WHERE deviceId = 'dev000042'",
        }
        for name, text in queries.items():

            async def query(i: int, text: str = text) -> None:
                response = await client.post(
                    "/devices/query", json={"query": text}, headers={"x-ms-max-item-count": "100"}
                )
                response.raise_for_status()

            await report(hub, label, f"query {name}", 20, 1, query)


async def report(
    hub: HubProcess,
    label: str,
    name: str,
    count: int,
    concurrency: int,
    call: Callable[[int], Awaitable[None]],
) -> None:
    cpu = hub.cpu_seconds()
    latencies, elapsed = await timed_calls(count, concurrency, call)
    used = hub.cpu_seconds() - cpu
    print(
        f"[{label}] {name}: {count / elapsed:,.0f} req/s, p50 {pct(latencies, 0.5):.1f} ms, "
        f"p99 {pct(latencies, 0.99):.1f} ms, mean {statistics.mean(latencies) * 1000:.1f} ms "
        f"({used / count * 1e6:.0f} µs hub CPU/request)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    for store in stores:
        extra: list[str] = []
        if store == "postgres":
            extra = ["--store", POSTGRES, "--store-schema", f"bench_{uuid.uuid4().hex[:12]}"]
        hub = start_hub(*extra, cpu=0)
        try:
            asyncio.run(run(hub, args.devices, store))
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
