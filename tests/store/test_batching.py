"""The group-commit writer on SQLite and PostgreSQL: durability before resolution, FIFO order,
failure isolation per batch, back-pressure and draining on close (docs/design/storage.md)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from fleethub.hub.errors import ServiceUnavailable
from fleethub.hub.messaging.message import D2CRecord, Message
from fleethub.store import Store
from fleethub.store.batching import GroupCommitWriter
from fleethub.store.schema import c2d_feedback


class Notes:
    """A write function over a real table: one row per item; None breaks NOT NULL."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.gate.set()
        self.batches: list[list[str | None]] = []

    async def write(self, conn: AsyncConnection, items: list[str | None]) -> list[int]:
        self.batches.append(items)
        await self.gate.wait()
        rows = [
            {
                "original_message_id": item,
                "device_id": "d",
                "device_generation_id": "g",
                "status_code": "Success",
                "description": "",
                "enqueued_time": 0.0,
            }
            for item in items
        ]
        await conn.execute(sa.insert(c2d_feedback), rows)
        return [len(self.batches)] * len(items)


async def stored(store: Store) -> list[str]:
    statement = sa.select(c2d_feedback.c.original_message_id).order_by(c2d_feedback.c.id)
    async with store.db.read() as conn:
        return list((await conn.execute(statement)).scalars())


async def settle() -> None:
    """Let every ready task run until the loop is idle again (no timing involved)."""
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
async def notes() -> Notes:
    return Notes()


@pytest.fixture
async def writer(store: Store, notes: Notes) -> AsyncIterator[GroupCommitWriter[str | None, int]]:
    opened: GroupCommitWriter[str | None, int] = GroupCommitWriter(
        store.db, notes.write, max_batch=100, max_queued=5
    )
    opened.start()
    yield opened
    notes.gate.set()
    await opened.close()


def record(i: int) -> D2CRecord:
    return D2CRecord(f"dev{i % 7}", None, 1000.0 + i, Message(str(i).encode()))


async def test_concurrent_appends_are_durable_in_call_order(store: Store) -> None:
    resolved: list[int] = []
    records = [record(i) for i in range(1000)]

    async def append(i: int) -> None:
        await store.telemetry.append(records[i])
        resolved.append(i)

    await asyncio.gather(*(append(i) for i in range(1000)))

    assert resolved == list(range(1000))
    numbers = [r.sequence_number for r in records]
    assert numbers == sorted(set(numbers))
    assert numbers[0] > 0
    assert store.telemetry.writer.batches < 1000  # they really shared commits
    # Each number names the row holding that record (RETURNING correlated to parameters).
    back = await store.telemetry.read(None, None, None, None, 2000)
    assert [(r.sequence_number, r.message.body) for r in back] == [
        (r.sequence_number, r.message.body) for r in records
    ]


async def test_a_failed_batch_fails_only_its_callers(
    store: Store, writer: GroupCommitWriter[str | None, int], notes: Notes
) -> None:
    notes.gate.clear()
    first = asyncio.ensure_future(writer.append("a"))
    await settle()  # "a" is alone in a batch, held at the gate
    second = [asyncio.ensure_future(writer.append(item)) for item in ("b1", None, "b3")]
    await settle()
    notes.gate.set()

    assert await first == 1
    for caller in second:
        with pytest.raises(ServiceUnavailable) as raised:
            await caller
        assert isinstance(raised.value.__cause__, SQLAlchemyError)
    assert notes.batches == [["a"], ["b1", None, "b3"]]

    assert await writer.append("c") == 3  # the writer is still running
    assert await stored(store) == ["a", "c"]  # nothing of the failed batch was kept


async def test_callers_wait_for_room_when_the_queue_is_full(
    writer: GroupCommitWriter[str | None, int], notes: Notes, store: Store
) -> None:
    notes.gate.clear()
    held = asyncio.ensure_future(writer.append("x0"))
    await settle()
    admitted = [await writer.submit(f"x{i}") for i in range(1, 6)]
    late = asyncio.ensure_future(writer.submit("x6"))
    await settle()

    assert writer.queued == 5
    assert writer.blocked == 1
    assert not late.done()

    notes.gate.set()
    done = await late
    await asyncio.gather(held, *admitted, done)
    assert await stored(store) == [f"x{i}" for i in range(7)]


async def test_order_holds_under_back_pressure(
    writer: GroupCommitWriter[str | None, int], store: Store
) -> None:
    resolved: list[int] = []

    async def append(i: int) -> None:
        await writer.append(str(i))
        resolved.append(i)

    await asyncio.gather(*(append(i) for i in range(200)))

    assert resolved == list(range(200))
    assert await stored(store) == [str(i) for i in range(200)]


async def test_a_caller_cancelled_while_waiting_for_room_is_not_written(
    writer: GroupCommitWriter[str | None, int], notes: Notes, store: Store
) -> None:
    notes.gate.clear()
    held = asyncio.ensure_future(writer.append("x0"))
    await settle()
    admitted = [await writer.submit(f"x{i}") for i in range(1, 6)]
    gone = asyncio.ensure_future(writer.submit("gone"))
    after = asyncio.ensure_future(writer.append("x6"))
    await settle()
    gone.cancel()
    notes.gate.set()

    await asyncio.gather(held, *admitted, after)
    assert gone.cancelled()
    assert await stored(store) == [f"x{i}" for i in range(7)]


