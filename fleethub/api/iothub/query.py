"""POST /devices/query: the IoT Hub query language, paged by x-ms-continuation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from fleethub.api.iothub import wire, wire_jobs
from fleethub.api.iothub.auth import Caller
from fleethub.http import HubDep, JsonResponse
from fleethub.hub.errors import ArgumentInvalid

router = APIRouter(tags=["Query"])


@router.post("/devices/query", summary="Query twins with the IoT Hub query language")
async def query_devices(
    hub: HubDep,
    who: Caller,
    spec: wire.QuerySpecification,
    x_ms_continuation: Annotated[str | None, Header()] = None,
    x_ms_max_item_count: Annotated[str | None, Header()] = None,
) -> JsonResponse:
    page_size = None
    if x_ms_max_item_count:
        if not x_ms_max_item_count.isdigit():
            raise ArgumentInvalid("x-ms-max-item-count must be a positive whole number.")
        page_size = int(x_ms_max_item_count)
    jobs = await hub.jobs.device_jobs(who, spec.query, page_size, x_ms_continuation)
    if jobs is not None:  # SELECT * FROM devices.jobs: per-device job outcomes (#6)
        job_headers = {"x-ms-item-type": "DeviceJob"}
        if jobs.continuation:
            job_headers["x-ms-continuation"] = jobs.continuation
        return JsonResponse([wire_jobs.device_job(r) for r in jobs.items], headers=job_headers)
    page = await hub.twins.query(who, spec.query, page_size, x_ms_continuation)
    if page.twins is not None:
        body: list[object] = [wire.twin_json(t) for t in page.twins]
        item_type = "Twin"
    else:
        body = list(page.rows or [])
        item_type = "JSON"
    headers = {"x-ms-item-type": item_type}
    if page.continuation:
        headers["x-ms-continuation"] = page.continuation
    return JsonResponse(body, headers=headers)
