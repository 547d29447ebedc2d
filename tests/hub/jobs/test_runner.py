"""Scheduled jobs end to end on the hub: twin updates, methods, cancel, schedule, resume."""

from __future__ import annotations

import asyncio

import pytest

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.jobs import job as j
from fleethub.hub.jobs.control import Finish, RunControl
from fleethub.hub.jobs.runner import JobRunner, RunnerLimits
from fleethub.hub.jobs.service import ScheduledJobSpec
from fleethub.hub.registry.device import IdentitySpec
from fleethub.hub.twins.service import TwinPatch
from tests.conftest import Clock
from tests.fakes import ScriptedLink
from tests.hub.jobs.conftest import until, wait_job


async def add_devices(hub: Hub, count: int, prefix: str = "d") -> list[str]:
    ids = [f"{prefix}{i:04d}" for i in range(count)]
    fresh = [hub.registry.new_identity(i, None, IdentitySpec()) for i in ids]
    assert await hub.registry.insert_many(fresh) == []
    return ids


async def done_at_least(hub: Hub, job_id: str, count: int) -> bool:
    return (await hub.jobs.scheduled(SYSTEM, job_id)).succeeded >= count


async def called(links: list[ScriptedLink], count: int) -> bool:
    return sum(len(link.methods) for link in links) >= count


def twin_job(job_id: str, condition: str, **changes: object) -> ScheduledJobSpec:
    spec = {"tags": {"fleet": "a"}, "desired": {"rate": 5}, "etag": "*", **changes}
    return ScheduledJobSpec(job_id, j.TWIN_UPDATE, condition, **spec)  # type: ignore[arg-type]


async def test_twin_job_patches_every_selected_twin_once(hub: Hub, runner: JobRunner) -> None:
    ids = await add_devices(hub, 30)
    await add_devices(hub, 5, "other")
    online = await ScriptedLink(hub, ids[0]).attach()
    job = await hub.jobs.schedule(SYSTEM, twin_job("j1", "STARTSWITH(deviceId, 'd')"))
    assert job.status == j.QUEUED
    done = await wait_job(hub, j.SCHEDULED_JOBS, "j1")
    assert (done.status, done.device_count, done.succeeded, done.failed) == (j.COMPLETED, 30, 30, 0)
    twin = await hub.twins.get(SYSTEM, ids[7], None)
    assert (twin.twin.tags, twin.twin.desired, twin.twin.version) == (
        {"fleet": "a"},
        {"rate": 5},
        2,
    )
    untouched = await hub.twins.get(SYSTEM, "other0000", None)
    assert untouched.twin.version == 1
    assert online.desired == [{"rate": 5, "$version": 2}]  # the device hears about it
    page = await hub.jobs.device_jobs(SYSTEM, "SELECT * FROM devices.jobs", 100, None)
    assert page is not None
    assert {r.status for r in page.items} == {j.COMPLETED}
    assert len(page.items) == 30


async def test_method_job_counts_offline_devices_as_failed(hub: Hub, runner: JobRunner) -> None:
    ids = await add_devices(hub, 6)
    links = [await ScriptedLink(hub, d, answer={"ok": d}).attach() for d in ids[:4]]
    spec = ScheduledJobSpec(
        "m1", j.DEVICE_METHOD, "deviceId != ''", method_name="reboot", payload={"delay": 1}
    )
    await hub.jobs.schedule(SYSTEM, spec)
    done = await wait_job(hub, j.SCHEDULED_JOBS, "m1")
    assert (done.status, done.succeeded, done.failed, done.pending) == (j.COMPLETED, 4, 2, 0)
    assert all(link.methods == [("reboot", {"delay": 1})] for link in links)
    page = await hub.jobs.device_jobs(
        SYSTEM, "SELECT * FROM devices.jobs WHERE jobId = 'm1'", None, None
    )
    assert page is not None
    rows = {r.device_id: r for r in page.items}
    assert rows[ids[0]].outcome == {
        "deviceMethodResponse": {"status": 200, "payload": {"ok": ids[0]}}
    }
    offline = rows[ids[5]].error
    assert offline is not None
    assert offline[0] == "DeviceNotOnline"


