"""What an executor needs while it runs a job: stop checks, deadline, pacing; its outcome.

Executors check `stop()` between batches, so a cancel takes effect within one batch and a
job never outlives `maxExecutionTimeInSeconds` by more than one batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fleethub.hub.clock import Clock
from fleethub.hub.jobs.job import CANCELLED, COMPLETED, FAILED, RUNNING, Job
from fleethub.hub.ports import JobStore

EXPIRED = "expired"
#: This node is stopping: the job stays running (and leased to nobody) so it resumes later.
HALTED = "halted"


@dataclass(frozen=True, slots=True)
class Finish:
    """How a run ended: a final status and, for failures, the reason shown to the caller."""

    status: str
    reason: str | None = None
    message: str | None = None


DONE = Finish(COMPLETED)
STOPPED = Finish(CANCELLED)
PAUSED = Finish(RUNNING)


class Executor(Protocol):
    async def run(self, job: Job, control: RunControl) -> Finish: ...


class RunControl:
    """One job's view of its own state while it runs on this node."""

    def __init__(
        self,
        store: JobStore,
        job: Job,
        clock: Clock,
        rate: float = 0.0,
        halting: Callable[[], bool] = lambda: False,
    ) -> None:
        self.store = store
        self._halting = halting
        self.job = job
        self.clock = clock
        self._rate = rate
        self._credit = 0.0
        # Execution time counts from when the job began to run (a job scheduled in the past,
        # or kept waiting by busier jobs, still gets its whole allowance).
        start = job.started_time or job.start_time or job.created_time
        seconds = job.max_execution_seconds
        self.deadline = start + seconds if seconds else None

    async def stop(self) -> str | None:
        """None to go on; CANCELLED when the job was cancelled, EXPIRED past its deadline,
        HALTED when this node is stopping (only then must pending devices stay pending)."""
        if self._halting():
            return HALTED
        current = await self.store.get(self.job.family, self.job.job_id)
        if current is None or current.status != RUNNING:
            return CANCELLED
        if self.deadline is not None and self.clock() > self.deadline:
            return EXPIRED
        return None

    def finish(self, why: str, left: int = 0) -> Finish:
        if why == HALTED:
            return PAUSED
        if why == EXPIRED:
            seconds = self.job.max_execution_seconds
            reason = f"The job ran past maxExecutionTimeInSeconds ({seconds} s)"
            return Finish(FAILED, f"{reason}; {left} devices were not run." if left else reason)
        return STOPPED

    async def pace(self, devices: int) -> None:
        """Yield to live traffic; with a rate limit, sleep so devices/s stays under it."""
        if self._rate <= 0:
            await asyncio.sleep(0)
            return
        self._credit += devices / self._rate
        if self._credit >= 0.01:
            await asyncio.sleep(self._credit)
            self._credit = 0.0
        else:
            await asyncio.sleep(0)
