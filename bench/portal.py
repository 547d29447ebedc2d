"""The portal's devices page with 100k devices: server time per request, p50 and p95.

    python -m bench.portal [--devices 100000] [--requests 200] [--store sqlite|postgres]

Creates the devices in bulk straight through the registry (`Registry.insert_many`, batches
of 5,000; some disabled, some with a model and tags), then signs in and GETs /ui/devices
in-process over ASGI (no TLS or sockets: the figure is the server's own time to answer) for
the first page, a later page (keyset continuation), a prefix search, the filters and a
WHERE clause. Target: p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from fleethub import web
from fleethub.app import build_http_app, hub_stores
from fleethub.hub.auth.passwords import hash_password
from fleethub.hub.auth.policies import default_policies
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.auth.service import HubNames
from fleethub.hub.hub import Hub, HubConfig
from fleethub.hub.registry.device import IdentitySpec
from fleethub.metrics import Metrics
from fleethub.store import Store, open_store

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = secrets.token_urlsafe(16)  # made per run: nothing to keep secret
MODEL = "dtmi:bench:thermostat;1"
BATCH = 5000


def hub_of(store: Store) -> Hub:
    from fleethub.bus.local import LocalBus  # the in-process bus, as one node runs it

    config = HubConfig(HubNames.of(["localhost"]), {p.name: p for p in default_policies()})
    return Hub(config, hub_stores(store, None), time.time, LocalBus())


async def fill(hub: Hub, count: int) -> float:
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        batch = []
        for n in range(first, min(count, first + BATCH)):
            status = "disabled" if n % 50 == 0 else "enabled"
            identity = hub.registry.new_identity(f"dev{n:06}", None, IdentitySpec(status=status))
            identity.model_id = MODEL if n % 3 == 0 else None
            identity.twin.tags = {"floor": "abcdefgh"[n % 8], "site": f"site-{n % 100}"}
            batch.append(identity)
        await hub.registry.insert_many(batch)
    return time.perf_counter() - started


async def signed_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/ui/signin")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token is not None
    form = {"csrf_token": token.group(1), "username": "admin", "password": PASSWORD}
    response = await client.post("/ui/signin", data=form)
    assert response.status_code == 303, response.text


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


async def measure(client: httpx.AsyncClient, params: dict[str, str], requests: int) -> str:
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.get("/ui/devices", params=params)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:500]
    return f"p50 {pct(samples, 0.5):6.1f} ms   p95 {pct(samples, 0.95):6.1f} ms"


async def later_page(client: httpx.AsyncClient, hops: int) -> dict[str, str]:
    params: dict[str, str] = {}
    for _ in range(hops):
        page = await client.get("/ui/devices", params=params)
        link = re.search(r'rel="next" href="/ui/devices\?([^"]+)"', page.text)
        assert link is not None
        params = dict(httpx.QueryParams(link.group(1).replace("&amp;", "&")))
    return params


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}" if args.store == "sqlite" else POSTGRES
        schema = None if args.store == "sqlite" else f"bench_{uuid.uuid4().hex[:12]}"
        store = await open_store(url, schema=schema)
        hub = hub_of(store)
        seconds = await fill(hub, args.devices)
        print(f"{args.store}: created {args.devices} devices in {seconds:.1f} s")
        counts = await hub.registry.statistics(SYSTEM)
        assert counts.total == args.devices, counts

        async def ready() -> bool:
            return True

        app = build_http_app(hub, Metrics(), ready)
        config = web.WebConfig(secrets.token_urlsafe(32), admin_hash=hash_password(PASSWORD))
        web.mount(app, config)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://localhost") as client:
            await signed_in(client)
            cases = {
                "first page": {},
                "page 50 (keyset continuation)": await later_page(client, 50),
                "prefix search 'dev0712'": {"q": "dev0712"},
                "status = disabled": {"status": "disabled"},
                "model filter": {"model": MODEL},
                "connection = Connected (none match)": {"connection": "Connected"},
                "WHERE tags.floor = 'c'": {"q": "tags.floor = 'c'"},
            }
            for name, params in cases.items():
                print(f"  {name:38} {await measure(client, params, args.requests)}")
        await hub.close()
        await store.close()
        if schema is not None:
            await drop_schema(schema)


async def drop_schema(schema: str) -> None:
    engine = create_async_engine(POSTGRES.replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
