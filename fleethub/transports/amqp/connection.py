"""The server side of one AMQP 1.0 connection, sans I/O (OASIS AMQP 1.0 Part 2 §2.4-§2.7,
Part 5 §5.3 SASL).

Bytes go in through `receive`, which returns events (events.py); frames to send collect in
`take_output`. SASL comes first and is required: the IoT Hub service SDK (uamqp) asks for
the non-standard MSSBCBS mechanism and azure-eventhub (pyamqp) for ANONYMOUS; both then
authenticate with claims-based security on `$cbs`, which the application handles.
Any protocol violation closes the connection with an error; nothing raises out of here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fleethub.transports.amqp import events as ev
from fleethub.transports.amqp.connection_links import (
    HANDLE_MAX,
    INCOMING_WINDOW,
    LinkFrames,
    ProtocolViolation,
)
from fleethub.transports.amqp.frames import (
    AMQP_HEADER,
    SASL_FRAME,
    SASL_HEADER,
    Decoder,
    Frame,
    ProtocolHeader,
    encode_frame,
)
from fleethub.transports.amqp.links import Session
from fleethub.transports.amqp.performatives import (
    Begin,
    Close,
    Composite,
    End,
    Error,
    Open,
    SaslInit,
    SaslMechanisms,
    SaslOutcome,
)
from fleethub.transports.amqp.types import DecodeError

log = logging.getLogger(__name__)

#: Offered in this order; MSSBCBS is what uamqp asks for, ANONYMOUS what pyamqp asks for.
MECHANISMS = ("MSSBCBS", "ANONYMOUS")
MAX_FRAME_SIZE = 256 * 1024
CHANNEL_MAX = 255


class Connection(LinkFrames):
    """States: sasl-header → sasl-init → amqp-header → open → opened → closed."""

    def __init__(self, container_id: str, wake: Callable[[], None] = lambda: None) -> None:
        self.container_id = container_id
        self.state = "sasl-header"
        self.remote_max_frame_size = 512
        self.remote_idle_timeout: float | None = None
        self.sessions: dict[int, Session] = {}
        self._decoder = Decoder(MAX_FRAME_SIZE)
        self._out: list[bytes] = []
        self._events: list[ev.Event] = []
        self._wake = wake

    # --- bytes in and out ---------------------------------------------------------------------

    def receive(self, data: bytes) -> list[ev.Event]:
        if self.state == "closed":
            return []
        try:
            for item in self._decoder.feed(data):
                if self.state == "closed":
                    break
                if isinstance(item, ProtocolHeader):
                    self._on_header(item)
                else:
                    self._on_frame(item)
        except ProtocolViolation as error:
            self._fail(error.error)
        except DecodeError as error:
            self._fail(Error(condition="amqp:decode-error", description=str(error)))
        events, self._events = self._events, []
        return events

    def take_output(self) -> bytes:
        out, self._out = b"".join(self._out), []
        return out

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    def write(self, channel: int, body: Composite | None, payload: bytes = b"") -> None:
        self._emit_bytes(encode_frame(channel, body, payload))

    def _emit_bytes(self, data: bytes) -> None:
        if not self._out:
            self._wake()
        self._out.append(data)

    def emit(self, event: ev.Event) -> None:
        self._events.append(event)

    # --- headers and SASL (Part 5 §5.3) -------------------------------------------------------

    def _on_header(self, header: ProtocolHeader) -> None:
        if self.state == "sasl-header" and header.raw == SASL_HEADER:
            self._emit_bytes(SASL_HEADER)
            mechanisms = SaslMechanisms(sasl_server_mechanisms=MECHANISMS)
            self._emit_bytes(encode_frame(0, mechanisms, frame_type=SASL_FRAME))
            self.state = "sasl-init"
        elif self.state == "amqp-header" and header.raw == AMQP_HEADER:
            self._emit_bytes(AMQP_HEADER)
            self.state = "open"
        else:
            # §2.2: answer with the header we do support, then close the socket.
            self._emit_bytes(SASL_HEADER if self.state == "sasl-header" else AMQP_HEADER)
            self._closed(Error(condition="amqp:not-allowed", description="protocol header"))

    def _on_sasl(self, frame: Frame) -> None:
        body = frame.body
        if self.state != "sasl-init" or not isinstance(body, SaslInit):
            raise ProtocolViolation("amqp:not-allowed", "unexpected SASL frame (§5.3.2)")
        ok = body.mechanism in MECHANISMS
        outcome = SaslOutcome(code=0 if ok else 1)
        self._emit_bytes(encode_frame(0, outcome, frame_type=SASL_FRAME))
        if ok:
            self.state = "amqp-header"
        else:
            log.info("SASL mechanism %r refused", body.mechanism[:40])
            self._closed(Error(condition="amqp:unauthorized-access", description="SASL"))

    # --- frames -------------------------------------------------------------------------------

    def _on_frame(self, frame: Frame) -> None:
        if frame.type == SASL_FRAME:
            self._on_sasl(frame)
            return
        body = frame.body
        if self.state == "open":
            if not isinstance(body, Open):
                raise ProtocolViolation("amqp:not-allowed", "the first frame must be open")
            self._on_open(body)
        elif self.state != "opened":
            raise ProtocolViolation("amqp:not-allowed", "a frame before the handshake finished")
        elif body is None:
            return  # an empty frame: a heartbeat (§2.4.5)
        elif isinstance(body, Begin):
            self._on_begin(frame.channel, body)
        elif isinstance(body, Close):
            self.write(0, Close())
            self._closed(body.error, clean=body.error is None)
        else:
            session = self.sessions.get(frame.channel)
            if session is None:
                raise ProtocolViolation("amqp:not-found", f"no session on channel {frame.channel}")
            if isinstance(body, End):
                self._on_end(session, body)
            else:
                self.on_link_frame(session, body, frame.payload)

    def _on_open(self, body: Open) -> None:
        self.remote_max_frame_size = max(512, min(body.max_frame_size or MAX_FRAME_SIZE, 1 << 24))
        if body.idle_time_out:
            self.remote_idle_timeout = body.idle_time_out / 1000
        self.write(
            0,
            Open(
                container_id=self.container_id,
                hostname=body.hostname,
                max_frame_size=MAX_FRAME_SIZE,
                channel_max=CHANNEL_MAX,
            ),
        )
        self.state = "opened"
        self.emit(ev.Opened(body.hostname, body.container_id))

    def _on_begin(self, channel: int, body: Begin) -> None:
        if body.remote_channel is not None:
            raise ProtocolViolation("amqp:not-allowed", "the server does not begin sessions")
        if channel > CHANNEL_MAX or channel in self.sessions:
            raise ProtocolViolation("amqp:connection:framing-error", f"channel {channel} is taken")
        session = Session(
            channel=channel,
            remote_channel=channel,
            next_incoming_id=body.next_outgoing_id,
            incoming_window=INCOMING_WINDOW,
            remote_incoming_window=body.incoming_window,
            remote_outgoing_window=body.outgoing_window,
        )
        self.sessions[channel] = session
        self.write(
            channel,
            Begin(
                remote_channel=channel,
                next_outgoing_id=0,
                incoming_window=INCOMING_WINDOW,
                outgoing_window=0xFFFF_FFFF,
                handle_max=HANDLE_MAX,
            ),
        )

    def _on_end(self, session: Session, body: End) -> None:
        self._drop_session(session, body.error)
        self.write(session.channel, End())

    def _drop_session(self, session: Session, error: Error | None) -> None:
        session.ended = True
        self.sessions.pop(session.channel, None)
        for link in list(session.links.values()):
            self.forget_link(link, error)

    # --- closing ------------------------------------------------------------------------------

    def close(self, error: Error | None = None) -> None:
        """Close the connection (the hub is stopping, or the peer misbehaved)."""
        if self.state == "closed":
            return
        if self.state == "opened":
            self.write(0, Close(error=error))
        self._closed(error)

    def _fail(self, error: Error) -> None:
        log.info("AMQP connection closed: %s", error.description)
        if self.state in ("open", "opened"):
            if self.state == "open":
                self.write(0, Open(container_id=self.container_id))
            self.write(0, Close(error=error))
        self._closed(error)

    def _closed(self, error: Error | None, clean: bool = False) -> None:
        self.state = "closed"
        for session in list(self.sessions.values()):
            self._drop_session(session, None if clean else error)
        self.emit(ev.Closed(error))
