"""ConfigurationStore on SQL: `configurations` and the per-device states in
`configuration_devices` (IoT Hub configurations, #5)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from fleethub.hub.configurations.record import Configuration, Content, DeviceStatus
from fleethub.store import postgres, sqlite
from fleethub.store.batching import unavailable_on_error
from fleethub.store.database import Database
from fleethub.store.schema import configuration_devices as d
from fleethub.store.schema import configurations as t


def _record(row: sa.Row[Any]) -> Configuration:
    m = row._mapping
    content = m["content"]
    return Configuration(
        id=m["id"],
        content=Content(
            device=content.get("deviceContent") or {},
            modules=content.get("modulesContent") or {},
        ),
        target_condition=m["target_condition"],
        priority=m["priority"],
        labels=m["labels"],
        metric_queries=m["metric_queries"],
        schema_version=m["schema_version"],
        created_time=m["created_time"],
        updated_time=m["updated_time"],
        etag_seq=m["etag_seq"],
    )


def _values(c: Configuration) -> dict[str, Any]:
    return {
        "id": c.id,
        "schema_version": c.schema_version,
        "labels": c.labels,
        "content": {"deviceContent": c.content.device, "modulesContent": c.content.modules},
        "target_condition": c.target_condition,
        "priority": c.priority,
        "metric_queries": c.metric_queries,
        "created_time": c.created_time,
        "updated_time": c.updated_time,
        "etag_seq": c.etag_seq,
    }


def _rows(key: str, value: str, statuses: Mapping[str, DeviceStatus]) -> list[dict[str, Any]]:
    other = "device_id" if key == "configuration_id" else "configuration_id"
    return [
        {key: value, other: name, "status": s.status, "outcome": s.outcome}
        for name, s in statuses.items()
    ]


class SqlConfigurations:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, configuration_id: str) -> Configuration | None:
        with unavailable_on_error():
            async with self._db.read() as conn:
                row = (await conn.execute(sa.select(t).where(t.c.id == configuration_id))).first()
        return _record(row) if row else None

    async def list(self) -> list[Configuration]:
        with unavailable_on_error():
            async with self._db.read() as conn:
                return [_record(r) for r in await conn.execute(sa.select(t).order_by(t.c.id))]

    async def insert(self, configuration: Configuration) -> bool:
        insert = postgres.insert if self._db.dialect == "postgresql" else sqlite.insert
        statement = insert(t).values(**_values(configuration)).on_conflict_do_nothing()
        with unavailable_on_error():
            async with self._db.write() as conn:
                row = (await conn.execute(statement.returning(t.c.id))).first()
        return row is not None

    async def replace(self, configuration: Configuration, expected_etag_seq: int) -> bool:
        statement = (
            sa.update(t)
            .where(t.c.id == configuration.id, t.c.etag_seq == expected_etag_seq)
            .values(**_values(configuration))
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(statement)).rowcount == 1

    async def delete(self, configuration_id: str) -> bool:
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(sa.delete(d).where(d.c.configuration_id == configuration_id))
                deleted = await conn.execute(sa.delete(t).where(t.c.id == configuration_id))
                return deleted.rowcount == 1

    async def set_statuses(
        self, configuration_id: str, statuses: Mapping[str, DeviceStatus]
    ) -> None:
        rows = _rows("configuration_id", configuration_id, statuses)
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(sa.delete(d).where(d.c.configuration_id == configuration_id))
                exists = await conn.execute(sa.select(t.c.id).where(t.c.id == configuration_id))
                if rows and exists.first() is not None:
                    await conn.execute(sa.insert(d), rows)
                # States of configurations deleted meanwhile (another node) go too.
                await _forget_orphans(conn)

    async def set_device_statuses(
        self, device_id: str, statuses: Mapping[str, DeviceStatus]
    ) -> None:
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(sa.delete(d).where(d.c.device_id == device_id))
                known = await conn.execute(sa.select(t.c.id).where(t.c.id.in_(list(statuses))))
                alive = {row[0] for row in known}
                rows = _rows(
                    "device_id", device_id, {k: v for k, v in statuses.items() if k in alive}
                )
                if rows:
                    await conn.execute(sa.insert(d), rows)

    async def statuses(self, configuration_id: str) -> dict[str, DeviceStatus]:
        statement = sa.select(d.c.device_id, d.c.status, d.c.outcome).where(
            d.c.configuration_id == configuration_id
        )
        with unavailable_on_error():
            async with self._db.read() as conn:
                return {r[0]: DeviceStatus(r[1], r[2]) for r in await conn.execute(statement)}

    async def device_statuses(self, device_id: str) -> dict[str, DeviceStatus]:
        statement = sa.select(d.c.configuration_id, d.c.status, d.c.outcome).where(
            d.c.device_id == device_id
        )
        with unavailable_on_error():
            async with self._db.read() as conn:
                return {r[0]: DeviceStatus(r[1], r[2]) for r in await conn.execute(statement)}

    async def counts(self) -> dict[str, dict[tuple[str, str | None], int]]:
        statement = sa.select(
            d.c.configuration_id, d.c.status, d.c.outcome, sa.func.count()
        ).group_by(d.c.configuration_id, d.c.status, d.c.outcome)
        result: dict[str, dict[tuple[str, str | None], int]] = {}
        with unavailable_on_error():
            async with self._db.read() as conn:
                for configuration_id, status, outcome, n in await conn.execute(statement):
                    result.setdefault(configuration_id, {})[(status, outcome)] = int(n)
        return result


async def _forget_orphans(conn: AsyncConnection) -> None:
    await conn.execute(sa.delete(d).where(d.c.configuration_id.not_in(sa.select(t.c.id))))
