"""The job runner: lease due jobs, run a few at a time, resume what a stopped node left.

One task polls every second (or at once when a job is created): it renews the leases of the
jobs it runs, moves future jobs to `scheduled`, and claims due ones up to its limit. A node
that dies keeps its leases until they lapse; the same node restarted (same node id) takes its
jobs back at once. Design notes: docs/design/jobs.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from fleethub.hub.errors import HubError
from fleethub.hub.hub import Hub
from fleethub.hub.jobs import job as j
from fleethub.hub.jobs.batch_write import BatchWriter
from fleethub.hub.jobs.control import Executor, Finish, RunControl
from fleethub.hub.jobs.device_method import DeviceMethod
from fleethub.hub.jobs.hub_import import HubImport
from fleethub.hub.jobs.registry_io import RegistryExport, RegistryImport
from fleethub.hub.jobs.service import LEASE_SECONDS
from fleethub.hub.jobs.twin_update import TwinUpdate

log = logging.getLogger(__name__)
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class RunnerLimits:
    """How hard jobs may push; the defaults leave room for live traffic."""

    jobs: int = 2
    """Jobs running at once on this node."""
    device_rate: float = 0.0
    """Devices per second per job; 0 means as fast as batches go."""
    twin_batch: int = 500
    method_concurrency: int = 64
    poll_seconds: float = 1.0
    lease_seconds: float = LEASE_SECONDS
    stop_grace: float = 5.0
    """On stop, how long jobs get to reach a batch boundary before they are cancelled."""


class JobRunner:
    def __init__(self, hub: Hub, limits: RunnerLimits | None = None) -> None:
        self._jobs = hub.jobs
        self._clock = hub.clock
        self._limits = limits or RunnerLimits()
        adapters = hub.jobs.adapters
        self._store = adapters.store
        writer = BatchWriter(hub.registry, hub.twins, hub.clock)
        self._executors: dict[str, Executor] = {
            j.TWIN_UPDATE: TwinUpdate(
                hub.twins, adapters.devices, hub.clock, self._limits.twin_batch
            ),
            j.DEVICE_METHOD: DeviceMethod(
                hub.methods, adapters.devices, hub.clock, self._limits.method_concurrency
            ),
            j.EXPORT: RegistryExport(hub.registry, hub.twins, adapters.store, adapters.blobs),
            j.IMPORT: RegistryImport(writer, adapters.store, adapters.blobs),
            j.HUB_IMPORT: HubImport(writer, adapters.store, adapters.source, hub.jobs.credentials),
        }
        self._running: dict[Key, asyncio.Task[None]] = {}
        self._loop: asyncio.Task[None] | None = None
        self._halting = False

    @property
    def owner(self) -> str:
        return self._jobs.node_id

    def start(self) -> None:
        self._loop = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        """Stop polling; let jobs pause at their next batch (within `stop_grace`, else they
        are cancelled); hand their leases back so they resume on the next start."""
        self._halting = True
        self._jobs.wakeup.set()
        tasks = [t for t in (self._loop, *self._running.values()) if t is not None]
        keys = list(self._running)
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self._limits.stop_grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None
        for family, job_id in keys:
            with contextlib.suppress(Exception):
                await self._store.release(self.owner, family, job_id)

    async def run(self) -> None:
        while not self._halting:
            try:
                await self.poll()
            except Exception:
                log.exception("job runner poll failed; retrying")
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands
            # as the event fires (gh-86296), and stop() would then wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._limits.poll_seconds):
                    await self._jobs.wakeup.wait()
            self._jobs.wakeup.clear()

    async def poll(self) -> None:
        """One round: renew, schedule, claim; returns once new jobs have been started."""
        now = self._clock()
        until = now + self._limits.lease_seconds
        await self._store.renew(self.owner, list(self._running), until)
        await self._store.schedule(now)
        free = self._limits.jobs - len(self._running)
        if free <= 0 or self._halting:
            return
        for job in await self._store.claim(self.owner, now, until, free + len(self._running)):
            if job.key in self._running:
                continue
            if len(self._running) >= self._limits.jobs:
                await self._store.release(self.owner, *job.key)
                continue
            task = asyncio.get_running_loop().create_task(self._execute(job))
            self._running[job.key] = task

    async def idle(self) -> None:
        """Wait until no job runs here (tests and benchmarks)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def _execute(self, job: j.Job) -> None:
        try:
            await self._run(job)
        finally:
            self._running.pop(job.key, None)
            self._jobs.wakeup.set()  # a slot is free: look for more work

    async def _run(self, job: j.Job) -> None:
        store = self._store
        if job.status != j.RUNNING:
            started = (j.QUEUED, j.SCHEDULED)
            now = self._clock()
            if not await store.transition(*job.key, j.RUNNING, started, now):
                return
            job.status, job.started_time = j.RUNNING, job.started_time or now
        log.info("job %s/%s (%s) running", job.family, job.job_id, job.type)
        control = RunControl(
            store, job, self._clock, self._limits.device_rate, lambda: self._halting
        )
        finish = await self._finish_of(job, control)
        if finish.status == j.RUNNING:
            log.info("job %s/%s paused: this node is stopping", job.family, job.job_id)
            return
        await store.transition(
            *job.key, finish.status, (j.RUNNING,), self._clock(), finish.reason, finish.message
        )
        log.info("job %s/%s ended: %s", job.family, job.job_id, finish.status)
        current = await store.get(*job.key)
        if current is not None and current.forgotten and current.done:
            await store.delete(*job.key)

    async def _finish_of(self, job: j.Job, control: RunControl) -> Finish:
        executor = self._executors.get(job.type)
        if executor is None:
            return Finish(j.FAILED, f"This hub cannot run jobs of type '{job.type}'.")
        try:
            return await executor.run(job, control)
        except HubError as error:
            return Finish(j.FAILED, error.message)
        except Exception:
            log.exception("job %s/%s failed", job.family, job.job_id)
            return Finish(j.FAILED, "The job failed with an internal error; see the hub's log.")
