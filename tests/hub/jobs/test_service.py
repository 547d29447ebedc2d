"""The jobs use cases: what they refuse, who may call them, and what they record."""

from __future__ import annotations

import base64

import pytest

from fleethub.hub.auth.principal import SYSTEM, Permission, Principal
from fleethub.hub.errors import (
    ArgumentInvalid,
    Forbidden,
    JobAlreadyExists,
    JobNotFound,
    QuerySyntaxInvalid,
    QueryUnsupported,
    ServiceUnavailable,
)
from fleethub.hub.hub import Hub
from fleethub.hub.jobs import job as j
from fleethub.hub.jobs.hub_import import RESTARTED
from fleethub.hub.jobs.runner import JobRunner, RunnerLimits
from fleethub.hub.jobs.service import Jobs, ScheduledJobSpec
from tests.conftest import Clock
from tests.hub.jobs.conftest import wait_job

KEY = base64.b64encode(b"k" * 32).decode()
SECRET = f"HostName=source.example:8443;SharedAccessKeyName=iothubowner;SharedAccessKey={KEY}"
READER = Principal("registryRead", Permission.REGISTRY_READ)
SERVICE = Principal("service", Permission.SERVICE_CONNECT)


def twin(job_id: str = "t1", **changes: object) -> ScheduledJobSpec:
    values = {"query_condition": "deviceId = 'd1'", "tags": {"a": 1}, **changes}
    return ScheduledJobSpec(job_id, j.TWIN_UPDATE, **values)  # type: ignore[arg-type]


