"""IdentityStore on SQL: devices, modules and their twins in the `identities` table."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from fleethub.hub.errors import (
    ArgumentInvalid,
    DeviceAlreadyExists,
    ModuleAlreadyExists,
    QueryUnsupported,
)
from fleethub.hub.ports import QueryPage, RegistryCounts
from fleethub.hub.query import UnsupportedQuery
from fleethub.hub.query.ast import Query
from fleethub.hub.registry.device import Authentication, Identity
from fleethub.hub.twins.twin import TwinState
from fleethub.store.database import Database
from fleethub.store.identity_insert import insert_new
from fleethub.store.query_sql import compile_query, paged, paged_rows
from fleethub.store.schema import identities as t


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; every stored time is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def to_identity(row: sa.Row[Any]) -> Identity:
    return identity_of(row._mapping)


def identity_of(m: Mapping[Any, Any]) -> Identity:
    """An identity from a row's columns by name (an `sa.Row` mapping or an asyncpg Record)."""
    return Identity(
        device_id=m["device_id"],
        module_id=m["module_id"] or None,
        generation_id=m["generation_id"],
        created_time=_aware(m["created_time"]) or datetime.now(UTC),
        etag_seq=m["etag_seq"],
        status=m["status"],
        status_reason=m["status_reason"],
        status_updated_time=_aware(m["status_updated_time"]),
        connection_state=m["connection_state"],
        connection_state_updated_time=_aware(m["connection_state_updated_time"]),
        last_activity_time=_aware(m["last_activity_time"]),
        c2d_count=m["c2d_count"],
        auth=Authentication(
            type=m["auth_type"],
            primary_key=m["primary_key"],
            secondary_key=m["secondary_key"],
            primary_thumbprint=m["primary_thumbprint"],
            secondary_thumbprint=m["secondary_thumbprint"],
        ),
        iot_edge=m["iot_edge"],
        device_scope=m["device_scope"],
        parent_scopes=list(m["parent_scopes"] or []),
        managed_by=m["managed_by"],
        model_id=m["model_id"],
        twin=TwinState(
            tags=m["tags"],
            desired=m["desired"],
            reported=m["reported"],
            desired_metadata=m["desired_metadata"],
            reported_metadata=m["reported_metadata"],
            desired_version=m["desired_version"],
            reported_version=m["reported_version"],
            version=m["twin_version"],
        ),
    )


def _identity_values(i: Identity) -> dict[str, Any]:
    return {
        "generation_id": i.generation_id,
        "etag_seq": i.etag_seq,
        "status": i.status,
        "status_reason": i.status_reason,
        "status_updated_time": i.status_updated_time,
        "auth_type": i.auth.type,
        "primary_key": i.auth.primary_key,
        "secondary_key": i.auth.secondary_key,
        "primary_thumbprint": i.auth.primary_thumbprint,
        "secondary_thumbprint": i.auth.secondary_thumbprint,
        "iot_edge": i.iot_edge,
        "device_scope": i.device_scope,
        "parent_scopes": i.parent_scopes,
        "managed_by": i.managed_by,
        "model_id": i.model_id,
    }


_TWIN_COLUMNS = (
    "tags",
    "desired",
    "reported",
    "desired_metadata",
    "reported_metadata",
    "desired_version",
    "reported_version",
    "twin_version",
)


def _twin_values(twin: TwinState) -> dict[str, Any]:
    return {
        "tags": twin.tags,
        "desired": twin.desired,
        "reported": twin.reported,
        "desired_metadata": twin.desired_metadata,
        "reported_metadata": twin.reported_metadata,
        "desired_version": twin.desired_version,
        "reported_version": twin.reported_version,
        "twin_version": twin.version,
    }


_BY_KEY_WHERE = (t.c.device_id == sa.bindparam("d"), t.c.module_id == sa.bindparam("m"))
#: Built once: the hot lookups (device connect, REST GET) reuse the compiled statement.
_BY_KEY = sa.select(t).where(*_BY_KEY_WHERE)
#: The same lookup for PostgreSQL's driver (Database.lookup_driver): names from the schema only.
_BY_KEY_PG = f"SELECT * FROM {t.name} WHERE device_id = $1 AND module_id = $2"  # noqa: S608

