"""The IoT Central API's front door: api-version, API tokens (401), roles (403), the
/apiTokens endpoints and the application; every error in IoT Central's shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fleethub.hub.auth.roles import ADMINISTRATOR, BUILDER, OPERATOR
from fleethub.hub.hub import Hub
from tests.api.central.conftest import PREVIEW, THERMOSTAT_ID, ClientFactory, error_of, thermostat
from tests.conftest import Clock


@pytest.mark.parametrize("params", [{"api-version": ""}, {"api-version": "2021-04-12"}])
async def test_api_version_is_required_and_checked(
    central: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await central.get("/api/devices", params=params)
    assert response.status_code == 400
    assert "2022-07-31 or 2022-10-31-preview" in error_of(response)["message"]


async def test_both_versions_are_served(central: httpx.AsyncClient) -> None:
    for version in ("2022-07-31", PREVIEW):
        response = await central.get("/api/apps/app", params={"api-version": version})
        assert response.status_code == 200


async def test_missing_api_version(client_for: ClientFactory) -> None:
    client: httpx.AsyncClient = await client_for(None)
    client.params = httpx.QueryParams()
    response = await client.get("/api/devices")
    assert response.status_code == 400
    assert "api-version query parameter is required" in error_of(response)["message"]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "SharedAccessSignature sr=x&sig=y&se=1&skn=admin", "Basic dXNlcjpwdw=="],
)
async def test_without_a_valid_token_it_is_401(
    central: httpx.AsyncClient, client_for: ClientFactory, header: str | None
) -> None:
    client: httpx.AsyncClient = await client_for(header)
    response = await client.get("/api/devices")
    assert response.status_code == 401
    assert error_of(response)["code"] == "Unauthorized"
    assert response.headers["www-authenticate"] == "SharedAccessSignature"


async def test_bearer_and_expiry(
    central: httpx.AsyncClient, client_for: ClientFactory, clock: Clock
) -> None:
    created = await central.put(
        "/api/apiTokens/short",
        json={"roles": [{"role": OPERATOR}], "expiry": "2030-01-01T00:00:00Z"},
    )
    text = created.json()["token"]
    bearer: httpx.AsyncClient = await client_for(f"Bearer {text}")
    assert (await bearer.get("/api/devices")).status_code == 200
    clock.now = 1893456000.0  # 2030-01-01
    assert (await bearer.get("/api/devices")).status_code == 401


async def test_get_application(central: httpx.AsyncClient, hub: Hub) -> None:
    body = (await central.get("/api/apps/app")).json()
    assert body == {
        "id": hub.central.info.id,
        "displayName": "fleethub",
        "template": "iotc-pnp-preview",
        "location": "self-hosted",
        "state": "Running",
        "createdTime": "1970-01-01T00:00:00.000Z",
        "lastUpdatedTime": "1970-01-01T00:00:00.000Z",
    }


async def test_api_tokens_lifecycle(central: httpx.AsyncClient, client_for: ClientFactory) -> None:
    body = {"roles": [{"role": BUILDER}, {"role": OPERATOR, "organization": "seattle"}]}
    created = await central.put("/api/apiTokens/testtoken", json=body)
    assert created.status_code == 200
    token = created.json()
    assert set(token) == {"id", "roles", "expiry", "token"}
    assert token["roles"] == body["roles"]
    assert token["token"].startswith("SharedAccessSignature sr=")
    listed = (await central.get("/api/apiTokens")).json()["value"]
    assert [t["id"] for t in listed] == ["admin", "testtoken"]
    assert all("token" not in t for t in listed)
    shown = (await central.get("/api/apiTokens/testtoken")).json()
    assert shown == {k: v for k, v in token.items() if k != "token"}
    builder: httpx.AsyncClient = await client_for(token["token"])
    assert (await builder.get("/api/devices")).status_code == 200
    assert (await central.delete("/api/apiTokens/testtoken")).status_code == 204
    assert (await builder.get("/api/devices")).status_code == 401
    assert error_of(await central.get("/api/apiTokens/testtoken"))["code"] == "NotFound"
    assert (await central.delete("/api/apiTokens/testtoken")).status_code == 404


@pytest.mark.parametrize(
    ("token_id", "body", "status", "message"),
    [
        ("admin", {"roles": [{"role": ADMINISTRATOR}]}, 409, "already exists"),
        ("t", {"roles": []}, 400, "roles"),
        ("t", {}, 400, "roles"),
        ("t", {"roles": [{"role": "not-a-role"}]}, 400, "is not one of"),
        ("t", {"roles": [{"role": OPERATOR}], "expiry": "2001-01-01T00:00:00Z"}, 400, "expiry"),
        ("t", {"roles": [{"role": OPERATOR}], "expiry": "soon"}, 400, "expiry"),
        ("t%20t", {"roles": [{"role": OPERATOR}]}, 400, "Token id"),
    ],
)
async def test_api_token_errors(
    central: httpx.AsyncClient, token_id: str, body: Any, status: int, message: str
) -> None:
    response = await central.put(f"/api/apiTokens/{token_id}", json=body)
    assert response.status_code == status
    assert message in error_of(response)["message"]


async def test_a_naive_expiry_is_utc(central: httpx.AsyncClient) -> None:
    body = {"roles": [{"role": OPERATOR}], "expiry": "2030-01-01T00:00:00"}
    token = (await central.put("/api/apiTokens/t", json=body)).json()
    assert token["expiry"] == "2030-01-01T00:00:00.000Z"


async def test_the_role_matrix_over_http(
    central: httpx.AsyncClient, builder: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    """Operators cannot change templates; only administrators manage API tokens."""
    template = f"/api/deviceTemplates/{THERMOSTAT_ID}"
    token = {"roles": [{"role": OPERATOR}]}
    expected = {
        ("operator", "PUT", template): 403,
        ("builder", "PUT", template): 200,
        ("operator", "PUT", "/api/apiTokens/x1"): 403,
        ("builder", "PUT", "/api/apiTokens/x2"): 403,
        ("admin", "PUT", "/api/apiTokens/x3"): 200,
        ("operator", "GET", "/api/apiTokens"): 403,
        ("builder", "DELETE", "/api/apiTokens/admin"): 403,
        ("operator", "GET", template): 200,
        ("operator", "PUT", "/api/devices/op"): 200,
        ("operator", "PATCH", "/api/devices/op"): 200,
        ("operator", "GET", "/api/devices"): 200,
        ("operator", "GET", "/api/apps/app"): 200,
        ("operator", "DELETE", "/api/devices/op"): 204,
        ("operator", "DELETE", template): 403,
    }
    clients = {"admin": central, "builder": builder, "operator": operator}
    for (who, method, path), status in expected.items():
        body = thermostat() if "Templates" in path else token if "Tokens" in path else {}
        response = await clients[who].request(
            method, path, json=body if method in ("PUT", "PATCH") else None
        )
        assert response.status_code == status, (who, method, path, response.text)
        if status == 403:
            assert error_of(response)["code"] == "Forbidden"


async def test_unknown_routes_and_methods_answer_in_central_shape(
    central: httpx.AsyncClient,
) -> None:
    missing = await central.get("/api/nothing")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "NotFound"
    wrong = await central.post("/api/apps/app")
    assert wrong.status_code == 405
    assert error_of(wrong)["code"] == "MethodNotAllowed"
