"""HttpSourceHub: paging, keys, retries and how each failure is reported.

Scripted with httpx.MockTransport: Azure's throttling (429), server errors and malformed
answers cannot be produced on demand by a real hub.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import unquote

import httpx
import pytest

from fleethub.hub.auth import sas
from fleethub.hub.errors import RemoteUnreachable, Unauthorized
from fleethub.hub.jobs.job import RemoteDevice, SourceCredentials
from fleethub.remote.iothub import HttpSourceHub

KEY = base64.b64encode(b"k" * 32).decode()
CREDENTIALS = SourceCredentials("hub.example.net", "iothubowner", KEY)
Handler = Callable[[httpx.Request], httpx.Response]


def source(handler: Handler, **options: object) -> HttpSourceHub:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpSourceHub(client, lambda: 1_000_000.0, backoff=0.001, **options)  # type: ignore[arg-type]


async def collect(hub: HttpSourceHub) -> list[list[RemoteDevice]]:
    return [page async for page in hub.devices(CREDENTIALS)]


def twin(device_id: str, **extra: object) -> dict[str, object]:
    return {
        "deviceId": device_id,
        "status": "enabled",
        "authenticationType": "sas",
        "tags": {"a": 1},
        "properties": {"desired": {"x": 1, "$metadata": {}, "$version": 2}},
        **extra,
    }


async def test_pages_twins_and_reads_keys() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/devices/query":
            if request.headers.get("x-ms-continuation") == "next":
                return httpx.Response(
                    200,
                    json=[
                        twin(
                            "d2",
                            authenticationType="selfSigned",
                            x509Thumbprint={"primaryThumbprint": "AB"},
                        )
                    ],
                )
            return httpx.Response(200, json=[twin("d1")], headers={"x-ms-continuation": "next"})
        keys = {"symmetricKey": {"primaryKey": "p", "secondaryKey": "s"}}
        return httpx.Response(200, json={"deviceId": "d1", "authentication": keys})

    pages = await collect(source(handler))  # fmt: skip
    assert [[d.device_id for d in page] for page in pages] == [["d1"], ["d2"]]
    first, second = pages[0][0], pages[1][0]
    assert (first.primary_key, first.secondary_key, first.desired) == ("p", "s", {"x": 1})
    assert (second.auth_type, second.primary_thumbprint) == ("selfSigned", "AB")
    assert [r.url.path for r in seen] == ["/devices/query", "/devices/d1", "/devices/query"]
    token = sas.parse(seen[0].headers["authorization"])
    assert (token.skn, unquote(token.sr), token.se) == ("iothubowner", "hub.example.net", 1_003_600)
    sas.verify(token, [KEY], 1_000_000.0)
    assert seen[0].url.params["api-version"] == "2021-04-12"
    assert seen[0].headers["x-ms-max-item-count"] == "100"


async def test_throttling_and_server_errors_are_retried() -> None:
    answers = iter([httpx.Response(429, headers={"retry-after": "0"}), httpx.Response(503)])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json=[]))

    assert await collect(source(handler)) == [[]]


async def test_a_device_deleted_meanwhile_is_skipped() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/devices/query":
            return httpx.Response(200, json=[twin("gone")])
        return httpx.Response(404, json={"Message": "ErrorCode:DeviceNotFound;"})

    assert await collect(source(handler)) == [[]]


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_secret_is_unauthorized(status: int) -> None:
    with pytest.raises(Unauthorized):
        await collect(source(lambda request: httpx.Response(status)))


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(500), "answered POST devices with HTTP 500"),
        (httpx.Response(400), "answered POST devices with HTTP 400"),
        (httpx.Response(200, text="<html>"), "did not answer like an IoT hub"),
        (httpx.Response(200, json={"not": "a list"}), "did not answer like an IoT hub"),
        (httpx.Response(200, json=[{"no": "id"}]), "sent a twin without deviceId"),
    ],
)
async def test_nonsense_is_reported_plainly(response: httpx.Response, message: str) -> None:
    with pytest.raises(RemoteUnreachable, match=message):
        await collect(source(lambda request: response, attempts=2))


async def test_network_failures_name_the_host_only() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(RemoteUnreachable) as caught:
        await collect(source(handler))
    assert caught.value.message == (
        "Could not reach the source hub hub.example.net: "
        "connection failed: [Errno 111] Connection refused."
    )
    assert KEY not in caught.value.message


async def test_timeouts() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(RemoteUnreachable, match="timed out"):
        await collect(source(handler, attempts=1))
