"""A job runner on the `hub` fixture, polling fast, and a way to wait for a job's end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from fleethub.hub.hub import Hub
from fleethub.hub.jobs.job import FINAL, Job
from fleethub.hub.jobs.runner import JobRunner, RunnerLimits


@pytest.fixture
async def runner(hub: Hub) -> AsyncIterator[JobRunner]:
    started = JobRunner(hub, RunnerLimits(poll_seconds=0.05))
    started.start()
    yield started
    await started.stop()


async def until(check: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    """Poll `check` until it holds; a condition, never a fixed sleep, ends the wait."""
    for _ in range(int(within / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


async def wait_job(hub: Hub, family: str, job_id: str, within: float = 30.0) -> Job:
    """Poll the store until the job reaches a final status."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        job = await hub.jobs.adapters.store.get(family, job_id)
        assert job is not None
        if job.status in FINAL:
            return job
        assert asyncio.get_running_loop().time() < deadline, f"job still {job.status}"
        await asyncio.sleep(0.02)
