"""AvatarStore twice: files under the data dir for a SQLite hub (one machine), rows of
`model_avatars` for PostgreSQL (every node of a cluster sees the same pictures)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fleethub.hub.lorawan.records import Avatar
from fleethub.store import postgres, sqlite
from fleethub.store.batching import unavailable_on_error
from fleethub.store.database import Database
from fleethub.store.schema import model_avatars as t

#: File extension ↔ media type; only these (checked image) types are ever stored.
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


class FileAvatars:
    """`<dir>/<sha256 of the model id>.<ext>`: model ids (DTMIs) never become file names."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def _stem(self, model_id: str) -> Path:
        return self._dir / hashlib.sha256(model_id.encode()).hexdigest()

    async def get(self, model_id: str) -> Avatar | None:
        with unavailable_on_error():
            return await asyncio.to_thread(self._get, model_id)

    def _get(self, model_id: str) -> Avatar | None:
        stem = self._stem(model_id)
        for content_type, extension in _EXTENSIONS.items():
            path = stem.with_suffix("." + extension)
            try:
                data = path.read_bytes()
                updated = path.stat().st_mtime
            except FileNotFoundError:
                continue
            return Avatar(model_id, content_type, data, updated)
        return None

    async def put(self, avatar: Avatar) -> None:
        with unavailable_on_error():
            await asyncio.to_thread(self._put, avatar)

    def _put(self, avatar: Avatar) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        self._delete(avatar.model_id)
        path = self._stem(avatar.model_id).with_suffix("." + _EXTENSIONS[avatar.content_type])
        partial = path.with_suffix(".partial")
        partial.write_bytes(avatar.data)
        os.utime(partial, (avatar.updated_time, avatar.updated_time))
        partial.replace(path)  # atomic: a reader sees the old picture or the new one

    async def delete(self, model_id: str) -> bool:
        with unavailable_on_error():
            return await asyncio.to_thread(self._delete, model_id)

    def _delete(self, model_id: str) -> bool:
        stem, found = self._stem(model_id), False
        for extension in _EXTENSIONS.values():
            try:
                stem.with_suffix("." + extension).unlink()
                found = True
            except FileNotFoundError:
                pass
        return found


class SqlAvatars:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._insert: Any = postgres.insert if db.dialect == "postgresql" else sqlite.insert

    async def get(self, model_id: str) -> Avatar | None:
        with unavailable_on_error():
            async with self._db.read() as conn:
                row = (await conn.execute(sa.select(t).where(t.c.model_id == model_id))).first()
        if row is None:
            return None
        m = row._mapping
        return Avatar(m["model_id"], m["content_type"], bytes(m["data"]), m["updated_time"])

    async def put(self, avatar: Avatar) -> None:
        values = {
            "model_id": avatar.model_id,
            "content_type": avatar.content_type,
            "data": avatar.data,
            "updated_time": avatar.updated_time,
        }
        statement = self._insert(t).values(**values)
        statement = statement.on_conflict_do_update(index_elements=[t.c.model_id], set_=values)
        with unavailable_on_error():
            async with self._db.write() as conn:
                await conn.execute(statement)

    async def delete(self, model_id: str) -> bool:
        with unavailable_on_error():
            async with self._db.write() as conn:
                result = await conn.execute(sa.delete(t).where(t.c.model_id == model_id))
                return result.rowcount == 1
