"""C2DQueue on SQL: one durable queue per device in `c2d_messages` (TTL, locks, delivery count).

Rules (max delivery count, feedback, lock lapse errors) live in hub/messaging; this module
only keeps each operation atomic.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from fleethub.hub.errors import DeviceMaximumQueueDepthExceeded
from fleethub.hub.messaging.message import C2DMessage, Message
from fleethub.store.batching import unavailable_on_error
from fleethub.store.database import Database
from fleethub.store.schema import c2d_messages as t

#: First key of PostgreSQL's two-key advisory locks taken by enqueue (the second is the device).
_ENQUEUE_LOCK_CLASS = 0x0C2D

_MESSAGE_FIELDS = (
    "message_id",
    "correlation_id",
    "user_id",
    "content_type",
    "content_encoding",
    "expiry_time_utc",
)


def _row(message: C2DMessage) -> dict[str, Any]:
    m = message.message
    return {
        "device_id": message.device_id,
        "body": m.body,
        "properties": m.properties,
        **{name: getattr(m, name) for name in _MESSAGE_FIELDS},
        "ack": message.ack,
        "enqueued_time": message.enqueued_time,
        "expiry_time": message.expiry_time,
        "delivery_count": message.delivery_count,
        "lock_token": message.lock_token,
        "locked_until": message.locked_until,
    }


def _message(row: sa.Row[Any]) -> C2DMessage:
    m = row._mapping
    return C2DMessage(
        device_id=m["device_id"],
        message=Message(
            body=bytes(m["body"]),
            properties=m["properties"],
            **{name: m[name] for name in _MESSAGE_FIELDS},
        ),
        enqueued_time=m["enqueued_time"],
        expiry_time=m["expiry_time"],
        ack=m["ack"],
        id=m["id"],
        delivery_count=m["delivery_count"],
        lock_token=m["lock_token"],
        locked_until=m["locked_until"],
    )


def _locked(device_id: str, lock_token: str) -> sa.ColumnElement[bool]:
    return sa.and_(t.c.device_id == device_id, t.c.lock_token == lock_token)


class SqlC2DQueue:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, message: C2DMessage, max_queued: int) -> C2DMessage:
        """Count and insert in one write transaction; sets and returns `message.id`.

        SQLite's single writer makes that atomic; on PostgreSQL a transaction-scoped advisory
        lock per device does, across nodes too. Expired messages still count until
        `take_expired` removes them, as they do in Azure's queue.
        """
        depth = sa.select(sa.func.count()).where(t.c.device_id == message.device_id)
        insert = sa.insert(t).values(_row(message)).returning(t.c.id)
        with unavailable_on_error():
            async with self._db.write() as conn:
                await self._lock_device(conn, message.device_id)
                if (await conn.scalar(depth) or 0) >= max_queued:
                    raise DeviceMaximumQueueDepthExceeded(
                        f"The queue of device '{message.device_id}' already holds "
                        f"{max_queued} messages."
                    )
                message.id = (await conn.execute(insert)).scalar_one()
        return message

    async def _lock_device(self, conn: AsyncConnection, device_id: str) -> None:
        if self._db.dialect == "postgresql":
            key = sa.func.hashtext(device_id)
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_ENQUEUE_LOCK_CLASS, key)))

    async def next_ready(self, device_id: str, now: float, limit: int) -> list[C2DMessage]:
        statement = (
            sa.select(t)
            .where(
                t.c.device_id == device_id,
                t.c.expiry_time > now,
                sa.or_(t.c.lock_token.is_(None), t.c.locked_until <= now),
            )
            .order_by(t.c.id)
            .limit(limit)
        )
        with unavailable_on_error():
            async with self._db.read() as conn:
                return [_message(row) for row in await conn.execute(statement)]

    async def lock(
        self, device_id: str, message_id: int, token: str, until: float
    ) -> C2DMessage | None:
        statement = (
            sa.update(t)
            .where(t.c.device_id == device_id, t.c.id == message_id)
            .values(delivery_count=t.c.delivery_count + 1, lock_token=token, locked_until=until)
            .returning(*t.c)
        )
        return await self._write_one(statement)

    async def remove(self, device_id: str, lock_token: str) -> C2DMessage | None:
        statement = sa.delete(t).where(_locked(device_id, lock_token)).returning(*t.c)
        return await self._write_one(statement)

    async def unlock(self, device_id: str, lock_token: str) -> bool:
        statement = (
            sa.update(t)
            .where(_locked(device_id, lock_token))
            .values(lock_token=None, locked_until=None)
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(statement)).rowcount > 0

    async def take_expired(self, now: float) -> list[C2DMessage]:
        statement = sa.delete(t).where(t.c.expiry_time <= now).returning(*t.c)
        with unavailable_on_error():
            async with self._db.write() as conn:
                taken = [_message(row) for row in await conn.execute(statement)]
        # RETURNING order is unspecified on both engines; callers see queue order.
        return sorted(taken, key=lambda message: message.id)

    async def purge(self, device_id: str) -> int:
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(sa.delete(t).where(t.c.device_id == device_id))).rowcount

    async def depth(self, device_id: str) -> int:
        statement = sa.select(sa.func.count()).where(t.c.device_id == device_id)
        with unavailable_on_error():
            async with self._db.read() as conn:
                return await conn.scalar(statement) or 0

    async def _write_one(self, statement: sa.Executable) -> C2DMessage | None:
        with unavailable_on_error():
            async with self._db.write() as conn:
                row = (await conn.execute(statement)).first()
        return _message(row) if row is not None else None
