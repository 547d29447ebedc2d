"""Fixtures for the Portal API: clients signed with a policy token, an API token of each role,
or nothing; and helpers that build the seed's objects."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from fleethub.app import build_http_app
from fleethub.hub.auth.policies import Policy
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.auth.roles import ADMINISTRATOR, OPERATOR, RoleAssignment
from fleethub.hub.hub import Hub
from fleethub.metrics import Metrics
from tests.conftest import HOST, Clock, service_token

ClientFactory = Callable[[str | None], Any]

#: The seed's example bodies, verbatim.
SEED_DEVICE_MODEL: dict[str, Any] = {
    "modelId": "string",
    "imageUrl": "string",
    "name": "string",
    "description": "string",
    "appEUI": "string",
    "sensorDecoderURL": "string",
    "commands": [{"name": "string", "frame": "string", "port": 1}],
}
SEED_DEVICE: dict[str, Any] = {
    "deviceID": "string",
    "deviceName": "string",
    "imageUrl": "string",
    "isConnected": True,
    "isEnabled": True,
    "statusUpdatedTime": "2019-08-24T14:15:22Z",
    "appEUI": "string",
    "appKey": "string",
    "locationCode": "string",
    "assetId": "string",
    "deviceType": "string",
    "modelId": "string",
    "modelName": "string",
    "sensorDecoder": "string",
    "alreadyLoggedInOnce": True,
    "commands": [{"commandId": "string", "frame": "string"}],
}
_CHANNEL = {"enable": True, "freq": 0, "radio": 0, "if": 0, "bandwidth": 0, "spread_factor": 0}
SEED_CONCENTRATOR: dict[str, Any] = {
    "deviceId": "string",
    "deviceName": "string",
    "loraRegion": "string",
    "deviceType": "string",
    "clientCertificateThumbprint": "string",
    "isConnected": True,
    "isEnabled": True,
    "alreadyLoggedInOnce": True,
    "routerConfig": {
        "netID": [0],
        "joinEui": [["string"]],
        "region": "string",
        "hwspec": "string",
        "freq_range": [0],
        "dRs": [[0]],
        "sx1301_conf": [{"property1": _CHANNEL, "property2": _CHANNEL}],
        "nocca": True,
        "nodc": True,
        "nodwell": True,
    },
}
_MODULE = {
    "moduleName": "string",
    "version": "string",
    "status": "string",
    "environmentVariables": {"property1": "string", "property2": "string"},
    "moduleIdentityTwinSettings": {"property1": "string", "property2": "string"},
}
SEED_GATEWAY: dict[str, Any] = {
    "deviceId": "string",
    "symmetricKey": "string",
    "connectionState": "string",
    "scope": "string",
    "endPoint": "string",
    "type": "string",
    "status": "string",
    "runtimeResponse": "string",
    "nbDevices": 0,
    "nbModules": 0,
    "environment": "string",
    "lastDeployment": {
        "name": "string",
        "dateCreation": "2019-08-24T14:15:22Z",
        "status": "string",
    },
    "modules": [_MODULE],
}
SEED_GATEWAY_MODULE = _MODULE
THUMBPRINT = "AB" * 20


def seed(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of a seed example with some fields changed (None removes one)."""
    result = copy.deepcopy(body)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


@pytest.fixture
async def client_for(hub: Hub) -> AsyncIterator[ClientFactory]:
    """`client_for(authorization)`: a Portal client sending that header (or none)."""
    opened: list[httpx.AsyncClient] = []

    async def ready() -> bool:
        return True

    app = build_http_app(hub, Metrics(), ready)

    def make(authorization: str | None) -> httpx.AsyncClient:
        headers = {"authorization": authorization} if authorization else {}
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"https://{HOST}", headers=headers
        )
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture
def portal(client_for: ClientFactory, policies: dict[str, Policy], clock: Clock) -> Any:
    """Signed with the iothubowner policy."""
    return client_for(service_token(policies["iothubowner"], clock))


@pytest.fixture
def anonymous(client_for: ClientFactory) -> Any:
    return client_for(None)


async def token_client(hub: Hub, client_for: ClientFactory, role: str) -> httpx.AsyncClient:
    _, text = await hub.api_tokens.create(SYSTEM, f"t-{role[:8]}", [RoleAssignment(role)], None)
    client: httpx.AsyncClient = client_for(text)
    return client


@pytest.fixture
async def admin(hub: Hub, client_for: ClientFactory) -> httpx.AsyncClient:
    return await token_client(hub, client_for, ADMINISTRATOR)


@pytest.fixture
async def operator(hub: Hub, client_for: ClientFactory) -> httpx.AsyncClient:
    return await token_client(hub, client_for, OPERATOR)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The RFC 7807 body of a failed call, checked for its shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "traceId"} <= set(body), body
    return body


async def new_model(portal: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    """A model created through POST /api/DeviceModels, with one valid command."""
    body = seed(
        SEED_DEVICE_MODEL,
        name="Temperature sensor",
        appEUI="70B3D57ED0000001",
        commands=[{"name": "on", "frame": "01FF", "port": 2}],
    )
    body.update(changes)
    response = await portal.post("/api/DeviceModels", json=body)
    assert response.status_code == 200, response.text
    model: dict[str, Any] = response.json()
    return model
