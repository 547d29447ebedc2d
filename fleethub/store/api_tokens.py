"""ApiTokenStore on SQL: `api_tokens` (hashed secrets only) and `api_token_adoptions`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from fleethub.hub.auth.roles import ApiToken, RoleAssignment
from fleethub.store import postgres, sqlite
from fleethub.store.batching import unavailable_on_error
from fleethub.store.database import Database
from fleethub.store.schema import api_token_adoptions as adoptions
from fleethub.store.schema import api_tokens as t


def _token(row: sa.Row[Any]) -> ApiToken:
    m = row._mapping
    roles = tuple(RoleAssignment(r["role"], r.get("organization")) for r in m["roles"])
    return ApiToken(m["id"], roles, m["expiry"], m["secret_hash"], m["created_time"])


def _values(token: ApiToken) -> dict[str, Any]:
    roles = [
        {"role": r.role, **({"organization": r.organization} if r.organization else {})}
        for r in token.roles
    ]
    return {
        "id": token.id,
        "roles": roles,
        "secret_hash": token.secret_hash,
        "expiry": token.expiry,
        "created_time": token.created_time,
    }


class SqlApiTokens:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._insert: Callable[..., Any] = (
            postgres.insert if db.dialect == "postgresql" else sqlite.insert
        )

    async def get(self, token_id: str) -> ApiToken | None:
        return await self._one(t.c.id == token_id)

    async def find(self, secret_hash: str) -> ApiToken | None:
        return await self._one(t.c.secret_hash == secret_hash)

    async def _one(self, where: sa.ColumnElement[bool]) -> ApiToken | None:
        with unavailable_on_error():
            async with self._db.read() as conn:
                row = (await conn.execute(sa.select(t).where(where))).first()
        return _token(row) if row else None

    async def list(self) -> list[ApiToken]:
        with unavailable_on_error():
            async with self._db.read() as conn:
                return [_token(r) for r in await conn.execute(sa.select(t).order_by(t.c.id))]

    async def insert(self, token: ApiToken) -> bool:
        statement = self._insert(t).values(**_values(token)).on_conflict_do_nothing()
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(statement.returning(t.c.id))).first() is not None

    async def delete(self, token_id: str) -> bool:
        with unavailable_on_error():
            async with self._db.write() as conn:
                return (await conn.execute(sa.delete(t).where(t.c.id == token_id))).rowcount > 0

    async def adopt(self, token: ApiToken) -> bool:
        """Record the secret as adopted and upsert the token, in one transaction; a token with
        the same id is replaced (re-minting the bootstrap token rotates it)."""
        mark = (
            self._insert(adoptions)
            .values(secret_hash=token.secret_hash, adopted_time=token.created_time)
            .on_conflict_do_nothing()
            .returning(adoptions.c.secret_hash)
        )
        values = _values(token)
        upsert = (
            self._insert(t)
            .values(**values)
            .on_conflict_do_update(index_elements=[t.c.id], set_=values)
        )
        with unavailable_on_error():
            async with self._db.write() as conn:
                if (await conn.execute(mark)).first() is None:
                    return False
                await conn.execute(upsert)
        return True
