"""Service authentication: SAS tokens signed with a policy key (401/403 in Azure's body)."""

from __future__ import annotations

import httpx
import pytest

from fleethub.hub.auth.policies import Policy
from tests.api.iothub.test_devices import error_code
from tests.conftest import Clock, service_token


async def test_missing_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.get("/devices", headers={"authorization": ""})
    assert response.status_code == 401
    assert error_code(response) == "IotHubUnauthorizedAccess"
    assert response.headers["iothub-errorcode"] == "IotHubUnauthorizedAccess"
    assert "Tracking ID:" in response.json()["ExceptionMessage"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer abc",
        "SharedAccessSignature sr=localhost&se=1",
        "SharedAccessSignature sr=localhost&sig=x&se=notanumber&skn=iothubowner",
        "SharedAccessSignature sr=localhost&sig=AAAA&se=99999999999&skn=iothubowner",
        "SharedAccessSignature sr=localhost&sig=AAAA&se=99999999999&skn=nosuchpolicy",
    ],
)
async def test_malformed_or_forged_tokens_are_401(api: httpx.AsyncClient, header: str) -> None:
    response = await api.get("/devices", headers={"authorization": header})
    assert response.status_code == 401


async def test_expired_token_is_401(
    api: httpx.AsyncClient, policies: dict[str, Policy], clock: Clock
) -> None:
    token = service_token(policies["iothubowner"], clock)
    clock.now += 7200
    response = await api.get("/devices", headers={"authorization": token})
    assert response.status_code == 401
    assert "expired" in response.json()["Message"]


async def test_token_for_another_hub_is_401(
    api: httpx.AsyncClient, policies: dict[str, Policy], clock: Clock
) -> None:
    token = service_token(policies["iothubowner"], clock, host="otherhub.example.net")
    assert (await api.get("/devices", headers={"authorization": token})).status_code == 401


async def test_secondary_key_and_ip_host_are_accepted(
    api: httpx.AsyncClient, policies: dict[str, Policy], clock: Clock
) -> None:
    owner = policies["iothubowner"]
    swapped = Policy(owner.name, owner.secondary_key, owner.primary_key, owner.rights)
    token = service_token(swapped, clock, host="127.0.0.1:8443")
    assert (await api.get("/devices", headers={"authorization": token})).status_code == 200


@pytest.mark.parametrize(
    ("policy", "method", "path", "status"),
    [
        ("registryRead", "GET", "/devices", 200),
        ("registryRead", "PUT", "/devices/d9", 403),
        ("registryReadWrite", "PUT", "/devices/d9", 200),
        ("service", "GET", "/devices", 403),
        ("service", "GET", "/twins/d0", 200),
        ("service", "PUT", "/devices/d9", 403),
        ("device", "GET", "/twins/d0", 403),
        ("device", "GET", "/statistics/devices", 403),
    ],
)
async def test_permissions_per_policy(
    api: httpx.AsyncClient,
    policies: dict[str, Policy],
    clock: Clock,
    policy: str,
    method: str,
    path: str,
    status: int,
) -> None:
    await api.put("/devices/d0", json={})
    token = service_token(policies[policy], clock)
    response = await api.request(method, path, json={}, headers={"authorization": token})
    assert response.status_code == status
    if status == 403:
        assert error_code(response) == "IotHubUnauthorizedAccess"


async def test_api_version_is_required_and_checked(api: httpx.AsyncClient) -> None:
    transport = api._transport
    async with httpx.AsyncClient(transport=transport, base_url=str(api.base_url)) as bare:
        missing = await bare.get("/devices", headers={"authorization": "x"})
        assert missing.status_code == 400
        assert "api-version" in missing.json()["Message"]
        unknown = await bare.get("/devices?api-version=1999-01-01")
        assert unknown.status_code == 400


async def test_unknown_route_is_404_in_azure_shape(api: httpx.AsyncClient) -> None:
    response = await api.get("/nothing/here")
    assert response.status_code == 404
    assert response.json()["Message"].startswith("ErrorCode:")
