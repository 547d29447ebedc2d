"""FeedbackStore on SQL: delivery outcomes in `c2d_feedback`, handed out in locked batches.

A receive locks up to 500 records under one token (Azure's feedback batch); complete deletes
them, abandon or a lapsed lock makes them receivable again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from fleethub.hub.messaging.message import FeedbackBatch, FeedbackRecord
from fleethub.store.batching import unavailable_on_error
from fleethub.store.database import Database
from fleethub.store.schema import c2d_feedback as t

#: Records per feedback batch (one feedback message in Azure holds an array of them).
BATCH_LIMIT = 500

_RECORD_FIELDS = (
    "original_message_id",
    "device_id",
    "device_generation_id",
    "status_code",
    "description",
    "enqueued_time",
)


def _record(row: sa.Row[Any]) -> FeedbackRecord:
    m = row._mapping
    return FeedbackRecord(**{name: m[name] for name in _RECORD_FIELDS})


class SqlFeedbackStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, records: Sequence[FeedbackRecord]) -> None:
        if not records:
            return
        rows = [{name: getattr(r, name) for name in _RECORD_FIELDS} for r in records]
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(sa.insert(t), rows)

    async def receive(self, token: str, now: float, lock_seconds: float) -> FeedbackBatch | None:
        """The batch's enqueued time is the time of this receive."""
        receivable = (
            sa.select(t.c.id)
            .where(sa.or_(t.c.lock_token.is_(None), t.c.locked_until <= now))
            .order_by(t.c.id)
            .limit(BATCH_LIMIT)
            # PostgreSQL: two concurrent receives never take the same rows (SQLite ignores
            # this; its single writer already serializes them).
            .with_for_update(skip_locked=True)
        )
        statement = (
            sa.update(t)
            .where(t.c.id.in_(receivable))
            .values(lock_token=token, locked_until=now + lock_seconds)
            .returning(*t.c)
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                rows = sorted(await conn.execute(statement), key=lambda row: row.id)
        if not rows:
            return None
        return FeedbackBatch(token, [_record(row) for row in rows], now)

    async def complete(self, token: str) -> bool:
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (
                    await conn.execute(sa.delete(t).where(t.c.lock_token == token))
                ).rowcount > 0

    async def recent(self, device_id: str, limit: int) -> list[FeedbackRecord]:
        statement = sa.select(t).where(t.c.device_id == device_id).order_by(t.c.id.desc())
        with unavailable_on_error():
            async with self._db.read() as conn:
                rows = await conn.execute(statement.limit(limit))
        return [_record(row) for row in rows]

    async def abandon(self, token: str) -> bool:
        statement = (
            sa.update(t).where(t.c.lock_token == token).values(lock_token=None, locked_until=None)
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(statement)).rowcount > 0
