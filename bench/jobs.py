"""Scheduled-job throughput: a twin-update job over a whole fleet, through `fleethub serve`.

    python -m bench.jobs [--devices 100000] [--store sqlite|postgres|both]

Creates the fleet with bulk imports, schedules one `scheduleUpdateTwin` job over every device
(PUT /jobs/v2/{id}), polls it until it completes and prints devices/s (from the job's own
created and end times) and the hub's CPU time per device. Target: ≥ 5,000 devices/s on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import datetime

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bench.hubprocess import HubProcess, start_hub

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def fleet(client: httpx.AsyncClient, devices: int) -> None:
    queue = iter(range(0, devices, 100))

    async def worker() -> None:
        for start in queue:
            items = [
                {"id": f"dev{i:06d}", "importMode": "create"}
                for i in range(start, min(start + 100, devices))
            ]
            (await client.post("/devices", json=items)).raise_for_status()

    await asyncio.gather(*(worker() for _ in range(8)))


async def run(hub: HubProcess, devices: int, label: str) -> None:
    async with httpx.AsyncClient(
        base_url=f"https://localhost:{hub.https_port}",
        verify=str(hub.ca_path),
        headers={"authorization": hub.service_token()},
        params={"api-version": "2021-04-12"},
        timeout=120,
    ) as client:
        started = time.perf_counter()
        await fleet(client, devices)
        print(f"[{label}] {devices:,} devices created in {time.perf_counter() - started:.1f} s")
        job_id = f"bench-{uuid.uuid4().hex[:8]}"
        request = {
            "type": "scheduleUpdateTwin",
            "updateTwin": {
                "tags": {"wave": 1},
                "properties": {"desired": {"firmware": "2.0"}},
                "etag": "*",
            },
            "queryCondition": "STARTSWITH(deviceId, 'dev')",
        }
        cpu = hub.cpu_seconds()
        (await client.put(f"/jobs/v2/{job_id}", json=request)).raise_for_status()
        while True:
            job = (await client.get(f"/jobs/v2/{job_id}")).json()
            if job["status"] in ("completed", "failed", "cancelled"):
                break
            await asyncio.sleep(0.2)
        used = hub.cpu_seconds() - cpu
        stats = job["deviceJobStatistics"]
        elapsed = seconds(job["endTime"]) - seconds(job["createdTime"])
        print(
            f"[{label}] twin-update job: {job['status']}, {stats['succeededCount']:,} of "
            f"{stats['deviceCount']:,} devices in {elapsed:.1f} s = "
            f"{stats['succeededCount'] / elapsed:,.0f} devices/s "
            f"({used / max(1, stats['deviceCount']) * 1e6:.0f} µs hub CPU/device)"
        )


async def drop(schema: str) -> None:
    engine = create_async_engine(POSTGRES.replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    for store in stores:
        schema = f"bench_jobs_{uuid.uuid4().hex[:8]}"
        extra = [] if store == "sqlite" else ["--store", POSTGRES, "--store-schema", schema]
        hub = start_hub(*extra)
        try:
            asyncio.run(run(hub, args.devices, store))
        finally:
            hub.stop()
            if store == "postgres":
                asyncio.run(drop(schema))


if __name__ == "__main__":
    main()
