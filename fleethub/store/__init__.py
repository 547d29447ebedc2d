"""ADAPTER: the only place with SQL. `open_store(url)` picks the engine by URL scheme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from fleethub.store.api_tokens import SqlApiTokens
from fleethub.store.avatars import FileAvatars, SqlAvatars
from fleethub.store.c2d import SqlC2DQueue
from fleethub.store.central import SqlCommandLog, SqlDeviceProfiles, SqlRecentTelemetry
from fleethub.store.configurations import SqlConfigurations
from fleethub.store.consumer_groups import SqlConsumerGroups
from fleethub.store.database import Database
from fleethub.store.device_models import SqlModels
from fleethub.store.feedback import SqlFeedbackStore
from fleethub.store.identities import SqlIdentities
from fleethub.store.job_devices import SqlJobDevices
from fleethub.store.jobs import SqlJobs
from fleethub.store.migrate import migrate
from fleethub.store.postgres import open_postgres
from fleethub.store.sessions import SqlSessions
from fleethub.store.sqlite import open_sqlite
from fleethub.store.telemetry import SqlTelemetryLog


@dataclass(slots=True)
class Store:
    db: Database
    identities: SqlIdentities
    sessions: SqlSessions
    telemetry: SqlTelemetryLog
    c2d: SqlC2DQueue
    feedback: SqlFeedbackStore
    models: SqlModels
    api_tokens: SqlApiTokens
    profiles: SqlDeviceProfiles
    commands: SqlCommandLog
    recent: SqlRecentTelemetry
    jobs: SqlJobs
    job_devices: SqlJobDevices
    configurations: SqlConfigurations
    avatars: FileAvatars | SqlAvatars
    consumer_groups: SqlConsumerGroups

    async def ping(self) -> None:
        """Raise if the database does not answer (readiness checks)."""
        async with self.db.read() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        await self.telemetry.close()  # drain the group-commit writer while the engine is up
        await self.sessions.close()
        await self.db.close()


async def open_store(url: str, *, schema: str | None = None, pool_size: int = 30) -> Store:
    """Open the database at ``url``, migrate it to the current schema, and wrap it."""
    if url.startswith("sqlite"):
        db = open_sqlite(url.replace("sqlite://", "sqlite+aiosqlite://", 1))
    else:
        db = await open_postgres(url, schema, pool_size)
    await migrate(db)
    telemetry = SqlTelemetryLog(db)
    telemetry.start()
    return Store(
        db=db,
        identities=SqlIdentities(db),
        sessions=SqlSessions(db),
        telemetry=telemetry,
        c2d=SqlC2DQueue(db),
        feedback=SqlFeedbackStore(db),
        models=SqlModels(db),
        api_tokens=SqlApiTokens(db),
        profiles=SqlDeviceProfiles(db),
        commands=SqlCommandLog(db),
        recent=SqlRecentTelemetry(db),
        jobs=SqlJobs(db),
        job_devices=SqlJobDevices(db),
        configurations=SqlConfigurations(db),
        avatars=_avatars(url, db),
        consumer_groups=SqlConsumerGroups(db),
    )


def _avatars(url: str, db: Database) -> FileAvatars | SqlAvatars:
    """Model pictures beside a SQLite database (`<dir>/avatars/`), in PostgreSQL otherwise."""
    if db.dialect == "sqlite":
        return FileAvatars(Path(url.split("///", 1)[-1]).parent / "avatars")
    return SqlAvatars(db)