#: Built once, like _BY_KEY: a twin PATCH building its UPDATE anew spent more CPU in
#: SQLAlchemy's statement construction and cache-key hashing than in the database.
_SAVE_TWIN = (
    sa.update(t)
    .where(*_BY_KEY_WHERE, t.c.twin_version == sa.bindparam("v"))
    .values({c: sa.bindparam(f"n_{c}", type_=t.c[c].type) for c in _TWIN_COLUMNS})
)


def _where(device_id: str, module_id: str | None) -> sa.ColumnElement[bool]:
    return sa.and_(t.c.device_id == device_id, t.c.module_id == (module_id or ""))


#: Built once too: connects and disconnects flush connection states every few milliseconds.
_SET_CONNECTION = (
    sa.update(t)
    .where(*_BY_KEY_WHERE)
    .values(
        connection_state=sa.bindparam("s"),
        connection_state_updated_time=sa.bindparam("at"),
        last_activity_time=sa.bindparam("at"),
    )
)
_TOUCH_ACTIVITY = sa.update(t).where(*_BY_KEY_WHERE).values(last_activity_time=sa.bindparam("at"))


class SqlIdentities:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, device_id: str, module_id: str | None) -> Identity | None:
        if self._db.dialect == "postgresql":
            record = await self._db.lookup_driver(_BY_KEY_PG, device_id, module_id or "")
            return identity_of(record) if record is not None else None
        row = await self._db.lookup(_BY_KEY, {"d": device_id, "m": module_id or ""})
        return identity_of(row) if row is not None else None

    async def create(self, identity: Identity) -> None:
        if await self.create_many([identity]):
            if identity.module_id is None:
                raise DeviceAlreadyExists(f"A device with id '{identity.device_id}' exists.")
            raise ModuleAlreadyExists(f"A module '{identity.module_id}' exists on that device.")

    async def create_many(self, identities: Sequence[Identity]) -> list[tuple[str, str | None]]:
        if not identities:
            return []
        async with self._db.write() as conn:
            inserted = await insert_new(conn, self._db.dialect, identities)
        return [
            (i.device_id, i.module_id)
            for i in identities
            if (i.device_id, i.module_id) not in inserted
        ]

    async def update(self, identity: Identity, expected_etag_seq: int) -> bool:
        statement = (
            sa.update(t)
            .where(_where(identity.device_id, identity.module_id))
            .where(t.c.etag_seq == expected_etag_seq)
            .values(**_identity_values(identity))
        )
        rowcount, _ = await self._db.change(statement)
        return rowcount == 1

    async def delete(self, device_id: str, module_id: str | None) -> bool:
        where = t.c.device_id == device_id if module_id is None else _where(device_id, module_id)
        rowcount, _ = await self._db.change(sa.delete(t).where(where))
        return rowcount > 0

    async def list_devices(self, top: int) -> list[Identity]:
        statement = sa.select(t).where(t.c.module_id == "").order_by(t.c.device_id).limit(top)
        async with self._db.read() as conn:
            return [to_identity(r) for r in await conn.execute(statement)]

    async def list_modules(self, device_id: str) -> list[Identity]:
        statement = (
            sa.select(t)
            .where(t.c.device_id == device_id, t.c.module_id != "")
            .order_by(t.c.module_id)
        )
        async with self._db.read() as conn:
            return [to_identity(r) for r in await conn.execute(statement)]

    async def save_twin(
        self, device_id: str, module_id: str | None, twin: TwinState, expected_version: int
    ) -> bool:
        params = {f"n_{k}": v for k, v in _twin_values(twin).items()}
        params.update(d=device_id, m=module_id or "", v=expected_version)
        rowcount, _ = await self._db.change(_SAVE_TWIN, params)
        return rowcount == 1

    async def set_connections(
        self, changes: Sequence[tuple[str, str | None, str, datetime]]
    ) -> None:
        rows = [{"d": d, "m": m or "", "s": state, "at": at} for d, m, state, at in changes]
        await self._db.change_many(_SET_CONNECTION, rows)

    async def touch_activity(self, keys: Sequence[tuple[str, str | None]], at: datetime) -> None:
        if not keys:
            return
        rows = [{"d": d, "m": m or "", "at": at} for d, m in keys]
        await self._db.change_many(_TOUCH_ACTIVITY, rows)

    async def set_model(self, device_id: str, module_id: str | None, model_id: str | None) -> bool:
        statement = sa.update(t).where(_where(device_id, module_id)).values(model_id=model_id)
        rowcount, _ = await self._db.change(statement)
        return rowcount == 1

    async def connected(
        self, after: tuple[str, str | None] | None, limit: int
    ) -> list[tuple[str, str | None]]:
        # Keys only, in the order of ix_identities_connection_key: no twin is read or built.
        statement = sa.select(t.c.device_id, t.c.module_id).where(
            t.c.connection_state == "Connected"
        )
        if after is not None:
            mark = sa.tuple_(sa.literal(after[1] or ""), sa.literal(after[0]))
            statement = statement.where(sa.tuple_(t.c.module_id, t.c.device_id) > mark)
        statement = statement.order_by(t.c.module_id, t.c.device_id).limit(limit)
        async with self._db.read() as conn:
            rows = (await conn.execute(statement)).all()
        return [(device_id, module_id or None) for device_id, module_id in rows]

    async def counts(self) -> RegistryCounts:
        devices = t.c.module_id == ""
        statement = sa.select(
            sa.func.count(),
            sa.func.count().filter(t.c.status == "enabled"),
            sa.func.count().filter(t.c.connection_state == "Connected"),
        ).where(devices)
        async with self._db.read() as conn:
            total, enabled, connected = (await conn.execute(statement)).one()
        return RegistryCounts(total, enabled, total - enabled, connected)

    async def query(self, query: Query, page_size: int, continuation: str | None) -> QueryPage:
        """One page; the continuation carries the keyset (SELECT *) or offset, and `TOP n`
        caps the total across pages."""
        try:
            compiled = compile_query(query, self._db.dialect)
        except UnsupportedQuery as error:
            raise QueryUnsupported(str(error)) from None
        position = _decode_continuation(continuation)
        served = position.get("n", 0)
        if query.top is not None:
            page_size = min(page_size, query.top - served)
            if page_size <= 0:
                return QueryPage([] if compiled.kind == "twins" else None, None, None)
        async with self._db.read() as conn:
            if compiled.kind == "twins":
                after = position.get("k")
                key = (after[0], after[1]) if after else None
                statement = paged(compiled.statement, key, page_size + 1)
                found = [to_identity(r) for r in await conn.execute(statement)]
                twins = found[:page_size]
                token = None
                if len(found) > page_size:
                    last = twins[-1]
                    token = {"k": [last.device_id, last.module_id or ""], "n": served + len(twins)}
                return QueryPage(twins, None, _encode_continuation(token))
            offset = position.get("o", 0)
            statement = paged_rows(compiled.statement, offset, page_size + 1)
            rows = [compiled.decode_row(r) for r in await conn.execute(statement)]
        more = len(rows) > page_size
        rows = rows[:page_size]
        token = {"o": offset + len(rows), "n": served + len(rows)} if more else None
        return QueryPage(None, rows, _encode_continuation(token))


def _encode_continuation(position: object) -> str | None:
    if position is None:
        return None
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode()


def _decode_continuation(token: str | None) -> dict[str, Any]:
    """``{"k": [device, module]}`` or ``{"o": offset}``, plus ``"n"`` rows served so far."""
    if not token:
        return {}
    try:
        position = orjson.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, orjson.JSONDecodeError):
        position = None
    key = position.get("k") if isinstance(position, dict) else None
    valid = (
        isinstance(position, dict)
        and isinstance(position.get("n", 0), int)
        and isinstance(position.get("o", 0), int)
        and position.get("o", 0) >= 0
        and (
            key is None
            or (isinstance(key, list) and len(key) == 2 and all(isinstance(k, str) for k in key))
        )
    )
    if not valid:
        raise ArgumentInvalid("The continuation token is not one this hub issued.")
    result: dict[str, Any] = position
    return result
