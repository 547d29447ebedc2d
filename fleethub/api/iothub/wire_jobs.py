"""Azure IoT Hub job shapes (wire spec §6.4): JobRequest, JobResponse, JobProperties,
DeviceJobStatistics, QueryResult, and the rows of `SELECT * FROM devices.jobs`.

Kept beside wire.py rather than in it so the jobs face can grow without one file passing the
size the style guide allows; the naming rule is the same (classes named as Azure's schemas).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fleethub.api.iothub.wire import NEVER
from fleethub.hub.jobs import job as j
from fleethub.hub.jobs.service import RegistryJobSpec, ScheduledJobSpec

JSON = dict[str, Any]
#: JobProperties says `enqueued` where scheduled jobs say `queued`.
_PROPERTIES_STATUS = {j.QUEUED: "enqueued", j.SCHEDULED: "enqueued"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class CloudToDeviceMethod(_Model):
    methodName: str | None = None
    payload: Any = None
    responseTimeoutInSeconds: int | None = None
    connectTimeoutInSeconds: int | None = None


class TwinProperties(_Model):
    desired: dict[str, Any] | None = None


class Twin(_Model):
    tags: dict[str, Any] | None = None
    properties: TwinProperties | None = None
    etag: str | None = None


class JobRequest(_Model):
    jobId: str | None = None
    type: str = Field(min_length=1, max_length=64)
    cloudToDeviceMethod: CloudToDeviceMethod | None = None
    updateTwin: Twin | None = None
    queryCondition: str | None = None
    startTime: datetime | None = None
    maxExecutionTimeInSeconds: int | None = None

    def to_spec(self, job_id: str) -> ScheduledJobSpec:
        method = self.cloudToDeviceMethod or CloudToDeviceMethod()
        twin = self.updateTwin or Twin()
        desired = twin.properties.desired if twin.properties else None
        if desired is not None:  # a twin read back and sent again carries these
            desired = {k: v for k, v in desired.items() if k not in ("$metadata", "$version")}
        return ScheduledJobSpec(
            job_id=job_id,
            type=self.type,
            query_condition=self.queryCondition,
            start_time=_epoch(self.startTime),
            max_execution_seconds=self.maxExecutionTimeInSeconds,
            tags=twin.tags,
            desired=desired,
            etag=twin.etag,
            method_name=method.methodName,
            payload=method.payload,
            response_timeout=method.responseTimeoutInSeconds,
            connect_timeout=method.connectTimeoutInSeconds,
        )


class ManagedIdentity(_Model):
    userAssignedIdentity: str | None = None


class JobProperties(_Model):
    type: str = Field(min_length=1, max_length=64)
    inputBlobContainerUri: str | None = Field(None, max_length=2048)
    inputBlobName: str | None = Field(None, max_length=1024)
    outputBlobContainerUri: str | None = Field(None, max_length=2048)
    outputBlobName: str | None = Field(None, max_length=1024)
    excludeKeysInExport: bool = False
    storageAuthenticationType: str | None = None
    identity: ManagedIdentity | None = None
    includeConfigurations: bool = False

    def to_spec(self) -> RegistryJobSpec:
        return RegistryJobSpec(
            type=self.type,
            input_container=self.inputBlobContainerUri,
            input_name=self.inputBlobName,
            output_container=self.outputBlobContainerUri,
            output_name=self.outputBlobName,
            exclude_keys=self.excludeKeysInExport,
            identity_based=(self.storageAuthenticationType or "").lower() == "identitybased",
            include_configurations=self.includeConfigurations,
        )


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def time_text(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def job_response(job: j.Job) -> JSON:
    request = job.request
    body: JSON = {
        "jobId": job.job_id,
        "queryCondition": request.get("query"),
        "createdTime": time_text(job.created_time),
        "startTime": time_text(job.start_time or job.created_time),
        "endTime": time_text(job.end_time) if job.end_time else NEVER,
        "maxExecutionTimeInSeconds": job.max_execution_seconds,
        "type": job.type,
        "status": job.status,
        "failureReason": job.failure_reason,
        "statusMessage": job.status_message,
        "deviceJobStatistics": {
            "deviceCount": job.device_count,
            "failedCount": job.failed,
            "succeededCount": job.succeeded,
            "runningCount": job.running,
            "pendingCount": job.pending,
        },
    }
    if job.type == j.DEVICE_METHOD:
        method = request.get("method") or {}
        body["cloudToDeviceMethod"] = {
            "methodName": method.get("name"),
            "payload": method.get("payload"),
            "responseTimeoutInSeconds": method.get("responseTimeout"),
            "connectTimeoutInSeconds": method.get("connectTimeout"),
        }
    else:
        update: JSON = {"etag": "*"}
        if request.get("tags") is not None:
            update["tags"] = request["tags"]
        if request.get("desired") is not None:
            update["properties"] = {"desired": request["desired"]}
        body["updateTwin"] = update
    return body


def job_properties(job: j.Job) -> JSON:
    request = job.request
    return {
        "jobId": job.job_id,
        "startTimeUtc": time_text(job.started_time or job.created_time),
        "endTimeUtc": time_text(job.end_time),
        "type": job.type,
        "status": _PROPERTIES_STATUS.get(job.status, job.status),
        "progress": job.progress,
        "inputBlobContainerUri": request.get("input"),
        "inputBlobName": request.get("inputName"),
        "outputBlobContainerUri": request.get("output"),
        "outputBlobName": request.get("outputName"),
        "excludeKeysInExport": bool(request.get("excludeKeys")),
        "storageAuthenticationType": "keyBased",
        "failureReason": job.failure_reason,
        "includeConfigurations": False,
    }


def query_result(page: j.JobPage) -> JSON:
    return {
        "type": "jobResponse",
        "items": [job_response(job) for job in page.items],
        "continuationToken": page.continuation,
    }


def device_job(row: j.DeviceJob) -> JSON:
    body: JSON = {
        "deviceId": row.device_id,
        "jobId": row.job_id,
        "jobType": row.job_type,
        "status": row.status,
        "startTimeUtc": time_text(row.start_time) or NEVER,
        "endTimeUtc": time_text(row.end_time) or NEVER,
        "createdDateTimeUtc": time_text(row.created_time),
        "lastUpdatedDateTimeUtc": time_text(row.last_updated or row.created_time),
        "outcome": row.outcome or {},
    }
    if row.error is not None:
        body["error"] = {"code": row.error[0], "description": row.error[1]}
    return body
