"""`Database.write_batch`: SQLite's one-hop batch transaction on its own thread, under the
single-writer lock (docs/design/storage.md)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from fleethub.store import Store, open_store, sqlite_batches
from fleethub.store.schema import c2d_feedback

ROW = {
    "device_id": "d",
    "device_generation_id": "g",
    "status_code": "Success",
    "description": "",
    "enqueued_time": 0.0,
}


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp_path / 'fleethub.db'}")
    yield store
    await store.close()


async def ids(store: Store) -> list[str]:
    statement = sa.select(c2d_feedback.c.original_message_id).order_by(c2d_feedback.c.id)
    async with store.db.read() as conn:
        return list((await conn.execute(statement)).scalars())


INSERT = (
    "INSERT INTO c2d_feedback (original_message_id, device_id, device_generation_id,"
    " status_code, description, enqueued_time) VALUES (?, 'd', 'g', 'Success', '', 0)"
)


def insert(conn: sqlite3.Connection, *names: str | None) -> int:
    conn.executemany(INSERT, [(name,) for name in names])
    return threading.get_ident()


async def test_the_batch_runs_off_the_loop_thread_and_commits(sqlite: Store) -> None:
    thread = await sqlite.db.write_batch(lambda conn: insert(conn, "a", "b"), rows=1000)

    assert thread != threading.get_ident()
    assert await ids(sqlite) == ["a", "b"]


async def test_a_small_batch_may_run_inline_on_the_loop_thread(sqlite: Store) -> None:
    thread = await sqlite.db.write_batch(lambda conn: insert(conn, "a"), rows=1)

    assert thread == threading.get_ident()
    assert await ids(sqlite) == ["a"]


async def test_an_error_rolls_the_whole_batch_back(sqlite: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await sqlite.db.write_batch(lambda conn: insert(conn, "a", None), rows=1000)
    with pytest.raises(sqlite3.IntegrityError):
        await sqlite.db.write_batch(lambda conn: insert(conn, "b", None), rows=2)

    assert await ids(sqlite) == []
    await sqlite.db.write_batch(lambda conn: insert(conn, "c"), rows=1)  # the connection is usable
    assert await ids(sqlite) == ["c"]


async def test_a_cancelled_caller_keeps_the_writer_lock_until_its_transaction_ends(
    sqlite: Store,
) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow(conn: sqlite3.Connection) -> int:
        entered.set()
        release.wait(10)
        return insert(conn, "slow")

    first = asyncio.ensure_future(sqlite.db.write_batch(slow, rows=1000))
    await asyncio.to_thread(entered.wait, 10)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    # A point write must not use the writer connection while that transaction is open.
    second = asyncio.ensure_future(
        sqlite.db.change(sa.insert(c2d_feedback).values(original_message_id="next", **ROW))
    )
    await asyncio.sleep(0.05)
    assert not second.done()

    release.set()
    await second
    assert await ids(sqlite) == ["slow", "next"]


@pytest.mark.postgres
async def test_postgresql_has_no_batch_thread(store: Store) -> None:
    if store.db.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    assert not store.db.writes_batches_in_thread
    with pytest.raises(RuntimeError):
        await store.db.write_batch(lambda conn: insert(conn, "a"), rows=1)


async def test_a_checkpoint_runs_on_its_own_once_enough_rows_are_in_the_log(
    sqlite: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_batches, "CHECKPOINT_ROWS", 3)
    batches = sqlite.db.batches
    assert batches is not None
    await sqlite.db.write_batch(lambda conn: insert(conn, "x"), rows=3)  # the first checkpoint
    await batches.checkpointed()
    database = tmp_path / "fleethub.db"
    before = database.read_bytes()

    for _ in range(2):
        await sqlite.db.write_batch(lambda conn: insert(conn, "y"), rows=1)
    assert not batches.checkpointing
    assert database.read_bytes() == before  # in the write-ahead log only

    await sqlite.db.write_batch(lambda conn: insert(conn, "z"), rows=1)
    assert batches.checkpointing  # on its own thread: the caller did not wait for it
    await batches.checkpointed()
    assert database.read_bytes() != before
    assert await ids(sqlite) == ["x", "y", "y", "z"]


async def test_the_log_starts_over_while_writes_never_pause(
    sqlite: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PASSIVE checkpoint beside busy writers never finds the whole log copied, and SQLite
    starts the log over only then: without a pass under the writer lock the log would grow
    by every commit for as long as the writes go on."""
    monkeypatch.setattr(sqlite_batches, "CHECKPOINT_ROWS", 20)
    monkeypatch.setattr(sqlite_batches, "RESTART_FRAMES", 100)
    batches = sqlite.db.batches
    assert batches is not None
    commits = 1500
    for n in range(commits):
        await sqlite.db.write_batch(lambda conn, n=n: insert(conn, f"m{n}"), rows=1)
        await asyncio.sleep(0)  # a serving loop: callbacks and other tasks run between writes
    await batches.checkpointed()

    probe = sqlite3.connect(tmp_path / "fleethub.db")
    _, frames_in_log, _ = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    probe.close()
    assert frames_in_log < commits // 3  # each commit wrote at least one frame
    assert len(await ids(sqlite)) == commits


async def test_change_many_applies_every_row_whatever_the_count(store: Store) -> None:
    statement = sa.insert(c2d_feedback)
    few = [{"original_message_id": f"few{i}", **ROW} for i in range(3)]
    many = [{"original_message_id": f"many{i:03d}", **ROW} for i in range(120)]

    await store.db.change_many(statement, few)  # on the loop's thread (SQLite)
    await store.db.change_many(statement, many)  # SQLite: three transactions of at most 50

    assert await ids(store) == [row["original_message_id"] for row in few + many]


async def test_a_big_change_many_lets_a_group_commit_in_between(sqlite: Store) -> None:
    """The activity flush must not hold SQLite's single writer while telemetry waits."""
    many = [{"original_message_id": f"many{i:03d}", **ROW} for i in range(200)]
    flush = asyncio.create_task(sqlite.db.change_many(sa.insert(c2d_feedback), many))
    await asyncio.sleep(0)  # the flush writes its first 50 rows

    await sqlite.db.write_batch(lambda conn: insert(conn, "telemetry"), rows=1)
    assert not flush.done()  # the batch went in between the flush's transactions
    await flush
    names = await ids(sqlite)
    assert len(names) == 201
    assert 0 < names.index("telemetry") < 200
