"""JobStore on SQL: job records, live counters and leases in the `jobs` table.

A lease is taken with one conditional UPDATE (free, lapsed, or already ours), so two nodes
racing for a job cannot both win; the runner renews it while the job runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fleethub.hub.errors import JobAlreadyExists
from fleethub.hub.jobs.job import ACTIVE, FINAL, QUEUED, RUNNING, SCHEDULED, Job
from fleethub.store.database import Database
from fleethub.store.schema import jobs as t


def to_job(row: sa.Row[Any]) -> Job:
    m = row._mapping
    return Job(
        family=m["family"],
        job_id=m["job_id"],
        type=m["type"],
        status=m["status"],
        request=m["request"],
        created_time=m["created_time"],
        start_time=m["start_time"],
        started_time=m["started_time"],
        end_time=m["end_time"],
        max_execution_seconds=m["max_execution_seconds"],
        failure_reason=m["failure_reason"],
        status_message=m["status_message"],
        device_count=m["device_count"],
        succeeded=m["succeeded"],
        failed=m["failed"],
        running=m["running"],
        targets_selected=m["targets_selected"],
        forgotten=m["forgotten"],
    )


def key_of(family: str, job_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(t.c.family == family, t.c.job_id == job_id)


class SqlJobs:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, job: Job, owner: str | None, lease_until: float | None) -> None:
        values = {
            "family": job.family,
            "job_id": job.job_id,
            "type": job.type,
            "status": job.status,
            "request": job.request,
            "created_time": job.created_time,
            "start_time": job.start_time,
            "end_time": job.end_time,
            "max_execution_seconds": job.max_execution_seconds,
            "failure_reason": job.failure_reason,
            "status_message": job.status_message,
            "lease_owner": owner,
            "lease_until": lease_until,
        }
        try:
            async with self._db.write() as conn:
                await conn.execute(sa.insert(t).values(**values))
        except IntegrityError:
            raise JobAlreadyExists(f"A job with id '{job.job_id}' already exists.") from None

    async def get(self, family: str, job_id: str) -> Job | None:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(t).where(key_of(family, job_id)))).first()
        return to_job(row) if row else None

    async def list_jobs(
        self, family: str, type_: str | None, status: str | None, after: str | None, limit: int
    ) -> list[Job]:
        statement = sa.select(t).where(t.c.family == family, t.c.forgotten == sa.false())
        if type_ is not None:
            statement = statement.where(t.c.type == type_)
        if status is not None:
            statement = statement.where(t.c.status == status)
        if after is not None:
            anchor = sa.select(t.c.created_time).where(key_of(family, after)).scalar_subquery()
            statement = statement.where(
                sa.tuple_(t.c.created_time, t.c.job_id) > sa.tuple_(anchor, sa.literal(after))
            )
        statement = statement.order_by(t.c.created_time, t.c.job_id).limit(limit)
        async with self._db.read() as conn:
            return [to_job(r) for r in await conn.execute(statement)]

    async def transition(
        self,
        family: str,
        job_id: str,
        to: str,
        from_: Sequence[str],
        at: float,
        reason: str | None = None,
        message: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"status": to}
        if to == RUNNING:
            values["started_time"] = sa.func.coalesce(t.c.started_time, at)
        if to in FINAL:
            values.update(end_time=at, running=0, lease_owner=None, lease_until=None)
        if reason is not None:
            values["failure_reason"] = reason
        if message is not None:
            values["status_message"] = message
        statement = (
            sa.update(t).where(key_of(family, job_id), t.c.status.in_(from_)).values(**values)
        )
        async with self._db.write() as conn:
            return (await conn.execute(statement)).rowcount == 1

    async def count(self, family: str, job_id: str, succeeded: int, failed: int) -> None:
        statement = (
            sa.update(t)
            .where(key_of(family, job_id))
            .values(succeeded=t.c.succeeded + succeeded, failed=t.c.failed + failed)
        )
        async with self._db.write() as conn:
            await conn.execute(statement)

    async def reset_counts(self, family: str, job_id: str, device_count: int) -> None:
        statement = (
            sa.update(t)
            .where(key_of(family, job_id))
            .values(device_count=device_count, succeeded=0, failed=0, running=0)
        )
        async with self._db.write() as conn:
            await conn.execute(statement)

    async def claim(self, owner: str, now: float, until: float, limit: int) -> list[Job]:
        free = sa.or_(t.c.lease_owner.is_(None), t.c.lease_owner == owner, t.c.lease_until < now)
        due = sa.or_(t.c.start_time.is_(None), t.c.start_time <= now)
        candidates = (
            sa.select(t.c.family, t.c.job_id)
            .where(t.c.status.in_(ACTIVE), due, free)
            .order_by(t.c.created_time)
            .limit(limit)
        )
        claimed: list[Job] = []
        async with self._db.write() as conn:
            for family, job_id in (await conn.execute(candidates)).all():
                take = (
                    sa.update(t)
                    .where(key_of(family, job_id), t.c.status.in_(ACTIVE), free)
                    .values(lease_owner=owner, lease_until=until)
                    .returning(*t.c)
                )
                row = (await conn.execute(take)).first()
                if row is not None:
                    claimed.append(to_job(row))
        return claimed

    async def renew(self, owner: str, keys: Sequence[tuple[str, str]], until: float) -> None:
        if not keys:
            return
        statement = (
            sa.update(t)
            .where(
                t.c.family == sa.bindparam("f"),
                t.c.job_id == sa.bindparam("j"),
                t.c.lease_owner == owner,
            )
            .values(lease_until=until)
        )
        async with self._db.write() as conn:
            await conn.execute(statement, [{"f": f, "j": j} for f, j in keys])

    async def release(self, owner: str, family: str, job_id: str) -> None:
        statement = (
            sa.update(t)
            .where(key_of(family, job_id), t.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )
        async with self._db.write() as conn:
            await conn.execute(statement)

    async def schedule(self, now: float) -> None:
        statement = (
            sa.update(t).where(t.c.status == QUEUED, t.c.start_time > now).values(status=SCHEDULED)
        )
        async with self._db.write() as conn:
            await conn.execute(statement)

    async def forget(self, family: str, job_id: str) -> bool:
        async with self._db.write() as conn:
            gone = await conn.execute(
                sa.delete(t).where(key_of(family, job_id), t.c.status.in_(FINAL))
            )
            if gone.rowcount:
                return True
            hidden = await conn.execute(
                sa.update(t)
                .where(key_of(family, job_id), t.c.forgotten == sa.false())
                .values(forgotten=True)
            )
            return hidden.rowcount == 1

    async def delete(self, family: str, job_id: str) -> None:
        async with self._db.write() as conn:
            await conn.execute(sa.delete(t).where(key_of(family, job_id)))
