"""A device's telemetry: chart data per model telemetry field over a time range, and the
live message stream as server-sent events."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from typing import Any

from fastapi import Query, Request
from fastapi.responses import StreamingResponse

from fleethub.http import HubDep, JsonResponse
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import D2CRecord
from fleethub.hub.messaging.telemetry import MAX_READ, ReadRange
from fleethub.web.capabilities import capabilities_of
from fleethub.web.routing import UserDep, page_router
from fleethub.web.sessions import User

router = page_router()
RANGES = {"15m": 900, "1h": 3600, "6h": 6 * 3600, "24h": 86400}
MAX_POINTS = 600
MAX_PAGES = 10
KEEPALIVE_SECONDS = 15.0
MAX_FIELDS = 8


def values_of(record: D2CRecord, fields: list[str] | None) -> dict[str, float]:
    """Numeric values in a JSON message body: the named fields, or every numeric key."""
    try:
        body = json.loads(record.message.body)
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(body, dict):
        return {}
    names = fields if fields else list(body)[:MAX_FIELDS]
    return {
        name: float(body[name])
        for name in names
        if isinstance(body.get(name), int | float) and not isinstance(body.get(name), bool)
    }


def downsample(points: list[tuple[float, dict[str, float]]], limit: int) -> list[Any]:
    """At most `limit` points: consecutive points averaged per field."""
    if len(points) <= limit:
        return points
    size = -(-len(points) // limit)
    result = []
    for start in range(0, len(points), size):
        chunk = points[start : start + size]
        sums: dict[str, list[float]] = {}
        for _, values in chunk:
            for name, value in values.items():
                sums.setdefault(name, []).append(value)
        averaged = {name: sum(v) / len(v) for name, v in sums.items()}
        result.append((chunk[-1][0], averaged))
    return result


@router.get("/devices/{device_id:seg}/telemetry.json", name="device_telemetry")
async def telemetry(
    device_id: str, hub: HubDep, user: UserDep, span: str = Query("1h", alias="range")
) -> JsonResponse:
    identity = await hub.registry.get(user.principal, device_id, None)
    fields = (await capabilities_of(hub, identity.model_id)).telemetry or None
    now = time.time()
    since = now - RANGES.get(span, 3600)
    points: list[tuple[float, dict[str, float]]] = []
    after = None
    for _ in range(MAX_PAGES):
        window = ReadRange(device_id, since, now, after, MAX_READ)
        records = await hub.telemetry.read(user.principal, window)
        points += [(r.enqueued_time, values_of(r, fields)) for r in records]
        if len(records) < MAX_READ:
            break
        after = records[-1].sequence_number
    points = [p for p in points if p[1]]
    names = fields or sorted({name for _, values in points for name in values})[:MAX_FIELDS]
    sampled = downsample(points, MAX_POINTS)
    series = {name: [values.get(name) for _, values in sampled] for name in names}
    return JsonResponse({"t": [t for t, _ in sampled], "series": series, "since": since})


def event_of(record: D2CRecord, fields: list[str] | None) -> str:
    body = record.message.body.decode("utf-8", "replace")
    data = {
        "t": record.enqueued_time,
        "seq": record.sequence_number,
        "body": body[:4096],
        "properties": record.message.properties,
        "values": values_of(record, fields),
        "validation": record.validation,
    }
    return f"event: message\ndata: {json.dumps(data)}\n\n"


async def stream_events(
    request: Request, hub: Hub, user: User, device_id: str, fields: list[str] | None
) -> AsyncGenerator[str, None]:
    """Server-sent events for the device's messages until the browser goes away."""
    queue: asyncio.Queue[D2CRecord] = asyncio.Queue(maxsize=500)

    def deliver(record: D2CRecord) -> None:
        if record.device_id == device_id and not queue.full():
            queue.put_nowait(record)

    hub.telemetry.subscribe(user.principal, deliver)
    try:
        yield ": connected\n\n"
        while not await request.is_disconnected():
            try:
                record = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            yield event_of(record, fields)
    finally:
        hub.telemetry.unsubscribe(deliver)


@router.get("/devices/{device_id:seg}/stream", name="device_stream")
async def stream(request: Request, device_id: str, hub: HubDep, user: UserDep) -> StreamingResponse:
    identity = await hub.registry.get(user.principal, device_id, None)
    fields = (await capabilities_of(hub, identity.model_id)).telemetry or None
    return StreamingResponse(
        stream_events(request, hub, user, device_id, fields),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
