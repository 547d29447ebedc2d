"""/jobs: scheduled jobs (`/jobs/v2`) and registry import/export (`/jobs/create`, `/jobs/{id}`).

The calls of IoTHubJobManager (wire spec §6.3, JM.*). `/jobs/v2/query` is declared before
`/jobs/v2/{id}` so that "query" is never taken for a job id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from fleethub.api.iothub import wire_jobs as wire
from fleethub.api.iothub.auth import Caller
from fleethub.http import HubDep, JsonResponse
from fleethub.hub.errors import ArgumentInvalid

router = APIRouter(tags=["Jobs"])


@router.get("/jobs/v2/query", summary="Query scheduled jobs by type and status")
async def query_jobs(
    hub: HubDep,
    who: Caller,
    job_type: Annotated[str | None, Query(alias="jobType", max_length=64)] = None,
    job_status: Annotated[str | None, Query(alias="jobStatus", max_length=64)] = None,
    x_ms_continuation: Annotated[str | None, Header()] = None,
    x_ms_max_item_count: Annotated[str | None, Header()] = None,
) -> JsonResponse:
    page_size = None
    if x_ms_max_item_count:
        if not x_ms_max_item_count.isdigit():
            raise ArgumentInvalid("x-ms-max-item-count must be a positive whole number.")
        page_size = int(x_ms_max_item_count)
    status = "queued" if job_status == "enqueued" else job_status
    page = await hub.jobs.list_scheduled(who, job_type, status, page_size, x_ms_continuation)
    headers = {"x-ms-continuation": page.continuation} if page.continuation else None
    return JsonResponse(wire.query_result(page), headers=headers)


@router.put("/jobs/v2/{job_id:seg}", summary="Schedule a twin update or direct method job")
async def create_job(
    hub: HubDep, who: Caller, job_id: str, request: wire.JobRequest
) -> JsonResponse:
    if request.jobId is not None and request.jobId != job_id:
        raise ArgumentInvalid("The body's jobId must equal the job id in the path.")
    job = await hub.jobs.schedule(who, request.to_spec(job_id))
    return JsonResponse(wire.job_response(job))


@router.get("/jobs/v2/{job_id:seg}", summary="Get a scheduled job")
async def get_job(hub: HubDep, who: Caller, job_id: str) -> JsonResponse:
    return JsonResponse(wire.job_response(await hub.jobs.scheduled(who, job_id)))


@router.post("/jobs/v2/{job_id:seg}/cancel", summary="Cancel a scheduled job")
async def cancel_job(hub: HubDep, who: Caller, job_id: str) -> JsonResponse:
    return JsonResponse(wire.job_response(await hub.jobs.cancel_scheduled(who, job_id)))


@router.post("/jobs/create", summary="Start a registry export or import job")
async def create_import_export_job(
    hub: HubDep, who: Caller, properties: wire.JobProperties
) -> JsonResponse:
    job = await hub.jobs.start_registry_job(who, properties.to_spec())
    return JsonResponse(wire.job_properties(job))


@router.get("/jobs", summary="List registry export and import jobs")
async def list_import_export_jobs(hub: HubDep, who: Caller) -> JsonResponse:
    return JsonResponse([wire.job_properties(job) for job in await hub.jobs.registry_jobs(who)])


@router.get("/jobs/{job_id:seg}", summary="Get a registry export or import job")
async def get_import_export_job(hub: HubDep, who: Caller, job_id: str) -> JsonResponse:
    return JsonResponse(wire.job_properties(await hub.jobs.registry_job(who, job_id)))


@router.delete("/jobs/{job_id:seg}", summary="Cancel a registry export or import job")
async def cancel_import_export_job(hub: HubDep, who: Caller, job_id: str) -> JsonResponse:
    return JsonResponse(wire.job_properties(await hub.jobs.cancel_registry_job(who, job_id)))
