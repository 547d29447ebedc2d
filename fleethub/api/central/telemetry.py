"""/api/devices/{deviceId}/telemetry: send telemetry on a device's behalf (seed 001) and read
the latest value of one telemetry field."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from fleethub.api.central import wire
from fleethub.api.central.auth import Caller
from fleethub.http import HubDep, JsonResponse

router = APIRouter(tags=["IoT Central: telemetry"])


@router.post("/api/devices/{device_id:seg}/telemetry", status_code=204, summary="Send telemetry")
async def send_telemetry(hub: HubDep, who: Caller, device_id: str, request: Request) -> Response:
    """Stored whatever the model says; the verdict comes back in `x-fleethub-validation`."""
    record = await hub.central.telemetry.send(who, device_id, await request.body())
    headers = {"x-fleethub-validation": _printable(record.validation)} if record.validation else {}
    return Response(status_code=204, headers=headers)


def _printable(text: str) -> str:
    """A header-safe copy: reasons quote field names, which may hold any character."""
    return "".join(c if " " <= c <= "~" else f"\\u{ord(c):04x}" for c in text[:1024])


@router.get(
    "/api/devices/{device_id:seg}/telemetry/{name:seg}",
    summary="Get the latest value of a telemetry field",
)
async def latest_telemetry(hub: HubDep, who: Caller, device_id: str, name: str) -> JsonResponse:
    value = await hub.central.telemetry.latest(who, device_id, name)
    return JsonResponse(wire.telemetry_json(value))
