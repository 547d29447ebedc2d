"""Registry, twin and query figures over the service REST API, on SQLite and PostgreSQL.

    python -m bench.registry [--devices 100000] [--store sqlite|postgres|both] [--seconds 15]
                             [--only bulk]

Starts `fleethub serve` pinned to CPU 0 and drives it from CPU 1. Prints, each with the hub's
CPU time per request (user + system, all its threads, from /proc) and the load average:

- bulk import devices/s (POST /devices, 100 per request, 8 clients; bodies built beforehand);
- GET device and twin PATCH p50/p99 at 50 concurrent clients, measured with `wrk` (a C load
  generator, `apt-get install wrk`; bench/registry.lua sets the Authorization header and picks
  random devices) twice: closed loop (each client sends its next request when the answer
  comes, so latency is queueing at the hub's full rate) and paced (each client waits 50 ms
  between requests, a load below saturation);
- query latencies over the whole fleet, one client.

`--only bulk` runs the bulk import alone (no `wrk` needed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bench.hubprocess import HubProcess, start_hub

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SCRIPT = Path(__file__).with_name("registry.lua")
CLIENTS = 50
PACED_DELAY_MS = 50
QUERIES = {
    "tag filter (SELECT *, page of 100)": "SELECT * FROM devices WHERE tags.floor = 'c'",
    "tag filter, COUNT": "SELECT COUNT() AS n FROM devices WHERE tags.floor = 'c'",
    "GROUP BY tags.floor": "SELECT tags.floor, COUNT() AS n FROM devices GROUP BY tags.floor",
    "indexed field (status, page of 100)": "SELECT * FROM devices WHERE status = 'disabled'",
    "indexed field, COUNT": "SELECT COUNT() AS n FROM devices WHERE status = 'disabled'",
    "deviceId": "SELECT * FROM devices WHERE deviceId = 'dev000042'",
}


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


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


def client(hub: HubProcess) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    return httpx.AsyncClient(
        base_url=f"https://localhost:{hub.https_port}",
        verify=ssl.create_default_context(cafile=str(hub.ca_path)),
        headers={"authorization": hub.service_token(), "content-type": "application/json"},
        params={"api-version": "2021-04-12"},
        limits=limits,
        timeout=120,
    )


async def bulk_import(hub: HubProcess, http: httpx.AsyncClient, devices: int, label: str) -> None:
    bodies = [
        orjson.dumps([{"id": f"dev{i * 100 + j:06d}", "importMode": "create"} for j in range(100)])
        for i in range(devices // 100)
    ]

    async def post(i: int) -> None:
        response = await http.post("/devices", content=bodies[i])
        response.raise_for_status()

    cpu = hub.cpu_seconds()
    _, elapsed = await timed_calls(len(bodies), 8, post)
    used = hub.cpu_seconds() - cpu
    print(
        f"[{label}] bulk import of {devices:,} devices: {devices / elapsed:,.0f} devices/s, "
        f"{used / devices * 1e6:.0f} µs hub CPU/device ({load()})",
        flush=True,
    )


async def tag_fifth(http: httpx.AsyncClient, devices: int, label: str) -> None:
    """Tag every fifth device with a floor (a..e), 100 twins per bulk `updateTwin` request."""
    floors = "abcde"
    tagged = list(range(0, devices, 5))
    batches = [tagged[i : i + 100] for i in range(0, len(tagged), 100)]

    async def post(i: int) -> None:
        items = [
            {"id": f"dev{n:06d}", "importMode": "updateTwin", "tags": {"floor": floors[n // 5 % 5]}}
            for n in batches[i]
        ]
        response = await http.post("/devices", content=orjson.dumps(items))
        response.raise_for_status()

    _, elapsed = await timed_calls(len(batches), 8, post)
    print(f"[{label}] tagged {len(tagged):,} twins in {elapsed:.1f} s", flush=True)


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float


def run_wrk(hub: HubProcess, devices: int, method: str, delay_ms: int, seconds: int) -> WrkResult:
    env = {
        **os.environ,
        "FLEETHUB_TOKEN": hub.service_token(),
        "FLEETHUB_DEVICES": str(devices),
        "FLEETHUB_METHOD": method,
        "FLEETHUB_DELAY_MS": str(delay_ms),
    }
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{CLIENTS}", f"-d{seconds}s"]
    command += ["--timeout", "30s", "-s", str(SCRIPT), f"https://localhost:{hub.https_port}"]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    requests, errors, elapsed, p50, p99 = line.split()[1:]
    return WrkResult(int(requests), int(errors), float(elapsed), int(p50) / 1e3, int(p99) / 1e3)


def wrk_step(hub: HubProcess, devices: int, label: str, method: str, seconds: int) -> None:
    name = "GET device" if method == "GET" else "twin PATCH"
    for mode, delay in (
        ("closed loop", 0),
        (f"paced, {PACED_DELAY_MS} ms think time", PACED_DELAY_MS),
    ):
        cpu = hub.cpu_seconds()
        r = run_wrk(hub, devices, method, delay, seconds)
        used = hub.cpu_seconds() - cpu
        print(
            f"[{label}] {name}, {CLIENTS} clients, {mode}: {r.requests / r.seconds:,.0f} req/s, "
            f"p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, {r.errors} errors, "
            f"{used / max(r.requests, 1) * 1e6:.0f} µs hub CPU/request ({load()})",
            flush=True,
        )


async def queries(hub: HubProcess, http: httpx.AsyncClient, label: str, runs: int) -> None:
    for name, text in QUERIES.items():
        body = orjson.dumps({"query": text})

        async def query(_: int, body: bytes = body) -> None:
            response = await http.post(
                "/devices/query", content=body, headers={"x-ms-max-item-count": "100"}
            )
            response.raise_for_status()

        await query(0)  # warm the caches once, as a serving hub has them
        cpu = hub.cpu_seconds()
        latencies, _ = await timed_calls(runs, 1, query)
        used = hub.cpu_seconds() - cpu
        print(
            f"[{label}] query {name}: p50 {pct(latencies, 0.5):.1f} ms, "
            f"p99 {pct(latencies, 0.99):.1f} ms, {used / runs * 1e3:.1f} ms hub CPU/query "
            f"({load()})",
            flush=True,
        )


async def prepare(hub: HubProcess, devices: int, label: str) -> None:
    async with client(hub) as http:
        await bulk_import(hub, http, devices, label)
        await tag_fifth(http, devices, label)


async def import_only(hub: HubProcess, devices: int, label: str) -> None:
    async with client(hub) as http:
        await bulk_import(hub, http, devices, label)


async def measure_queries(hub: HubProcess, label: str, runs: int) -> None:
    async with client(hub) as http:
        await queries(hub, http, label, runs)


async def drop_schema(schema: str) -> None:
    engine = create_async_engine(POSTGRES.replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


def bench_store(store: str, args: argparse.Namespace) -> None:
    extra: list[str] = []
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    if store == "postgres":
        extra = ["--store", POSTGRES, "--store-schema", schema]
    hub = start_hub(*extra, cpu=0)
    try:
        if args.only == "bulk":
            asyncio.run(import_only(hub, args.devices, store))
            return
        asyncio.run(prepare(hub, args.devices, store))
        for method in ("GET", "PATCH"):
            wrk_step(hub, args.devices, store, method, args.seconds)
        asyncio.run(measure_queries(hub, store, args.queries))
    finally:
        hub.stop()
        if store == "postgres":
            asyncio.run(drop_schema(schema))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=15, help="length of each wrk run")
    parser.add_argument("--queries", type=int, default=30, help="runs of each query")
    parser.add_argument("--only", choices=["bulk"], help="run only this step")
    args = parser.parse_args()
    for store in ["sqlite", "postgres"] if args.store == "both" else [args.store]:
        bench_store(store, args)


if __name__ == "__main__":
    main()
