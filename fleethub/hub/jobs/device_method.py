"""scheduleDeviceMethod: call one direct method on every device a query selects.

At most once per device: a group of devices is marked running before their calls go out and
their outcomes are stored together afterwards. A node that dies in between leaves them
running; whoever resumes the job fails them as interrupted instead of calling them again.
Offline devices fail at once (DeviceNotOnline), unless a connect timeout gives them time.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.clock import Clock
from fleethub.hub.errors import ArgumentInvalid, HubError
from fleethub.hub.jobs.condition import parse_condition
from fleethub.hub.jobs.control import DONE, HALTED, Finish, RunControl
from fleethub.hub.jobs.job import INTERRUPTED, DeviceOutcome, Job
from fleethub.hub.methods import MAX_TIMEOUT, MIN_RESPONSE_TIMEOUT, Methods
from fleethub.hub.ports import JobDeviceStore

JSON = dict[str, Any]
CONCURRENCY = 64


def method_request(
    name: str | None, payload: Any, response_timeout: int | None, connect_timeout: int | None
) -> JSON:
    """The stored parameters of a method job, checked now rather than per device."""
    if not name or len(name) > 128:
        raise ArgumentInvalid("cloudToDeviceMethod.methodName must be 1 to 128 characters.")
    if response_timeout is not None and not (
        MIN_RESPONSE_TIMEOUT <= response_timeout <= MAX_TIMEOUT
    ):
        raise ArgumentInvalid(
            f"responseTimeoutInSeconds must be between {MIN_RESPONSE_TIMEOUT} and {MAX_TIMEOUT}."
        )
    if connect_timeout is not None and not 0 <= connect_timeout <= MAX_TIMEOUT:
        raise ArgumentInvalid(f"connectTimeoutInSeconds must be between 0 and {MAX_TIMEOUT}.")
    return {
        "method": {
            "name": name,
            "payload": payload,
            "responseTimeout": response_timeout,
            "connectTimeout": connect_timeout,
        }
    }


class DeviceMethod:
    def __init__(
        self,
        methods: Methods,
        devices: JobDeviceStore,
        clock: Clock,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._methods = methods
        self._devices = devices
        self._clock = clock
        self._concurrency = concurrency

    async def run(self, job: Job, control: RunControl) -> Finish:
        where = parse_condition(job.request.get("query"))
        await self._devices.select_targets(job.job_id, where, self._clock())
        await self._devices.interrupt(job.job_id, self._clock(), INTERRUPTED)
        method: JSON = job.request["method"]
        after: str | None = None
        while True:
            why = await control.stop()
            if why is not None:
                if why == HALTED:
                    return control.finish(why)
                left = await self._devices.cancel(job.job_id, self._clock())
                return control.finish(why, left)
            pending = await self._devices.pending(job.job_id, self._concurrency, after)
            if not pending:
                if after is None:
                    return DONE
                after = None  # one last look from the start before calling it done
                continue
            after = pending[-1]
            started = await self._devices.start(job.job_id, pending, self._clock())
            outcomes = await asyncio.gather(*(self._call(d, method) for d in started))
            await self._devices.finish(job.job_id, outcomes, self._clock())
            await control.pace(len(started))

    async def _call(self, device_id: str, method: JSON) -> DeviceOutcome:
        try:
            result = await self._methods.invoke(
                SYSTEM,
                device_id,
                None,
                method["name"],
                method.get("payload"),
                method.get("responseTimeout"),
                method.get("connectTimeout"),
            )
        except HubError as error:
            return DeviceOutcome(device_id, error=(type(error).__name__, error.message))
        response = {"status": result.status, "payload": result.payload}
        return DeviceOutcome(device_id, outcome={"deviceMethodResponse": response})
