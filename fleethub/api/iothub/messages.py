"""Messages seen from the service: C2D send (a fleethub extension until the AMQP endpoint
exists), queue purge, feedback, and reading stored telemetry (a fleethub extension)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from starlette.responses import StreamingResponse

from fleethub.api.iothub.auth import Caller
from fleethub.api.iothub.wire import time_text
from fleethub.http import HubDep, JsonResponse, etagged, message_from_headers
from fleethub.hub.clock import utc
from fleethub.hub.messaging.message import D2CRecord
from fleethub.hub.messaging.telemetry import ReadRange

router = APIRouter(tags=["Messaging"])


@router.post(
    "/messages/deviceBound/{device_id:seg}",
    status_code=204,
    summary="Send a cloud-to-device message (fleethub extension; Azure uses AMQP for this)",
)
async def send_c2d(
    hub: HubDep,
    who: Caller,
    request: Request,
    device_id: str,
    iothub_ack: Annotated[str, Header()] = "none",
    iothub_ttl: Annotated[float | None, Header(description="Time to live in seconds")] = None,
) -> Response:
    message = message_from_headers(request, await request.body())
    queued = await hub.c2d.send(who, device_id, message, iothub_ack, iothub_ttl)
    return Response(status_code=204, headers={"iothub-messageid": queued.message.message_id or ""})


@router.delete("/devices/{device_id:seg}/commands", summary="Purge a device's C2D queue")
async def purge_queue(hub: HubDep, who: Caller, device_id: str) -> JsonResponse:
    purged = await hub.c2d.purge(who, device_id)
    return JsonResponse({"totalMessagesPurged": purged, "deviceId": device_id, "moduleId": None})


@router.get("/messages/serviceBound/feedback", summary="Receive C2D feedback records")
async def receive_feedback(hub: HubDep, who: Caller) -> Response:
    batch = await hub.c2d.receive_feedback(who)
    if batch is None:
        return Response(status_code=204)
    body = [
        {
            "originalMessageId": r.original_message_id,
            "deviceId": r.device_id,
            "deviceGenerationId": r.device_generation_id,
            "statusCode": r.status_code,
            "description": r.description,
            "enqueuedTimeUtc": time_text(utc(r.enqueued_time)),
        }
        for r in batch.records
    ]
    return etagged(body, batch.lock_token)


@router.delete(
    "/messages/serviceBound/feedback/{lock_token:seg}",
    status_code=204,
    summary="Complete a feedback batch",
)
async def complete_feedback(hub: HubDep, who: Caller, lock_token: str) -> Response:
    await hub.c2d.settle_feedback(who, lock_token.strip('"'), complete=True)
    return Response(status_code=204)


@router.post(
    "/messages/serviceBound/feedback/{lock_token:seg}/abandon",
    status_code=204,
    summary="Abandon a feedback batch (it is delivered again)",
)
async def abandon_feedback(hub: HubDep, who: Caller, lock_token: str) -> Response:
    await hub.c2d.settle_feedback(who, lock_token.strip('"'), complete=False)
    return Response(status_code=204)


def record_json(record: D2CRecord) -> dict[str, Any]:
    m = record.message
    system = {
        "messageId": m.message_id,
        "correlationId": m.correlation_id,
        "userId": m.user_id,
        "contentType": m.content_type,
        "contentEncoding": m.content_encoding,
        "expiryTimeUtc": m.expiry_time_utc,
        "outputName": m.output_name,
        "interfaceId": m.interface_id,
        "componentName": m.component,
    }
    try:
        body: Any = m.body.decode()
    except UnicodeDecodeError:
        body = None
    return {
        "sequenceNumber": record.sequence_number,
        "deviceId": record.device_id,
        "moduleId": record.module_id,
        "enqueuedTime": time_text(utc(record.enqueued_time)),
        "authMethod": record.auth_method,
        "messageSource": record.source,
        "validation": record.validation,
        "systemProperties": {k: v for k, v in system.items() if v is not None},
        "properties": m.properties,
        "body": body,
        "bodyBase64": None if body is not None else base64.b64encode(m.body).decode(),
    }


@router.get(
    "/devices/{device_id:seg}/messages/events",
    summary="Read a device's stored telemetry (fleethub extension)",
)
async def read_events(
    hub: HubDep,
    who: Caller,
    device_id: str,
    since: Annotated[float | None, Query(description="Enqueued at or after (epoch s)")] = None,
    until: Annotated[float | None, Query(description="Enqueued before (epoch s)")] = None,
    after: Annotated[int | None, Query(description="Sequence numbers after this one")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JsonResponse:
    records = await hub.telemetry.read(who, ReadRange(device_id, since, until, after, limit))
    return JsonResponse([record_json(r) for r in records])


@router.get(
    "/messages/events/stream",
    summary="Live stream of incoming telemetry as Server-Sent Events (fleethub extension)",
)
async def stream_events(
    hub: HubDep,
    who: Caller,
    request: Request,
    device_id: Annotated[str | None, Query(alias="deviceId")] = None,
) -> StreamingResponse:
    queue: asyncio.Queue[D2CRecord] = asyncio.Queue(maxsize=1000)

    def deliver(record: D2CRecord) -> None:
        if (device_id is None or record.device_id == device_id) and not queue.full():
            queue.put_nowait(record)  # a slow reader drops messages rather than the hub

    hub.telemetry.subscribe(who, deliver)

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b": connected\n\n"
            while not await request.is_disconnected():
                try:
                    record = await asyncio.wait_for(queue.get(), 15)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                data = orjson.dumps(record_json(record))
                yield b"event: telemetry\nid: %d\ndata: %s\n\n" % (record.sequence_number, data)
        finally:
            hub.telemetry.unsubscribe(deliver)

    return StreamingResponse(events(), media_type="text/event-stream")
