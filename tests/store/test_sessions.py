"""MQTT persistent sessions on SQLite and PostgreSQL: new ones are stored together a moment
later, and a late batch never overwrites what was saved or deleted meanwhile."""

from __future__ import annotations

import asyncio

from fleethub.store import Store
from fleethub.store.sessions import CREATE_DELAY


async def test_a_created_session_is_stored_empty_a_moment_later(store: Store) -> None:
    await store.sessions.create("dev1")
    await store.sessions.create("dev2")
    assert await store.sessions.load("dev1") is None  # not written yet: no commit per connect

    await asyncio.sleep(CREATE_DELAY * 4)
    assert await store.sessions.load("dev1") == []
    assert await store.sessions.load("dev2") == []


async def test_a_late_batch_keeps_the_subscriptions_saved_before_it(store: Store) -> None:
    await store.sessions.create("dev1")
    await store.sessions.save("dev1", ["devices/dev1/messages/devicebound/#"])

    await store.sessions.flush()
    assert await store.sessions.load("dev1") == ["devices/dev1/messages/devicebound/#"]


async def test_a_clean_session_connect_drops_the_pending_one(store: Store) -> None:
    await store.sessions.create("dev1")
    await store.sessions.delete("dev1")

    await store.sessions.flush()
    assert await store.sessions.load("dev1") is None


async def test_close_writes_what_is_waiting(store: Store) -> None:
    await store.sessions.create("dev1")
    await store.sessions.create("dev1")  # twice in one batch is once

    await store.sessions.close()
    assert await store.sessions.load("dev1") == []
