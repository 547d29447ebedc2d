"""The NATS bus against the machine's real NATS server (127.0.0.1:4222, JetStream), each test
with its own subject and bucket prefix; the outage test runs a NATS server of its own."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from fleethub.bus.nats import NatsBus
from fleethub.hub.errors import ServiceUnavailable
from fleethub.hub.ports import BusMessage

NATS_URL = "nats://127.0.0.1:4222"
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


class Node:
    """A bus and what reached it."""

    def __init__(self, bus: NatsBus) -> None:
        self.bus = bus
        self.heard: list[BusMessage] = []

    async def on_broadcast(self, message: BusMessage) -> None:
        self.heard.append(message)

    async def on_request(self, message: BusMessage) -> BusMessage:
        return {"answer": message["question"] * 2, "by": self.bus.node_id}


async def started(url: str, node_id: str, prefix: str, ttl: float = 30.0) -> Node:
    node = Node(NatsBus(url, node_id, prefix, presence_ttl=ttl, lease_ttl=ttl))
    await node.bus.start(node.on_broadcast, node.on_request)
    return node


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def pair(prefix: str) -> AsyncIterator[tuple[Node, Node]]:
    a = await started(NATS_URL, "node-a:8443", prefix)
    b = await started(NATS_URL, "node-b:8443", prefix)
    yield a, b
    await a.bus.close()
    await b.bus.close()


async def eventually(check: object, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.05)


async def test_a_broadcast_reaches_the_other_nodes_and_not_the_sender(
    pair: tuple[Node, Node],
) -> None:
    a, b = pair
    await a.bus.broadcast({"kind": "desired", "device": "d1"})

    await eventually(lambda: b.heard)
    assert b.heard == [{"kind": "desired", "device": "d1"}]
    await asyncio.sleep(0.2)
    assert a.heard == []


async def test_a_request_is_answered_by_the_node_it_names(pair: tuple[Node, Node]) -> None:
    a, _ = pair
    answer = await a.bus.request("node-b:8443", {"question": 21}, within=5)

    assert answer == {"answer": 42, "by": "node-b:8443"}


async def test_a_request_to_a_node_that_is_gone_times_out(pair: tuple[Node, Node]) -> None:
    a, _ = pair
    with pytest.raises(TimeoutError):
        await a.bus.request("node-z:8443", {"question": 1}, within=1)


async def test_presence_names_the_node_holding_an_identity(pair: tuple[Node, Node]) -> None:
    a, b = pair
    first = await a.bus.claim("dev:1/mod 1")

    assert await b.bus.locate("dev:1/mod 1") == "node-a:8443"
    second = await b.bus.claim("dev:1/mod 1")
    assert second > first
    assert await a.bus.locate("dev:1/mod 1") == "node-b:8443"

    await a.bus.release("dev:1/mod 1")  # a no longer holds it: b's claim stays
    assert await a.bus.locate("dev:1/mod 1") == "node-b:8443"
    await b.bus.release("dev:1/mod 1")
    assert await a.bus.locate("dev:1/mod 1") is None


async def test_one_node_at_a_time_holds_a_lease(pair: tuple[Node, Node]) -> None:
    a, b = pair
    assert await a.bus.lease("configurations")
    assert not await b.bus.lease("configurations")
    assert await a.bus.lease("configurations")  # renewed by its holder


async def test_a_dead_nodes_presence_and_lease_lapse(prefix: str) -> None:
    a = await started(NATS_URL, "node-a:1", prefix, ttl=1.5)
    b = await started(NATS_URL, "node-b:1", prefix, ttl=1.5)
    try:
        await a.bus.claim("dev1")
        assert await a.bus.lease("jobs")
        assert a.bus._renewer is not None
        a.bus._renewer.cancel()  # a hangs: it stops renewing without saying goodbye

        await asyncio.sleep(2.5)
        assert await b.bus.locate("dev1") is None
        assert await b.bus.lease("jobs")
    finally:
        await a.bus.close()
        await b.bus.close()


async def test_a_live_node_keeps_its_presence_past_the_ttl(prefix: str) -> None:
    a = await started(NATS_URL, "node-a:1", prefix, ttl=1.5)
    try:
        await a.bus.claim("dev1")
        await asyncio.sleep(2.5)
        assert await a.bus.locate("dev1") == "node-a:1"
        assert [n["node_id"] for n in await a.bus.nodes()] == ["node-a:1"]
    finally:
        await a.bus.close()


async def test_a_node_that_was_taken_over_does_not_renew_over_the_newer_claim(
    prefix: str,
) -> None:
    """Between a takeover and the old node letting go, the old node's renewals must not put
    its name back: it would then delete the entry and leave the identity held by no one."""
    a = await started(NATS_URL, "node-a:1", prefix, ttl=1.5)
    b = await started(NATS_URL, "node-b:1", prefix, ttl=1.5)
    try:
        await a.bus.claim("dev1")
        await b.bus.claim("dev1")  # the device reconnected through b

        await asyncio.sleep(1.2)  # a and b each renew twice (every ttl / 3)
        assert await a.bus.locate("dev1") == "node-b:1"
        await a.bus.release("dev1")
        assert await a.bus.locate("dev1") == "node-b:1"
    finally:
        await a.bus.close()
        await b.bus.close()


async def test_a_presence_that_lapsed_while_its_node_lived_is_written_again(
    prefix: str,
) -> None:
    a = await started(NATS_URL, "node-a:1", prefix, ttl=1.5)
    try:
        await a.bus.claim("dev1")
        renewer = a.bus._renewer
        assert renewer is not None
        renewer.cancel()  # as if NATS were away for longer than the TTL
        await asyncio.sleep(2.5)
        assert await a.bus.locate("dev1") is None

        a.bus._renewer = asyncio.create_task(a.bus._renew_forever())
        await eventually(lambda: a.bus._held.get("dev1", ("", 0))[1] > 1, 3.0)
        assert await a.bus.locate("dev1") == "node-a:1"
    finally:
        await a.bus.close()


# --- outages: a NATS server of this test's own, stopped and started again -------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class OwnNats:
    def __init__(self, store_dir: Path) -> None:
        self.port = free_port()
        self.store_dir = store_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js"]
        command += ["-sd", str(self.store_dir)]
        self.process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            subprocess.run(["sleep", "0.05"], check=True)
        raise RuntimeError("nats-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[OwnNats]:
    server = OwnNats(tmp_path / "jetstream")
    server.start()
    yield server
    server.stop()


async def test_a_nats_outage_refuses_work_clearly_and_recovers_alone(
    own_nats: OwnNats, prefix: str
) -> None:
    node = await started(own_nats.url, "node-a:1", prefix)
    try:
        assert await node.bus.ping()
        own_nats.stop()
        await eventually(lambda: not node.bus._nc or not node.bus._nc.is_connected)

        assert not await node.bus.ping()
        with pytest.raises(ServiceUnavailable, match="NATS"):
            await node.bus.claim("dev1")

        own_nats.start()  # same port, same JetStream store: buckets survive
        for _ in range(200):
            if await node.bus.ping():
                break
            await asyncio.sleep(0.1)
        assert await node.bus.ping()
        await node.bus.claim("dev1")
        assert await node.bus.locate("dev1") == "node-a:1"
    finally:
        await node.bus.close()


async def test_a_node_cannot_start_without_nats() -> None:
    bus = NatsBus(f"nats://127.0.0.1:{free_port()}", "node-a:1", "x")

    async def ignore(message: BusMessage) -> None:
        return None

    async def answer(message: BusMessage) -> BusMessage:
        return {}

    with pytest.raises(ServiceUnavailable, match="Cannot reach NATS"):
        await bus.start(ignore, answer)
