"""JobDeviceStore on SQL: the per-device rows of scheduled jobs (`devices.jobs`).

A twin-update batch reads the twins, writes them back and records every device's outcome in
one transaction, so after a crash each device is either done (with its row saying so) or still
pending: resuming never applies a patch twice. Rows are keyed (job_id, device_id).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa

from fleethub.hub.errors import ArgumentInvalid, HubError
from fleethub.hub.jobs.job import (
    CANCELLED,
    COMPLETED,
    DEVICE_PENDING,
    DEVICE_RUNNING,
    FAILED,
    RUNNING,
    SCHEDULED_JOBS,
    DeviceJob,
    DeviceJobPage,
    DeviceOutcome,
    TwinWrite,
)
from fleethub.hub.query.ast import JobsQuery
from fleethub.hub.registry.service import not_found
from fleethub.hub.twins.twin import TwinState
from fleethub.store.database import Database
from fleethub.store.identities import _twin_values
from fleethub.store.job_query import compile_jobs_where
from fleethub.store.jobs import key_of
from fleethub.store.query_sql import compile_where
from fleethub.store.schema import identities
from fleethub.store.schema import job_devices as d
from fleethub.store.schema import jobs as j

Compute = Callable[[TwinState], TwinState]
_ANALYZE_FROM = 1000


def _this_job(job_id: str) -> sa.ColumnElement[bool]:
    return key_of(SCHEDULED_JOBS, job_id)


def _failed(device_id: str, error: HubError, now: float) -> dict[str, Any]:
    return {
        "d": device_id,
        "status": FAILED,
        "outcome": None,
        "code": type(error).__name__,
        "text": error.message,
        "now": now,
    }


_RECORD = (
    sa.update(d)
    .where(d.c.job_id == sa.bindparam("job"), d.c.device_id == sa.bindparam("d"))
    .values(
        status=sa.bindparam("status"),
        outcome=sa.bindparam("outcome", type_=sa.JSON()),
        error_code=sa.bindparam("code"),
        error_description=sa.bindparam("text"),
        start_time=sa.func.coalesce(d.c.start_time, sa.bindparam("now")),
        end_time=sa.bindparam("now"),
        last_updated=sa.bindparam("now"),
    )
)


class SqlJobDevices:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def select_targets(self, job_id: str, where: Any, now: float) -> int:
        condition = compile_where(where, self._db.dialect)
        async with self._db.write() as conn:
            job = (
                await conn.execute(
                    sa.select(j.c.targets_selected, j.c.device_count).where(_this_job(job_id))
                )
            ).first()
            if job is None or job.targets_selected:
                return int(job.device_count) if job else 0
            chosen = sa.select(
                sa.literal(job_id, sa.String),
                identities.c.device_id,
                sa.literal(DEVICE_PENDING, sa.String),
                sa.literal(now, sa.Double),
            ).where(identities.c.module_id == "", condition)
            columns = ["job_id", "device_id", "status", "created_time"]
            await conn.execute(sa.insert(d).from_select(columns, chosen))
            count_rows = sa.select(sa.func.count()).where(d.c.job_id == job_id)
            count = int((await conn.execute(count_rows)).scalar_one())
            await conn.execute(
                sa.update(j)
                .where(_this_job(job_id))
                .values(device_count=count, targets_selected=True)
            )
            if self._db.dialect == "postgresql" and count >= _ANALYZE_FROM:
                # Fresh statistics before batches of `IN (500 ids)`: on a fleet just loaded
                # (not yet auto-analyzed), generic plans scan whole tables, 10x to 60x slower.
                await conn.execute(sa.text("ANALYZE identities, job_devices"))
        return count

    async def pending(self, job_id: str, limit: int, after: str | None = None) -> list[str]:
        statement = (
            sa.select(d.c.device_id)
            .where(d.c.job_id == job_id, d.c.status == DEVICE_PENDING)
            .order_by(d.c.device_id)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(d.c.device_id > after)
        async with self._db.read() as conn:
            return list((await conn.execute(statement)).scalars())

    async def start(self, job_id: str, device_ids: Sequence[str], now: float) -> list[str]:
        if not device_ids:
            return []
        statement = (
            sa.update(d)
            .where(
                d.c.job_id == job_id,
                d.c.device_id.in_(device_ids),
                d.c.status == DEVICE_PENDING,
            )
            .values(status=DEVICE_RUNNING, start_time=now, last_updated=now)
            .returning(d.c.device_id)
        )
        async with self._db.write() as conn:
            started = list((await conn.execute(statement)).scalars())
            await conn.execute(
                sa.update(j).where(_this_job(job_id)).values(running=j.c.running + len(started))
            )
        return started

    async def finish(self, job_id: str, outcomes: Sequence[DeviceOutcome], now: float) -> None:
        if not outcomes:
            return
        rows = [
            {
                "job": job_id,
                "d": o.device_id,
                "status": COMPLETED if o.succeeded else FAILED,
                "outcome": o.outcome,
                "code": o.error[0] if o.error else None,
                "text": o.error[1] if o.error else None,
                "now": now,
            }
            for o in outcomes
        ]
        succeeded = sum(1 for o in outcomes if o.succeeded)
        async with self._db.write() as conn:
            await conn.execute(_RECORD, rows)
            await conn.execute(self._counted(job_id, succeeded, len(outcomes) - succeeded, True))

    def _counted(self, job_id: str, ok: int, bad: int, were_running: bool) -> sa.Update:
        values: dict[str, Any] = {"succeeded": j.c.succeeded + ok, "failed": j.c.failed + bad}
        if were_running:
            values["running"] = sa.case((j.c.running > ok + bad, j.c.running - (ok + bad)), else_=0)
        return sa.update(j).where(_this_job(job_id)).values(**values)

    async def update_twins(
        self, job_id: str, device_ids: Sequence[str], compute: Compute, now: float
    ) -> list[TwinWrite] | None:
        async with self._db.write() as conn:
            status = sa.select(j.c.status).where(_this_job(job_id))
            if self._db.dialect == "postgresql":
                status = status.with_for_update()  # a cancel waits for this batch, not after it
            if (await conn.execute(status)).scalar() != RUNNING:
                return None
            still = sa.select(d.c.device_id).where(
                d.c.job_id == job_id, d.c.device_id.in_(device_ids), d.c.status == DEVICE_PENDING
            )
            todo = sorted((await conn.execute(still)).scalars())
            found = await self._twins(conn, todo)
            batch = _TwinBatch.of(todo, found, compute, now)
            if batch.twin_rows:
                await conn.execute(_SAVE_TWIN, batch.twin_rows)
            if batch.done:
                await conn.execute(
                    sa.update(d)
                    .where(d.c.job_id == job_id, d.c.device_id.in_(batch.done))
                    .values(status=COMPLETED, start_time=now, end_time=now, last_updated=now)
                )
            if batch.failures:
                for row in batch.failures:
                    row["job"] = job_id
                await conn.execute(_RECORD, batch.failures)
            counted = self._counted(job_id, len(batch.done), len(batch.failures), False)
            await conn.execute(counted)
        return batch.writes

    async def _twins(self, conn: Any, device_ids: list[str]) -> dict[str, TwinState]:
        """The twins of these devices, read inside the writing transaction (locked on PG)."""
        if not device_ids:
            return {}
        statement = sa.select(identities.c.device_id, *_TWIN_READ).where(
            identities.c.device_id.in_(device_ids), identities.c.module_id == ""
        )
        if self._db.dialect == "postgresql":
            statement = statement.with_for_update()
        return {row[0]: TwinState(*row[1:]) for row in await conn.execute(statement)}

    async def interrupt(self, job_id: str, now: float, description: str) -> int:
        statement = (
            sa.update(d)
            .where(d.c.job_id == job_id, d.c.status == DEVICE_RUNNING)
            .values(
                status=FAILED,
                error_code="JobInterrupted",
                error_description=description,
                end_time=now,
                last_updated=now,
            )
        )
        async with self._db.write() as conn:
            count = (await conn.execute(statement)).rowcount
            await conn.execute(
                sa.update(j).where(_this_job(job_id)).values(failed=j.c.failed + count, running=0)
            )
        return int(count)

    async def cancel(self, job_id: str, now: float) -> int:
        statement = (
            sa.update(d)
            .where(d.c.job_id == job_id, d.c.status == DEVICE_PENDING)
            .values(status=CANCELLED, last_updated=now)
        )
        async with self._db.write() as conn:
            return int((await conn.execute(statement)).rowcount)

    async def query(
        self, query: JobsQuery, page_size: int, continuation: str | None
    ) -> DeviceJobPage:
        position = _decode(continuation)
        served = int(position.get("n", 0))
        if query.top is not None:
            page_size = min(page_size, query.top - served)
            if page_size <= 0:
                return DeviceJobPage([], None)
        statement = (
            sa.select(d, j.c.type)
            .join(j, sa.and_(j.c.family == SCHEDULED_JOBS, j.c.job_id == d.c.job_id))
            .where(compile_jobs_where(query.where, d, j))
            .order_by(d.c.job_id, d.c.device_id)
            .limit(page_size + 1)
        )
        after = position.get("k")
        if after:
            key = sa.tuple_(sa.literal(after[0], sa.String), sa.literal(after[1], sa.String))
            statement = statement.where(sa.tuple_(d.c.job_id, d.c.device_id) > key)
        async with self._db.read() as conn:
            rows = (await conn.execute(statement)).all()
        items = [_device_job(r) for r in rows[:page_size]]
        token = None
        if len(rows) > page_size:
            last = items[-1]
            token = _encode({"k": [last.job_id, last.device_id], "n": served + len(items)})
        return DeviceJobPage(items, token)


@dataclass(slots=True)
class _TwinBatch:
    """One batch's writes: twin rows, devices done, failures, and what listeners hear."""

    twin_rows: list[dict[str, Any]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    writes: list[TwinWrite] = field(default_factory=list)

    @classmethod
    def of(
        cls, todo: list[str], found: dict[str, TwinState], compute: Compute, now: float
    ) -> _TwinBatch:
        batch = cls()
        for device_id in todo:
            twin = found.get(device_id)
            try:
                if twin is None:
                    raise not_found(device_id, None)
                new = compute(twin)
            except HubError as error:
                batch.failures.append(_failed(device_id, error, now))
                continue
            batch.twin_rows.append({"d": device_id, **_twin_params(new)})
            batch.done.append(device_id)
            desired, tags = new.desired_version != twin.desired_version, new.tags != twin.tags
            if desired or tags:
                batch.writes.append(TwinWrite(device_id, new.desired_version, desired, tags))
        return batch


#: The twin's columns in TwinState's field order (tags, desired, ... version).
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
_TWIN_READ = tuple(identities.c[name] for name in _TWIN_COLUMNS)
_SAVE_TWIN = (
    sa.update(identities)
    .where(identities.c.device_id == sa.bindparam("d"), identities.c.module_id == "")
    .values({name: sa.bindparam(f"v_{name}") for name in _TWIN_COLUMNS})
)


def _twin_params(twin: TwinState) -> dict[str, Any]:
    return {f"v_{name}": value for name, value in _twin_values(twin).items()}


def _device_job(row: sa.Row[Any]) -> DeviceJob:
    m = row._mapping
    error = (m["error_code"], m["error_description"] or "") if m["error_code"] else None
    return DeviceJob(
        device_id=m["device_id"],
        job_id=m["job_id"],
        job_type=m["type"],
        status=m["status"],
        created_time=m["created_time"],
        start_time=m["start_time"],
        end_time=m["end_time"],
        last_updated=m["last_updated"],
        outcome=m["outcome"],
        error=error,
    )


def _encode(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode()


def _decode(token: str | None) -> dict[str, Any]:
    if not token:
        return {}
    try:
        position = orjson.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, orjson.JSONDecodeError):
        position = None
    key = position.get("k") if isinstance(position, dict) else None
    if not (
        isinstance(position, dict)
        and isinstance(position.get("n", 0), int)
        and isinstance(key, list)
        and len(key) == 2
        and all(isinstance(k, str) for k in key)
    ):
        raise ArgumentInvalid("The continuation token is not one this hub issued.")
    result: dict[str, Any] = position
    return result
