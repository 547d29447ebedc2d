"""Operational endpoints: /health/live, /health/ready and /metrics (Prometheus).

The health checks answer anyone (balancers probe them without credentials and they tell
nothing but up or down). /metrics tells device counts and traffic, so it asks for a service
SAS token as the rest of the IoT Hub API does: a policy with RegistryRead or ServiceConnect.
`fleethub sas-token` makes a long-lived one for Prometheus (docs/configuration.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from fleethub.api.iothub.auth import authenticate
from fleethub.http import HubDep, JsonResponse
from fleethub.hub.auth.principal import SYSTEM, Permission, require
from fleethub.metrics import Metrics


def router(ready: Callable[[], Awaitable[bool]], metrics: Metrics) -> APIRouter:
    ops = APIRouter(tags=["Operations"])

    @ops.get("/health/live", summary="The process is up")
    async def live() -> JsonResponse:
        return JsonResponse({"status": "live"})

    @ops.get("/health/ready", summary="The store (and bus) answer; safe to route traffic here")
    async def readiness() -> JsonResponse:
        if await ready():
            return JsonResponse({"status": "ready"})
        return JsonResponse({"status": "not ready"}, status_code=503)

    @ops.get("/metrics", summary="Prometheus metrics", include_in_schema=True)
    async def scrape(request: Request, hub: HubDep) -> Response:
        who = authenticate(hub, request.scope["path"], request.headers.get("authorization"))
        require(who, Permission.REGISTRY_READ, Permission.SERVICE_CONNECT)
        counts = await hub.registry.statistics(SYSTEM)
        metrics.devices.labels("enabled").set(counts.enabled)
        metrics.devices.labels("disabled").set(counts.disabled)
        metrics.devices.labels("connected").set(counts.connected)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return ops
