"""The fast path for GET of identities and twins answers exactly as the FastAPI routes do.

`api` goes through the whole app, where `FastReads` answers these GETs; `routed` is the same
app over the same hub without `FastReads`, so the declared routes answer. Every request is
sent to both and the answers compared: status, body (but for tracking ids and timestamps
in error bodies) and the headers clients read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from fleethub.api.iothub.fast_reads import FastReads
from fleethub.app import build_http_app
from fleethub.http import RawPathMiddleware
from fleethub.hub.auth.policies import Policy
from fleethub.hub.hub import Hub
from fleethub.metrics import Metrics
from tests.conftest import HOST, Clock, service_token, signed_client

COMPARED_HEADERS = ("etag", "content-type", "iothub-errorcode", "www-authenticate")


async def _ready() -> bool:
    return True


@pytest.fixture
async def routed(
    hub: Hub, policies: dict[str, Policy], clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    """The app without FastReads: the declared FastAPI routes answer every GET."""
    app = build_http_app(hub, Metrics(), _ready)
    kept = [m for m in app.user_middleware if m.cls is not FastReads]  # type: ignore[comparison-overlap]
    assert len(kept) == len(app.user_middleware) - 1
    app.user_middleware = kept
    async with signed_client(app, policies, clock) as client:
        yield client


@pytest.fixture
async def fleet(api: httpx.AsyncClient) -> None:
    for device in ("d1", "d.1:x=y"):
        assert (await api.put(f"/devices/{device}", json={"deviceId": device})).status_code == 200
    module = await api.put("/devices/d1/modules/m1", json={"deviceId": "d1", "moduleId": "m1"})
    assert module.status_code == 200
    twin = {"tags": {"floor": "c"}, "properties": {"desired": {"setpoint": 21}}}
    assert (await api.patch("/twins/d1", json=twin)).status_code == 200


def _comparable(response: httpx.Response) -> tuple[int, object, dict[str, str]]:
    body = response.json()
    if isinstance(body, dict):
        body.pop("ExceptionMessage", None)  # a tracking id and a timestamp, new every time
    headers = {
        name: response.headers[name] for name in COMPARED_HEADERS if name in response.headers
    }
    return response.status_code, body, headers


async def _same(
    api: httpx.AsyncClient, routed: httpx.AsyncClient, url: str, **kwargs: object
) -> httpx.Response:
    fast = await api.get(url, **kwargs)  # type: ignore[arg-type]
    slow = await routed.get(url, **kwargs)  # type: ignore[arg-type]
    assert _comparable(fast) == _comparable(slow), url
    return fast


@pytest.mark.usefixtures("fleet")
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/devices/d1", 200),
        ("/devices/d.1%3Ax%3Dy", 200),
        ("/devices/d1/modules/m1", 200),
        ("/twins/d1", 200),
        ("/twins/d1/modules/m1", 200),
        ("/devices/nobody", 404),
        ("/devices/d1/modules/nobody", 404),
        ("/twins/nobody", 404),
        ("/twins/d1/modules/nobody", 404),
        ("/devices/d1/modules", 200),  # a list: not a fast route, passed through
        ("/devices/query", 404),  # GET of a device called "query", as routed
    ],
)
async def test_reads_answer_as_the_routes_do(
    api: httpx.AsyncClient, routed: httpx.AsyncClient, url: str, status: int
) -> None:
    response = await _same(api, routed, url)
    assert response.status_code == status


@pytest.mark.usefixtures("fleet")
async def test_bodies_carry_the_identity_and_the_etag(
    api: httpx.AsyncClient, routed: httpx.AsyncClient
) -> None:
    device = await _same(api, routed, "/devices/d.1%3Ax%3Dy")
    assert device.json()["deviceId"] == "d.1:x=y"
    assert device.headers["etag"] == f'"{device.json()["etag"]}"'
    twin = await _same(api, routed, "/twins/d1")
    assert twin.json()["tags"] == {"floor": "c"}
    assert twin.json()["properties"]["desired"]["setpoint"] == 21
    assert twin.headers["etag"] == f'"{twin.json()["etag"]}"'


@pytest.mark.usefixtures("fleet")
@pytest.mark.parametrize(
    "params",
    [
        {"api-version": ""},
        {"api-version": "2001-01-01"},
        [("api-version", "2001-01-01"), ("api-version", "2021-04-12")],  # the last one counts
        [("api-version", "2021-04-12"), ("api-version", "2001-01-01")],
    ],
)
async def test_api_version_rules_are_the_same(
    api: httpx.AsyncClient, routed: httpx.AsyncClient, params: object
) -> None:
    await _same(api, routed, "/devices/d1", params=params)


@pytest.mark.usefixtures("fleet")
async def test_a_missing_api_version_is_400_on_both(hub: Hub, policies: dict[str, Policy]) -> None:
    app = build_http_app(hub, Metrics(), _ready)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"https://{HOST}"
    ) as bare:
        response = await bare.get("/devices/d1")
    assert response.status_code == 400
    assert response.json()["Message"].startswith("ErrorCode:ArgumentInvalid;")


@pytest.mark.usefixtures("fleet")
@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        ("", 401),
        ("SharedAccessSignature sr=localhost&sig=AAAA&se=9999999999&skn=iothubowner", 401),
        ("Bearer something", 401),
        (None, 403),  # the device policy: no RegistryRead
    ],
)
async def test_auth_failures_are_the_same(
    api: httpx.AsyncClient,
    routed: httpx.AsyncClient,
    policies: dict[str, Policy],
    clock: Clock,
    authorization: str | None,
    status: int,
) -> None:
    header = authorization
    if header is None:
        header = service_token(policies["device"], clock)
    for url in ("/devices/d1", "/twins/d1/modules/m1"):
        response = await _same(api, routed, url, headers={"authorization": header})
        assert response.status_code == status


@pytest.mark.usefixtures("fleet")
async def test_a_token_for_another_device_does_not_read_this_one(
    api: httpx.AsyncClient, routed: httpx.AsyncClient, policies: dict[str, Policy], clock: Clock
) -> None:
    scoped = service_token(policies["iothubowner"], clock, host=f"{HOST}/devices/d2")
    response = await _same(api, routed, "/devices/d1", headers={"authorization": scoped})
    assert response.status_code == 401


async def _never(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError(f"passed through: {scope['method']} {scope['path']}")


@pytest.mark.usefixtures("fleet")
async def test_fast_reads_answer_on_their_own(
    hub: Hub, policies: dict[str, Policy], clock: Clock
) -> None:
    """Nothing behind FastReads is called for the four reads; other requests reach it."""
    app = RawPathMiddleware(FastReads(_never, hub=hub))
    headers = {"authorization": service_token(policies["iothubowner"], clock)}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=f"https://{HOST}",
        params={"api-version": "2021-04-12"},
        headers=headers,
    ) as client:
        for url in ("/devices/d1", "/devices/d1/modules/m1", "/twins/d1", "/twins/d1/modules/m1"):
            assert (await client.get(url)).status_code == 200, url
        assert (await client.get("/devices/nobody")).status_code == 404
        for method, url in (("GET", "/devices"), ("PUT", "/devices/d1"), ("HEAD", "/twins/d1")):
            with pytest.raises(AssertionError, match="passed through"):
                await client.request(method, url)


@pytest.mark.usefixtures("fleet")
async def test_fast_reads_are_counted_under_their_route(api: httpx.AsyncClient) -> None:
    await api.get("/devices/d1")
    await api.get("/devices/nobody")
    metrics = (await api.get("/metrics")).text
    route = 'route="/devices/{device_id:seg}"'
    assert f'fleethub_http_requests_total{{method="GET",{route},status="200"}} 1.0' in metrics
    assert f'fleethub_http_requests_total{{method="GET",{route},status="404"}} 1.0' in metrics
