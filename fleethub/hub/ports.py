"""The Protocols the domain needs from its adapters; `store/` and `bus/` implement them.

One small Protocol per aggregate, each method one atomic operation. Only `app.py` knows
which adapters stand behind them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fleethub.hub.auth.roles import ApiToken
from fleethub.hub.central.records import CommandRecord, DeviceProfile, RecentMessage
from fleethub.hub.configurations.record import Configuration, DeviceStatus
from fleethub.hub.jobs.job import (
    DeviceJobPage,
    DeviceOutcome,
    Job,
    RemoteDevice,
    SourceCredentials,
    TwinWrite,
)
from fleethub.hub.lorawan.records import Avatar
from fleethub.hub.messaging.consumer_groups import ConsumerGroup
from fleethub.hub.messaging.message import C2DMessage, D2CRecord, FeedbackBatch, FeedbackRecord
from fleethub.hub.models.record import ModelRecord
from fleethub.hub.query.ast import Expr, JobsQuery, Query
from fleethub.hub.registry.device import Identity
from fleethub.hub.twins.twin import TwinState


@dataclass(frozen=True, slots=True)
class RegistryCounts:
    total: int
    enabled: int
    disabled: int
    connected: int


@dataclass(frozen=True, slots=True)
class QueryPage:
    """One page of query results: twins for SELECT *, plain rows otherwise."""

    twins: list[Identity] | None
    rows: list[dict[str, Any]] | None
    continuation: str | None


class IdentityStore(Protocol):
    async def get(self, device_id: str, module_id: str | None) -> Identity | None: ...

    async def create(self, identity: Identity) -> None:
        """Insert; raise DeviceAlreadyExists / ModuleAlreadyExists on a duplicate."""

    async def create_many(self, identities: Sequence[Identity]) -> list[tuple[str, str | None]]:
        """Insert in one transaction; return the (device, module) keys that already existed."""

    async def update(self, identity: Identity, expected_etag_seq: int) -> bool:
        """Write the identity columns (not the twin) if etag_seq is still the expected one."""

    async def delete(self, device_id: str, module_id: str | None) -> bool:
        """Delete the identity (a device takes its modules with it); False if absent."""

    async def list_devices(self, top: int) -> list[Identity]: ...

    async def list_modules(self, device_id: str) -> list[Identity]: ...

    async def save_twin(
        self, device_id: str, module_id: str | None, twin: TwinState, expected_version: int
    ) -> bool:
        """Compare-and-swap the twin on its version."""

    async def set_connections(
        self, changes: Sequence[tuple[str, str | None, str, datetime]]
    ) -> None:
        """Write (device, module, state, at) connection changes in one transaction."""

    async def touch_activity(
        self, keys: Sequence[tuple[str, str | None]], at: datetime
    ) -> None: ...

    async def counts(self) -> RegistryCounts: ...

    async def query(self, query: Query, page_size: int, continuation: str | None) -> QueryPage: ...

    async def set_model(self, device_id: str, module_id: str | None, model_id: str | None) -> bool:
        """Point the identity at a model (its IoT Central template); False if absent."""


class TelemetryLog(Protocol):
    async def contains(self, device_id: str, module_id: str | None, message_id: str) -> bool:
        """Whether a record with this message id from this identity is stored (resends)."""

    async def append(self, record: D2CRecord) -> None:
        """Return once the record is durable; concurrent appends share one group commit.

        Sets `record.sequence_number`. Raises ServiceUnavailable when the store is down.
        """

    @property
    def full(self) -> bool:
        """Whether `offer` would refuse a record right now (back-pressure, or closed)."""

    def offer(self, record: D2CRecord, settled: Callable[[BaseException | None], None]) -> bool:
        """`append` without a coroutine: queue the record now and return True, or return
        False (full, closed) and queue nothing. Once its batch has committed, `settled(None)`
        is called with `record.sequence_number` set; `settled(error)` if it failed."""

    async def read(
        self,
        device_id: str | None,
        since: float | None,
        until: float | None,
        after_sequence: int | None,
        limit: int,
    ) -> list[D2CRecord]:
        """Records in sequence order, optionally for one device and an enqueued-time range."""

    async def prune(self, older_than: float, max_rows: int | None = None) -> int:
        """Delete records enqueued before `older_than` (retention), oldest first, in chunks
        of one transaction each, stopping after about `max_rows`; return how many."""


class ConsumerGroupStore(Protocol):
    """Consumer groups created through the service REST API or the CLI (issue #8)."""

    async def add(self, group: ConsumerGroup) -> bool:
        """Insert unless a group of that name (any case) exists; True if inserted."""

    async def list(self) -> list[ConsumerGroup]: ...

    async def remove(self, name: str) -> bool:
        """Delete the group of that name (any case); False if there was none."""


class C2DQueue(Protocol):
    async def enqueue(self, message: C2DMessage, max_queued: int) -> C2DMessage:
        """Append to the device's queue (assigning `id`); raise DeviceMaximumQueueDepthExceeded
        when `max_queued` messages already wait."""

    async def next_ready(self, device_id: str, now: float, limit: int) -> list[C2DMessage]:
        """Unexpired messages that are not locked (or whose lock lapsed), oldest first."""

    async def lock(
        self, device_id: str, message_id: int, token: str, until: float
    ) -> C2DMessage | None:
        """Mark one message delivered: delivery_count + 1, lock token and expiry set."""

    async def remove(self, device_id: str, lock_token: str) -> C2DMessage | None:
        """Take a locked message out of the queue (complete or reject); None if unknown."""

    async def unlock(self, device_id: str, lock_token: str) -> bool:
        """Abandon: the message becomes ready again."""

    async def take_expired(self, now: float) -> list[C2DMessage]:
        """Remove and return every message past its expiry time."""

    async def purge(self, device_id: str) -> int: ...

    async def depth(self, device_id: str) -> int: ...


class FeedbackStore(Protocol):
    async def add(self, records: Sequence[FeedbackRecord]) -> None: ...

    async def receive(self, token: str, now: float, lock_seconds: float) -> FeedbackBatch | None:
        """Lock every unlocked record (up to 500) under `token`; None when there is none."""

    async def complete(self, token: str) -> bool: ...

    async def abandon(self, token: str) -> bool: ...

    async def recent(self, device_id: str, limit: int) -> list[FeedbackRecord]:
        """The device's records not yet completed, newest first; locks are left alone."""


class DeviceLink(Protocol):
    """One live device connection on this node (an MQTT session, over TCP or WebSocket)."""

    device_id: str
    module_id: str | None

    def close(self, reason: str) -> None:
        """Disconnect the device (taken over, disabled, deleted, token expired)."""

    def send_desired(self, patch: dict[str, Any]) -> None:
        """Publish a desired-properties patch if the device subscribed to them."""

    def send_method(self, request_id: str, name: str, payload: bytes) -> bool:
        """Publish a method request; False when the device has not subscribed to methods."""

    def wake_c2d(self) -> None:
        """A cloud-to-device message is waiting: deliver it if the device subscribed."""


class SessionStore(Protocol):
    """MQTT persistent-session state per client id (CleanSession=0): its subscriptions.

    The device SDK never re-subscribes after a reconnect (wire spec §2.5), so subscriptions
    must outlive connections and hub restarts.
    """

    async def load(self, client_id: str) -> list[str] | None:
        """The stored subscriptions, or None when no session exists."""

    async def save(self, client_id: str, filters: Sequence[str]) -> None: ...

    async def delete(self, client_id: str) -> None: ...


class ModelStore(Protocol):
    """The model catalogue (device templates); every write is one atomic statement."""

    async def get(self, model_id: str) -> ModelRecord | None: ...

    async def list(self) -> list[ModelRecord]: ...

    async def insert(self, model: ModelRecord) -> bool:
        """False when a model with that id already exists."""

    async def replace(self, model: ModelRecord, expected_etag: str) -> bool:
        """Compare-and-swap on the stored ETag."""

    async def delete(self, model_id: str, expected_etag: str) -> bool: ...

    async def users(self, model_id: str) -> int:
        """How many identities point at the model."""


class ApiTokenStore(Protocol):
    async def get(self, token_id: str) -> ApiToken | None: ...

    async def find(self, secret_hash: str) -> ApiToken | None:
        """The token whose secret hashes to `secret_hash` (for bare bearer tokens)."""

    async def list(self) -> list[ApiToken]: ...

    async def insert(self, token: ApiToken) -> bool:
        """False when a token with that id already exists."""

    async def delete(self, token_id: str) -> bool: ...

    async def adopt(self, token: ApiToken) -> bool:
        """Insert a bootstrap token once per secret, ever: False if that secret was adopted
        before (even if the token was deleted since) or the id is taken."""


class DeviceProfileStore(Protocol):
    """IoT Central's per-device data beside the identity (display name, cloud properties)."""

    async def get(self, device_id: str) -> DeviceProfile | None: ...

    async def put(self, profile: DeviceProfile) -> None:
        """Insert or replace."""

    async def delete(self, device_id: str) -> None: ...

    async def list_devices(self) -> list[tuple[Identity, DeviceProfile | None]]:
        """Every device identity (no modules) with its profile, ordered by device id; twins
        carry reported properties only."""


class CommandLog(Protocol):
    """IoT Central command invocations and their outcomes."""

    async def add(self, record: CommandRecord) -> None: ...

    async def finish(self, record: CommandRecord) -> None:
        """Write status, result, response code and completed time."""

    async def get(self, device_id: str, command_id: str) -> CommandRecord | None: ...

    async def delete_device(self, device_id: str) -> None: ...


class RecentTelemetry(Protocol):
    async def recent(self, device_id: str, limit: int) -> list[RecentMessage]:
        """The device's own (not its modules') newest telemetry first, for IoT Central's
        "latest value" reads."""


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


class ConfigurationStore(Protocol):
    """IoT Hub configurations and, per configuration, where it stands on each device (#5)."""

    async def get(self, configuration_id: str) -> Configuration | None: ...

    async def list(self) -> list[Configuration]:
        """Every configuration, by id."""

    async def insert(self, configuration: Configuration) -> bool:
        """False when the id is taken."""

    async def replace(self, configuration: Configuration, expected_etag_seq: int) -> bool:
        """Compare-and-swap on the etag counter."""

    async def delete(self, configuration_id: str) -> bool:
        """Delete the configuration and its device states; False if absent."""

    async def set_statuses(
        self, configuration_id: str, statuses: Mapping[str, DeviceStatus]
    ) -> None:
        """Replace the configuration's device states (nothing is kept for a deleted one)."""

    async def set_device_statuses(
        self, device_id: str, statuses: Mapping[str, DeviceStatus]
    ) -> None:
        """Replace one device's states across configurations."""

    async def statuses(self, configuration_id: str) -> dict[str, DeviceStatus]:
        """device id → state, for one configuration."""

    async def device_statuses(self, device_id: str) -> dict[str, DeviceStatus]:
        """configuration id → state, for one device."""

    async def counts(self) -> dict[str, dict[tuple[str, str | None], int]]:
        """configuration id → (status, outcome) → how many devices."""


class AvatarStore(Protocol):
    """Device-model pictures (the Portal's avatars): files in the data dir or database rows."""

    async def get(self, model_id: str) -> Avatar | None: ...

    async def put(self, avatar: Avatar) -> None:
        """Insert or replace."""

    async def delete(self, model_id: str) -> bool: ...


#: A broadcast from another node: a small JSON-able dict with a "kind".
BusMessage = dict[str, Any]
#: Answers a request addressed to this node (a direct method for a device connected here).
RequestHandler = Callable[[BusMessage], Awaitable[BusMessage]]
BroadcastHandler = Callable[[BusMessage], Awaitable[None]]


class Bus(Protocol):
    """Reaches the other nodes of a cluster (#9). `bus.local` is one process with no others;
    `bus.nats` is core NATS for requests and broadcasts plus JetStream KV for presence and
    leases. Every method raises ServiceUnavailable when the bus cannot be reached.
    """

    node_id: str

    async def start(self, on_broadcast: BroadcastHandler, on_request: RequestHandler) -> None:
        """Connect, announce this node and start delivering to the handlers."""

    async def close(self) -> None:
        """Withdraw this node's presence entries and disconnect."""

    async def ping(self) -> bool:
        """True when the bus answers (readiness)."""

    async def broadcast(self, message: BusMessage) -> None:
        """Deliver to every other node (at most once; no reply)."""

    async def request(self, node_id: str, message: BusMessage, within: float) -> BusMessage:
        """Ask one node; TimeoutError when it does not answer within `within` seconds."""

    async def claim(self, key: str) -> int:
        """Record that this node now holds `key` (an identity's link); returns a number that
        grows with every claim of any key, so the newest claim wins a race."""

    async def release(self, key: str) -> None:
        """Forget `key` if this node still holds it."""

    async def locate(self, key: str) -> str | None:
        """The node holding `key`, or None."""

    async def lease(self, name: str) -> bool:
        """True while this node holds the named cluster-wide lease (renewed by asking again
        before it lapses); one node at a time does singleton work such as full passes."""