async def test_close_writes_what_is_queued_then_refuses(
    writer: GroupCommitWriter[str | None, int], notes: Notes, store: Store
) -> None:
    notes.gate.clear()
    calls = [asyncio.ensure_future(writer.append(str(i))) for i in range(20)]
    await settle()
    closing = asyncio.ensure_future(writer.close())
    await settle()
    notes.gate.set()
    await closing

    await asyncio.gather(*calls)
    assert await stored(store) == [str(i) for i in range(20)]
    with pytest.raises(ServiceUnavailable):
        await writer.append("late")


async def test_store_close_drains_telemetry(store: Store) -> None:
    calls = [asyncio.ensure_future(store.telemetry.append(record(i))) for i in range(50)]
    await asyncio.sleep(0)
    await store.telemetry.close()
    await asyncio.gather(*calls)
    assert len(await store.telemetry.read(None, None, None, None, 100)) == 50


class Settled:
    """What `offer`'s callback reported, in the order it was called."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, int | None, BaseException | None]] = []

    def of(self, item: str | None) -> Callable[[int | None, BaseException | None], None]:
        def settle(result: int | None, error: BaseException | None) -> None:
            self.calls.append((item, result, error))

        return settle


async def test_offered_items_settle_after_their_commit_in_queue_order(
    writer: GroupCommitWriter[str | None, int], notes: Notes, store: Store
) -> None:
    settled = Settled()
    notes.gate.clear()
    held = asyncio.ensure_future(writer.append("a"))
    await settle()  # "a" is alone in batch 1, held at the gate
    assert writer.offer("b", settled.of("b"))
    submitted = await writer.submit("c")
    assert writer.offer("d", settled.of("d"))
    await settle()
    assert settled.calls == []  # nothing is reported before its commit

    notes.gate.set()
    assert await held == 1
    assert await submitted == 2
    assert settled.calls == [("b", 2, None), ("d", 2, None)]
    assert await stored(store) == ["a", "b", "c", "d"]


async def test_offer_refuses_when_full_or_closed(
    writer: GroupCommitWriter[str | None, int], notes: Notes, store: Store
) -> None:
    settled = Settled()
    notes.gate.clear()
    held = asyncio.ensure_future(writer.append("x0"))
    await settle()
    assert all(writer.offer(f"x{i}", settled.of(f"x{i}")) for i in range(1, 6))
    assert writer.full
    assert not writer.offer("refused", settled.of("refused"))  # max_queued is 5

    notes.gate.set()
    await held
    await writer.append("x6")
    assert [item for item, _, _ in settled.calls] == [f"x{i}" for i in range(1, 6)]
    await writer.close()
    assert not writer.offer("late", settled.of("late"))
    assert await stored(store) == [f"x{i}" for i in range(7)]


async def test_a_failed_batch_reports_the_error_to_its_offers(
    writer: GroupCommitWriter[str | None, int], notes: Notes, store: Store
) -> None:
    settled = Settled()
    notes.gate.clear()
    held = asyncio.ensure_future(writer.append("a"))
    await settle()
    for item in ("b1", None, "b3"):  # None breaks NOT NULL: the whole batch rolls back
        assert writer.offer(item, settled.of(item))
    notes.gate.set()
    await held
    await writer.append("c")

    assert [(item, result) for item, result, _ in settled.calls] == [
        ("b1", None),
        (None, None),
        ("b3", None),
    ]
    assert all(isinstance(error, ServiceUnavailable) for _, _, error in settled.calls)
    assert await stored(store) == ["a", "c"]


def write_on_thread(conn: sqlite3.Connection, items: list[str | None]) -> list[int]:
    """A `write_sync` batch: one row per item; None breaks NOT NULL."""
    conn.executemany(
        "INSERT INTO c2d_feedback (original_message_id, device_id, device_generation_id,"
        " status_code, description, enqueued_time) VALUES (?, 'd', 'g', 'Success', '', 0)",
        [(item,) for item in items],
    )
    return list(range(len(items)))


async def test_a_thread_batch_that_fails_fails_only_its_callers(store: Store) -> None:
    if not store.db.writes_batches_in_thread:
        with pytest.raises(ValueError, match="batch thread"):
            GroupCommitWriter(store.db, write_sync=write_on_thread)
        return
    writer: GroupCommitWriter[str | None, int] = GroupCommitWriter(
        store.db, write_sync=write_on_thread
    )
    writer.start()
    good = [asyncio.ensure_future(writer.append(item)) for item in ("a", "b")]
    assert await asyncio.gather(*good) == [0, 1]
    bad = [asyncio.ensure_future(writer.append(item)) for item in ("c", None)]
    for caller in bad:
        with pytest.raises(ServiceUnavailable):
            await caller
    assert await writer.append("d") == 0  # still running
    await writer.close()

    assert await stored(store) == ["a", "b", "d"]
