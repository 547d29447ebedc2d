"""IoT Central's tables on SQL (issue #4): device profiles (`central_devices`), command
records (`central_commands`), and newest-first reads of a device's telemetry (`messages`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from fleethub.hub.central.records import CommandRecord, DeviceProfile, RecentMessage
from fleethub.hub.registry.device import Identity
from fleethub.hub.twins.twin import TwinState
from fleethub.store import postgres, sqlite
from fleethub.store.batching import unavailable_on_error
from fleethub.store.database import Database
from fleethub.store.schema import central_commands as c
from fleethub.store.schema import central_devices as p
from fleethub.store.schema import identities as i
from fleethub.store.schema import messages as m

#: Identity columns the device list needs: no keys, no tags or desired documents.
_LIST_COLUMNS = (
    i.c.device_id,
    i.c.generation_id,
    i.c.created_time,
    i.c.status,
    i.c.model_id,
    i.c.last_activity_time,
    i.c.connection_state,
    i.c.connection_state_updated_time,
    i.c.reported,
)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; every stored time is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _profile(row: sa.Row[Any]) -> DeviceProfile:
    r = row._mapping
    return DeviceProfile(
        r["device_id"],
        r["display_name"],
        r["simulated"],
        r["cloud_properties"],
        r["cloud_times"],
    )


def _listed(row: Any) -> tuple[Identity, DeviceProfile | None]:
    r = row._mapping
    identity = Identity(
        device_id=r["device_id"],
        module_id=None,
        generation_id=r["generation_id"],
        created_time=_aware(r["created_time"]) or datetime.now(UTC),
        status=r["status"],
        model_id=r["model_id"],
        last_activity_time=_aware(r["last_activity_time"]),
        connection_state=r["connection_state"],
        connection_state_updated_time=_aware(r["connection_state_updated_time"]),
        twin=TwinState(reported=r["reported"]),
    )
    if r["p_simulated"] is None:
        return identity, None
    profile = DeviceProfile(r["device_id"], r["p_display_name"], r["p_simulated"])
    return identity, profile


class SqlDeviceProfiles:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._insert: Callable[..., Any] = (
            postgres.insert if db.dialect == "postgresql" else sqlite.insert
        )

    async def get(self, device_id: str) -> DeviceProfile | None:
        with unavailable_on_error():
            async with self._db.read() as conn:
                row = (await conn.execute(sa.select(p).where(p.c.device_id == device_id))).first()
        return _profile(row) if row else None

    async def put(self, profile: DeviceProfile) -> None:
        values = {
            "device_id": profile.device_id,
            "display_name": profile.display_name,
            "simulated": profile.simulated,
            "cloud_properties": profile.cloud_properties,
            "cloud_times": profile.cloud_times,
        }
        statement = (
            self._insert(p)
            .values(**values)
            .on_conflict_do_update(index_elements=[p.c.device_id], set_=values)
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(statement)

    async def delete(self, device_id: str) -> None:
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(sa.delete(p).where(p.c.device_id == device_id))

    async def list_devices(self) -> list[tuple[Identity, DeviceProfile | None]]:
        statement = (
            sa.select(
                *_LIST_COLUMNS,
                p.c.display_name.label("p_display_name"),
                p.c.simulated.label("p_simulated"),
            )
            .select_from(i.outerjoin(p, p.c.device_id == i.c.device_id))
            .where(i.c.module_id == "")
            .order_by(i.c.device_id)
        )
        with unavailable_on_error():
            async with self._db.read() as conn:
                return [_listed(row) for row in await conn.execute(statement)]


def _command(row: sa.Row[Any]) -> CommandRecord:
    r = row._mapping
    return CommandRecord(
        id=r["id"],
        device_id=r["device_id"],
        name=r["name"],
        request=r["request"],
        created_time=r["created_time"],
        status=r["status"],
        result=r["result"],
        response_code=r["response_code"],
        completed_time=r["completed_time"],
    )


class SqlCommandLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, record: CommandRecord) -> None:
        statement = sa.insert(c).values(
            id=record.id,
            device_id=record.device_id,
            name=record.name,
            request=record.request,
            status=record.status,
            created_time=record.created_time,
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(statement)

    async def finish(self, record: CommandRecord) -> None:
        statement = (
            sa.update(c)
            .where(c.c.id == record.id)
            .values(
                status=record.status,
                result=record.result,
                response_code=record.response_code,
                completed_time=record.completed_time,
            )
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(statement)

    async def get(self, device_id: str, command_id: str) -> CommandRecord | None:
        statement = sa.select(c).where(c.c.id == command_id, c.c.device_id == device_id)
        with unavailable_on_error():
            async with self._db.read() as conn:
                row = (await conn.execute(statement)).first()
        return _command(row) if row else None

    async def delete_device(self, device_id: str) -> None:
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(sa.delete(c).where(c.c.device_id == device_id))


class SqlRecentTelemetry:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def recent(self, device_id: str, limit: int) -> list[RecentMessage]:
        statement = (
            sa.select(m.c.enqueued_time, m.c.body, m.c.system)
            .where(m.c.device_id == device_id, m.c.module_id == "")
            .order_by(m.c.sequence_number.desc())
            .limit(limit)
        )
        with unavailable_on_error():
            async with self._db.read() as conn:
                rows = (await conn.execute(statement)).all()
        return [
            RecentMessage(
                row.enqueued_time,
                bytes(row.body),
                row.system.get("component"),
                row.system.get("content_encoding"),
            )
            for row in rows
        ]
