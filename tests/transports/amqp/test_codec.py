"""The AMQP 1.0 type-system codec, byte for byte (OASIS AMQP 1.0 Part 1, §1.6)."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleethub.transports.amqp.codec import MAX_DEPTH, decode, encode
from fleethub.transports.amqp.types import (
    Array,
    Byte,
    Char,
    Decimal32,
    Decimal64,
    Decimal128,
    DecodeError,
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

UUID = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")

VECTORS: list[tuple[str, Any, bytes]] = [
    ("§1.6.1 null", None, b"\x40"),
    ("§1.6.2 true", True, b"\x41"),
    ("§1.6.2 false", False, b"\x42"),
    ("§1.6.3 ubyte", UByte(0xAB), b"\x50\xab"),
    ("§1.6.4 ushort", UShort(0x1234), b"\x60\x12\x34"),
    ("§1.6.5 uint0", UInt(0), b"\x43"),
    ("§1.6.5 smalluint", UInt(255), b"\x52\xff"),
    ("§1.6.5 uint", UInt(256), b"\x70\x00\x00\x01\x00"),
    ("§1.6.6 ulong0", ULong(0), b"\x44"),
    ("§1.6.6 smallulong", ULong(0x10), b"\x53\x10"),
    ("§1.6.6 ulong", ULong(1 << 40), b"\x80\x00\x00\x01\x00\x00\x00\x00\x00"),
    ("§1.6.7 byte", Byte(-2), b"\x51\xfe"),
    ("§1.6.8 short", Short(-2), b"\x61\xff\xfe"),
    ("§1.6.9 smallint", Int(-1), b"\x54\xff"),
    ("§1.6.9 int", Int(200), b"\x71\x00\x00\x00\xc8"),
    ("§1.6.10 smalllong", Long(127), b"\x55\x7f"),
    ("§1.6.10 long", Long(-129), b"\x81\xff\xff\xff\xff\xff\xff\xff\x7f"),
    ("§1.6.11 float", Float(1.5), b"\x72\x3f\xc0\x00\x00"),
    ("§1.6.12 double", 1.5, b"\x82\x3f\xf8\x00\x00\x00\x00\x00\x00"),
    ("§1.6.13 decimal32", Decimal32(b"\x01\x02\x03\x04"), b"\x74\x01\x02\x03\x04"),
    ("§1.6.14 decimal64", Decimal64(bytes(8)), b"\x84" + bytes(8)),
    ("§1.6.15 decimal128", Decimal128(bytes(16)), b"\x94" + bytes(16)),
    ("§1.6.16 char", Char("€"), b"\x73\x00\x00\x20\xac"),
    ("§1.6.17 timestamp", Timestamp(1_700_000_000_000), b"\x83\x00\x00\x01\x8b\xcf\xe5\x68\x00"),
    ("§1.6.18 uuid", UUID, b"\x98" + UUID.bytes),
    ("§1.6.19 vbin8", b"\x00\xff", b"\xa0\x02\x00\xff"),
    ("§1.6.19 vbin32", b"x" * 256, b"\xb0\x00\x00\x01\x00" + b"x" * 256),
    ("§1.6.20 str8-utf8", "hé", b"\xa1\x03h\xc3\xa9"),
    ("§1.6.20 str32-utf8", "y" * 300, b"\xb1\x00\x00\x01\x2c" + b"y" * 300),
    ("§1.6.21 sym8", Symbol("MSSBCBS"), b"\xa3\x07MSSBCBS"),
    ("§1.6.21 sym32", Symbol("s" * 256), b"\xb3\x00\x00\x01\x00" + b"s" * 256),
    ("§1.6.22 list0", [], b"\x45"),
    ("§1.6.22 list8", [UInt(1), None], b"\xc0\x04\x02\x52\x01\x40"),
    ("§1.6.23 map8", {Symbol("k"): "v"}, b"\xc1\x07\x02\xa3\x01k\xa1\x01v"),
    (
        "§1.6.24 array8 of sym8",
        Array(0xA3, (Symbol("MSSBCBS"), Symbol("ANONYMOUS"))),
        b"\xe0\x14\x02\xa3\x07MSSBCBS\x09ANONYMOUS",
    ),
    ("§1.6.24 array8 of uint", Array(0x70, (UInt(1),)), b"\xe0\x06\x01\x70\x00\x00\x00\x01"),
    ("§1.2 described", Described(ULong(0x24), []), b"\x00\x53\x24\x45"),
    (
        "§1.2 symbolic descriptor",
        Described(Symbol("amqp:accepted:list"), []),
        b"\x00\xa3\x12amqp:accepted:list\x45",
    ),
]


@pytest.mark.parametrize(("rule", "value", "wire"), VECTORS, ids=[v[0] for v in VECTORS])
def test_vectors_encode_and_decode_byte_exact(rule: str, value: Any, wire: bytes) -> None:
    """Each value has exactly this compact encoding, and decodes back to the same type."""
    assert encode(value) == wire, rule
    decoded, end = decode(wire)
    assert end == len(wire)
    assert same(decoded, value), rule


def test_list32_and_map32_are_used_when_a_list_outgrows_one_byte_sizes() -> None:
    """§1.6.22: list8 holds at most 255 bytes; beyond, list32 with 4-byte size and count."""
    wire = encode([b"z" * 300])
    assert wire[:9] == b"\xd0\x00\x00\x01\x35\x00\x00\x00\x01"
    assert decode(wire)[0] == [b"z" * 300]
    wire = encode({"k": "v" * 300})
    assert wire[0] == 0xD1
    assert decode(wire)[0] == {"k": "v" * 300}


def test_wider_forms_are_accepted_on_decode() -> None:
    """A peer may use any width: uint as 0x70 even for 1, a boolean as 0x56, list32 for []."""
    assert same(decode(b"\x70\x00\x00\x00\x01")[0], UInt(1))
    assert decode(b"\x56\x01")[0] is True
    assert decode(b"\x56\x00")[0] is False
    assert decode(b"\xd0\x00\x00\x00\x04\x00\x00\x00\x00")[0] == []
    assert same(decode(b"\x80" + bytes(7) + b"\x05")[0], ULong(5))


@pytest.mark.parametrize(
    "wire",
    [
        b"",  # nothing at all
        b"\x70\x00\x00",  # uint cut short
        b"\xa1\x05abc",  # string longer than its frame
        b"\xa1\x02\xff\xfe",  # not UTF-8
        b"\xa3\x01\xe9",  # symbol not ASCII
        b"\x56\x02",  # boolean byte other than 0 or 1
        b"\x73\x00\x11\x00\x00",  # char beyond U+10FFFF
        b"\xc1\x03\x01\x40",  # map with an odd count
        b"\xc0\x02\x05\x40",  # list count larger than its size
        b"\xc0\x03\x01\x40\x40",  # list size disagrees with its elements
        b"\xe0\x03\x01\x00\x53",  # array of described values
        b"\xff",  # unknown format code
        b"\xc1\x05\x02\xc0\x01\x00\x40",  # map keyed by a list (unhashable)
    ],
)
def test_malformed_bytes_raise_decode_error(wire: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(wire)


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    deep: Any = None
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(EncodeError):
        encode(deep)
    wire = b"\xc0\x03\x01" * (MAX_DEPTH + 2) + b"\x40"
    with pytest.raises(DecodeError):
        decode(wire)


@pytest.mark.parametrize(
    "value", [object(), Symbol("é"), Char("ab"), Array(0x00, ()), Array(0x70, ("x",)), 1 << 64]
)
def test_values_without_an_encoding_raise_encode_error(value: Any) -> None:
    with pytest.raises(EncodeError):
        encode(value)


def test_sized_ints_refuse_values_outside_their_range() -> None:
    with pytest.raises(EncodeError):
        UInt(-1)
    with pytest.raises(EncodeError):
        UByte(256)


def same(a: Any, b: Any) -> bool:
    """Equal *and* of the same AMQP type, all the way down (1 == UInt(1), but not the same)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, Described):
        return same(a.descriptor, b.descriptor) and same(a.value, b.value)
    if isinstance(a, Array):
        return a.code == b.code and same(list(a.items), list(b.items))
    if isinstance(a, float) and a != a:
        return b != b
    return bool(a == b)


