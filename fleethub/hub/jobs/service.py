"""The jobs use cases every face calls: create, read, list and cancel jobs of each family.

Creating a job only records it (and wakes the runner); `runner.py` does the work, on whichever
node holds the job's lease. Permissions follow Azure: twin updates and imports need registry
write, method jobs service connect, reads registry read or service connect.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from typing import Any

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.clock import Clock
from fleethub.hub.errors import (
    ArgumentInvalid,
    JobNotFound,
    QuerySyntaxInvalid,
    QueryUnsupported,
    ServiceUnavailable,
)
from fleethub.hub.jobs import job as j
from fleethub.hub.jobs.condition import parse_condition
from fleethub.hub.jobs.device_method import method_request
from fleethub.hub.jobs.hub_import import (
    INVALID_SECRET,
    InvalidSecret,
    hub_import_request,
    parse_secret,
)
from fleethub.hub.jobs.registry_io import registry_request
from fleethub.hub.jobs.twin_update import update_request
from fleethub.hub.ports import Blobs, JobDeviceStore, JobStore, SourceHub
from fleethub.hub.query import QuerySyntaxError, UnsupportedQuery, parse_jobs

JSON = dict[str, Any]
LEASE_SECONDS = 30.0
MAX_PAGE = 1000
_JOB_ID = re.compile(r"^[A-Za-z0-9\-.%_*?!(),:=@$'#+]{1,128}$")
_LOCATION = re.compile(r"^locations/[A-Za-z0-9_-]{1,128}$")
_READ = (Permission.REGISTRY_READ, Permission.SERVICE_CONNECT)


@dataclass(frozen=True, slots=True)
class JobAdapters:
    """What jobs need from outside the domain; app.py builds them."""

    store: JobStore
    devices: JobDeviceStore
    blobs: Blobs
    source: SourceHub


@dataclass(frozen=True, slots=True)
class ScheduledJobSpec:
    """A JobRequest (jobs/v2) in domain terms."""

    job_id: str
    type: str
    query_condition: str | None
    start_time: float | None = None
    max_execution_seconds: int | None = None
    tags: JSON | None = None
    desired: JSON | None = None
    etag: str | None = None
    method_name: str | None = None
    payload: Any = None
    response_timeout: int | None = None
    connect_timeout: int | None = None


@dataclass(frozen=True, slots=True)
class RegistryJobSpec:
    """A JobProperties creation request (jobs/create) in domain terms."""

    type: str
    input_container: str | None = None
    input_name: str | None = None
    output_container: str | None = None
    output_name: str | None = None
    exclude_keys: bool = False
    identity_based: bool = False
    include_configurations: bool = False


class Jobs:
    def __init__(self, adapters: JobAdapters | None, clock: Clock, node_id: str) -> None:
        self._adapters = adapters
        self._clock = clock
        self.node_id = node_id
        self.wakeup = asyncio.Event()
        #: Hub-import secrets, in memory only, until the import starts (seed 003: never stored).
        self.credentials: dict[str, j.SourceCredentials] = {}

    @property
    def adapters(self) -> JobAdapters:
        if self._adapters is None:
            raise ServiceUnavailable("Jobs are not configured on this hub.")
        return self._adapters

    # -- scheduled jobs (jobs/v2) -------------------------------------------------------------

    async def schedule(self, principal: Principal, spec: ScheduledJobSpec) -> j.Job:
        if spec.type == j.TWIN_UPDATE:
            require(principal, Permission.REGISTRY_WRITE)
            params = update_request(spec.tags, spec.desired, spec.etag)
        elif spec.type == j.DEVICE_METHOD:
            require(principal, Permission.SERVICE_CONNECT)
            params = method_request(
                spec.method_name, spec.payload, spec.response_timeout, spec.connect_timeout
            )
        else:
            raise ArgumentInvalid(
                f"Job type '{spec.type[:40]}' is not {j.TWIN_UPDATE} or {j.DEVICE_METHOD}."
            )
        _check_job_id(spec.job_id)
        parse_condition(spec.query_condition)
        if spec.max_execution_seconds is not None and spec.max_execution_seconds < 1:
            raise ArgumentInvalid("maxExecutionTimeInSeconds must be at least 1.")
        now = self._clock()
        job = j.Job(
            family=j.SCHEDULED_JOBS,
            job_id=spec.job_id,
            type=spec.type,
            status=j.QUEUED,
            request={"query": spec.query_condition, **params},
            created_time=now,
            start_time=spec.start_time if spec.start_time is not None else now,
            max_execution_seconds=spec.max_execution_seconds,
        )
        await self.adapters.store.create(job, None, None)
        self.wakeup.set()
        return job

    async def scheduled(self, principal: Principal, job_id: str) -> j.Job:
        require(principal, *_READ)
        return await self._find(j.SCHEDULED_JOBS, job_id)

    async def cancel_scheduled(self, principal: Principal, job_id: str) -> j.Job:
        require(principal, Permission.REGISTRY_WRITE, Permission.SERVICE_CONNECT)
        await self._find(j.SCHEDULED_JOBS, job_id)
        now = self._clock()
        if await self.adapters.store.transition(
            j.SCHEDULED_JOBS, job_id, j.CANCELLED, j.ACTIVE, now
        ):
            await self.adapters.devices.cancel(job_id, now)
        return await self._find(j.SCHEDULED_JOBS, job_id)

    async def list_scheduled(
        self,
        principal: Principal,
        type_: str | None,
        status: str | None,
        page_size: int | None,
        continuation: str | None,
    ) -> j.JobPage:
        require(principal, *_READ)
        if status is not None and status not in (*j.ACTIVE, *j.FINAL):
            raise ArgumentInvalid(f"jobStatus '{status[:40]}' is not a job status.")
        size = max(1, min(page_size or 100, MAX_PAGE))
        after = _decode(continuation)
        found = await self.adapters.store.list_jobs(
            j.SCHEDULED_JOBS, type_, status, after, size + 1
        )
        items = found[:size]
        token = _encode(items[-1].job_id) if len(found) > size else None
        return j.JobPage(items, token)

    async def device_jobs(
        self, principal: Principal, text: str, page_size: int | None, continuation: str | None
    ) -> j.DeviceJobPage | None:
        """`SELECT * FROM devices.jobs ...`; None when the query reads another collection."""
        try:
            query = parse_jobs(text)
        except QuerySyntaxError as error:
            raise QuerySyntaxInvalid(str(error)) from None
        except UnsupportedQuery as error:
            raise QueryUnsupported(str(error)) from None
        if query is None:
            return None
        require(principal, *_READ)
        size = max(1, min(page_size or 100, MAX_PAGE))
        try:
            return await self.adapters.devices.query(query, size, continuation)
        except UnsupportedQuery as error:
            raise QueryUnsupported(str(error)) from None

    # -- registry import / export (jobs/create) -----------------------------------------------

    async def start_registry_job(self, principal: Principal, spec: RegistryJobSpec) -> j.Job:
        write = spec.type == j.IMPORT
        require(principal, Permission.REGISTRY_WRITE if write else Permission.REGISTRY_READ)
        if spec.identity_based:
            raise ArgumentInvalid("storageAuthenticationType identityBased is not supported.")
        if spec.include_configurations:
            raise ArgumentInvalid("includeConfigurations is not supported yet.")
        request = registry_request(
            spec.type,
            self.adapters.blobs,
            input_container=spec.input_container,
            input_name=spec.input_name,
            output_container=spec.output_container,
            output_name=spec.output_name,
            exclude_keys=spec.exclude_keys,
        )
        job = j.Job(j.REGISTRY_JOBS, str(uuid.uuid4()), spec.type, j.QUEUED, request, self._clock())
        await self.adapters.store.create(job, None, None)
        self.wakeup.set()
        return job

    async def registry_jobs(self, principal: Principal) -> list[j.Job]:
        require(principal, Permission.REGISTRY_READ)
        return await self.adapters.store.list_jobs(j.REGISTRY_JOBS, None, None, None, MAX_PAGE)

    async def registry_job(self, principal: Principal, job_id: str) -> j.Job:
        require(principal, Permission.REGISTRY_READ)
        return await self._find(j.REGISTRY_JOBS, job_id)

    async def cancel_registry_job(self, principal: Principal, job_id: str) -> j.Job:
        require(principal, Permission.REGISTRY_WRITE)
        return await self._cancel(j.REGISTRY_JOBS, job_id)

    # -- hub imports (seed 003) ---------------------------------------------------------------

    async def start_hub_import(
        self, principal: Principal, display_name: str, secret: str, location: str
    ) -> j.Job:
        """Record the import; a malformed secret gives a record that failed at once."""
        require(principal, Permission.REGISTRY_WRITE)
        if not 1 <= len(display_name) <= 1024:
            raise ArgumentInvalid("display_name must be 1 to 1024 characters.")
        if not _LOCATION.match(location):
            raise ArgumentInvalid("arc_home_location_identity must look like 'locations/<id>'.")
        now = self._clock()
        request = hub_import_request(display_name, location)
        job = j.Job(j.HUB_IMPORTS, str(uuid.uuid4()), j.HUB_IMPORT, j.QUEUED, request, now)
        try:
            self.credentials[job.job_id] = parse_secret(secret)
        except InvalidSecret:
            job.status, job.end_time, job.failure_reason = j.FAILED, now, INVALID_SECRET
            await self.adapters.store.create(job, None, None)
            return job
        try:  # leased to this node at once: only this process holds the secret
            await self.adapters.store.create(job, self.node_id, now + LEASE_SECONDS)
        except BaseException:
            self.credentials.pop(job.job_id, None)
            raise
        self.wakeup.set()
        return job

    async def hub_imports(self, principal: Principal) -> list[j.Job]:
        require(principal, Permission.REGISTRY_READ)
        return await self.adapters.store.list_jobs(j.HUB_IMPORTS, None, None, None, MAX_PAGE)

    async def hub_import(self, principal: Principal, import_id: str) -> j.Job:
        require(principal, Permission.REGISTRY_READ)
        return await self._find(j.HUB_IMPORTS, import_id)

    async def cancel_hub_import(self, principal: Principal, import_id: str) -> j.Job:
        require(principal, Permission.REGISTRY_WRITE)
        job = await self._cancel(j.HUB_IMPORTS, import_id)
        if job.done:
            self.credentials.pop(import_id, None)
        return job

    async def forget_hub_import(self, principal: Principal, import_id: str) -> None:
        """Seed 003: the record goes, but a running import goes on unless cancelled first."""
        require(principal, Permission.REGISTRY_WRITE)
        if not await self.adapters.store.forget(j.HUB_IMPORTS, import_id):
            raise JobNotFound(f"The import '{import_id[:140]}' does not exist.")

    # -- shared -------------------------------------------------------------------------------

    async def _find(self, family: str, job_id: str) -> j.Job:
        job = await self.adapters.store.get(family, job_id)
        if job is None or job.forgotten:
            raise JobNotFound(f"The job '{job_id[:140]}' does not exist.")
        return job

    async def _cancel(self, family: str, job_id: str) -> j.Job:
        await self._find(family, job_id)
        await self.adapters.store.transition(family, job_id, j.CANCELLED, j.ACTIVE, self._clock())
        return await self._find(family, job_id)


def _check_job_id(job_id: str) -> None:
    if not _JOB_ID.match(job_id):
        raise ArgumentInvalid(
            f"Job id '{job_id[:140]}' is invalid: use 1-128 ASCII letters, digits or "
            "- . % _ * ? ! ( ) , : = @ $ ' # +"
        )


def _encode(job_id: str) -> str:
    return base64.urlsafe_b64encode(job_id.encode()).decode()


def _decode(token: str | None) -> str | None:
    if not token:
        return None
    try:
        job_id = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        job_id = ""
    if not _JOB_ID.match(job_id):
        raise ArgumentInvalid("The continuation token is not one this hub issued.")
    return job_id
