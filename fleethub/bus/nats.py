"""The cluster bus on NATS: core NATS for broadcasts and requests to one node, JetStream KV
buckets for presence (identity → node), node announcements and leases.

Every bucket has a TTL (NATS 2.9 has no per-key TTL), and this node re-puts its own entries
every third of it: a node that dies stops renewing, and its entries lapse. Bucket and subject
names start with a prefix, so several clusters (or test runs) share one NATS server.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import nats
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.js.api import KeyValueConfig
from nats.js.errors import (
    BucketNotFoundError,
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
)
from nats.js.kv import KeyValue

from fleethub.hub.errors import ServiceUnavailable
from fleethub.hub.ports import BroadcastHandler, BusMessage, RequestHandler

log = logging.getLogger(__name__)

_UNAVAILABLE = "The cluster bus (NATS) is unavailable; retry later."
#: JetStream's "wrong last sequence" codes: someone wrote the key after the revision we hold.
_WRONG_LAST_SEQUENCE = (10071, 10164)
#: Errors that are answers, not outages: the caller handles them.
_ANSWERS = (
    TimeoutError,
    NoRespondersError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    nats.js.errors.NoKeysError,
)
#: How long a starting node tries to reach NATS before it gives up with a clear error.
_CONNECT_WITHIN = 10.0
_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def node_token(node_id: str) -> str:
    """A subject-safe name for a node id (which may hold ':' or '/')."""
    return hashlib.blake2s(node_id.encode(), digest_size=8).hexdigest()


def _kv_key(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


@contextlib.asynccontextmanager
async def _unavailable_on_error() -> AsyncIterator[None]:
    try:
        yield
    except (nats.errors.Error, nats.js.errors.Error, OSError) as error:
        if isinstance(error, _ANSWERS):
            raise
        log.warning("bus operation failed: %s", error)
        raise ServiceUnavailable(_UNAVAILABLE) from error


class NatsBus:
    def __init__(
        self,
        url: str,
        node_id: str,
        prefix: str = "fleethub",
        presence_ttl: float = 30.0,
        lease_ttl: float = 30.0,
    ) -> None:
        if not _PREFIX.match(prefix):
            raise ValueError("the bus prefix may hold only letters, digits, '-' and '_'")
        self.url = url
        self.node_id = node_id
        self.prefix = prefix
        self.presence_ttl = presence_ttl
        self.lease_ttl = lease_ttl
        self._token = node_token(node_id)
        self._nc: Client | None = None
        self._presence: KeyValue | None = None
        self._nodes: KeyValue | None = None
        self._leases: KeyValue | None = None
        self._held: dict[str, tuple[str, int]] = {}  # claimed key → its KV key, our revision
        self._leased: dict[str, int] = {}  # lease name → the revision we hold
        self._tasks: set[asyncio.Task[Any]] = set()
        self._renewer: asyncio.Task[None] | None = None

    # --- life cycle ---------------------------------------------------------------------------

    async def start(self, on_broadcast: BroadcastHandler, on_request: RequestHandler) -> None:
        self._nc = Client()
        try:
            async with asyncio.timeout(_CONNECT_WITHIN):
                await self._nc.connect(
                    self.url,
                    name=f"fleethub {self.node_id}",
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    connect_timeout=2,
                    ping_interval=5,
                    max_outstanding_pings=2,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                )
        except (nats.errors.Error, OSError) as error:  # OSError: TimeoutError too
            await self._nc.close()
            raise ServiceUnavailable(f"Cannot reach NATS at {self.url}: {error!r}") from error
        js = self._nc.jetstream()
        self._presence = await _bucket(js, f"{self.prefix}-presence", self.presence_ttl)
        self._nodes = await _bucket(js, f"{self.prefix}-nodes", self.presence_ttl)
        self._leases = await _bucket(js, f"{self.prefix}-leases", self.lease_ttl)
        await self._nc.subscribe(f"{self.prefix}.all", cb=self._broadcast_cb(on_broadcast))
        subject = f"{self.prefix}.node.{self._token}"
        await self._nc.subscribe(subject, cb=self._request_cb(on_request))
        await self._announce()
        self._renewer = asyncio.create_task(self._renew_forever())

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
        if self._nc is None:
            return
        if self._nc.is_connected:
            await self._withdraw()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(nats.errors.Error, OSError):
            await self._nc.drain()
        if not self._nc.is_closed:
            await self._nc.close()

    async def _withdraw(self) -> None:
        """Give back presence entries, leases and the node announcement (best effort: what
        is left lapses with the TTL)."""
        failures = (ServiceUnavailable, nats.errors.Error, nats.js.errors.Error, OSError)
        for key in list(self._held):
            with contextlib.suppress(*failures):
                await self.release(key)
        for name, revision in list(self._leased.items()):
            with contextlib.suppress(*failures):
                await self._kv(self._leases).delete(name, last=revision)
        with contextlib.suppress(*failures):
            await self._kv(self._nodes).delete(self._token)

    async def ping(self) -> bool:
        if self._nc is None or not self._nc.is_connected:
            return False
        try:
            await self._nc.flush(timeout=2)
        except (nats.errors.Error, OSError):
            return False
        return True

    # --- messages -----------------------------------------------------------------------------

    async def broadcast(self, message: BusMessage) -> None:
        nc = self._connected()
        async with _unavailable_on_error():
            await nc.publish(f"{self.prefix}.all", orjson.dumps({**message, "_from": self._token}))

    async def request(self, node_id: str, message: BusMessage, within: float) -> BusMessage:
        nc = self._connected()
        subject = f"{self.prefix}.node.{node_token(node_id)}"
        try:
            async with _unavailable_on_error():
                reply = await nc.request(subject, orjson.dumps(message), timeout=within)
        except NoRespondersError:
            raise TimeoutError(f"node {node_id!r} is gone") from None
        answer: BusMessage = orjson.loads(reply.data)
        return answer

    def _broadcast_cb(self, handler: BroadcastHandler) -> Callable[[Msg], Awaitable[None]]:
        async def deliver(msg: Msg) -> None:
            message: BusMessage = orjson.loads(msg.data)
            if message.pop("_from", None) == self._token:
                return
            try:
                await handler(message)
            except Exception:
                log.exception("bus broadcast %r failed", message.get("kind"))

        return deliver

    def _request_cb(self, handler: RequestHandler) -> Callable[[Msg], Awaitable[None]]:
        async def answer(msg: Msg) -> None:
            # A method waits for the device; run each apart so one never holds up the next.
            task = asyncio.create_task(self._answer(handler, msg))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return answer

    async def _answer(self, handler: RequestHandler, msg: Msg) -> None:
        try:
            reply = await handler(orjson.loads(msg.data))
        except Exception:
            log.exception("bus request failed")
            reply = {"error": "InternalError", "message": "The node could not answer."}
        with contextlib.suppress(nats.errors.Error):
            await msg.respond(orjson.dumps(reply))

    # --- presence and leases ------------------------------------------------------------------

    async def claim(self, key: str) -> int:
        presence = self._kv(self._presence)
        kv_key = _kv_key(key)
        async with _unavailable_on_error():
            revision = await presence.put(kv_key, self.node_id.encode())
        self._held[key] = (kv_key, revision)
        return revision

    async def release(self, key: str) -> None:
        held = self._held.pop(key, None)
        if held is None:
            return
        kv_key, revision = held
        presence = self._kv(self._presence)
        # Only the entry this node wrote last: a newer claim by another node stays.
        with contextlib.suppress(KeyWrongLastSequenceError):
            async with _unavailable_on_error():
                try:
                    await presence.delete(kv_key, last=revision)
                except nats.js.errors.APIError as error:
                    if error.err_code in _WRONG_LAST_SEQUENCE:
                        raise KeyWrongLastSequenceError(description=error.description) from None
                    raise

    async def locate(self, key: str) -> str | None:
        presence = self._kv(self._presence)
        try:
            async with _unavailable_on_error():
                entry = await presence.get(_kv_key(key))
        except (KeyNotFoundError, KeyDeletedError):
            return None
        return entry.value.decode() if entry.value else None

    async def lease(self, name: str) -> bool:
        leases = self._kv(self._leases)
        held = self._leased.get(name)
        try:
            async with _unavailable_on_error():
                if held is not None:
                    self._leased[name] = await leases.update(name, self.node_id.encode(), held)
                else:
                    self._leased[name] = await leases.create(name, self.node_id.encode())
        except KeyWrongLastSequenceError:
            self._leased.pop(name, None)
            return False
        return True

    async def nodes(self) -> list[dict[str, Any]]:
        """The nodes that announced themselves within the presence TTL."""
        nodes = self._kv(self._nodes)
        found: list[dict[str, Any]] = []
        async with _unavailable_on_error():
            try:
                keys = await nodes.keys()
            except nats.js.errors.NoKeysError:
                return []
            for key in keys:
                with contextlib.suppress(KeyNotFoundError, KeyDeletedError):
                    entry = await nodes.get(key)
                    if entry.value:
                        found.append(orjson.loads(entry.value))
        return found

    async def _announce(self) -> None:
        nodes = self._kv(self._nodes)
        info = {"node_id": self.node_id, "seen": time.time()}
        async with _unavailable_on_error():
            await nodes.put(self._token, orjson.dumps(info))

    async def _renew_forever(self) -> None:
        """Re-put this node's entries before their TTL lapses."""
        while True:
            await asyncio.sleep(self.presence_ttl / 3)
            try:
                await self._announce()
                for key in list(self._held):
                    await self._renew(key)
            except ServiceUnavailable:
                continue  # logged; entries renew once NATS is back

    async def _renew(self, key: str) -> None:
        """Re-put one presence entry only over the revision this node wrote: a node that
        claimed the identity since holds it now, and this node lets it go."""
        held = self._held.get(key)
        if held is None:
            return
        kv_key, revision = held
        presence = self._kv(self._presence)
        value = self.node_id.encode()
        renewed: int | None
        async with _unavailable_on_error():
            try:
                renewed = await presence.update(kv_key, value, last=revision)
            except KeyWrongLastSequenceError:
                renewed = await self._recreate(presence, kv_key, value)
        if self._held.get(key) != held:
            return  # claimed again or released while this renewal was under way
        if renewed is None:
            del self._held[key]
        else:
            self._held[key] = (kv_key, renewed)

    @staticmethod
    async def _recreate(presence: KeyValue, kv_key: str, value: bytes) -> int | None:
        """After a lapse (NATS was away past the TTL) the entry is gone: write it again. None
        when the subject has anything on it: another node's entry, or the tombstone a node
        that claimed the identity after this one left when it let go."""
        try:
            return await presence.update(kv_key, value, last=0)
        except KeyWrongLastSequenceError:
            return None

    # --- plumbing -----------------------------------------------------------------------------

    def _connected(self) -> Client:
        if self._nc is None or not self._nc.is_connected:
            raise ServiceUnavailable(_UNAVAILABLE)
        return self._nc

    def _kv(self, bucket: KeyValue | None) -> KeyValue:
        self._connected()
        assert bucket is not None
        return bucket

    async def _on_error(self, error: Exception) -> None:
        log.warning("NATS: %s", error)

    async def _on_disconnected(self) -> None:
        log.warning("NATS connection lost; refusing cluster work until it is back")

    async def _on_reconnected(self) -> None:
        log.info("NATS connection restored")
        with contextlib.suppress(ServiceUnavailable):
            await self._announce()


async def _bucket(js: Any, name: str, ttl: float) -> KeyValue:
    async with _unavailable_on_error():
        try:
            bucket: KeyValue = await js.key_value(name)
        except BucketNotFoundError:
            bucket = await js.create_key_value(KeyValueConfig(bucket=name, ttl=ttl))
    return bucket
