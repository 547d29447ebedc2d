"""/jobs over REST: scheduled jobs (jobs/v2), devices.jobs, registry import/export jobs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fleethub.hub.auth.policies import Policy
from fleethub.hub.hub import Hub
from fleethub.hub.jobs.runner import JobRunner, RunnerLimits
from tests.api.iothub.test_devices import error_code
from tests.conftest import Clock, service_token

TWIN_JOB = {
    "type": "scheduleUpdateTwin",
    "updateTwin": {"tags": {"t": 1}, "properties": {"desired": {"d": 1}}, "etag": "*"},
    "queryCondition": "tags.env = 'x'",
    "startTime": "2020-01-01T00:00:00.000Z",
    "maxExecutionTimeInSeconds": 3600,
}
METHOD_JOB = {
    "type": "scheduleDeviceMethod",
    "cloudToDeviceMethod": {
        "methodName": "reboot",
        "payload": {"a": 1},
        "responseTimeoutInSeconds": 30,
    },
    "queryCondition": "deviceId IN ['d1']",
}


@pytest.fixture
async def runner(hub: Hub) -> AsyncIterator[JobRunner]:
    started = JobRunner(hub, RunnerLimits(poll_seconds=0.05))
    started.start()
    yield started
    await started.stop()


async def devices(api: httpx.AsyncClient, count: int) -> None:
    items = [{"id": f"d{i}", "importMode": "create"} for i in range(count)]
    assert (await api.post("/devices", json=items)).status_code == 200
    for i in range(count):
        await api.patch(f"/twins/d{i}", json={"tags": {"env": "x" if i % 2 else "y"}})


async def finished(api: httpx.AsyncClient, path: str) -> dict[str, Any]:
    for _ in range(500):
        body: dict[str, Any] = (await api.get(path)).json()
        if body["status"] in ("completed", "failed", "cancelled"):
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} did not finish")


async def test_twin_job_lifecycle(api: httpx.AsyncClient, runner: JobRunner) -> None:
    await devices(api, 6)
    created = await api.put("/jobs/v2/j1", json={"jobId": "j1", **TWIN_JOB})
    assert created.status_code == 200
    body = created.json()
    assert body["jobId"] == "j1"
    assert body["status"] == "queued"
    assert body["startTime"] == "2020-01-01T00:00:00.000000Z"
    assert body["updateTwin"] == TWIN_JOB["updateTwin"]
    assert body["endTime"] == "0001-01-01T00:00:00Z"
    done = await finished(api, "/jobs/v2/j1")
    assert done["status"] == "completed"
    assert done["deviceJobStatistics"] == {
        "deviceCount": 3,
        "failedCount": 0,
        "succeededCount": 3,
        "runningCount": 0,
        "pendingCount": 0,
    }
    twin = (await api.get("/twins/d1")).json()
    assert twin["tags"] == {"env": "x", "t": 1}
    assert twin["properties"]["desired"]["d"] == 1
    rows = await api.post(
        "/devices/query", json={"query": "SELECT * FROM devices.jobs WHERE jobId = 'j1'"}
    )
    assert rows.headers["x-ms-item-type"] == "DeviceJob"
    assert [r["deviceId"] for r in rows.json()] == ["d1", "d3", "d5"]
    first = rows.json()[0]
    assert (first["jobType"], first["status"], first["outcome"]) == (
        "scheduleUpdateTwin",
        "completed",
        {},
    )


async def test_device_jobs_query_pages(api: httpx.AsyncClient, runner: JobRunner) -> None:
    await devices(api, 6)
    await api.put("/jobs/v2/j1", json={**TWIN_JOB, "queryCondition": "deviceId != ''"})
    await finished(api, "/jobs/v2/j1")
    query = {"query": "SELECT * FROM devices.jobs"}
    first = await api.post("/devices/query", json=query, headers={"x-ms-max-item-count": "4"})
    token = first.headers["x-ms-continuation"]
    second = await api.post("/devices/query", json=query, headers={"x-ms-continuation": token})
    assert len(first.json()) + len(second.json()) == 6
    assert "x-ms-continuation" not in second.headers
    bad = await api.post("/devices/query", json={"query": "SELECT * FROM devices.jobs WHERE"})
    assert (bad.status_code, error_code(bad)) == (400, "SqlQueryInvalid")


async def test_method_job_and_cancel(api: httpx.AsyncClient, hub: Hub) -> None:
    await devices(api, 1)
    response = await api.put(
        "/jobs/v2/m1", json={**METHOD_JOB, "startTime": "2999-01-01T00:00:00Z"}
    )
    assert response.json()["cloudToDeviceMethod"] == {
        "methodName": "reboot",
        "payload": {"a": 1},
        "responseTimeoutInSeconds": 30,
        "connectTimeoutInSeconds": None,
    }
    cancelled = await api.post("/jobs/v2/m1/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


async def test_query_scheduled_jobs(api: httpx.AsyncClient, clock: Clock) -> None:
    for i in range(3):
        clock.now += 1
        await api.put(f"/jobs/v2/t{i}", json=TWIN_JOB)
    clock.now += 1
    await api.put("/jobs/v2/m0", json=METHOD_JOB)
    await api.post("/jobs/v2/t2/cancel")
    everything = (await api.get("/jobs/v2/query")).json()
    assert everything["type"] == "jobResponse"
    assert everything["continuationToken"] is None
    assert [x["jobId"] for x in everything["items"]] == ["t0", "t1", "t2", "m0"]
    page = await api.get("/jobs/v2/query", headers={"x-ms-max-item-count": "2"})
    assert page.headers["x-ms-continuation"] == page.json()["continuationToken"]
    following = await api.get(
        "/jobs/v2/query", headers={"x-ms-continuation": page.json()["continuationToken"]}
    )
    assert [x["jobId"] for x in following.json()["items"]] == ["t2", "m0"]
    queued = await api.get(
        "/jobs/v2/query", params={"jobType": "scheduleUpdateTwin", "jobStatus": "enqueued"}
    )
    assert [x["jobId"] for x in queued.json()["items"]] == ["t0", "t1"]
    bad = await api.get("/jobs/v2/query", headers={"x-ms-max-item-count": "many"})
    assert (bad.status_code, error_code(bad)) == (400, "ArgumentInvalid")


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/jobs/v2/j1", {**TWIN_JOB, "jobId": "other"}, 400, "ArgumentInvalid"),
        ("/jobs/v2/j1", {**TWIN_JOB, "type": "export"}, 400, "ArgumentInvalid"),
        ("/jobs/v2/j1", {k: v for k, v in TWIN_JOB.items() if k != "type"}, 400, "ArgumentInvalid"),
        ("/jobs/v2/j1", {**TWIN_JOB, "queryCondition": "tags.x = = 1"}, 400, "SqlQueryInvalid"),
        ("/jobs/v2/j1", {**TWIN_JOB, "startTime": "yesterday"}, 400, "ArgumentInvalid"),
        ("/jobs/v2/j1", {**TWIN_JOB, "updateTwin": {"etag": "*"}}, 400, "ArgumentInvalid"),
        ("/jobs/v2/bad%20id", TWIN_JOB, 400, "ArgumentInvalid"),
        ("/jobs/v2/j1", [1], 400, "ArgumentInvalid"),
    ],
)
async def test_bad_job_requests(
    api: httpx.AsyncClient, path: str, body: object, status: int, code: str
) -> None:
    response = await api.put(path, json=body)
    assert (response.status_code, error_code(response)) == (status, code)


async def test_conflicts_and_unknown_jobs(api: httpx.AsyncClient) -> None:
    assert (await api.put("/jobs/v2/j1", json=TWIN_JOB)).status_code == 200
    again = await api.put("/jobs/v2/j1", json=TWIN_JOB)
    assert (again.status_code, error_code(again)) == (409, "JobAlreadyExists")
    for response in (
        await api.get("/jobs/v2/nope"),
        await api.post("/jobs/v2/nope/cancel"),
        await api.get("/jobs/nope"),
        await api.delete("/jobs/nope"),
    ):
        assert (response.status_code, error_code(response)) == (404, "JobNotFound")


async def test_job_permissions(
    api: httpx.AsyncClient, policies: dict[str, Policy], clock: Clock
) -> None:
    reader = {"authorization": service_token(policies["registryRead"], clock)}
    refused = await api.put("/jobs/v2/j1", json=TWIN_JOB, headers=reader)
    assert (refused.status_code, error_code(refused)) == (403, "IotHubUnauthorizedAccess")
    anonymous = await api.get("/jobs/v2/query", headers={"authorization": "nothing"})
    assert anonymous.status_code == 401


async def test_registry_export_job(api: httpx.AsyncClient, runner: JobRunner) -> None:
    await devices(api, 3)
    created = await api.post(
        "/jobs/create",
        json={"type": "export", "outputBlobContainerUri": "backups", "excludeKeysInExport": True},
    )
    assert created.status_code == 200
    job = created.json()
    assert (job["status"], job["type"], job["outputBlobName"]) == (
        "enqueued",
        "export",
        "devices.txt",
    )
    done = await finished(api, f"/jobs/{job['jobId']}")
    assert (done["status"], done["progress"], done["excludeKeysInExport"]) == (
        "completed",
        100,
        True,
    )
    listed = (await api.get("/jobs")).json()
    assert [x["jobId"] for x in listed] == [job["jobId"]]
    after = await api.delete(f"/jobs/{job['jobId']}")  # cancelling a finished job changes nothing
    assert after.status_code == 200
    assert after.json()["status"] == "completed"


async def test_registry_job_cancel_and_errors(api: httpx.AsyncClient) -> None:
    created = await api.post("/jobs/create", json={"type": "import", "inputBlobContainerUri": "in"})
    cancelled = await api.delete(f"/jobs/{created.json()['jobId']}")
    assert cancelled.json()["status"] == "cancelled"
    escape = await api.post(
        "/jobs/create", json={"type": "export", "outputBlobContainerUri": "../.."}
    )
    assert (escape.status_code, error_code(escape)) == (400, "ArgumentInvalid")
    missing = await api.post("/jobs/create", json={"outputBlobContainerUri": "x"})
    assert (missing.status_code, error_code(missing)) == (400, "ArgumentInvalid")
    identity = await api.post(
        "/jobs/create",
        json={
            "type": "export",
            "outputBlobContainerUri": "x",
            "storageAuthenticationType": "identityBased",
        },
    )
    assert (identity.status_code, error_code(identity)) == (400, "ArgumentInvalid")
