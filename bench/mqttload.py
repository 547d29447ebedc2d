"""A lean MQTT load generator on fleethub's own codec: N connections, M QoS 1 publishes each.

Not the device SDK (one thread per client would measure the SDK, not the hub): one asyncio
Protocol per connection, PUBACK latency per message. Closed loop by default (a small window of
in-flight publishes per connection); with `rate`, open loop: publishes go out on a fixed
schedule whatever the acknowledgements do, round robin over the connections, and latency is
counted from each message's scheduled time, so a stalled hub cannot hide its queueing
(no coordinated omission).

`answer_methods` turns a connected client into a direct-method responder (bench/methods.py):
it SUBSCRIBEs to `$iothub/methods/POST/#` and answers each request on the spot, from
`data_received`, with `$iothub/methods/res/200/?$rid={rid}` (QoS 1, as the device SDKs send it)
and the body `{"device": "<id>", "echo": <request payload>}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from OpenSSL import SSL

from bench import tls_client
from fleethub.transports.mqtt.codec import Decoder, encode, encode_publish
from fleethub.transports.mqtt.packets import (
    SUBACK_FAILURE,
    Connack,
    Connect,
    Puback,
    Publish,
    Suback,
    Subscribe,
)

METHODS_FILTER = "$iothub/methods/POST/#"
_METHOD_REQUEST = "$iothub/methods/POST/"

#: The stdlib's context, or pyOpenSSL's for bench/tls_client.py.
TlsContext = ssl.SSLContext | SSL.Context


@dataclass
class Results:
    connect_seconds: float = 0.0
    connected: int = 0
    refused: int = 0
    latencies: list[float] = field(default_factory=list)
    publish_seconds: float = 0.0


class _Client(asyncio.Protocol):
    def __init__(self) -> None:
        self.decoder = Decoder()
        self.transport: asyncio.Transport | None = None
        self.connack: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.sent: dict[int, float] = {}
        self.window = asyncio.Event()
        self.done = asyncio.Event()
        self.latencies: list[float] = []
        self.limit = 10
        self.expected = 0
        self.suback: asyncio.Future[tuple[int, ...]] = asyncio.get_running_loop().create_future()
        self.method_prefix: bytes | None = None  # set by answer_methods
        self.client_id = ""
        self.next_id = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        for packet in self.decoder.feed(data):
            if isinstance(packet, Connack) and not self.connack.done():
                self.connack.set_result(packet.return_code)
            elif type(packet) is Puback:
                started = self.sent.pop(packet.packet_id, None)
                if started is not None:
                    self.latencies.append(now - started)
                if len(self.sent) < self.limit:
                    self.window.set()
                if len(self.latencies) >= self.expected:
                    self.done.set()
            elif type(packet) is Publish and self.method_prefix is not None:
                self._answer_method(packet)
            elif type(packet) is Suback and not self.suback.done():
                self.suback.set_result(packet.return_codes)

    def _answer_method(self, packet: Publish) -> None:
        topic = packet.topic
        if not topic.startswith(_METHOD_REQUEST) or self.transport is None:
            return
        rid = topic[topic.index("?$rid=") + 6 :].split("&", 1)[0]
        self.next_id = self.next_id % 65535 + 1
        body = b"".join((self.method_prefix or b"", packet.payload or b"null", b"}"))
        self.transport.write(
            encode_publish(f"$iothub/methods/res/200/?$rid={rid}", body, 1, self.next_id)
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.connack.done():
            self.connack.set_result(-1)
        if not self.suback.done():
            self.suback.set_result((SUBACK_FAILURE,))
        self.window.set()
        self.done.set()


async def open_connection(
    host: str, port: int, tls: TlsContext | None, client_id: str, username: str, password: str
) -> _Client | None:
    """Connect and send CONNECT; the client once CONNACK accepts, else None. A pyOpenSSL
    context takes bench/tls_client.py (OpenSSL 3.5, a cheaper handshake than the stdlib's)."""
    loop = asyncio.get_running_loop()
    client: _Client
    if isinstance(tls, SSL.Context):
        client = await tls_client.open_tls(_Client, host, port, tls)  # type: ignore[assignment]
    else:
        _, client = await loop.create_connection(
            _Client, host, port, ssl=tls, server_hostname="localhost" if tls else None
        )
    assert client.transport is not None
    client.client_id = client_id
    connect = Connect(client_id, 60, False, username, password.encode() if password else None)
    client.transport.write(encode(connect))
    return client if await client.connack == 0 else None


async def answer_methods(client: _Client) -> bool:
    """Subscribe to direct methods and answer every request at once; False if refused."""
    assert client.transport is not None
    client.method_prefix = b'{"device": "' + client.client_id.encode() + b'", "echo": '
    client.transport.write(encode(Subscribe(1, ((METHODS_FILTER, 0),))))
    return SUBACK_FAILURE not in await client.suback


async def connect_many(
    host: str,
    port: int,
    tls: TlsContext | None,
    credentials: Callable[[int], tuple[str, str, str, str]],
    devices: int,
    concurrency: int = 200,
) -> tuple[list[tuple[_Client, str]], int]:
    """Connect `devices` clients, `concurrency` at a time: ([(client, topic)], refused)."""
    clients: list[tuple[_Client, str]] = []
    refused = 0
    gate = asyncio.Semaphore(concurrency)

    async def connect(i: int) -> None:
        nonlocal refused
        client_id, username, password, topic = credentials(i)
        async with gate:
            try:
                client = await open_connection(host, port, tls, client_id, username, password)
            except OSError:
                client = None
        if client is None:
            refused += 1
        else:
            clients.append((client, topic))

    await asyncio.gather(*(connect(i) for i in range(devices)))
    return clients, refused


async def publish_all(client: _Client, topic: str, body: bytes, count: int, window: int) -> None:
    client.limit, client.expected = window, count
    assert client.transport is not None
    for n in range(count):
        while len(client.sent) >= window:
            client.window.clear()
            await client.window.wait()
            if client.transport.is_closing():
                return
        packet_id = n % 65535 + 1
        client.sent[packet_id] = time.perf_counter()
        client.transport.write(encode_publish(topic, body, 1, packet_id))
    await client.done.wait()


#: uvloop's timers tick in milliseconds: a shorter sleep returns at once, and a loop that slept
#: until each message's due time spun (23 wake-ups per message at 5,000/s, the generator's
#: whole core).
_TICK = 0.001


async def publish_at_rate(
    clients: list[tuple[_Client, str]], body: bytes, total: int, rate: float
) -> None:
    """Open loop: message k is due at start + k / rate, sent on connection k mod N. Each tick
    sends what falls due before the next one; a message sent late is timed from its due time
    (lateness counts as latency), one sent early from when it was sent."""
    count = len(clients)
    for i, (client, _) in enumerate(clients):
        client.expected = total // count + (1 if i < total % count else 0)
        client.limit = 1 << 30
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = 0
    while sent < total:
        now = loop.time()
        stamp = time.perf_counter()
        due = min(total, int((now + _TICK - start) * rate) + 1)
        while sent < due:
            client, topic = clients[sent % count]
            if client.transport is not None and not client.transport.is_closing():
                packet_id = sent // count % 65535 + 1
                client.sent[packet_id] = min(stamp, stamp - (now - start - sent / rate))
                client.transport.write(encode_publish(topic, body, 1, packet_id))
            sent += 1
        await asyncio.sleep(_TICK)
    await asyncio.gather(*(c.done.wait() for c, _ in clients if c.expected))


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in the generator while it times messages: a full collection over
    a thousand TLS clients paused it for tens of milliseconds every few seconds, and the PUBACKs
    it read late showed up as the hub's tail (TLS p99 at 5,000 msgs/s: 26-72 ms with the
    collector, 7.6 ms without). Publishing makes no reference cycles worth collecting."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def run(
    host: str,
    port: int,
    tls: TlsContext | None,
    credentials: Callable[[int], tuple[str, str, str, str]],
    devices: int,
    messages: int,
    window: int = 10,
    concurrency: int = 200,
    hold: Callable[[], object] | None = None,
    rate: float | None = None,
) -> Results:
    """Connect `devices` clients (`credentials(i)` → client id, username, password, topic),
    then publish `messages` from each; `hold` runs while all are connected and idle. With
    `rate` (messages/s over all clients) the publishing is open loop instead."""
    results = Results()
    table = [credentials(i) for i in range(devices)]  # tokens signed before the clock starts
    started = time.perf_counter()
    clients, results.refused = await connect_many(
        host, port, tls, table.__getitem__, devices, concurrency
    )
    results.connect_seconds = time.perf_counter() - started
    results.connected = len(clients)
    if hold is not None:
        hold()
    body = b'{"temperature": 21.5, "humidity": 40.2, "pressure": 1013.2, "status": "ok", ' + (
        b'"padding": "' + b"x" * 110 + b'"}'
    )
    started = time.perf_counter()
    with collector_paused():
        if rate:
            await publish_at_rate(clients, body, messages * len(clients), rate)
        else:
            await asyncio.gather(*(publish_all(c, t, body, messages, window) for c, t in clients))
    results.publish_seconds = time.perf_counter() - started
    for client, _ in clients:
        results.latencies.extend(client.latencies)
        if client.transport is not None:
            client.transport.close()
    return results
