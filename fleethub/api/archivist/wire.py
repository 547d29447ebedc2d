"""Archivist JSON shapes (seed 003 and its OpenAPI `iothubgdrv2`): the import request and the
long-running operation answered by every call.

    {"identity": "iothubgdr/0883...", "done": false, "timestamp_accepted": "2019-11-07T15:31:49Z",
     "timestamp_finished": null, "result": {"display_name": "RKVST", "number_assets_imported": 0,
     "arc_home_location_identity": "locations/47b5...", "status": "STATUS_PENDING"}}

A failed import answers `error` (with `error_message`) instead of `result`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from fleethub.hub.jobs import job as j

JSON = dict[str, Any]
STATUS = {
    j.QUEUED: "STATUS_PENDING",
    j.SCHEDULED: "STATUS_PENDING",
    j.RUNNING: "STATUS_RUNNING",
    j.COMPLETED: "STATUS_SUCCESS",
    j.FAILED: "STATUS_FAILED",
    j.CANCELLED: "STATUS_CANCELLED",
}


class CreateIoTHubGDRConnectionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    display_name: str = Field(min_length=1, max_length=1024)
    #: SecretStr: the model's repr and errors never show it.
    secret: SecretStr = Field(min_length=1, max_length=1024)
    arc_home_location_identity: str = Field(min_length=1, max_length=256)


def _time(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def operation(job: j.Job) -> JSON:
    summary: JSON = {
        "display_name": job.request.get("displayName"),
        "number_assets_imported": job.succeeded,
        "arc_home_location_identity": job.request.get("location"),
    }
    body: JSON = {
        "identity": f"iothubgdr/{job.job_id}",
        "done": job.done,
        "timestamp_accepted": _time(job.created_time),
        "timestamp_finished": _time(job.end_time),
    }
    if job.status == j.FAILED:
        body["error"] = {**summary, "error_message": job.failure_reason or "import failed"}
    else:
        body["result"] = {**summary, "status": STATUS[job.status]}
    return body


def operations(jobs: list[j.Job]) -> JSON:
    return {"operations": [operation(job) for job in jobs]}
