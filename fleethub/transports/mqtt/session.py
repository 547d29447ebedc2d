"""One MQTT connection with Azure IoT Hub semantics, whatever carries its bytes.

CONNECT authentication, persistent subscriptions, keep-alive and token expiry, then each
PUBLISH/SUBSCRIBE mapped onto hub calls. Design notes: docs/design/mqtt.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import orjson

from fleethub.hub.auth.devices import ClientCertificate, DeviceLogin
from fleethub.hub.errors import HubError, Unauthorized
from fleethub.transports.mqtt import topics
from fleethub.transports.mqtt.codec import (
    DEFAULT_MAX_PACKET_SIZE,
    Decoder,
    encode,
    encode_puback,
    encode_publish,
)
from fleethub.transports.mqtt.device_calls import DeviceCalls
from fleethub.transports.mqtt.packets import (
    Connack,
    ConnackCode,
    Connect,
    Disconnect,
    Packet,
    Pingreq,
    ProtocolError,
    Puback,
    Publish,
    Suback,
    Subscribe,
    Unsuback,
    Unsubscribe,
    UnsupportedProtocolLevel,
)

log = logging.getLogger(__name__)

PINGRESP = b"\xd0\x00"
MAX_INFLIGHT = 128
"""Unacknowledged QoS 1 telemetry per connection before reading pauses (back-pressure)."""
MAX_C2D_INFLIGHT = 16


class ByteTransport(Protocol):
    """What a session needs from whatever carries its bytes (TLS socket, WebSocket)."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


class _Ack:
    """One QoS 1 telemetry PUBLISH waiting for its commit before its PUBACK may go out."""

    __slots__ = ("error", "packet_id", "session", "settled", "task")

    def __init__(self, session: Session, packet_id: int) -> None:
        self.session = session
        self.packet_id = packet_id
        self.settled = False
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None  # the loop holds tasks only weakly

    def settle(self, error: BaseException | None) -> None:
        """Called by the group commit (offered) or by the ingest task's end (fallback)."""
        self.settled = True
        self.error = error
        self.session._ack_ready()

    def task_done(self, task: asyncio.Task[None]) -> None:
        self.session._slow -= 1
        self.settle(asyncio.CancelledError() if task.cancelled() else task.exception())


