"""Device-to-cloud ingest: stamp, append durably (group commit), then tell live listeners.

The caller (an MQTT session or the HTTPS face) acknowledges the device only after `ingest`
returns, so an acknowledged message is always in the telemetry log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.clock import Clock, utc
from fleethub.hub.errors import ArgumentInvalid, MessageTooLarge
from fleethub.hub.messaging.message import D2CRecord, IngestFigures, Message
from fleethub.hub.ports import IdentityStore, TelemetryLog

#: Azure's limit for one device-to-cloud message.
MAX_MESSAGE_BYTES = 256 * 1024
MAX_READ = 1000
#: Records one housekeeping pass prunes at most, so a backlog (a hub that was down for days)
#: never holds up the pass's other chores for long.
PRUNE_PER_PASS = 50_000

#: The device model's verdict on a message: None (no model), "valid" or "invalid: <reasons>".
Verdict = Callable[[str, str | None, Message], Awaitable[str | None]]
#: The same verdict without awaiting, from cached models only; raises LookupError when the
#: device's model or its validator is not cached (then `Verdict` must look it up).
CachedVerdict = Callable[[str, str | None, Message], str | None]


@dataclass(frozen=True, slots=True)
class ReadRange:
    device_id: str | None
    since: float | None = None
    until: float | None = None
    after_sequence: int | None = None
    limit: int = 100


class Telemetry:
    def __init__(self, log: TelemetryLog, identities: IdentityStore, clock: Clock) -> None:
        self._log = log
        self._identities = identities
        self._clock = clock
        self._subscribers: set[Callable[[D2CRecord], None]] = set()
        self._active: set[tuple[str, str | None]] = set()
        #: Set by the Hub to the model check (hub/models/conformance.py, issue #4).
        self.verdict: Verdict | None = None
        self.cached_verdict: CachedVerdict | None = None

    async def ingest(
        self,
        device_id: str,
        module_id: str | None,
        message: Message,
        auth_method: str,
        resent: bool = False,
    ) -> D2CRecord:
        """Append durably. A `resent` message (MQTT DUP: the device never saw our PUBACK, say
        because the node died after the commit) whose message id is already stored for this
        identity is acknowledged again and not stored twice."""
        if len(message.body) > MAX_MESSAGE_BYTES:
            raise MessageTooLarge(f"A message may carry at most {MAX_MESSAGE_BYTES} bytes.")
        record = D2CRecord(device_id, module_id, self._clock(), message, auth_method)
        if (
            resent
            and message.message_id is not None
            and await self._log.contains(device_id, module_id, message.message_id)
        ):
            return record
        if self.verdict is not None:
            record.validation = await self.verdict(device_id, module_id, message)
        await self._log.append(record)
        self._stored(record)
        return record

    def offer(
        self,
        device_id: str,
        module_id: str | None,
        message: Message,
        auth_method: str,
        resent: bool,
        settled: Callable[[BaseException | None], None],
    ) -> bool:
        """`ingest` without a coroutine, when nothing needs awaiting: queue the record for the
        next group commit and return True; `settled(None)` follows the commit (and the live
        subscribers), `settled(error)` a failed one. False means nothing was queued, because
        the message needs async work first (oversized, a resend to look up, a model not
        cached) or the log is full: call `ingest` instead."""
        if len(message.body) > MAX_MESSAGE_BYTES or self._log.full:
            return False
        if resent and message.message_id is not None:
            return False
        record = D2CRecord(device_id, module_id, self._clock(), message, auth_method)
        if self.verdict is not None:
            if self.cached_verdict is None:
                return False
            try:
                record.validation = self.cached_verdict(device_id, module_id, message)
            except LookupError:
                return False

        def stored(error: BaseException | None) -> None:
            try:
                if error is None:
                    self._stored(record)
            finally:
                settled(error)

        return self._log.offer(record, stored)

    def _stored(self, record: D2CRecord) -> None:
        self._active.add((record.device_id, record.module_id))
        for subscriber in tuple(self._subscribers):
            subscriber(record)

    async def read(self, principal: Principal, span: ReadRange) -> list[D2CRecord]:
        require(principal, Permission.SERVICE_CONNECT)
        if not 1 <= span.limit <= MAX_READ:
            raise ArgumentInvalid(f"limit must be between 1 and {MAX_READ}.")
        return await self._log.read(
            span.device_id, span.since, span.until, span.after_sequence, span.limit
        )

    def figures(self) -> IngestFigures:
        """The writer's counters (commits, messages, waiting) for /metrics."""
        return self._log.figures

    def subscribe(self, principal: Principal, callback: Callable[[D2CRecord], None]) -> None:
        """Live feed of every ingested record (for SSE streams); call `unsubscribe` after."""
        require(principal, Permission.SERVICE_CONNECT)
        self._subscribers.add(callback)

    def unsubscribe(self, callback: Callable[[D2CRecord], None]) -> None:
        self._subscribers.discard(callback)

    async def prune(self, retention: float) -> int:
        """Delete records older than `retention` seconds, at most PRUNE_PER_PASS of them (the
        next housekeeping pass takes the rest); returns how many went."""
        return await self._log.prune(self._clock() - retention, max_rows=PRUNE_PER_PASS)

    async def record_activity(self) -> None:
        """Write lastActivityTime for identities that sent since the last call (batched)."""
        active, self._active = self._active, set()
        if active:
            await self._identities.touch_activity(sorted(active, key=str), utc(self._clock()))

    async def keep_activity(self, interval: float) -> None:
        """Background loop: flush activity every `interval` seconds."""
        while True:
            await asyncio.sleep(interval)
            await self.record_activity()