def method(job_id: str = "m1", **changes: object) -> ScheduledJobSpec:
    values = {"query_condition": "deviceId = 'd1'", "method_name": "reboot", **changes}
    return ScheduledJobSpec(job_id, j.DEVICE_METHOD, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        (ScheduledJobSpec("x", "exportDevices", "a = 1"), ArgumentInvalid, "is not"),
        (twin("bad id"), ArgumentInvalid, "Job id 'bad id' is invalid"),
        (twin("x" * 129), ArgumentInvalid, "is invalid"),
        (twin(query_condition=None), ArgumentInvalid, "queryCondition is required"),
        (twin(query_condition="a ="), QuerySyntaxInvalid, "queryCondition: syntax error"),
        (twin(etag="AAAA"), ArgumentInvalid, "etag must be"),
        (twin(tags=None), ArgumentInvalid, "needs tags or properties.desired"),
        (twin(tags={"a.b": 1}), ArgumentInvalid, "contains '.'"),
        (twin(desired={"$x": 1}), ArgumentInvalid, "contains '.', '\\$'"),
        (twin(max_execution_seconds=0), ArgumentInvalid, "at least 1"),
        (method(method_name=""), ArgumentInvalid, "methodName"),
        (method(method_name="m" * 129), ArgumentInvalid, "methodName"),
        (method(response_timeout=1), ArgumentInvalid, "responseTimeoutInSeconds"),
        (method(connect_timeout=301), ArgumentInvalid, "connectTimeoutInSeconds"),
    ],
)
async def test_bad_scheduled_jobs_are_refused(
    hub: Hub, spec: ScheduledJobSpec, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await hub.jobs.schedule(SYSTEM, spec)


async def test_scheduled_job_ids_are_unique(hub: Hub) -> None:
    await hub.jobs.schedule(SYSTEM, twin())
    with pytest.raises(JobAlreadyExists):
        await hub.jobs.schedule(SYSTEM, method("t1"))


async def test_permissions(hub: Hub) -> None:
    with pytest.raises(Forbidden):
        await hub.jobs.schedule(SERVICE, twin())
    with pytest.raises(Forbidden):
        await hub.jobs.schedule(READER, method())
    await hub.jobs.schedule(SERVICE, method())
    assert (await hub.jobs.scheduled(READER, "m1")).type == j.DEVICE_METHOD
    with pytest.raises(Forbidden):
        await hub.jobs.cancel_scheduled(READER, "m1")
    with pytest.raises(Forbidden):
        await hub.jobs.start_hub_import(READER, "n", SECRET, "locations/x")
    with pytest.raises(Forbidden):
        await hub.jobs.forget_hub_import(SERVICE, "x")


async def test_unknown_jobs(hub: Hub) -> None:
    for call in (hub.jobs.scheduled, hub.jobs.cancel_scheduled, hub.jobs.registry_job,
                 hub.jobs.hub_import, hub.jobs.cancel_hub_import):  # fmt: skip
        with pytest.raises(JobNotFound):
            await call(SYSTEM, "nope")
    with pytest.raises(JobNotFound):
        await hub.jobs.forget_hub_import(SYSTEM, "nope")


async def test_listing_pages_and_filters(hub: Hub, clock: Clock) -> None:
    for i in range(5):
        clock.now += 1
        await hub.jobs.schedule(SYSTEM, twin(f"t{i}") if i % 2 else method(f"m{i}"))
    first = await hub.jobs.list_scheduled(SYSTEM, None, None, 2, None)
    assert [x.job_id for x in first.items] == ["m0", "t1"]
    assert first.continuation
    rest = await hub.jobs.list_scheduled(SYSTEM, None, None, 10, first.continuation)
    assert [x.job_id for x in rest.items] == ["m2", "t3", "m4"]
    assert rest.continuation is None
    methods = await hub.jobs.list_scheduled(SYSTEM, j.DEVICE_METHOD, "queued", None, None)
    assert [x.job_id for x in methods.items] == ["m0", "m2", "m4"]
    with pytest.raises(ArgumentInvalid, match="jobStatus"):
        await hub.jobs.list_scheduled(SYSTEM, None, "sleeping", None, None)
    with pytest.raises(ArgumentInvalid, match=r"continuation"):
        await hub.jobs.list_scheduled(SYSTEM, None, None, None, "%%%")


async def test_device_job_queries(hub: Hub) -> None:
    assert await hub.jobs.device_jobs(SYSTEM, "SELECT * FROM devices", None, None) is None
    empty = await hub.jobs.device_jobs(SYSTEM, "SELECT * FROM devices.jobs", None, None)
    assert empty is not None
    assert empty.items == []
    with pytest.raises(QuerySyntaxInvalid):
        await hub.jobs.device_jobs(SYSTEM, "SELECT * FROM devices.jobs WHERE", None, None)
    with pytest.raises(QueryUnsupported, match="projections"):
        await hub.jobs.device_jobs(SYSTEM, "SELECT deviceId FROM devices.jobs", None, None)
    with pytest.raises(QueryUnsupported, match=r"not a devices\.jobs field"):
        await hub.jobs.device_jobs(
            SYSTEM, "SELECT * FROM devices.jobs WHERE tags.a = 1", None, None
        )
    with pytest.raises(Forbidden):
        await hub.jobs.device_jobs(
            Principal("none", Permission.NONE), "SELECT * FROM devices.jobs", None, None
        )


async def test_a_hub_without_job_stores_says_so(clock: Clock) -> None:
    jobs = Jobs(None, clock, "n")
    with pytest.raises(ServiceUnavailable):
        await jobs.schedule(SYSTEM, twin())


async def test_hub_import_holds_the_secret_in_memory_only(hub: Hub) -> None:
    job = await hub.jobs.start_hub_import(SYSTEM, "Fleet", SECRET, "locations/abc-1")
    assert job.status == j.QUEUED
    assert job.request == {"displayName": "Fleet", "location": "locations/abc-1"}
    assert hub.jobs.credentials[job.job_id].key == KEY
    # Leased to this node at once: no other node could run it without the secret.
    assert (
        await hub.jobs.adapters.store.claim("another-node", hub.clock(), hub.clock() + 1, 9) == []
    )
    cancelled = await hub.jobs.cancel_hub_import(SYSTEM, job.job_id)
    assert cancelled.status == j.CANCELLED
    assert job.job_id not in hub.jobs.credentials


async def test_a_bad_secret_gives_a_failed_record(hub: Hub) -> None:
    job = await hub.jobs.start_hub_import(SYSTEM, "Fleet", "HostName=x", "locations/abc")
    assert (job.status, job.failure_reason) == (j.FAILED, "invalid secret provided")
    assert job.job_id not in hub.jobs.credentials
    assert (await hub.jobs.hub_import(SYSTEM, job.job_id)).status == j.FAILED


@pytest.mark.parametrize(
    ("name", "location", "message"),
    [
        ("", "locations/a", "display_name"),
        ("x" * 1025, "locations/a", "display_name"),
        ("n", "assets/a", "arc_home_location_identity"),
        ("n", "locations/a/b", "arc_home_location_identity"),
    ],
)
async def test_hub_import_arguments(hub: Hub, name: str, location: str, message: str) -> None:
    with pytest.raises(ArgumentInvalid, match=message):
        await hub.jobs.start_hub_import(SYSTEM, name, SECRET, location)
    assert hub.jobs.credentials == {}


async def test_forget_hides_a_running_import(hub: Hub) -> None:
    job = await hub.jobs.start_hub_import(SYSTEM, "Fleet", SECRET, "locations/abc")
    await hub.jobs.forget_hub_import(SYSTEM, job.job_id)
    with pytest.raises(JobNotFound):
        await hub.jobs.hub_import(SYSTEM, job.job_id)
    assert await hub.jobs.hub_imports(SYSTEM) == []
    stored = await hub.jobs.adapters.store.get(j.HUB_IMPORTS, job.job_id)
    assert stored is not None
    assert stored.status == j.QUEUED


async def test_an_import_whose_secret_was_lost_to_a_restart_fails_plainly(hub: Hub) -> None:
    """A new process has no secret in memory (it is never stored): the import cannot resume."""
    job = await hub.jobs.start_hub_import(SYSTEM, "Fleet", SECRET, "locations/abc")
    hub.jobs.credentials.clear()  # what a restart leaves
    runner = JobRunner(hub, RunnerLimits(poll_seconds=0.05))
    runner.start()
    try:
        done = await wait_job(hub, j.HUB_IMPORTS, job.job_id)
    finally:
        await runner.stop()
    assert done.status == j.FAILED
    assert done.failure_reason == RESTARTED
