"""Who may call the Portal API (issue #5, item 9): a portal session, an API token, or a
policy's SAS token; anonymous calls get 401; /OIDCSettings is for everyone."""

from __future__ import annotations

import httpx
from fastapi import Request

from fleethub.api.portal import auth, oidc
from fleethub.api.portal.errors import status_of
from fleethub.hub.auth.policies import Policy
from fleethub.hub.auth.principal import Permission, Principal
from fleethub.hub.errors import HubError
from tests.api.portal.conftest import SEED_DEVICE_MODEL, ClientFactory, problem, seed
from tests.conftest import Clock, service_token

MODEL = seed(SEED_DEVICE_MODEL, commands=[])


async def test_anonymous_calls_are_refused(anonymous: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/api/DeviceModels"),
        ("GET", "/api/Devices"),
        ("POST", "/api/Devices"),
        ("GET", "/api/Concentrators"),
        ("GET", "/api/Gateways"),
        ("GET", "/api/Configs"),
        ("DELETE", "/api/Commands/m/c"),
    ):
        response = await anonymous.request(method, path)
        assert "Sign in" in problem(response, 401)["detail"], path
        assert response.headers["www-authenticate"] == "Bearer, SharedAccessSignature"


async def test_bad_credentials_are_refused(client_for: ClientFactory) -> None:
    for header in (
        "Bearer nonsense",
        "SharedAccessSignature sr=x&sig=y&se=1&skn=iothubowner",
        "SharedAccessSignature garbage",
        "Basic dXNlcjpwYXNz",
    ):
        problem(await client_for(header).get("/api/Devices"), 401)


async def test_policy_tokens_work_plain_or_as_bearer(
    client_for: ClientFactory, policies: dict[str, Policy], clock: Clock
) -> None:
    token = service_token(policies["iothubowner"], clock)
    for header in (token, f"Bearer {token}"):
        client = client_for(header)
        assert (await client.get("/api/Devices")).status_code == 200
        assert (await client.post("/api/DeviceModels", json=MODEL)).status_code == 200


async def test_a_read_only_policy_reads_but_does_not_write(
    client_for: ClientFactory, policies: dict[str, Policy], clock: Clock
) -> None:
    reader = client_for(service_token(policies["registryRead"], clock))
    assert (await reader.get("/api/DeviceModels")).status_code == 200
    problem(await reader.post("/api/DeviceModels", json=MODEL), 403)
    writer = client_for(service_token(policies["registryReadWrite"], clock))
    assert (await writer.post("/api/DeviceModels", json=MODEL)).status_code == 200


async def test_operators_read_but_do_not_change_models(
    operator: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    assert (await operator.get("/api/DeviceModels")).status_code == 200
    problem(await operator.post("/api/DeviceModels", json=MODEL), 403)
    created = (await admin.post("/api/DeviceModels", json=MODEL)).json()
    command = {"name": "on", "frame": "01", "port": 1}
    problem(await operator.post(f"/api/Commands/{created['modelId']}", json=command), 403)
    assert (await admin.post(f"/api/Commands/{created['modelId']}", json=command)).is_success


async def test_a_portal_session_is_accepted_without_a_header(
    anonymous: httpx.AsyncClient,
) -> None:
    """The seam the web portal plugs its sign-in into (app.state.portal_sessions)."""

    async def sessions(request: Request) -> Principal | None:
        if request.cookies.get("session") != "alice":
            return None
        return Principal("portal:alice", Permission.REGISTRY_READ)

    app = anonymous._transport.app  # type: ignore[attr-defined]
    setattr(app.state, auth.SESSIONS, sessions)
    alice = await anonymous.get("/api/Devices", headers={"cookie": "session=alice"})
    assert alice.status_code == 200
    problem(await anonymous.get("/api/Devices", headers={"cookie": "session=eve"}), 401)


async def test_oidc_settings_are_public_and_hold_no_secret(
    anonymous: httpx.AsyncClient,
) -> None:
    empty = await anonymous.get("/OIDCSettings")
    assert empty.json() == {"authority": None, "metadataUrl": None, "clientId": None, "scope": None}
    app = anonymous._transport.app  # type: ignore[attr-defined]
    settings = oidc.OidcSettings(
        authority="https://login.example.com/tenant/v2.0",
        client_id="portal-client",
        scope="api://fleethub/.default",
        metadata_url="https://login.example.com/tenant/v2.0/.well-known/openid-configuration",
    )
    setattr(app.state, oidc.STATE, settings)
    for path in ("/OIDCSettings", "/oidcsettings", "/OIDCSETTINGS"):
        body = (await anonymous.get(path)).json()
        assert body == {
            "authority": "https://login.example.com/tenant/v2.0",
            "metadataUrl": settings.metadata_url,
            "clientId": "portal-client",
            "scope": "api://fleethub/.default",
        }
    problem(await anonymous.post("/OIDCSettings"), 405)


def test_an_unmapped_error_would_be_a_500() -> None:
    class Unforeseen(HubError):
        pass

    assert status_of(Unforeseen("x")) == 500
