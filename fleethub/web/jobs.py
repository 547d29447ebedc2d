"""Jobs: twin updates and direct methods over the devices a query selects (Azure's scheduled
jobs), with a live count of the devices a condition selects, progress bars that poll while a
job runs, the per-device outcomes, and cancel."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from fleethub.http import HubDep
from fleethub.hub.errors import HubError, JobAlreadyExists
from fleethub.hub.hub import Hub
from fleethub.hub.jobs import job as j
from fleethub.hub.jobs.service import ScheduledJobSpec
from fleethub.hub.methods import MAX_TIMEOUT, MIN_RESPONSE_TIMEOUT
from fleethub.web import targets, templating
from fleethub.web.forms import FormErrors, int_field, json_field, text
from fleethub.web.routing import UserDep, page_router, see_other
from fleethub.web.sessions import User

router = page_router()
TYPES = {j.TWIN_UPDATE: "Twin update", j.DEVICE_METHOD: "Direct method"}
LISTED = 100
OUTCOMES_SHOWN = 50


def new_job_id() -> str:
    return f"portal-{secrets.token_hex(4)}"


@router.get("/jobs", name="jobs")
async def jobs(request: Request, hub: HubDep, user: UserDep) -> HTMLResponse:
    page = await hub.jobs.list_scheduled(user.principal, None, None, LISTED, None)
    found = sorted(page.items, key=lambda job: job.created_time, reverse=True)
    context = {"jobs": found, "active": any(not job.done for job in found), "types": TYPES}
    if request.headers.get("hx-target") == "job-list":
        return templating.render(request, "_job_list.html", context)
    form = {"job_id": new_job_id(), "type": j.TWIN_UPDATE, "condition": "*"}
    context |= {"form": form, "errors": FormErrors(), "preview": None}
    return templating.render(request, "jobs.html", context)


@router.get("/jobs/preview", name="jobs_preview")
async def job_preview(
    request: Request, hub: HubDep, user: UserDep, condition: str = ""
) -> HTMLResponse:
    context = {"preview": await targets.count(hub, user, condition)}
    return templating.render(request, "_job_preview.html", context)


def _spec(form: FormData, errors: FormErrors) -> ScheduledJobSpec:
    kind = text(form, "type")
    if kind not in TYPES:
        errors["type"] = "Choose a twin update or a direct method."
    if not text(form, "job_id"):
        errors["job_id"] = "Give the job an id."
    if not text(form, "condition"):
        errors["condition"] = "Write a condition, e.g. tags.site = 'oslo', or * for every device."
    spec = ScheduledJobSpec(text(form, "job_id"), kind, _condition(text(form, "condition")))
    if kind == j.TWIN_UPDATE:
        desired = json_field(form, "desired", errors, object_only=True)
        tags = json_field(form, "tags", errors, object_only=True)
        if desired is None and tags is None and not errors.keys() & {"desired", "tags"}:
            errors["desired"] = 'Write the desired properties to set, e.g. {"interval": 30}.'
        return ScheduledJobSpec(spec.job_id, kind, spec.query_condition, tags=tags, desired=desired)
    if kind == j.DEVICE_METHOD:
        name = text(form, "method")
        if not name:
            errors["method"] = "Name the method to call, e.g. reboot."
        payload = json_field(form, "payload", errors)
        timeout = int_field(form, "timeout", errors, MIN_RESPONSE_TIMEOUT, MAX_TIMEOUT, 30)
        return ScheduledJobSpec(
            spec.job_id,
            kind,
            spec.query_condition,
            method_name=name,
            payload=payload,
            response_timeout=timeout,
        )
    return spec


def _condition(condition: str) -> str:
    """`*` (every device) is spelled as a condition the query language accepts."""
    return "deviceId != ''" if condition.strip() == "*" else condition


def _field_of(message: str) -> str:
    """Which form field a hub message about a job request is about."""
    lowered = message.lower()
    for needle, field in (
        ("querycondition", "condition"),
        ("job id", "job_id"),
        ("methodname", "method"),
        ("timeout", "timeout"),
        ("properties.desired", "desired"),
        ("tags", "tags"),
    ):
        if needle in lowered:
            return field
    return "form"


@router.post("/jobs", name="jobs_create")
async def create_job(request: Request, hub: HubDep, user: UserDep) -> Response:
    form = await request.form()
    errors = FormErrors()
    spec = _spec(form, errors)
    if not errors:
        try:
            await hub.jobs.schedule(user.principal, spec)
            return see_other(request, templating.item_url("jobs", spec.job_id))
        except JobAlreadyExists:
            errors["job_id"] = "A job with this id exists already; choose another."
        except HubError as problem:
            errors[_field_of(problem.message)] = problem.message
    typed = {key: text(form, key) for key in form if key != "csrf_token"}
    context = {"form": typed, "errors": errors, "types": TYPES}
    context["preview"] = await targets.count(hub, user, typed.get("condition", ""))
    return templating.render(request, "_job_create.html", context, status=422)


async def job_context(hub: Hub, user: User, job_id: str) -> dict[str, Any]:
    job = await hub.jobs.scheduled(user.principal, job_id)
    quoted = job_id.replace("'", "''")
    query = f"SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '{quoted}'"  # noqa: S608 - IoT Hub query language
    outcomes = await hub.jobs.device_jobs(user.principal, query, OUTCOMES_SHOWN, None)
    return {"job": job, "types": TYPES, "outcomes": outcomes.items if outcomes else []}


@router.get("/jobs/{job_id:seg}", name="job")
async def job_page(request: Request, job_id: str, hub: HubDep, user: UserDep) -> HTMLResponse:
    context = await job_context(hub, user, job_id)
    name = "_job_progress.html" if request.headers.get("hx-request") else "job.html"
    return templating.render(request, name, context)


@router.post("/jobs/{job_id:seg}/cancel", name="job_cancel")
async def cancel_job(request: Request, job_id: str, hub: HubDep, user: UserDep) -> Response:
    job = await hub.jobs.cancel_scheduled(user.principal, job_id)
    context = await job_context(hub, user, job_id)
    context["notice"] = "Cancelled." if job.status == j.CANCELLED else f"The job had {job.status}."
    return templating.render(request, "_job_progress.html", context)
