"""The registry's hottest reads, answered without FastAPI's routing and dependency solving.

GET of a device, a module or their twins is what back ends poll most, and issue #2 asks for a
p99 under 10 ms at 50 concurrent clients. FastAPI's route matching, dependency resolution and
response plumbing were about half of such a GET's CPU (py-spy, docs/performance.md).

`FastReads` sits in the middleware stack just inside `MetricsMiddleware` and answers exactly
these four GET routes with the same api-version check, authentication, body, headers and
errors as the routes in devices.py and twins.py; it calls the same `read_identity` and
`read_twin`. The routes stay declared: they give the OpenAPI document, and
tests/api/iothub/test_fast_reads.py checks that both paths answer alike. Every other request
passes through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

import orjson
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from fleethub.api.iothub import devices, twins
from fleethub.api.iothub.auth import authenticate, check_api_version
from fleethub.api.iothub.errors import hub_error_response
from fleethub.http import decode_segment
from fleethub.hub.auth.principal import Principal
from fleethub.hub.errors import HubError
from fleethub.hub.hub import Hub

Read = Callable[[Hub, Principal, str, str | None], Awaitable[tuple[dict[str, object], str]]]

#: (first path segment, has a module) → (the declared route's path, its answer).
_READS: dict[tuple[str, bool], tuple[str, Read]] = {
    ("devices", False): ("/devices/{device_id:seg}", devices.read_identity),
    ("devices", True): ("/devices/{device_id:seg}/modules/{module_id:seg}", devices.read_identity),
    ("twins", False): ("/twins/{device_id:seg}", twins.read_twin),
    ("twins", True): ("/twins/{device_id:seg}/modules/{module_id:seg}", twins.read_twin),
}
_JSON = b"application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class _Target:
    route: APIRoute  # set as scope["route"], so the metrics label the request as FastAPI would
    read: Read


def _targets() -> dict[tuple[str, bool], _Target]:
    """The declared GET routes the fast path stands in for; fails loudly if one is missing.

    The IoT Hub routers are mounted without a prefix, so a declared path is the request's.
    """
    declared = {
        r.path: r
        for r in devices.router.routes + twins.router.routes
        if isinstance(r, APIRoute) and "GET" in (r.methods or ())
    }
    return {key: _Target(declared[path], read) for key, (path, read) in _READS.items()}


def _split(path: str) -> tuple[tuple[str, bool], str, str | None] | None:
    """``/devices/{id}``, ``/twins/{id}`` or their ``/modules/{mid}`` forms, ids decoded."""
    parts = path.split("/")
    if len(parts) == 3 and parts[2]:
        return (parts[1], False), decode_segment(parts[2]), None
    if len(parts) == 5 and parts[3] == "modules" and parts[2] and parts[4]:
        return (parts[1], True), decode_segment(parts[2]), decode_segment(parts[4])
    return None


def _api_version(query: bytes) -> str | None:
    version = None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name == "api-version":
            version = value  # the last one counts, as in FastAPI's query parameters
    return version


def _authorization(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text: str = value.decode("latin-1")
            return text
    return None


class FastReads:
    def __init__(self, app: ASGIApp, hub: Hub) -> None:
        self.app = app
        self.hub = hub
        self.targets = _targets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        split = _split(scope["path"])
        target = self.targets.get(split[0]) if split is not None else None
        if split is None or target is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = target.route
        _, device_id, module_id = split
        try:
            check_api_version(_api_version(scope["query_string"]))
            who = authenticate(self.hub, scope["path"], _authorization(scope))
            body, etag = await target.read(self.hub, who, device_id, module_id)
        except HubError as error:
            await hub_error_response(Request(scope), error)(scope, receive, send)
            return
        content = orjson.dumps(body)
        headers = [
            (b"etag", f'"{etag}"'.encode("latin-1")),
            (b"content-length", str(len(content)).encode("latin-1")),
            (b"content-type", _JSON),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})
