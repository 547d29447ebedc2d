"""Job records: the hub's long-running work (#6), one status set, live statistics.

Three families share one table and one runner: Azure's scheduled jobs (`jobs/v2`: twin updates
and direct methods over a query, wire spec §6.3), registry import/export (`jobs/create`), and
hub-to-hub imports (seed 003). Each face renders the one status set in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Families: job ids are unique within one (Azure scheduled-job ids are chosen by the caller).
SCHEDULED_JOBS = "scheduled"
REGISTRY_JOBS = "registry"
HUB_IMPORTS = "hubImport"

#: Types, spelled as Azure spells them where Azure has them.
TWIN_UPDATE = "scheduleUpdateTwin"
DEVICE_METHOD = "scheduleDeviceMethod"
EXPORT = "export"
IMPORT = "import"
HUB_IMPORT = "hubImport"

#: Job statuses: queued → scheduled (a start time in the future) → running → a final one.
QUEUED = "queued"
SCHEDULED = "scheduled"
RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
ACTIVE = (QUEUED, SCHEDULED, RUNNING)
FINAL = (COMPLETED, FAILED, CANCELLED)

#: Per-device statuses of a scheduled job (rows of `devices.jobs`).
DEVICE_PENDING = "pending"
DEVICE_RUNNING = "running"

#: Why a device a method job had started has no outcome: never invoked twice (at most once).
INTERRUPTED = "The hub stopped while this device's method call was in flight; not repeated."

JSON = dict[str, Any]


@dataclass(slots=True)
class Job:
    """One job. `request` holds the type's parameters as JSON: never a secret."""

    family: str
    job_id: str
    type: str
    status: str
    request: JSON
    created_time: float
    start_time: float | None = None
    """When the job may start (scheduled jobs); None means at once."""
    started_time: float | None = None
    end_time: float | None = None
    max_execution_seconds: int | None = None
    failure_reason: str | None = None
    status_message: str | None = None
    device_count: int = 0
    succeeded: int = 0
    failed: int = 0
    running: int = 0
    targets_selected: bool = False
    """Scheduled jobs: the devices the query selects were recorded (done once, at start)."""
    forgotten: bool = False
    """Hub imports: DELETE forgets the record while the import goes on (seed 003)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.family, self.job_id)

    @property
    def done(self) -> bool:
        return self.status in FINAL

    @property
    def pending(self) -> int:
        return max(0, self.device_count - self.succeeded - self.failed - self.running)

    @property
    def progress(self) -> int:
        """Percent of devices done, 100 once the job has finished."""
        if self.status == COMPLETED:
            return 100
        if self.device_count <= 0:
            return 0
        return min(99, (self.succeeded + self.failed) * 100 // self.device_count)


@dataclass(frozen=True, slots=True)
class DeviceOutcome:
    """What one device's part of a scheduled job came to.

    `outcome` is the device's answer (`{"deviceMethodResponse": {"status": 200, ...}}`),
    `error` the domain error's name and message when it failed.
    """

    device_id: str
    outcome: JSON | None = None
    error: tuple[str, str] | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class DeviceJob:
    """One row of `SELECT * FROM devices.jobs`."""

    device_id: str
    job_id: str
    job_type: str
    status: str
    created_time: float
    start_time: float | None = None
    end_time: float | None = None
    last_updated: float | None = None
    outcome: JSON | None = None
    error: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class DeviceJobPage:
    items: list[DeviceJob]
    continuation: str | None


@dataclass(frozen=True, slots=True)
class JobPage:
    items: list[Job]
    continuation: str | None


@dataclass(frozen=True, slots=True)
class TwinWrite:
    """A twin a scheduled job rewrote: what its device and the twin listeners must hear."""

    device_id: str
    desired_version: int
    desired_changed: bool = True
    tags_changed: bool = False


@dataclass(slots=True)
class ImportReport:
    """Per-line results of an import; `errors` are (line or device, message) pairs."""

    applied: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, where: str, message: str) -> None:
        self.errors.append((where, message))


@dataclass(frozen=True, slots=True)
class SourceCredentials:
    """Where a hub import reads from; kept in memory only, never stored or logged."""

    host: str
    key_name: str
    key: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class RemoteDevice:
    """One device of an import source hub: identity, keys and the twin sections we copy."""

    device_id: str
    status: str
    status_reason: str | None
    auth_type: str
    primary_key: str | None = field(default=None, repr=False)
    secondary_key: str | None = field(default=None, repr=False)
    primary_thumbprint: str | None = None
    secondary_thumbprint: str | None = None
    iot_edge: bool = False
    tags: JSON = field(default_factory=dict)
    desired: JSON = field(default_factory=dict)