async def test_cancel_stops_a_running_job(hub: Hub) -> None:
    await add_devices(hub, 200)
    slow = JobRunner(hub, RunnerLimits(poll_seconds=0.05, twin_batch=10, device_rate=200))
    slow.start()
    try:
        await hub.jobs.schedule(SYSTEM, twin_job("c1", "deviceId != ''"))
        await until(lambda: done_at_least(hub, "c1", 20))
        cancelled = await hub.jobs.cancel_scheduled(SYSTEM, "c1")
        assert cancelled.status == j.CANCELLED
        await slow.idle()
    finally:
        await slow.stop()
    job = await hub.jobs.scheduled(SYSTEM, "c1")
    assert job.status == j.CANCELLED
    assert 20 <= job.succeeded < 200
    page = await hub.jobs.device_jobs(
        SYSTEM, "SELECT * FROM devices.jobs WHERE status = 'cancelled'", 1000, None
    )
    assert page is not None
    assert len(page.items) == 200 - job.succeeded
    again = await hub.jobs.cancel_scheduled(SYSTEM, "c1")  # cancelling twice changes nothing
    assert again.status == j.CANCELLED


async def test_a_stopped_job_resumes_without_repeating_a_device(hub: Hub) -> None:
    ids = await add_devices(hub, 120)
    limits = RunnerLimits(poll_seconds=0.05, twin_batch=10, device_rate=300)
    first = JobRunner(hub, limits)
    first.start()
    await hub.jobs.schedule(SYSTEM, twin_job("r1", "deviceId != ''"))
    await until(lambda: done_at_least(hub, "r1", 30))
    await first.stop()  # the node goes away mid-job
    halfway = await hub.jobs.scheduled(SYSTEM, "r1")
    assert halfway.status == j.RUNNING
    assert halfway.succeeded < 120
    second = JobRunner(hub, RunnerLimits(poll_seconds=0.05))
    second.start()
    try:
        done = await wait_job(hub, j.SCHEDULED_JOBS, "r1")
    finally:
        await second.stop()
    assert (done.status, done.succeeded, done.device_count) == (j.COMPLETED, 120, 120)
    versions = {(await hub.twins.get(SYSTEM, d, None)).twin.version for d in ids}
    assert versions == {2}  # each twin written exactly once


async def test_interrupted_method_calls_are_failed_not_repeated(hub: Hub) -> None:
    ids = await add_devices(hub, 3)
    links = [await ScriptedLink(hub, d, silent=True).attach() for d in ids]
    spec = ScheduledJobSpec(
        "m2", j.DEVICE_METHOD, "deviceId != ''", method_name="slow", response_timeout=60
    )
    first = JobRunner(hub, RunnerLimits(poll_seconds=0.05, stop_grace=0.2))
    first.start()
    await hub.jobs.schedule(SYSTEM, spec)
    await until(lambda: called(links, 3))
    await first.stop()  # calls in flight: nobody knows whether the devices ran them
    second = JobRunner(hub, RunnerLimits(poll_seconds=0.05))
    second.start()
    try:
        done = await wait_job(hub, j.SCHEDULED_JOBS, "m2")
    finally:
        await second.stop()
    assert (done.status, done.failed, done.succeeded) == (j.COMPLETED, 3, 0)
    assert all(len(link.methods) == 1 for link in links)
    page = await hub.jobs.device_jobs(SYSTEM, "SELECT * FROM devices.jobs", None, None)
    assert page is not None
    assert {r.error for r in page.items} == {("JobInterrupted", j.INTERRUPTED)}


async def test_future_jobs_wait_in_scheduled(hub: Hub, clock: Clock, runner: JobRunner) -> None:
    await add_devices(hub, 2)
    await hub.jobs.schedule(SYSTEM, twin_job("later", "deviceId != ''", start_time=clock() + 60))
    for _ in range(100):
        if (await hub.jobs.scheduled(SYSTEM, "later")).status == j.SCHEDULED:
            break
        await asyncio.sleep(0.02)
    assert (await hub.jobs.scheduled(SYSTEM, "later")).status == j.SCHEDULED
    clock.now += 61
    hub.jobs.wakeup.set()
    assert (await wait_job(hub, j.SCHEDULED_JOBS, "later")).status == j.COMPLETED


