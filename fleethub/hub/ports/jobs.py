"""Ports: Jobs and the outbound adapters they use."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol

from fleethub.hub.jobs.job import (
    DeviceJobPage,
    DeviceOutcome,
    Job,
    RemoteDevice,
    SourceCredentials,
    TwinWrite,
)
from fleethub.hub.query.ast import Expr, JobsQuery
from fleethub.hub.twins.twin import TwinState


class JobStore(Protocol):
    """Job records and their leases: a lease lets exactly one node run a job at a time."""

    async def create(self, job: Job, owner: str | None, lease_until: float | None) -> None:
        """Insert, optionally already leased; raise JobAlreadyExists for a taken id."""

    async def get(self, family: str, job_id: str) -> Job | None: ...

    async def list_jobs(
        self, family: str, type_: str | None, status: str | None, after: str | None, limit: int
    ) -> list[Job]:
        """Jobs not forgotten, by (created time, id), starting after the job id `after`."""

    async def transition(
        self,
        family: str,
        job_id: str,
        to: str,
        from_: Sequence[str],
        at: float,
        reason: str | None = None,
        message: str | None = None,
    ) -> bool:
        """Set status `to` only if the status is one of `from_`; stamp start or end time."""

    async def count(self, family: str, job_id: str, succeeded: int, failed: int) -> None:
        """Add to a job's live counters."""

    async def reset_counts(self, family: str, job_id: str, device_count: int) -> None:
        """Set the device count and zero the others (a job that starts over)."""

    async def claim(self, owner: str, now: float, until: float, limit: int) -> list[Job]:
        """Lease due active jobs that nobody holds or whose lease lapsed (or `owner` holds)."""

    async def renew(self, owner: str, keys: Sequence[tuple[str, str]], until: float) -> None: ...

    async def release(self, owner: str, family: str, job_id: str) -> None: ...

    async def schedule(self, now: float) -> None:
        """Queued jobs whose start time is in the future become scheduled."""

    async def forget(self, family: str, job_id: str) -> bool:
        """Hide the job from lists (deleting it when final); False when there is none."""

    async def delete(self, family: str, job_id: str) -> None: ...


class JobDeviceStore(Protocol):
    """The per-device rows of scheduled jobs (`devices.jobs`): one row per device, written
    before the runner moves on, so a resumed job never does a device twice."""

    async def select_targets(self, job_id: str, where: Expr | None, now: float) -> int:
        """Record every device `where` selects as pending, once per job; return how many."""

    async def pending(self, job_id: str, limit: int, after: str | None = None) -> list[str]:
        """Pending devices in id order, after `after`: a runner passes the last id it took, so
        the scan skips the rows it already finished (on PostgreSQL, dead index entries)."""

    async def start(self, job_id: str, device_ids: Sequence[str], now: float) -> list[str]:
        """Mark pending devices running (before a method call); return those marked."""

    async def finish(self, job_id: str, outcomes: Sequence[DeviceOutcome], now: float) -> None:
        """Record outcomes of running devices and add them to the job's counters."""

    async def update_twins(
        self,
        job_id: str,
        device_ids: Sequence[str],
        compute: Callable[[TwinState], TwinState],
        now: float,
    ) -> list[TwinWrite] | None:
        """In one transaction: rewrite each pending device's twin as `compute` says and record
        its outcome (a HubError from `compute` fails that device). None if the job stopped."""

    async def interrupt(self, job_id: str, now: float, description: str) -> int:
        """Fail devices left running by a stopped node; return how many."""

    async def cancel(self, job_id: str, now: float) -> int:
        """Mark every pending device cancelled; return how many."""

    async def query(
        self, query: JobsQuery, page_size: int, continuation: str | None
    ) -> DeviceJobPage: ...


class Blobs(Protocol):
    """Where registry exports go and imports come from: a folder under the data dir or a URL."""

    def check(self, container: str, name: str) -> None:
        """Raise ArgumentInvalid unless the hub may use this container and blob name."""

    async def write(self, container: str, name: str, lines: AsyncIterator[bytes]) -> None:
        """Store the lines as one blob, replacing an older one; raise RemoteUnreachable."""

    def read(self, container: str, name: str) -> AsyncIterator[bytes]:
        """The blob's lines; raise RemoteUnreachable when it cannot be read."""


class SourceHub(Protocol):
    """Another IoT hub (Azure IoT Hub or a fleethub) that a hub import reads devices from."""

    def devices(self, credentials: SourceCredentials) -> AsyncIterator[list[RemoteDevice]]:
        """Every device with its keys, tags and desired properties, a page at a time.

        Raises Unauthorized when the source refuses the credentials, RemoteUnreachable when it
        cannot be reached or answers nonsense."""
