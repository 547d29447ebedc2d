"""Cloud-to-device queue rules: TTL, queue depth, delivery count, locks and feedback.

Defaults are Azure's: 1 h TTL, 50 queued messages, 10 delivery attempts. A message goes to
the device over MQTT (PUBACK completes it) or device HTTPS (complete / reject / abandon by
lock token); every outcome the sender asked for becomes a feedback record.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.clock import Clock
from fleethub.hub.connections import Connections
from fleethub.hub.errors import ArgumentInvalid, DeviceMessageLockLost
from fleethub.hub.messaging.message import C2DMessage, FeedbackBatch, FeedbackRecord, Message
from fleethub.hub.ports import C2DQueue, FeedbackStore
from fleethub.hub.registry.service import Registry

ACKS = ("none", "positive", "negative", "full")


@dataclass(frozen=True, slots=True)
class C2DLimits:
    default_ttl: float = 3600.0
    max_ttl: float = 48 * 3600.0
    max_queued: int = 50
    max_delivery_count: int = 10
    lock_seconds: float = 60.0


class CloudToDevice:
    def __init__(
        self,
        queue: C2DQueue,
        feedback: FeedbackStore,
        registry: Registry,
        connections: Connections,
        clock: Clock,
        limits: C2DLimits | None = None,
    ) -> None:
        self._queue = queue
        self._feedback = feedback
        self._registry = registry
        self._connections = connections
        self._clock = clock
        self.limits = limits or C2DLimits()

    async def send(
        self,
        principal: Principal,
        device_id: str,
        message: Message,
        ack: str = "none",
        ttl: float | None = None,
    ) -> C2DMessage:
        require(principal, Permission.SERVICE_CONNECT)
        if ack not in ACKS:
            raise ArgumentInvalid(f"iothub-ack must be one of {ACKS}.")
        ttl = self.limits.default_ttl if ttl is None else ttl
        if not 0 < ttl <= self.limits.max_ttl:
            raise ArgumentInvalid(f"The time to live must be between 0 and {self.limits.max_ttl}s.")
        await self._registry.find(device_id, None)
        now = self._clock()
        if message.message_id is None:
            message.message_id = secrets.token_hex(16)
        queued = await self._queue.enqueue(
            C2DMessage(device_id, message, now, now + ttl, ack), self.limits.max_queued
        )
        await self._connections.wake_c2d(device_id)
        return queued

    async def take(self, device_id: str, limit: int) -> list[C2DMessage]:
        """Lock up to `limit` ready messages for delivery, dead-lettering exhausted ones."""
        now = self._clock()
        taken: list[C2DMessage] = []
        for message in await self._queue.next_ready(device_id, now, limit):
            token = secrets.token_hex(16)
            if message.delivery_count >= self.limits.max_delivery_count:
                await self._queue.lock(device_id, message.id, token, now)
                await self._finish(device_id, token, "DeliveryCountExceeded")
                continue
            locked = await self._queue.lock(
                device_id, message.id, token, now + self.limits.lock_seconds
            )
            if locked is not None:
                taken.append(locked)
        return taken

    async def complete(self, device_id: str, lock_token: str) -> None:
        await self._finish(device_id, lock_token, "Success")

    async def reject(self, device_id: str, lock_token: str) -> None:
        await self._finish(device_id, lock_token, "Rejected")

    async def abandon(self, device_id: str, lock_token: str) -> None:
        if not await self._queue.unlock(device_id, lock_token):
            raise DeviceMessageLockLost("The lock token is unknown or its lock has lapsed.")

    async def _finish(self, device_id: str, lock_token: str, outcome: str) -> None:
        message = await self._queue.remove(device_id, lock_token)
        if message is None:
            raise DeviceMessageLockLost("The lock token is unknown or its lock has lapsed.")
        await self._report(message, outcome)

    async def _report(self, message: C2DMessage, outcome: str) -> None:
        wanted = {
            "Success": ("positive", "full"),
            "Rejected": ("negative", "full"),
            "Expired": ("negative", "full"),
            "DeliveryCountExceeded": ("negative", "full"),
        }[outcome]
        if message.ack not in wanted:
            return
        identity = await self._registry.lookup(message.device_id, None)
        record = FeedbackRecord(
            original_message_id=message.message.message_id or "",
            device_id=message.device_id,
            device_generation_id=identity.generation_id if identity else "",
            status_code=outcome,
            description=_DESCRIPTIONS[outcome],
            enqueued_time=self._clock(),
        )
        await self._feedback.add([record])

    async def expire(self) -> int:
        """Remove expired messages and report them (run periodically)."""
        expired = await self._queue.take_expired(self._clock())
        for message in expired:
            await self._report(message, "Expired")
        return len(expired)

    async def purge(self, principal: Principal, device_id: str) -> int:
        require(principal, Permission.SERVICE_CONNECT)
        await self._registry.find(device_id, None)
        return await self._queue.purge(device_id)

    async def depth(self, device_id: str) -> int:
        return await self._queue.depth(device_id)

    async def waiting(self, principal: Principal, device_id: str, limit: int) -> list[C2DMessage]:
        """Messages ready for delivery, oldest first, without locking them (the portal's view)."""
        require(principal, Permission.SERVICE_CONNECT)
        await self._registry.find(device_id, None)
        return await self._queue.next_ready(device_id, self._clock(), limit)

    async def feedback_of(
        self, principal: Principal, device_id: str, limit: int
    ) -> list[FeedbackRecord]:
        """Feedback not yet completed by a receiver, newest first, left as it is."""
        require(principal, Permission.SERVICE_CONNECT)
        return await self._feedback.recent(device_id, limit)

    async def receive_feedback(self, principal: Principal) -> FeedbackBatch | None:
        require(principal, Permission.SERVICE_CONNECT)
        return await self._feedback.receive(
            secrets.token_hex(16), self._clock(), self.limits.lock_seconds
        )

    async def settle_feedback(self, principal: Principal, lock_token: str, complete: bool) -> None:
        require(principal, Permission.SERVICE_CONNECT)
        done = (
            await self._feedback.complete(lock_token)
            if complete
            else await self._feedback.abandon(lock_token)
        )
        if not done:
            raise DeviceMessageLockLost("The feedback lock token is unknown or has lapsed.")


_DESCRIPTIONS = {
    "Success": "Success",
    "Rejected": "Message rejected",
    "Expired": "Message expired",
    "DeliveryCountExceeded": "Message delivery count exceeded",
}
