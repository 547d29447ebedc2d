"""AMQP 1.0 type-system encoder: values → bytes, most compact form first (OASIS AMQP 1.0
Part 1, §1.6). ``encode(UInt(5)) == b"\\x52\\x05"``; codec.py holds the decoder."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from typing import Any

from fleethub.transports.amqp.types import (
    Array,
    Byte,
    Char,
    Decimal32,
    Decimal64,
    Decimal128,
    Described,
    EncodeError,
    Float,
    Int,
    Long,
    Short,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    UShort,
)

#: Nesting deeper than this is refused (a hostile peer could otherwise exhaust the stack).
MAX_DEPTH = 32


def encode(value: Any) -> bytes:
    """The most compact encoding of `value` (see the module docstring for the type mapping)."""
    out = bytearray()
    _encode(out, value, 0)
    return bytes(out)


def _encode(out: bytearray, value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise EncodeError(f"values nest deeper than {MAX_DEPTH}")
    writer = _WRITERS.get(type(value))
    if writer is not None:
        writer(out, value, depth)
    elif isinstance(value, Described):
        out.append(0x00)
        _encode(out, value.descriptor, depth + 1)
        _encode(out, value.value, depth + 1)
    elif isinstance(value, Array):
        _write_array(out, value, depth)
    elif isinstance(value, bool | int | float | str | bytes):
        # A subclass we do not know (e.g. an IntEnum): write it as its base type.
        base: type = next(b for b in (bool, int, float, str, bytes) if isinstance(value, b))
        _WRITERS[base](out, base(value), depth)
    else:
        raise EncodeError(f"no AMQP encoding for {type(value).__name__}")


def _write_int(small: int, wide: int, zero: int | None, signed: bool, width: int) -> Any:
    """A writer choosing between the zero-width, one-byte and full-width forms (§1.6.5)."""
    full = struct.Struct(">" + ("iq" if signed else "IQ")[width // 8])
    low, high = (-128, 127) if signed else (0, 255)

    def write(out: bytearray, value: int, _depth: int) -> None:
        if zero is not None and value == 0:
            out.append(zero)
        elif low <= value <= high:
            out.append(small)
            out.append(value & 0xFF)
        else:
            out.append(wide)
            out += full.pack(value)

    return write


def _write_fixed(code: int, fmt: str) -> Any:
    compiled = struct.Struct(fmt)

    def write(out: bytearray, value: Any, _depth: int) -> None:
        out.append(code)
        out += compiled.pack(value)

    return write


def _write_raw(code: int, width: int) -> Any:
    def write(out: bytearray, value: bytes, _depth: int) -> None:
        if len(value) != width:
            raise EncodeError(f"a decimal of {len(value)} bytes, expected {width}")
        out.append(code)
        out += value

    return write


def _write_variable(small: int, wide: int, to_bytes: Callable[[Any], bytes]) -> Any:
    def write(out: bytearray, value: Any, _depth: int) -> None:
        raw = to_bytes(value)
        if len(raw) <= 0xFF:
            out.append(small)
            out.append(len(raw))
        else:
            out.append(wide)
            out += struct.pack(">I", len(raw))
        out += raw

    return write


def _symbol_bytes(value: str) -> bytes:
    try:
        return value.encode("ascii")
    except UnicodeEncodeError:
        raise EncodeError(f"symbol {value[:40]!r} is not ASCII") from None


def _write_compound(out: bytearray, items: list[Any], depth: int, small: int, wide: int) -> None:
    body = bytearray()
    for item in items:
        _encode(body, item, depth + 1)
    if len(body) + 1 <= 0xFF and len(items) <= 0xFF:
        out += bytes((small, len(body) + 1, len(items)))
    else:
        out.append(wide)
        out += struct.pack(">II", len(body) + 4, len(items))
    out += body


def _write_list(out: bytearray, value: list[Any], depth: int) -> None:
    if not value:
        out.append(0x45)
    else:
        _write_compound(out, value, depth, 0xC0, 0xD0)


def _write_map(out: bytearray, value: dict[Any, Any], depth: int) -> None:
    items = [x for pair in value.items() for x in pair]
    _write_compound(out, items, depth, 0xC1, 0xD1)


def _write_array(out: bytearray, value: Array, _depth: int) -> None:
    pack = _ELEMENTS.get(value.code)
    if pack is None:
        raise EncodeError(f"arrays of format 0x{value.code:02x} are not supported")
    body = bytearray((value.code,))
    try:
        for item in value.items:
            body += pack(item)
    except (struct.error, TypeError, ValueError, AttributeError):
        raise EncodeError(f"an item does not fit array format 0x{value.code:02x}") from None
    if len(body) + 1 <= 0xFF and len(value.items) <= 0xFF:
        out += bytes((0xE0, len(body) + 1, len(value.items)))
    else:
        out.append(0xF0)
        out += struct.pack(">II", len(body) + 4, len(value.items))
    out += body


def _sized8(raw: bytes) -> bytes:
    if len(raw) > 0xFF:
        raise EncodeError("an array element is too long for its 8-bit format")
    return bytes((len(raw),)) + raw


def _packer(fmt: str) -> Callable[[Any], bytes]:
    return struct.Struct(fmt).pack


def _exact(width: int) -> Callable[[bytes], bytes]:
    def pack(raw: bytes) -> bytes:
        if len(raw) != width:
            raise EncodeError(f"a decimal of {len(raw)} bytes, expected {width}")
        return bytes(raw)

    return pack


#: How one array element of each format is written, without its constructor (§1.6.24).
_ELEMENTS: dict[int, Callable[[Any], bytes]] = {
    0x40: lambda _v: b"",
    0x56: lambda v: b"\x01" if v else b"\x00",
    0x50: _packer(">B"),
    0x51: _packer(">b"),
    0x52: _packer(">B"),
    0x53: _packer(">B"),
    0x54: _packer(">b"),
    0x55: _packer(">b"),
    0x60: _packer(">H"),
    0x61: _packer(">h"),
    0x70: _packer(">I"),
    0x71: _packer(">i"),
    0x72: _packer(">f"),
    0x73: lambda v: struct.pack(">I", ord(v)),
    0x74: _exact(4),
    0x80: _packer(">Q"),
    0x81: _packer(">q"),
    0x82: _packer(">d"),
    0x83: _packer(">q"),
    0x84: _exact(8),
    0x94: _exact(16),
    0x98: lambda v: v.bytes,
    0xA0: lambda v: _sized8(v),
    0xA1: lambda v: _sized8(v.encode("utf-8")),
    0xA3: lambda v: _sized8(_symbol_bytes(v)),
    0xB0: lambda v: struct.pack(">I", len(v)) + v,
    0xB1: lambda v: struct.pack(">I", len(v.encode("utf-8"))) + v.encode("utf-8"),
    0xB3: lambda v: struct.pack(">I", len(v)) + _symbol_bytes(v),
}


def _write_bool(out: bytearray, value: bool, _depth: int) -> None:
    out.append(0x41 if value else 0x42)


def _write_none(out: bytearray, _value: None, _depth: int) -> None:
    out.append(0x40)


def _write_char(out: bytearray, value: str, _depth: int) -> None:
    if len(value) != 1:
        raise EncodeError("a char is exactly one code point")
    out.append(0x73)
    out += struct.pack(">I", ord(value))


def _write_long(out: bytearray, value: int, depth: int) -> None:
    if not Long.LOW <= value <= Long.HIGH:
        raise EncodeError(f"{value} does not fit a long")
    _LONG(out, value, depth)


def _write_uuid(out: bytearray, value: uuid.UUID, _depth: int) -> None:
    out.append(0x98)
    out += value.bytes


_LONG = _write_int(0x55, 0x81, None, True, 8)

_WRITERS: dict[type, Callable[[bytearray, Any, int], None]] = {
    type(None): _write_none,
    bool: _write_bool,
    UByte: _write_fixed(0x50, ">B"),
    Byte: _write_fixed(0x51, ">b"),
    UShort: _write_fixed(0x60, ">H"),
    Short: _write_fixed(0x61, ">h"),
    UInt: _write_int(0x52, 0x70, 0x43, False, 4),
    ULong: _write_int(0x53, 0x80, 0x44, False, 8),
    Int: _write_int(0x54, 0x71, None, True, 4),
    Long: _LONG,
    int: _write_long,
    Timestamp: _write_fixed(0x83, ">q"),
    Float: _write_fixed(0x72, ">f"),
    float: _write_fixed(0x82, ">d"),
    Char: _write_char,
    Decimal32: _write_raw(0x74, 4),
    Decimal64: _write_raw(0x84, 8),
    Decimal128: _write_raw(0x94, 16),
    uuid.UUID: _write_uuid,
    bytes: _write_variable(0xA0, 0xB0, lambda v: v),
    str: _write_variable(0xA1, 0xB1, lambda v: v.encode("utf-8")),
    Symbol: _write_variable(0xA3, 0xB3, _symbol_bytes),
    list: _write_list,
    dict: _write_map,
}
