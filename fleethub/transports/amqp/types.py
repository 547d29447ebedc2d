"""Python values for the AMQP 1.0 type system (OASIS AMQP 1.0 Part 1, §1.6).

Plain Python values map onto the obvious AMQP types (None → null, bool → boolean, int → long,
float → double, str → string, bytes → binary, UUID → uuid, list → list, dict → map). The
classes below name the other types, so a decoded value re-encodes to the same bytes:
``UInt(5)`` is a uint, ``Symbol("amqp:accepted:list")`` a symbol, ``Timestamp(ms)`` a timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class AmqpError(Exception):
    """Base of every codec error; the message names the rule that was broken."""


class DecodeError(AmqpError):
    """Bytes that are not valid AMQP: the peer misbehaved, close the connection."""


class EncodeError(AmqpError):
    """A value has no AMQP encoding (out of range, unsupported Python type)."""


class Symbol(str):
    """§1.6.21 symbol: an ASCII name, e.g. ``amqp:accepted:list`` or ``x-opt-offset``."""

    __slots__ = ()


class Char(str):
    """§1.6.16 char: one Unicode code point, UTF-32BE on the wire."""

    __slots__ = ()


class _Sized(int):
    """An int that must fit its AMQP width."""

    __slots__ = ()
    LOW = 0
    HIGH = 0

    def __new__(cls, value: int = 0) -> Any:
        if type(value) is bool or not cls.LOW <= value <= cls.HIGH:
            raise EncodeError(f"{value!r} is not a {cls.__name__.lower()}")
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int(self)})"


class UByte(_Sized):
    """§1.6.3 ubyte."""

    __slots__ = ()
    HIGH = 0xFF


class UShort(_Sized):
    """§1.6.4 ushort."""

    __slots__ = ()
    HIGH = 0xFFFF


class UInt(_Sized):
    """§1.6.5 uint (handles, delivery ids, windows, milliseconds)."""

    __slots__ = ()
    HIGH = 0xFFFF_FFFF


class ULong(_Sized):
    """§1.6.6 ulong (descriptor codes, message ids)."""

    __slots__ = ()
    HIGH = 0xFFFF_FFFF_FFFF_FFFF


class Byte(_Sized):
    """§1.6.7 byte."""

    __slots__ = ()
    LOW = -0x80
    HIGH = 0x7F


class Short(_Sized):
    """§1.6.8 short."""

    __slots__ = ()
    LOW = -0x8000
    HIGH = 0x7FFF


class Int(_Sized):
    """§1.6.9 int (the status-code of CBS and $management replies)."""

    __slots__ = ()
    LOW = -0x8000_0000
    HIGH = 0x7FFF_FFFF


class Long(_Sized):
    """§1.6.10 long: what a plain Python int encodes as."""

    __slots__ = ()
    LOW = -0x8000_0000_0000_0000
    HIGH = 0x7FFF_FFFF_FFFF_FFFF


class Timestamp(Long):
    """§1.6.17 timestamp: milliseconds since the Unix epoch."""

    __slots__ = ()


class Float(float):
    """§1.6.11 float (IEEE 754 binary32); a plain float is a double."""

    __slots__ = ()


class Decimal32(bytes):
    """§1.6.13 decimal32, kept as its 4 raw bytes (nothing here computes with it)."""

    __slots__ = ()


class Decimal64(bytes):
    """§1.6.14 decimal64, kept as its 8 raw bytes."""

    __slots__ = ()


class Decimal128(bytes):
    """§1.6.15 decimal128, kept as its 16 raw bytes."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Described:
    """§1.2 a described type: a descriptor (ulong code or symbol) and its value."""

    descriptor: Any
    value: Any


@dataclass(frozen=True, slots=True)
class Array:
    """§1.6.24 array: elements of one type, given by `code`, its element constructor.

    ``Array(0xA3, ("MSSBCBS", "ANONYMOUS"))`` is an array of symbols (sym8). Only primitive
    element types are supported; arrays of described values are refused on decode.
    """

    code: int
    items: tuple[Any, ...]
