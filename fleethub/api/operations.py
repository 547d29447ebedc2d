"""Operational endpoints: /health/live, /health/ready and /metrics (Prometheus)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from fleethub.http import HubDep, JsonResponse
from fleethub.hub.auth.principal import SYSTEM
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
    async def scrape(hub: HubDep) -> Response:
        counts = await hub.registry.statistics(SYSTEM)
        metrics.devices.labels("enabled").set(counts.enabled)
        metrics.devices.labels("disabled").set(counts.disabled)
        metrics.devices.labels("connected").set(counts.connected)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return ops
