"""Shared fixtures: stores on SQLite and PostgreSQL, a hub, an HTTP client over ASGI.

PostgreSQL runs use a schema of their own (dropped afterwards), so runs never collide.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.types import ASGIApp

from fleethub.app import build_http_app, hub_stores, job_adapters
from fleethub.bus.local import LocalBus
from fleethub.hub.auth import sas
from fleethub.hub.auth.policies import Policy, default_policies
from fleethub.hub.auth.service import HubNames
from fleethub.hub.hub import Hub, HubConfig
from fleethub.metrics import Metrics
from fleethub.remote.client import new_client
from fleethub.settings import Settings
from fleethub.store import Store, open_store

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
HOST = "localhost:8443"


async def drop_schema(schema: str) -> None:
    engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened = await open_store(f"sqlite:///{tmp_path / 'fleethub.db'}")
        yield opened
        await opened.close()
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    opened = await open_store(POSTGRES_URL, schema=schema)
    yield opened
    await opened.close()
    await drop_schema(schema)


class Clock:
    """A clock tests move by hand (the hub never reads the system time itself)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def policies() -> dict[str, Policy]:
    return {p.name: p for p in default_policies()}


@pytest.fixture
async def outbound() -> AsyncIterator[httpx.AsyncClient]:
    """The hub's outbound HTTP client (hub imports, export/import blob URLs)."""
    async with new_client(None) as client:
        yield client


@pytest.fixture
async def hub(
    store: Store,
    clock: Clock,
    policies: dict[str, Policy],
    tmp_path: Path,
    outbound: httpx.AsyncClient,
) -> AsyncIterator[Hub]:
    config = HubConfig(names=HubNames.of(["localhost", "127.0.0.1"]), policies=policies)
    stores = hub_stores(store, job_adapters(Settings(data_dir=tmp_path), store, outbound))
    hub = Hub(config, stores, clock, LocalBus())
    yield hub
    # Configuration passes run in the background (#5): let them finish before the store closes,
    # then stop every background task the hub owns.
    await hub.configurations.worker.settled()
    await hub.close()


def service_token(policy: Policy, clock: Callable[[], float], host: str = HOST) -> str:
    """A token as the service SDK builds it: sr = quote_plus(HostName), sig with raw '/'."""
    sr = quote_plus(host)
    expiry = int(clock()) + 3600
    signature = quote(sas.sign(policy.primary_key, sr, expiry))
    return f"SharedAccessSignature sr={sr}&sig={signature}&se={expiry}&skn={policy.name}"


@pytest.fixture
async def api(
    hub: Hub, store: Store, policies: dict[str, Policy], clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP app over ASGI, authenticated as iothubowner; `?api-version` added for you."""

    async def ready() -> bool:
        return True

    async with signed_client(build_http_app(hub, Metrics(), ready), policies, clock) as client:
        yield client


def signed_client(
    app: ASGIApp, policies: dict[str, Policy], clock: Callable[[], float]
) -> httpx.AsyncClient:
    """A client of ``app`` over ASGI, signing as iothubowner unless told otherwise."""
    owner = policies["iothubowner"]

    async def sign(request: httpx.Request) -> None:
        if "authorization" not in request.headers:
            request.headers["authorization"] = service_token(owner, clock)

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=f"https://{HOST}",
        params={"api-version": "2021-04-12"},
        event_hooks={"request": [sign]},
    )
