"""Device-side HTTPS (seed 002 "Device Messaging"): send telemetry, receive and settle C2D.

A device authenticates with its own SAS token in the Authorization header; the id in the URL
must be the token's identity, never someone else's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from fleethub.http import HubDep, message_from_headers
from fleethub.hub.auth.devices import DeviceLogin, login
from fleethub.hub.clock import utc
from fleethub.hub.errors import Unauthorized
from fleethub.hub.hub import Hub

router = APIRouter(tags=["Device HTTPS"])


async def _device(hub: Hub, authorization: str | None, device_id: str) -> DeviceLogin:
    if not authorization:
        raise Unauthorized("The Authorization header is missing.")
    identity = await hub.registry.lookup(device_id, None)
    if identity is None:
        raise Unauthorized(f"No device '{device_id}' is registered.")
    return login(identity, authorization, None, hub.config.policies, hub.config.names, hub.clock())


async def device_login(
    hub: HubDep, device_id: str, authorization: Annotated[str | None, Header()] = None
) -> DeviceLogin:
    return await _device(hub, authorization, device_id)


Device = Annotated[DeviceLogin, Depends(device_login)]


@router.post("/devices/{device_id:seg}/messages/events", status_code=204, summary="Send telemetry")
async def send_event(hub: HubDep, device: Device, request: Request) -> Response:
    body = await request.body()
    message = message_from_headers(request, body)
    await hub.telemetry.ingest(device.identity.device_id, None, message, device.auth_method)
    return Response(status_code=204)


@router.get("/devices/{device_id:seg}/messages/deviceBound", summary="Receive a C2D message")
async def receive(hub: HubDep, device: Device) -> Response:
    taken = await hub.c2d.take(device.identity.device_id, 1)
    if not taken:
        return Response(status_code=204)
    c2d = taken[0]
    m = c2d.message
    headers = {
        "ETag": f'"{c2d.lock_token}"',
        "iothub-messageid": m.message_id or "",
        "iothub-to": f"/devices/{c2d.device_id}/messages/deviceBound",
        "iothub-enqueuedtime": utc(c2d.enqueued_time).strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "iothub-expiry": utc(c2d.expiry_time).strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "iothub-deliverycount": str(c2d.delivery_count),
        "iothub-sequencenumber": str(c2d.id),
        "iothub-ack": c2d.ack,
    }
    if m.correlation_id:
        headers["iothub-correlationid"] = m.correlation_id
    if m.user_id:
        headers["iothub-userid"] = m.user_id
    for key, value in m.properties.items():
        headers[f"iothub-app-{key}"] = value
    media_type = m.content_type or "application/octet-stream"
    return Response(m.body, status_code=200, headers=headers, media_type=media_type)


@router.delete(
    "/devices/{device_id:seg}/messages/deviceBound/{etag:seg}",
    status_code=204,
    summary="Complete (or, with ?reject, reject) a received C2D message",
)
async def settle(
    hub: HubDep,
    device: Device,
    etag: str,
    reject: Annotated[str | None, Query()] = None,
) -> Response:
    token = etag.strip('"')
    if reject is not None:
        await hub.c2d.reject(device.identity.device_id, token)
    else:
        await hub.c2d.complete(device.identity.device_id, token)
    return Response(status_code=204)


@router.post(
    "/devices/{device_id:seg}/messages/deviceBound/{etag:seg}/abandon",
    status_code=204,
    summary="Abandon a received C2D message (it is delivered again)",
)
async def abandon(hub: HubDep, device: Device, etag: str) -> Response:
    await hub.c2d.abandon(device.identity.device_id, etag.strip('"'))
    return Response(status_code=204)
