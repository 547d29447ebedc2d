"""Fixtures for the IoT Central API: clients holding tokens of each role, and seed templates.

`central` sends `api-version=2022-07-31` and an App Administrator token unless told otherwise;
its base URL ends in `/central`, so tests use IoT Central's own paths (`/api/devices`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from fleethub.app import build_http_app
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.auth.roles import ADMINISTRATOR, BUILDER, OPERATOR, RoleAssignment
from fleethub.hub.hub import Hub
from fleethub.metrics import Metrics

GA = "2022-07-31"
PREVIEW = "2022-10-31-preview"
THERMOSTAT_ID = "dtmi:contoso:mythermostattemplate;1"
_SEED_TEMPLATE = Path(__file__).parents[2] / "hub/models/dtdl/thermostat_template.json"


def thermostat(template_id: str = THERMOSTAT_ID, display_name: str = "Thermostat") -> Any:
    """Seed 004's thermostat device template, optionally under another id and name."""
    document = json.loads(_SEED_TEMPLATE.read_text())
    document["@id"] = template_id
    document["displayName"] = display_name
    return copy.deepcopy(document)


async def _client(hub: Hub, token: str | None) -> httpx.AsyncClient:
    async def ready() -> bool:
        return True

    app = build_http_app(hub, Metrics(), ready)
    headers = {"authorization": token} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="https://localhost:8443/central",
        params={"api-version": GA},
        headers=headers,
    )


async def token_of(hub: Hub, role: str, token_id: str) -> str:
    _, text = await hub.api_tokens.create(SYSTEM, token_id, [RoleAssignment(role)], None)
    return text


ClientFactory = Callable[[str | None], Any]


@pytest.fixture
async def hub(hub: Hub) -> AsyncIterator[Hub]:
    """The root fixture's hub, closed afterwards: background work (command invocations,
    batched connection states, configuration workers) must not outlive the test's store."""
    yield hub
    await hub.close()


@pytest.fixture
async def client_for(hub: Hub) -> AsyncIterator[ClientFactory]:
    """`await client_for(token)`: a client sending that Authorization header (or none)."""
    opened: list[httpx.AsyncClient] = []

    async def make(token: str | None) -> httpx.AsyncClient:
        client = await _client(hub, token)
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture
async def central(hub: Hub, client_for: ClientFactory) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await client_for(await token_of(hub, ADMINISTRATOR, "admin"))
    return client


@pytest.fixture
async def builder(hub: Hub, client_for: ClientFactory) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await client_for(await token_of(hub, BUILDER, "builder"))
    return client


@pytest.fixture
async def operator(hub: Hub, client_for: ClientFactory) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await client_for(await token_of(hub, OPERATOR, "operator"))
    return client


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The IoT Central error body, checked for its shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert {"code", "message", "requestId", "time"} <= set(error), error
    assert response.headers["x-ms-error-code"] == error["code"]
    return error
