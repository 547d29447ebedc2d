"""Cloud-to-device queues and feedback on SQLite and PostgreSQL: depth limit, readiness order,
locks, expiry and purge; feedback batches with lock, complete, abandon and lapse."""

from __future__ import annotations

import asyncio

import pytest

from fleethub.hub.errors import DeviceMaximumQueueDepthExceeded
from fleethub.hub.messaging.message import C2DMessage, FeedbackRecord, Message
from fleethub.store import Store

T0 = 1_700_000_000.0
HOUR = 3600.0


def c2d(device_id: str = "dev1", body: bytes = b"hi", ttl: float = HOUR) -> C2DMessage:
    return C2DMessage(device_id, Message(body), enqueued_time=T0, expiry_time=T0 + ttl)


async def test_enqueue_assigns_ids_and_keeps_every_field(store: Store) -> None:
    message = Message(
        b"\x00payload",
        {"k": "v"},
        message_id="m1",
        correlation_id="c1",
        user_id="u1",
        content_type="application/json",
        content_encoding="utf-8",
        expiry_time_utc="2023-11-14T23:13:20Z",
    )
    sent = await store.c2d.enqueue(C2DMessage("dev1", message, T0, T0 + HOUR, ack="full"), 50)
    second = await store.c2d.enqueue(c2d(), 50)

    assert 0 < sent.id < second.id
    assert await store.c2d.next_ready("dev1", T0, 10) == [sent, second]


async def test_enqueue_refuses_beyond_the_queue_depth(store: Store) -> None:
    for _ in range(3):
        await store.c2d.enqueue(c2d(), 3)

    with pytest.raises(DeviceMaximumQueueDepthExceeded):
        await store.c2d.enqueue(c2d(), 3)
    await store.c2d.enqueue(c2d("dev2"), 3)  # another device's queue is its own
    assert await store.c2d.depth("dev1") == 3
    assert await store.c2d.depth("dev2") == 1


async def test_concurrent_enqueues_never_overfill_a_queue(store: Store) -> None:
    results = await asyncio.gather(
        *(store.c2d.enqueue(c2d(), 5) for _ in range(20)), return_exceptions=True
    )

    refused = [r for r in results if isinstance(r, DeviceMaximumQueueDepthExceeded)]
    assert len(refused) == 15
    assert await store.c2d.depth("dev1") == 5


async def test_next_ready_is_oldest_first_without_expired_or_locked(store: Store) -> None:
    short = await store.c2d.enqueue(c2d(ttl=10), 50)
    a = await store.c2d.enqueue(c2d(body=b"a"), 50)
    b = await store.c2d.enqueue(c2d(body=b"b"), 50)
    c = await store.c2d.enqueue(c2d(body=b"c"), 50)
    await store.c2d.enqueue(c2d("other"), 50)

    async def ready(now: float, limit: int = 10) -> list[int]:
        return [m.id for m in await store.c2d.next_ready("dev1", now, limit)]

    assert await ready(T0) == [short.id, a.id, b.id, c.id]
    assert await ready(T0 + 10) == [a.id, b.id, c.id]
    assert await ready(T0 + 10, 2) == [a.id, b.id]

    await store.c2d.lock("dev1", a.id, "tok-a", T0 + 60)
    assert await ready(T0 + 59) == [b.id, c.id]
    assert await ready(T0 + 60) == [a.id, b.id, c.id]  # a lapsed lock makes it ready again


async def test_lock_counts_deliveries(store: Store) -> None:
    sent = await store.c2d.enqueue(c2d(), 50)

    first = await store.c2d.lock("dev1", sent.id, "t1", T0 + 60)
    second = await store.c2d.lock("dev1", sent.id, "t2", T0 + 120)

    assert first is not None
    assert (first.delivery_count, first.lock_token, first.locked_until) == (1, "t1", T0 + 60)
    assert second is not None
    assert (second.delivery_count, second.lock_token) == (2, "t2")
    assert await store.c2d.lock("dev2", sent.id, "t3", T0 + 60) is None  # not that device's
    assert await store.c2d.lock("dev1", sent.id + 100, "t3", T0 + 60) is None