class Session:
    """Implements the hub's DeviceLink for one connected device or module."""

    def __init__(
        self,
        calls: DeviceCalls,
        transport: ByteTransport,
        certificate: ClientCertificate | None = None,
        max_packet_size: int = DEFAULT_MAX_PACKET_SIZE,
    ) -> None:
        self.calls = calls
        self.transport = transport
        self.certificate = certificate
        self.device_id = ""
        self.module_id: str | None = None
        self.login: DeviceLogin | None = None
        self.client_id = ""
        self.filters: list[str] = []
        self._decoder = Decoder(max_packet_size)
        self._early: list[Packet] | None = None  # packets that arrived before CONNACK
        self._acks: deque[_Ack] = deque()
        self._flush_due = False
        self._slow = 0  # QoS 1 telemetry on the coroutine path, not yet settled
        self._paused = False
        self._throttled = False
        self._tokens = calls.max_rate
        self._refilled = asyncio.get_running_loop().time()
        self._closed = False
        self._next_id = 0
        self._c2d_inflight: dict[int, str] = {}
        self._c2d_running = False
        self._timers: list[asyncio.TimerHandle] = []
        self._keep_alive = 0.0
        self._last_seen = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop = asyncio.get_running_loop()

    # --- bytes in ---------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return
        self._last_seen = self._loop.time()
        try:
            packets = self._decoder.feed(data)
        except UnsupportedProtocolLevel:
            self._refuse(ConnackCode.UNACCEPTABLE_PROTOCOL_VERSION)
            return
        except ProtocolError as error:
            self._violation(str(error))
            return
        for packet in packets:
            if self._closed:
                return
            self._dispatch(packet)

    def _dispatch(self, packet: Packet) -> None:
        if self._early is not None:
            self._early.append(packet)
        elif type(packet) is Publish:
            self._on_publish(packet)
        elif type(packet) is Puback:
            self._on_puback(packet.packet_id)
        elif type(packet) is Pingreq:
            self.transport.write(PINGRESP)
        elif type(packet) is Subscribe:
            self._spawn(self._on_subscribe(packet))
        elif type(packet) is Unsubscribe:
            self._on_unsubscribe(packet)
        elif type(packet) is Disconnect:
            self._shutdown()
        elif type(packet) is Connect:
            if self.login is None and not self.client_id:
                self._early = []
                self._spawn(self._on_connect(packet))
            else:
                self._violation("[MQTT-3.1.0-2] a second CONNECT")
        else:
            self._violation(f"unexpected {type(packet).__name__}")

    # --- CONNECT ----------------------------------------------------------------------------

    async def _on_connect(self, packet: Connect) -> None:
        self.client_id = packet.client_id
        try:
            login = await self.calls.authenticate(packet, self.certificate)
        except Unauthorized as error:
            log.info("refused %r: %s", packet.client_id[:140], error.message)
            self._refuse(ConnackCode.NOT_AUTHORIZED)
            return
        except HubError as error:
            log.warning("cannot authenticate %r: %s", packet.client_id[:140], error.message)
            self._refuse(ConnackCode.SERVER_UNAVAILABLE)
            return
        if self._closed:
            return
        self.login = login
        self.device_id = login.identity.device_id
        self.module_id = login.identity.module_id
        try:
            claim = await self.calls.reserve(self)
        except HubError as error:
            log.warning("cannot accept %r: %s", packet.client_id[:140], error.message)
            self._refuse(ConnackCode.SERVER_UNAVAILABLE)
            return
        stored = await self.calls.open_session(self.client_id, packet.clean_session)
        self.filters = stored or []
        self.transport.write(encode(Connack(stored is not None, ConnackCode.ACCEPTED)))
        self._arm_timers(packet.keep_alive, login.expires_at)
        await self.calls.attach(self, claim)
        early, self._early = self._early or [], None
        for queued in early:
            self._dispatch(queued)
        if self._subscribed(topics.c2d_filter(self.device_id)):
            self.wake_c2d()

    def _refuse(self, code: int) -> None:
        self.transport.write(encode(Connack(False, code)))
        self._shutdown()

    def _arm_timers(self, keep_alive: int, expires_at: float | None) -> None:
        if keep_alive:
            # [MQTT-3.1.2-24]: no packet within 1.5 x keep-alive means the client is gone.
            self._keep_alive = keep_alive * 1.5
            self._timers.append(self._loop.call_later(self._keep_alive, self._check_alive))
        if expires_at is not None:
            delay = max(0.0, expires_at - self.calls.now())
            self._timers.append(self._loop.call_later(delay, self.close, "the SAS token expired"))

    def _check_alive(self) -> None:
        idle = self._loop.time() - self._last_seen
        if idle >= self._keep_alive:
            self.close("keep-alive timeout")
        else:
            self._timers.append(self._loop.call_later(self._keep_alive - idle, self._check_alive))

    # --- PUBLISH from the device ------------------------------------------------------------

    def _on_publish(self, packet: Publish) -> None:
        if packet.qos > 1:
            self._violation("IoT Hub does not support QoS 2")
            return
        try:
            parsed = topics.parse_device_topic(packet.topic, self.device_id, self.module_id)
            if type(parsed) is topics.Telemetry:
                topics.check_telemetry_size(parsed, len(packet.payload))
        except ProtocolError as error:
            self._violation(str(error))
            return
        if type(parsed) is topics.Telemetry:
            self._telemetry(packet, parsed)
            return
        if packet.qos:
            self.transport.write(encode_puback(packet.packet_id or 0))
        if type(parsed) is topics.TwinGet:
            self._spawn(self._twin_get(parsed.rid))
        elif type(parsed) is topics.TwinPatchReported:
            self._spawn(self._twin_patch(parsed.rid, packet.payload))
        elif type(parsed) is topics.MethodResponse:
            self.calls.method_response(self, parsed.rid, parsed.status, packet.payload)

    def _telemetry(self, packet: Publish, parsed: topics.Telemetry) -> None:
        self._throttle()
        calls = self.calls
        if not packet.qos:
            self._spawn(calls.ingest(self, parsed.system, parsed.application, packet.payload))
            return
        ack = _Ack(self, packet.packet_id or 0)
        self._acks.append(ack)
        # Admitted straight into the group commit when nothing needs awaiting: no task,
        # coroutine or future per message (docs/design/mqtt.md, "QoS 1 telemetry"). Not while
        # an earlier message is on the coroutine path, so none overtakes it into the log.
        if self._slow or not calls.offer(
            self, parsed.system, parsed.application, packet.payload, packet.dup, ack.settle
        ):
            work = calls.ingest(
                self, parsed.system, parsed.application, packet.payload, resent=packet.dup
            )
            self._slow += 1
            ack.task = self._loop.create_task(work)
            ack.task.add_done_callback(ack.task_done)
        if len(self._acks) >= MAX_INFLIGHT and not self._paused:
            self._paused = True
            self.transport.pause_reading()

    def _throttle(self) -> None:
        """Per-device message rate (a token bucket holding one second's worth): past it the
        hub stops reading this socket for as long as the excess takes, never drops."""
        rate = self.calls.max_rate
        if not rate:
            return
        now = self._loop.time()
        self._tokens = min(rate, self._tokens + (now - self._refilled) * rate) - 1
        self._refilled = now
        if self._tokens < 0 and not self._throttled:
            self._throttled = True
            self.transport.pause_reading()
            self._timers.append(self._loop.call_later(-self._tokens / rate, self._unthrottle))

    def _unthrottle(self) -> None:
        self._throttled = False
        if not self._paused and not self._closed:
            self.transport.resume_reading()

    def _ack_ready(self) -> None:
        # One flush per session per batch: a commit settles all of its messages in one go
        # and the flush runs after it, so a run of PUBACKs leaves in one write.
        if not self._flush_due:
            self._flush_due = True
            self._loop.call_soon(self._flush_acks)

    def _flush_acks(self) -> None:
        # PUBACKs go out in the order the PUBLISHes came in ([MQTT-4.6.0-2]), several in one
        # write (one TLS record) when a group commit acknowledges a run of them at once.
        self._flush_due = False
        acks = self._acks
        ready: list[bytes] = []
        while acks and acks[0].settled:
            ack = acks.popleft()
            if ack.error is not None:
                if not self._closed:
                    log.warning("telemetry from %s not stored; closing", self.device_id)
                    self.close("telemetry could not be stored")
                continue
            ready.append(encode_puback(ack.packet_id))
        if ready and not self._closed:
            self.transport.write(b"".join(ready))
        if self._paused and len(acks) < MAX_INFLIGHT // 2 and not self._closed:
            self._paused = False
            if not self._throttled:
                self.transport.resume_reading()

    async def _twin_get(self, rid: str) -> None:
        status, body = await self.calls.twin_document(self)
        self._publish(topics.twin_response_topic(status, rid), body)

    async def _twin_patch(self, rid: str, payload: bytes) -> None:
        status, version = await self.calls.patch_reported(self, payload)
        self._publish(topics.twin_response_topic(status, rid, version), b"")

    # --- SUBSCRIBE --------------------------------------------------------------------------

    async def _on_subscribe(self, packet: Subscribe) -> None:
        granted: list[int] = []
        for topic_filter, qos in packet.filters:
            if not topics.subscription_allowed(topic_filter, self.device_id, self.module_id):
                self._violation(f"subscribing to {topic_filter!r} is not allowed")
                return
            if topic_filter not in self.filters:
                self.filters.append(topic_filter)
            granted.append(min(qos, 1))
        await self.calls.save_subscriptions(self)
        self.transport.write(encode(Suback(packet.packet_id, tuple(granted))))
        if self._subscribed(topics.c2d_filter(self.device_id)):
            self.wake_c2d()

    def _on_unsubscribe(self, packet: Unsubscribe) -> None:
        self.filters = [f for f in self.filters if f not in packet.filters]
        self._spawn(self.calls.save_subscriptions(self))
        self.transport.write(encode(Unsuback(packet.packet_id)))

    def _subscribed(self, topic: str) -> bool:
        return any(topics.topic_matches(f, topic) for f in self.filters)

    # --- hub → device (DeviceLink) ------------------------------------------------------------

    def send_desired(self, patch: dict[str, Any]) -> None:
        topic = topics.desired_patch_topic(int(patch.get("$version", 0)))
        if self._subscribed(topic):
            self._publish(topic, orjson.dumps(patch))

    def send_method(self, request_id: str, name: str, payload: bytes) -> bool:
        topic = topics.method_request_topic(name, request_id)
        if self._closed or not self._subscribed(topic):
            return False
        self._publish(topic, payload)
        return True

    def wake_c2d(self) -> None:
        if self._closed or self._c2d_running or self.module_id is not None:
            return
        if not self._subscribed(topics.c2d_filter(self.device_id)):
            return
        self._c2d_running = True
        self._spawn(self._deliver_c2d())

    async def _deliver_c2d(self) -> None:
        try:
            room = MAX_C2D_INFLIGHT - len(self._c2d_inflight)
            while room > 0 and not self._closed:
                batch = await self.calls.take_c2d(self, room)
                if not batch or self._closed:
                    return
                for lock_token, topic, body in batch:
                    packet_id = self._packet_id()
                    self._c2d_inflight[packet_id] = lock_token
                    self.transport.write(encode_publish(topic, body, 1, packet_id))
                room = MAX_C2D_INFLIGHT - len(self._c2d_inflight)
        finally:
            self._c2d_running = False

    def _on_puback(self, packet_id: int) -> None:
        lock_token = self._c2d_inflight.pop(packet_id, None)
        if lock_token is not None:
            self._spawn(self._complete_c2d(lock_token))

    async def _complete_c2d(self, lock_token: str) -> None:
        await self.calls.complete_c2d(self, lock_token)
        self.wake_c2d()

    def _publish(self, topic: str, body: bytes) -> None:
        if not self._closed:
            self.transport.write(encode_publish(topic, body))

    def _packet_id(self) -> int:
        while True:
            self._next_id = self._next_id % 0xFFFF + 1
            if self._next_id not in self._c2d_inflight:
                return self._next_id

    # --- closing ------------------------------------------------------------------------------

    def _violation(self, reason: str) -> None:
        log.info("closing %s: %s", self.client_id[:140] or "a client", reason)
        self._shutdown()

    def close(self, reason: str) -> None:
        if not self._closed:
            log.info("closing %s: %s", self.client_id[:140], reason)
            self._shutdown()

    def _shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.transport.close()
        self.connection_lost()

    def connection_lost(self) -> None:
        """The transport is gone: stop timers, hand back unacknowledged C2D messages."""
        self._closed = True
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        if self.login is not None:
            self.calls.detach(self, list(self._c2d_inflight.values()))
            self._c2d_inflight.clear()
            self.login = None

    def _spawn(self, coroutine: Any) -> None:
        task = self._loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("session task failed", exc_info=task.exception())
            self.close("internal error")


Factory = Callable[[ByteTransport, ClientCertificate | None], Session]
