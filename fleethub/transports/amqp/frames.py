"""AMQP 1.0 framing, sans I/O: protocol headers and frames (OASIS AMQP 1.0 Part 2, §2.2-§2.3).

A connection starts with an 8-byte protocol header (``AMQP\\x03\\x01\\x00\\x00`` for SASL,
``AMQP\\x00\\x01\\x00\\x00`` for AMQP, §2.2 and Part 5 §5.3.1); then come frames:

    size:uint32  doff:uint8  type:uint8  channel:uint16  [extended header]  body

``type`` is 0 for AMQP and 1 for SASL; a frame of exactly ``doff * 4`` bytes is an empty
(heartbeat) frame. A transfer's message bytes follow its performative in the same body.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from fleethub.transports.amqp.codec import decode, encode
from fleethub.transports.amqp.performatives import (
    Composite,
    Performative,
    SaslFrame,
    SaslInit,
    SaslResponse,
    Transfer,
    composite,
)
from fleethub.transports.amqp.types import DecodeError

AMQP_FRAME = 0
SASL_FRAME = 1
SASL_HEADER = b"AMQP\x03\x01\x00\x00"
AMQP_HEADER = b"AMQP\x00\x01\x00\x00"
#: §2.7.1 MIN-MAX-FRAME-SIZE: every peer must accept frames this large before `open`.
MIN_MAX_FRAME_SIZE = 512
_HEAD = struct.Struct(">IBBH")


@dataclass(frozen=True, slots=True)
class ProtocolHeader:
    """§2.2: protocol id 0 (AMQP), 2 (TLS) or 3 (SASL), then version major.minor.revision."""

    protocol_id: int
    version: tuple[int, int, int]

    @property
    def raw(self) -> bytes:
        return b"AMQP" + bytes((self.protocol_id, *self.version))


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame; `body` is None for an empty frame, `payload` the bytes after a transfer."""

    type: int
    channel: int
    body: Performative | SaslFrame | None
    payload: bytes = b""


def encode_frame(
    channel: int, body: Composite | None, payload: bytes = b"", frame_type: int = AMQP_FRAME
) -> bytes:
    """``encode_frame(0, None) == b"\\x00\\x00\\x00\\x08\\x02\\x00\\x00\\x00"`` (a heartbeat)."""
    encoded = b"" if body is None else encode(body.described())
    size = 8 + len(encoded) + len(payload)
    return _HEAD.pack(size, 2, frame_type, channel) + encoded + payload


def decode_frame(data: bytes, start: int, end: int) -> Frame:
    """Decode the frame in ``data[start:end]`` (its size already checked by the Decoder)."""
    _size, doff, frame_type, channel = _HEAD.unpack_from(data, start)
    body_at = start + doff * 4
    if doff < 2 or body_at > end:
        raise DecodeError(f"data offset {doff} is outside the frame (§2.3.1)")
    if frame_type not in (AMQP_FRAME, SASL_FRAME):
        raise DecodeError(f"unknown frame type {frame_type} (§2.3)")
    if body_at == end:
        if frame_type == SASL_FRAME:
            raise DecodeError("an empty SASL frame (§5.3.1)")
        return Frame(frame_type, channel, None)
    chunk = data[body_at:end]
    value, used = decode(chunk)
    body = composite(value)
    if frame_type == AMQP_FRAME:
        if not isinstance(body, Performative):
            raise DecodeError("an AMQP frame does not carry a performative (§2.7)")
    elif not isinstance(body, SaslFrame):
        raise DecodeError("a SASL frame does not carry a SASL performative (§5.3.3)")
    if used < len(chunk) and not isinstance(body, Transfer):
        raise DecodeError(f"{type(body).__name__} frame has bytes after its performative")
    return Frame(frame_type, channel, body, chunk[used:])


class Decoder:
    """Splits a byte stream into protocol headers and frames; feed it from data_received.

    A protocol header may appear at any frame boundary (a client may send the AMQP header
    right behind its sasl-init): a frame cannot start with ``AMQP``, whose size would be
    over a gigabyte. After a DecodeError the stream is unusable: close the connection.
    """

    __slots__ = ("_buffer", "max_frame_size")

    def __init__(self, max_frame_size: int) -> None:
        self.max_frame_size = max_frame_size
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[ProtocolHeader | Frame]:
        self._buffer += data
        buf = bytes(self._buffer) if len(self._buffer) != len(data) else data
        out: list[ProtocolHeader | Frame] = []
        pos = 0
        while len(buf) - pos >= 8:
            if buf[pos : pos + 4] == b"AMQP":
                out.append(ProtocolHeader(buf[pos + 4], (buf[pos + 5], buf[pos + 6], buf[pos + 7])))
                pos += 8
                continue
            (size,) = struct.unpack_from(">I", buf, pos)
            if size < 8:
                raise DecodeError(f"a frame of {size} bytes is shorter than its header (§2.3.1)")
            if size > self.max_frame_size:
                raise DecodeError(f"a frame of {size} bytes exceeds max-frame-size (§2.7.1)")
            if len(buf) - pos < size:
                break
            out.append(decode_frame(buf, pos, pos + size))
            pos += size
        del self._buffer[:pos]
        return out


def is_sasl_client_frame(body: object) -> bool:
    """The SASL frames a client may send to a server (§5.3.3)."""
    return isinstance(body, SaslInit | SaslResponse)