async def test_a_job_past_its_max_execution_time_fails(hub: Hub, clock: Clock) -> None:
    await add_devices(hub, 100)
    slow = JobRunner(hub, RunnerLimits(poll_seconds=0.05, twin_batch=10, device_rate=200))
    slow.start()
    try:
        await hub.jobs.schedule(SYSTEM, twin_job("x1", "deviceId != ''", max_execution_seconds=10))
        await until(lambda: done_at_least(hub, "x1", 10))
        clock.now += 11
        done = await wait_job(hub, j.SCHEDULED_JOBS, "x1")
    finally:
        await slow.stop()
    assert done.status == j.FAILED
    assert done.failure_reason is not None
    assert "maxExecutionTimeInSeconds (10 s)" in done.failure_reason
    assert f"{100 - done.succeeded} devices were not run" in done.failure_reason


async def test_a_job_whose_devices_are_gone_or_invalid(hub: Hub, runner: JobRunner) -> None:
    ids = await add_devices(hub, 2)
    await hub.twins.patch(SYSTEM, ids[0], None, TwinPatch(tags={"big": "x" * 4000}), "*")
    await hub.twins.patch(SYSTEM, ids[0], None, TwinPatch(tags={"big2": "x" * 4000}), "*")
    await hub.jobs.schedule(SYSTEM, twin_job("big", "deviceId != ''", tags={"big3": "y" * 600}))
    done = await wait_job(hub, j.SCHEDULED_JOBS, "big")
    assert (done.status, done.succeeded, done.failed) == (j.COMPLETED, 1, 1)
    page = await hub.jobs.device_jobs(
        SYSTEM, "SELECT * FROM devices.jobs WHERE status = 'failed'", None, None
    )
    assert page is not None
    assert page.items[0].error is not None
    assert page.items[0].error[0] == "TwinTooLarge"


class Exploding:
    async def run(self, job: j.Job, control: RunControl) -> Finish:
        raise RuntimeError("boom")


async def test_an_executor_crash_fails_the_job_and_the_runner_goes_on(
    hub: Hub, runner: JobRunner, caplog: pytest.LogCaptureFixture
) -> None:
    runner._executors[j.TWIN_UPDATE] = Exploding()
    await add_devices(hub, 1)
    await hub.jobs.schedule(SYSTEM, twin_job("boom", "deviceId != ''"))
    done = await wait_job(hub, j.SCHEDULED_JOBS, "boom")
    assert done.status == j.FAILED
    assert done.failure_reason == "The job failed with an internal error; see the hub's log."
    assert "boom" in caplog.text
    del runner._executors[j.TWIN_UPDATE]
    await hub.jobs.schedule(SYSTEM, twin_job("unknown", "deviceId != ''"))
    done = await wait_job(hub, j.SCHEDULED_JOBS, "unknown")
    assert done.failure_reason == "This hub cannot run jobs of type 'scheduleUpdateTwin'."


async def test_only_so_many_jobs_run_at_once(hub: Hub) -> None:
    await add_devices(hub, 60)
    one = JobRunner(hub, RunnerLimits(jobs=1, poll_seconds=0.05, twin_batch=10, device_rate=300))
    one.start()
    try:
        for name in ("a", "b", "c"):
            await hub.jobs.schedule(SYSTEM, twin_job(name, "deviceId != ''"))
        seen_running: set[int] = set()

        async def all_done() -> bool:
            jobs = [await hub.jobs.scheduled(SYSTEM, n) for n in ("a", "b", "c")]
            seen_running.add(sum(1 for x in jobs if x.status == j.RUNNING))
            return all(x.done for x in jobs)

        await until(all_done)
    finally:
        await one.stop()
    assert max(seen_running) == 1