def _ints(kind: type, low: int, high: int) -> st.SearchStrategy[Any]:
    return st.integers(low, high).map(kind)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    _ints(UByte, 0, 0xFF),
    _ints(UShort, 0, 0xFFFF),
    _ints(UInt, 0, 0xFFFF_FFFF),
    _ints(ULong, 0, 0xFFFF_FFFF_FFFF_FFFF),
    _ints(Byte, -128, 127),
    _ints(Short, -(2**15), 2**15 - 1),
    _ints(Int, -(2**31), 2**31 - 1),
    _ints(Long, -(2**63), 2**63 - 1),
    _ints(Timestamp, -(2**63), 2**63 - 1),
    st.floats(width=32).map(Float),
    st.floats(),
    st.characters().map(Char),
    st.uuids(),
    st.binary(max_size=300),
    st.text(max_size=300),
    st.text(st.characters(max_codepoint=127), max_size=40).map(Symbol),
)
KEYS = st.text(st.characters(max_codepoint=127), max_size=20).map(Symbol)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(KEYS, inner, max_size=6),
        st.builds(Described, _ints(ULong, 0, 0xFFFF_FFFF_FFFF_FFFF), inner),
        st.lists(st.text(st.characters(max_codepoint=127), max_size=10).map(Symbol)).map(
            lambda items: Array(0xA3, tuple(items))
        ),
        st.lists(_ints(UInt, 0, 0xFFFF_FFFF)).map(lambda items: Array(0x70, tuple(items))),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_every_value_round_trips_with_its_type(value: Any) -> None:
    wire = encode(value)
    decoded, end = decode(wire)
    assert end == len(wire)
    assert same(decoded, value)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_raise_decode_error_only(wire: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode(wire)
