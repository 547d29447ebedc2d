"""The telemetry log on SQLite and PostgreSQL: round trip, read filters, retention, outages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fleethub.hub.errors import ServiceUnavailable
from fleethub.hub.messaging.message import D2CRecord, Message
from fleethub.store import Store
from fleethub.store.schema import messages
from fleethub.store.telemetry import SqlTelemetryLog

T0 = 1_700_000_000.123456


def record(device_id: str, at: float, body: bytes = b"{}") -> D2CRecord:
    return D2CRecord(device_id, None, at, Message(body))


async def append_all(store: Store, records: list[D2CRecord]) -> list[D2CRecord]:
    for r in records:
        await store.telemetry.append(r)
    return records


async def test_a_record_comes_back_as_it_went_in(store: Store) -> None:
    message = Message(
        body=b'{"temperature": 21.5}\x00\xff',
        properties={"alert": "high", "ünï": "côdé"},
        message_id="m-1",
        correlation_id="c-1",
        user_id="u",
        content_type="application/json",
        content_encoding="utf-8",
        expiry_time_utc="2030-01-01T00:00:00Z",
        output_name="out1",
        interface_id="urn:azureiot:ModelDiscovery:1",
        component="thermostat1",
    )
    sent = D2CRecord("dev1", "mod1", T0, message, "x509", "twinChangeEvents", "invalid: x")
    await store.telemetry.append(sent)
    plain = D2CRecord("dev2", None, T0 + 1, Message(b""))
    await store.telemetry.append(plain)

    assert sent.sequence_number > 0
    assert plain.sequence_number > sent.sequence_number
    assert await store.telemetry.read(None, None, None, None, 10) == [sent, plain]


async def test_read_filters_by_device_time_and_sequence(store: Store) -> None:
    records = await append_all(
        store, [record("a" if i % 2 else "b", T0 + i, str(i).encode()) for i in range(10)]
    )
    log = store.telemetry

    assert [r.message.body for r in await log.read("a", None, None, None, 100)] == [
        b"1",
        b"3",
        b"5",
        b"7",
        b"9",
    ]
    # since is inclusive, until exclusive
    assert [r.message.body for r in await log.read(None, T0 + 2, T0 + 5, None, 100)] == [
        b"2",
        b"3",
        b"4",
    ]
    after = records[6].sequence_number
    assert [r.message.body for r in await log.read(None, None, None, after, 100)] == [
        b"7",
        b"8",
        b"9",
    ]
    assert [r.message.body for r in await log.read("b", T0 + 1, None, after, 100)] == [b"8"]
    assert [r.message.body for r in await log.read(None, None, None, None, 3)] == [
        b"0",
        b"1",
        b"2",
    ]
    assert await log.read("nobody", None, None, None, 100) == []


async def test_prune_deletes_older_records_in_chunks(store: Store) -> None:
    await append_all(store, [record("a", T0 + i, str(i).encode()) for i in range(12)])
    pruner = SqlTelemetryLog(store.db, prune_chunk=5)  # appends are not needed to prune

    assert await pruner.prune(T0 + 11) == 11
    assert [r.message.body for r in await store.telemetry.read(None, None, None, None, 100)] == [
        b"11"
    ]
    assert await pruner.prune(T0) == 0


async def test_prune_stops_after_max_rows_and_the_next_call_goes_on(store: Store) -> None:
    """A housekeeping pass prunes a bounded number of rows, whole chunks at a time."""
    await append_all(store, [record("a", T0 + i) for i in range(12)])
    pruner = SqlTelemetryLog(store.db, prune_chunk=4)

    assert await pruner.prune(T0 + 100, max_rows=5) == 8  # two chunks of 4 reach 5
    assert await pruner.prune(T0 + 100, max_rows=5) == 4
    assert await store.telemetry.read(None, None, None, None, 100) == []


async def test_sequence_numbers_are_never_reused_after_prune(store: Store) -> None:
    first = await append_all(store, [record("a", T0 + i) for i in range(3)])
    await store.telemetry.prune(T0 + 100)
    (again,) = await append_all(store, [record("a", T0 + 200)])

    assert again.sequence_number > first[-1].sequence_number


async def test_an_outage_is_service_unavailable_and_the_writer_recovers(store: Store) -> None:
    await append_all(store, [record("a", T0)])
    async with store.db.write() as conn:
        await conn.run_sync(lambda c: messages.drop(c))

    lost = record("a", T0 + 1)
    with pytest.raises(ServiceUnavailable):
        await store.telemetry.append(lost)
    assert lost.sequence_number == 0
    with pytest.raises(ServiceUnavailable):
        await store.telemetry.read(None, None, None, None, 10)

    async with store.db.write() as conn:
        await conn.run_sync(lambda c: messages.create(c))
    (back,) = await append_all(store, [record("a", T0 + 2)])
    assert back.sequence_number > 0
    assert await store.telemetry.read(None, None, None, None, 10) == [back]


async def test_columns_hold_what_storage_md_says(store: Store) -> None:
    await append_all(store, [D2CRecord("d", None, T0, Message(b"x", content_type="a/b"))])
    async with store.db.read() as conn:
        row = (await conn.execute(sa.select(messages))).one()._mapping
    assert row["module_id"] == ""
    assert row["enqueued_time"] == T0
    assert row["system"] == {"content_type": "a/b"}
