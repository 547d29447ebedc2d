"""scheduleUpdateTwin: merge one tags/desired patch into every twin a query selects.

Devices go in batches; each batch's twins and outcomes are written in one transaction
(JobDeviceStore.update_twins), which is what makes a resumed job skip the devices it did.
Devices online are told about the desired change, as a single PATCH /twins would.
"""

from __future__ import annotations

from typing import Any

from fleethub.hub.clock import Clock
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.events import DesiredChanged, TwinChanged
from fleethub.hub.jobs.condition import parse_condition
from fleethub.hub.jobs.control import DONE, HALTED, Finish, RunControl
from fleethub.hub.jobs.job import Job, TwinWrite
from fleethub.hub.ports import JobDeviceStore
from fleethub.hub.twins import patch as rules
from fleethub.hub.twins.service import TwinPatch, Twins

JSON = dict[str, Any]
BATCH = 500


def update_request(tags: JSON | None, desired: JSON | None, etag: str | None) -> JSON:
    """The stored parameters of a twin-update job, checked now rather than per device."""
    if etag not in (None, "*"):
        raise ArgumentInvalid("updateTwin.etag must be '*': a job patches twins whatever state.")
    if tags is None and desired is None:
        raise ArgumentInvalid("updateTwin needs tags or properties.desired to patch.")
    if tags is not None:
        rules.check_document(tags, "tags", allow_null=True)
    if desired is not None:
        rules.check_document(desired, "properties.desired", allow_null=True)
    return {"tags": tags, "desired": desired}


class TwinUpdate:
    def __init__(
        self, twins: Twins, devices: JobDeviceStore, clock: Clock, batch: int = BATCH
    ) -> None:
        self._twins = twins
        self._devices = devices
        self._clock = clock
        self._batch = batch

    async def run(self, job: Job, control: RunControl) -> Finish:
        where = parse_condition(job.request.get("query"))
        await self._devices.select_targets(job.job_id, where, self._clock())
        change = TwinPatch(tags=job.request.get("tags"), desired=job.request.get("desired"))
        compute = self._twins.merger(change)

        after: str | None = None
        while True:
            why = await control.stop()
            if why is not None:
                if why == HALTED:
                    return control.finish(why)
                left = await self._devices.cancel(job.job_id, self._clock())
                return control.finish(why, left)
            batch = await self._devices.pending(job.job_id, self._batch, after)
            if not batch:
                if after is None:
                    return DONE
                after = None  # one last look from the start before calling it done
                continue
            after = batch[-1]
            writes = await self._devices.update_twins(job.job_id, batch, compute, self._clock())
            if writes is None:
                continue  # cancelled between the check and the batch: the next check says so
            await self._tell(writes, change)
            await control.pace(len(batch))

    async def _tell(self, writes: list[TwinWrite], change: TwinPatch) -> None:
        """What a single PATCH /twins would announce: desired patches and tag changes."""
        for write in writes:
            if write.desired_changed and change.desired:
                body = {**change.desired, "$version": write.desired_version}
                event = DesiredChanged(write.device_id, None, body, write.desired_version)
                await self._twins.desired_changed.emit(event)
            if write.tags_changed:
                await self._twins.tags_changed.emit(TwinChanged(write.device_id, None))