async def test_remove_takes_the_locked_message_out(store: Store) -> None:
    sent = await store.c2d.enqueue(c2d(), 50)
    await store.c2d.lock("dev1", sent.id, "tok", T0 + 60)

    assert await store.c2d.remove("dev2", "tok") is None
    assert await store.c2d.remove("dev1", "unknown") is None
    removed = await store.c2d.remove("dev1", "tok")
    assert removed is not None
    assert (removed.id, removed.delivery_count, removed.lock_token) == (sent.id, 1, "tok")
    assert await store.c2d.remove("dev1", "tok") is None
    assert await store.c2d.depth("dev1") == 0


async def test_unlock_makes_the_message_ready_again(store: Store) -> None:
    sent = await store.c2d.enqueue(c2d(), 50)
    await store.c2d.lock("dev1", sent.id, "tok", T0 + 60)

    assert not await store.c2d.unlock("dev1", "unknown")
    assert await store.c2d.unlock("dev1", "tok")
    (ready,) = await store.c2d.next_ready("dev1", T0, 10)
    assert (ready.id, ready.delivery_count, ready.lock_token, ready.locked_until) == (
        sent.id,
        1,
        None,
        None,
    )
    assert not await store.c2d.unlock("dev1", "tok")


async def test_take_expired_removes_and_returns_in_queue_order(store: Store) -> None:
    first = await store.c2d.enqueue(c2d(ttl=10), 50)
    locked = await store.c2d.enqueue(c2d("dev2", ttl=20), 50)
    await store.c2d.lock("dev2", locked.id, "tok", T0 + 100)
    kept = await store.c2d.enqueue(c2d(ttl=30), 50)

    assert await store.c2d.take_expired(T0 + 9) == []
    taken = await store.c2d.take_expired(T0 + 20)
    assert [m.id for m in taken] == [first.id, locked.id]
    assert [m.id for m in await store.c2d.next_ready("dev1", T0, 10)] == [kept.id]
    assert await store.c2d.depth("dev2") == 0


async def test_purge_empties_one_device_queue(store: Store) -> None:
    for _ in range(3):
        await store.c2d.enqueue(c2d(), 50)
    await store.c2d.enqueue(c2d("dev2"), 50)

    assert await store.c2d.purge("dev1") == 3
    assert await store.c2d.purge("dev1") == 0
    assert await store.c2d.depth("dev1") == 0
    assert await store.c2d.depth("dev2") == 1


def outcome(i: int, status: str = "Success") -> FeedbackRecord:
    return FeedbackRecord(f"m{i}", "dev1", "gen", status, "ok", T0 + i)


async def test_feedback_receive_locks_up_to_500_in_order(store: Store) -> None:
    await store.feedback.add([outcome(i) for i in range(501)])
    await store.feedback.add([])

    batch = await store.feedback.receive("t1", T0, 60)
    assert batch is not None
    assert (batch.lock_token, batch.enqueued_time) == ("t1", T0)
    assert batch.records == [outcome(i) for i in range(500)]
    rest = await store.feedback.receive("t2", T0, 60)
    assert rest is not None
    assert rest.records == [outcome(500)]
    assert await store.feedback.receive("t3", T0 + 59, 60) is None


async def test_feedback_complete_deletes_the_batch(store: Store) -> None:
    await store.feedback.add([outcome(1), outcome(2, "Rejected")])
    assert await store.feedback.receive("t1", T0, 60) is not None

    assert await store.feedback.complete("t1")
    assert not await store.feedback.complete("t1")
    assert await store.feedback.receive("t2", T0 + 600, 60) is None


async def test_feedback_abandon_makes_records_receivable(store: Store) -> None:
    await store.feedback.add([outcome(1)])
    await store.feedback.receive("t1", T0, 60)

    assert await store.feedback.abandon("t1")
    assert not await store.feedback.abandon("t1")
    again = await store.feedback.receive("t2", T0 + 1, 60)
    assert again is not None
    assert again.records == [outcome(1)]


async def test_feedback_lock_lapses(store: Store) -> None:
    await store.feedback.add([outcome(1)])
    await store.feedback.receive("t1", T0, 60)

    assert await store.feedback.receive("t2", T0 + 59.9, 60) is None
    later = await store.feedback.receive("t2", T0 + 60, 60)
    assert later is not None
    assert later.records == [outcome(1)]
    assert not await store.feedback.complete("t1")  # the lapsed token no longer holds them
    assert await store.feedback.complete("t2")
