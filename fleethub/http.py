"""HTTP plumbing the HTTP faces (api/*, web, device HTTPS) share and none owns.

Azure clients percent-encode ids in paths (`/devices/dev%2F1%23x`, wire spec §6.1) and most
frameworks decode `%2F` before routing. `RawPathMiddleware` makes routing see the raw path and
the `{name:seg}` convertor decodes each path segment on its own.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import quote, unquote

import orjson
from fastapi import Depends, Request, Response
from starlette.convertors import Convertor, register_url_convertor
from starlette.types import ASGIApp, Receive, Scope, Send

from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import Message


def decode_segment(value: str) -> str:
    """One percent-encoded path segment, decoded (``dev%2F1`` → ``dev/1``)."""
    return unquote(value)


class SegmentConvertor(Convertor[str]):
    """The `{name:seg}` path convertor: one segment, decoded by `decode_segment`."""

    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return decode_segment(value)

    def to_string(self, value: str) -> str:
        return quote(value, safe="")


register_url_convertor("seg", SegmentConvertor())


class RawPathMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            raw: bytes | None = scope.get("raw_path")
            if raw:
                scope = dict(scope)
                scope["path"] = raw.split(b"?", 1)[0].decode("latin-1")
        await self.app(scope, receive, send)


async def get_hub(request: Request) -> Hub:
    # async: FastAPI runs a plain `def` dependency in a worker thread, per request.
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


def request_id(request: Request) -> str:
    """The request's id, made on first use; every response carries it as x-ms-request-id."""
    state: Any = request.state
    if not hasattr(state, "request_id"):
        state.request_id = secrets.token_hex(16)
    value: str = state.request_id
    return value


class JsonResponse(Response):
    """JSON rendered with orjson (hand-built dicts on hot paths skip pydantic entirely)."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def etagged(body: Any, etag: str) -> JsonResponse:
    """A JSON answer with its ETag header, quoted as Azure sends it."""
    return JsonResponse(body, headers={"ETag": f'"{etag}"'})


#: IoT Hub's HTTP headers for a message's system properties (device and service side alike).
_SYSTEM_HEADERS = {
    "iothub-messageid": "message_id",
    "iothub-correlationid": "correlation_id",
    "iothub-userid": "user_id",
    "iothub-contentencoding": "content_encoding",
    "iothub-expiry": "expiry_time_utc",
}


def message_from_headers(request: Request, body: bytes) -> Message:
    """`iothub-app-*` headers are application properties, `iothub-*` ones system properties,
    Content-Type the content type."""
    message = Message(body=body)
    for name, value in request.headers.items():
        if name.startswith("iothub-app-"):
            message.properties[name[len("iothub-app-") :]] = value
        elif name in _SYSTEM_HEADERS:
            setattr(message, _SYSTEM_HEADERS[name], value)
    if request.headers.get("content-type"):
        message.content_type = request.headers["content-type"]
    return message
