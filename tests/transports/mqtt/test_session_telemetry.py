"""QoS 1 telemetry through a Session on a real hub and store: PUBACK only after the commit,
in PUBLISH order across group commits, whichever admission path each message took
([MQTT-4.6.0-2]; docs/design/mqtt.md, "QoS 1 telemetry")."""

from __future__ import annotations

import asyncio
import struct
from datetime import UTC, datetime

from fleethub.hub.auth.devices import DeviceLogin
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import D2CRecord
from fleethub.hub.messaging.telemetry import Telemetry
from fleethub.hub.registry.device import Identity
from fleethub.store import Store
from fleethub.store.schema import messages
from fleethub.store.telemetry import SqlTelemetryLog
from fleethub.transports.mqtt.codec import encode_publish
from fleethub.transports.mqtt.device_calls import DeviceCalls
from fleethub.transports.mqtt.session import Session

TOPIC = "devices/dev/messages/events/"


class Socket:
    """The session's transport: records what it writes and whether it was closed."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.changed = asyncio.Event()

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self.changed.set()

    def close(self) -> None:
        self.closed = True
        self.changed.set()

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    @property
    def acked(self) -> list[int]:
        """Packet ids of the PUBACKs written so far (each is 40 02 id-msb id-lsb)."""
        data = b"".join(self.writes)
        return [struct.unpack_from("!H", data, i + 2)[0] for i in range(0, len(data), 4)]


def connected(hub: Hub, store: Store, socket: Socket) -> Session:
    session = Session(DeviceCalls(hub, store.sessions), socket)
    identity = Identity("dev", None, "gen", datetime.now(UTC))
    session.login = DeviceLogin(SYSTEM, identity, "sas", None)
    session.device_id = "dev"
    return session


def publish(packet_id: int, topic: str = TOPIC, dup: bool = False) -> bytes:
    return encode_publish(topic, b'{"n": %d}' % packet_id, 1, packet_id, dup=dup)


async def acked(socket: Socket, count: int) -> list[int]:
    async with asyncio.timeout(10):
        while len(socket.acked) < count and not socket.closed:
            socket.changed.clear()
            await socket.changed.wait()
    return socket.acked


async def test_pubacks_follow_publish_order_across_batches(hub: Hub, store: Store) -> None:
    seen: list[D2CRecord] = []
    hub.telemetry.subscribe(SYSTEM, seen.append)
    socket = Socket()
    session = connected(hub, store, socket)
    session.data_received(publish(1))  # looks the device's model up: the coroutine path
    assert await acked(socket, 1) == [1]

    session.data_received(publish(2) + publish(3))
    assert store.telemetry.writer.queued == 2  # offered straight to the writer
    await asyncio.sleep(0)  # the writer takes 2 and 3; 4 and 5 wait for the next batch
    session.data_received(publish(4) + publish(5))
    # A resend with a message id needs `contains` (coroutine path), and 7 follows it there.
    session.data_received(publish(6, TOPIC + "%24.mid=m6", dup=True) + publish(7))
    await asyncio.sleep(0)
    session.data_received(publish(8))
    assert await acked(socket, 8) == list(range(1, 9))
    session.data_received(publish(9) + publish(10))
    assert await acked(socket, 10) == list(range(1, 11))

    assert not socket.closed
    assert len(socket.writes) < 10  # PUBACKs of one commit leave in one write
    assert store.telemetry.writer.batches > 3
    stored = await store.telemetry.read("dev", None, None, None, 100)
    assert sorted(r.message.body for r in stored) == sorted(b'{"n": %d}' % i for i in range(1, 11))
    assert [(r.sequence_number, r.message.body) for r in seen] == [
        (r.sequence_number, r.message.body) for r in stored
    ]


async def test_a_full_queue_falls_back_and_keeps_order(hub: Hub, store: Store) -> None:
    small = SqlTelemetryLog(store.db, max_queued=3)
    small.start()
    telemetry = Telemetry(small, store.identities, hub.clock)
    telemetry.verdict = hub.conformance.verdict
    telemetry.cached_verdict = hub.conformance.cached_verdict
    hub.telemetry = telemetry
    socket = Socket()
    session = connected(hub, store, socket)
    session.data_received(publish(1))
    assert await acked(socket, 1) == [1]

    session.data_received(b"".join(publish(i) for i in range(2, 22)))
    assert small.writer.queued == 3  # three offered; the other 17 wait for room in tasks

    assert await acked(socket, 21) == list(range(1, 22))
    assert len(await small.read("dev", None, None, None, 100)) == 21
    await small.close()


async def test_a_failed_commit_disconnects_without_a_puback(hub: Hub, store: Store) -> None:
    socket = Socket()
    session = connected(hub, store, socket)
    session.data_received(publish(1))
    assert await acked(socket, 1) == [1]
    async with store.db.write() as conn:
        await conn.run_sync(messages.drop)  # every later batch fails

    session.data_received(publish(2))
    assert store.telemetry.writer.queued == 1  # offered, not a task
    await acked(socket, 2)
    assert socket.closed
    assert socket.acked == [1]
