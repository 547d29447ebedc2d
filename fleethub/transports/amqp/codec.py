"""AMQP 1.0 type-system codec, sans I/O: values ↔ bytes (OASIS AMQP 1.0 Part 1, §1.2-§1.6).

``encode(UInt(5)) == b"\\x52\\x05"``; ``decode(b"\\x52\\x05") == (UInt(5), 2)``. Encoding picks
the most compact form (§1.6 "smalluint", "list0", "str8"...); decoding accepts every form.
Any byte sequence that is not valid AMQP raises DecodeError, never anything else.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from typing import Any

from fleethub.transports.amqp.codec_encode import MAX_DEPTH, encode
from fleethub.transports.amqp.types import (
    Array,
    Byte,
    Char,
    Decimal32,
    Decimal64,
    Decimal128,
    DecodeError,
    Described,
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

__all__ = ["MAX_DEPTH", "decode", "encode"]

_Reader = Callable[[bytes, int, int], tuple[Any, int]]

# --- decoding -------------------------------------------------------------------------------


def decode(data: bytes, pos: int = 0) -> tuple[Any, int]:
    """Decode one value starting at `pos`; returns it and the offset just after it."""
    try:
        return _value(data, pos, 0)
    except (IndexError, struct.error):
        raise DecodeError("value runs past the end of its frame") from None


def _value(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    if depth > MAX_DEPTH:
        raise DecodeError(f"values nest deeper than {MAX_DEPTH}")
    code = data[pos]
    if code == 0x00:
        descriptor, pos = _value(data, pos + 1, depth + 1)
        value, pos = _value(data, pos, depth + 1)
        return Described(descriptor, value), pos
    return _body(data, pos + 1, code, depth)


def _body(data: bytes, pos: int, code: int, depth: int) -> tuple[Any, int]:
    """The value whose constructor `code` has already been read; `pos` is just after it."""
    fixed = _FIXED.get(code)
    if fixed is not None:
        width, convert = fixed
        end = pos + width
        if end > len(data):
            raise DecodeError("value runs past the end of its frame")
        return convert(data[pos:end]), end
    if code in _VARIABLE:
        return _variable(data, pos, code)
    if code in (0xC0, 0xD0, 0xC1, 0xD1):
        return _compound(data, pos, code, depth)
    if code in (0xE0, 0xF0):
        return _array(data, pos, code, depth)
    raise DecodeError(f"unknown format code 0x{code:02x} (§1.6)")


def _sizes(data: bytes, pos: int, wide: bool) -> tuple[int, int, int]:
    """(size, count, position after both) of a compound or array (§1.2 "compound")."""
    if wide:
        size, count = struct.unpack_from(">II", data, pos)
        return size, count, pos + 8
    return data[pos], data[pos + 1], pos + 2


def _compound(data: bytes, pos: int, code: int, depth: int) -> tuple[Any, int]:
    wide = code >= 0xD0
    size, count, start = _sizes(data, pos, wide)
    end = pos + (4 if wide else 1) + size
    if end > len(data) or size < (4 if wide else 1) or count > size:
        raise DecodeError("list or map size does not fit its frame")
    items: list[Any] = []
    at = start
    for _ in range(count):
        item, at = _value(data, at, depth + 1)
        items.append(item)
    if at != end:
        raise DecodeError("list or map size disagrees with its elements")
    if code in (0xC0, 0xD0):
        return items, end
    if count % 2:
        raise DecodeError("a map has an odd number of elements (§1.6.23)")
    try:
        return dict(zip(items[::2], items[1::2], strict=True)), end
    except TypeError:
        raise DecodeError("a map key is not a scalar") from None


def _array(data: bytes, pos: int, code: int, depth: int) -> tuple[Any, int]:
    wide = code == 0xF0
    size, count, start = _sizes(data, pos, wide)
    end = pos + (4 if wide else 1) + size
    if end > len(data) or size < (4 if wide else 1) or count > size:
        raise DecodeError("array size does not fit its frame")
    element = data[start]
    if element == 0x00:
        raise DecodeError("arrays of described values are not supported")
    items: list[Any] = []
    at = start + 1
    for _ in range(count):
        item, at = _body(data, at, element, depth + 1)
        items.append(item)
    if at != end:
        raise DecodeError("array size disagrees with its elements")
    return Array(element, tuple(items)), end


def _variable(data: bytes, pos: int, code: int) -> tuple[Any, int]:
    if code & 0xF0 == 0xA0:
        size, start = data[pos], pos + 1
    else:
        (size,) = struct.unpack_from(">I", data, pos)
        start = pos + 4
    end = start + size
    if end > len(data):
        raise DecodeError("value runs past the end of its frame")
    raw = data[start:end]
    kind = code & 0x0F
    if kind == 0x00:
        return raw, end
    if kind == 0x01:
        try:
            return raw.decode("utf-8"), end
        except UnicodeDecodeError:
            raise DecodeError("a string is not UTF-8 (§1.6.20)") from None
    try:
        return Symbol(raw.decode("ascii")), end
    except UnicodeDecodeError:
        raise DecodeError("a symbol is not ASCII (§1.6.21)") from None


def _char(raw: bytes) -> Char:
    (point,) = struct.unpack(">I", raw)
    if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
        raise DecodeError("a char is not a Unicode scalar value (§1.6.16)")
    return Char(chr(point))


def _boolean(raw: bytes) -> bool:
    if raw[0] > 1:
        raise DecodeError("a boolean byte is neither 0x00 nor 0x01 (§1.6.2)")
    return raw[0] == 1


def _unpack(fmt: str, kind: Callable[[Any], Any]) -> Callable[[bytes], Any]:
    compiled = struct.Struct(fmt)
    return lambda raw: kind(compiled.unpack(raw)[0])


def _const(value: Any) -> Callable[[bytes], Any]:
    return lambda _raw: value


_FIXED: dict[int, tuple[int, Callable[[bytes], Any]]] = {
    0x40: (0, _const(None)),
    0x41: (0, _const(True)),
    0x42: (0, _const(False)),
    0x56: (1, _boolean),
    0x43: (0, _const(UInt(0))),
    0x44: (0, _const(ULong(0))),
    0x45: (0, lambda _raw: []),
    0x50: (1, _unpack(">B", UByte)),
    0x51: (1, _unpack(">b", Byte)),
    0x52: (1, _unpack(">B", UInt)),
    0x53: (1, _unpack(">B", ULong)),
    0x54: (1, _unpack(">b", Int)),
    0x55: (1, _unpack(">b", Long)),
    0x60: (2, _unpack(">H", UShort)),
    0x61: (2, _unpack(">h", Short)),
    0x70: (4, _unpack(">I", UInt)),
    0x71: (4, _unpack(">i", Int)),
    0x72: (4, _unpack(">f", Float)),
    0x73: (4, _char),
    0x74: (4, Decimal32),
    0x80: (8, _unpack(">Q", ULong)),
    0x81: (8, _unpack(">q", Long)),
    0x82: (8, _unpack(">d", float)),
    0x83: (8, _unpack(">q", Timestamp)),
    0x84: (8, Decimal64),
    0x94: (16, Decimal128),
    0x98: (16, lambda raw: uuid.UUID(bytes=raw)),
}
_VARIABLE = frozenset((0xA0, 0xA1, 0xA3, 0xB0, 0xB1, 0xB3))
