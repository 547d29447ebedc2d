"""The MQTT 3.1.1 codec: bytes ↔ packets, sans I/O (OASIS MQTT 3.1.1; docs/design/mqtt.md).

The one import for session code: the streaming Decoder is here; the packet rules live in
codec_decode and codec_encode.
"""

from __future__ import annotations

from fleethub.transports.mqtt.codec_decode import (
    DEFAULT_MAX_PACKET_SIZE,
    Buffer,
    decode,
    decode_all,
    decode_from,
    frame_end,
)
from fleethub.transports.mqtt.codec_encode import (
    MAX_REMAINING_LENGTH,
    encode,
    encode_puback,
    encode_publish,
    remaining_length,
)
from fleethub.transports.mqtt.packets import (
    MalformedPacket,
    Packet,
    PacketTooLarge,
    ProtocolError,
    UnsupportedProtocolLevel,
)

__all__ = [
    "DEFAULT_MAX_PACKET_SIZE",
    "MAX_REMAINING_LENGTH",
    "Decoder",
    "MalformedPacket",
    "PacketTooLarge",
    "ProtocolError",
    "UnsupportedProtocolLevel",
    "decode",
    "decode_all",
    "decode_from",
    "encode",
    "encode_puback",
    "encode_publish",
    "frame_end",
    "remaining_length",
]


class Decoder:
    """Turns a byte stream into packets; call feed() from an asyncio Protocol's data_received.

    Whole packets are decoded straight from the bytes read. A packet split across reads is
    kept as a list of pieces, joined once when its fixed header says it is complete, so a
    256 KiB PUBLISH arriving in a hundred reads costs one join, not a hundred copies.
    After a ProtocolError the stream is unusable: close the connection.
    """

    __slots__ = ("_held", "_held_size", "_max_packet_size", "_need")

    def __init__(self, max_packet_size: int = DEFAULT_MAX_PACKET_SIZE) -> None:
        self._max_packet_size = max_packet_size
        self._held: list[bytes] = []
        self._held_size = 0
        self._need = -1  # size of the held packet, -1 while its header is incomplete

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a packet."""
        return self._held_size

    def feed(self, data: Buffer) -> list[Packet]:
        if type(data) is not bytes:
            data = bytes(data)  # the caller may reuse its buffer; hold our own copy
        if self._held:
            self._held.append(data)
            self._held_size += len(data)
            if self._need < 0:
                # The header was cut short (< 5 bytes held before this read): look again.
                data = b"".join(self._held)
                self._held = [data]
                self._need = frame_end(data, 0, self._max_packet_size)
            if self._need < 0 or self._held_size < self._need:
                return []
            data = b"".join(self._held)
            self._held = []
            self._held_size = 0
        packets, used = decode_all(data, self._max_packet_size)
        if used < len(data):
            tail = data[used:] if used else data
            self._held = [tail]
            self._held_size = len(tail)
            self._need = frame_end(tail, 0, self._max_packet_size)
        return packets
