"""ModelStore on SQL: the `device_models` table (the one model catalogue, issue #4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from fleethub.hub.models.record import ModelRecord
from fleethub.store import postgres, sqlite
from fleethub.store.batching import unavailable_on_error
from fleethub.store.database import Database
from fleethub.store.schema import device_models as t
from fleethub.store.schema import identities


def _record(row: sa.Row[Any]) -> ModelRecord:
    m = row._mapping
    return ModelRecord(
        id=m["id"],
        display_name=m["display_name"],
        capability_model_id=m["capability_model_id"],
        document=m["document"],
        etag=m["etag"],
        created_time=m["created_time"],
        updated_time=m["updated_time"],
        lorawan=m["lorawan"],
    )


def _values(model: ModelRecord) -> dict[str, Any]:
    return {
        "id": model.id,
        "display_name": model.display_name,
        "capability_model_id": model.capability_model_id,
        "document": model.document,
        "etag": model.etag,
        "created_time": model.created_time,
        "updated_time": model.updated_time,
        "lorawan": model.lorawan,
    }


class SqlModels:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._insert: Callable[..., Any] = (
            postgres.insert if db.dialect == "postgresql" else sqlite.insert
        )

    async def get(self, model_id: str) -> ModelRecord | None:
        with unavailable_on_error():
            async with self._db.read() as conn:
                row = (await conn.execute(sa.select(t).where(t.c.id == model_id))).first()
        return _record(row) if row else None

    async def list(self) -> list[ModelRecord]:
        with unavailable_on_error():
            async with self._db.read() as conn:
                return [_record(r) for r in await conn.execute(sa.select(t).order_by(t.c.id))]

    async def insert(self, model: ModelRecord) -> bool:
        statement = self._insert(t).values(**_values(model)).on_conflict_do_nothing()
        with unavailable_on_error():
            async with self._db.write() as conn:
                row = (await conn.execute(statement.returning(t.c.id))).first()
        return row is not None

    async def replace(self, model: ModelRecord, expected_etag: str) -> bool:
        statement = (
            sa.update(t)
            .where(t.c.id == model.id, t.c.etag == expected_etag)
            .values(**_values(model))
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(statement)).rowcount == 1

    async def delete(self, model_id: str, expected_etag: str) -> bool:
        statement = sa.delete(t).where(t.c.id == model_id, t.c.etag == expected_etag)
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(statement)).rowcount == 1

    async def users(self, model_id: str) -> int:
        statement = sa.select(sa.func.count()).where(identities.c.model_id == model_id)
        with unavailable_on_error():
            async with self._db.read() as conn:
                return int((await conn.execute(statement)).scalar_one())
