"""AMQP 1.0 performatives and the composite types they carry, as frozen dataclasses.

Transport performatives (OASIS AMQP 1.0 Part 2, §2.7), delivery states (Part 3, §3.4), source
and target (§3.5), and SASL frames (Part 5, §5.3.3). Each is a described list (§1.3); a
field's position in the list is its position in the dataclass. Optional fields default to
None, encoded as null, so the spec's default applies (read them with ``bool(transfer.more)``,
``open.max_frame_size or MAX``). Every field is written, trailing nulls included: the
azure-eventhub client (pyamqp) reads performative fields by position without a bounds check
(it takes a transfer's payload from index 11).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from fleethub.transports.amqp.types import (
    Array,
    DecodeError,
    Described,
    Symbol,
    UByte,
    UInt,
    ULong,
    UShort,
)


@dataclass(frozen=True, slots=True)
class Kind:
    """How one field is checked on decode and typed on encode."""

    name: str
    check: Callable[[Any], bool]
    wrap: Callable[[Any], Any]
    required: bool = False

    @property
    def meta(self) -> dict[str, Kind]:
        """Field metadata for an optional field of this kind."""
        return {"kind": self}

    @property
    def req(self) -> dict[str, Kind]:
        """Field metadata for a mandatory field of this kind."""
        return {"kind": Kind(self.name, self.check, self.wrap, required=True)}


def _int_in(high: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= high


def _symbols(value: Any) -> Any:
    """§1.6.24 "multiple": one symbol, or an array of them. Written as an array."""
    return Array(0xA3, tuple(Symbol(v) for v in value))


def _is_symbols(value: Any) -> bool:
    items = value.items if isinstance(value, Array) else (value,)
    return all(isinstance(v, str) for v in items)


def _is_map(value: Any) -> bool:
    return isinstance(value, dict)


def _fields_map(value: dict[Any, Any]) -> dict[Any, Any]:
    """§2.8.15 fields: a map keyed by symbols (plain str keys are written as symbols)."""
    return {Symbol(k) if type(k) is str else k: v for k, v in value.items()}


def _composite(value: Any) -> Any:
    return value.described() if isinstance(value, Composite) else value


UINT = Kind("uint", _int_in(0xFFFF_FFFF), UInt)
USHORT = Kind("ushort", _int_in(0xFFFF), UShort)
UBYTE = Kind("ubyte", _int_in(0xFF), UByte)
ULONG = Kind("ulong", _int_in(0xFFFF_FFFF_FFFF_FFFF), ULong)
BOOL = Kind("boolean", lambda v: isinstance(v, bool), bool)
STRING = Kind("string", lambda v: isinstance(v, str), str)
SYMBOL = Kind("symbol", lambda v: isinstance(v, str), Symbol)
SYMBOLS = Kind("symbol", _is_symbols, _symbols)
BINARY = Kind("binary", lambda v: isinstance(v, bytes), bytes)
FIELDS = Kind("fields", _is_map, _fields_map)
ANY = Kind("*", lambda v: True, _composite)
MAP = Kind("map", _is_map, dict)


class Composite:
    """A described list (§1.3); subclasses are frozen dataclasses with a DESCRIPTOR."""

    __slots__ = ()
    DESCRIPTOR: ClassVar[int]
    NAME: ClassVar[str]

    def described(self) -> Described:
        values: list[Any] = []
        for spec in fields(self):  # type: ignore[arg-type]
            value = getattr(self, spec.name)
            values.append(None if value is None else spec.metadata["kind"].wrap(value))
        return Described(ULong(self.DESCRIPTOR), values)


C = TypeVar("C", bound=Composite)


# --- §3.4 delivery states and §2.8.14 error ----------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Error(Composite):
    """§2.8.14 error, e.g. ``Error("amqp:unauthorized-access", "token expired")``."""

    DESCRIPTOR = 0x1D
    NAME = "amqp:error:list"
    condition: str = field(metadata=SYMBOL.req)
    description: str | None = field(default=None, metadata=STRING.meta)
    info: dict[Any, Any] | None = field(default=None, metadata=FIELDS.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Received(Composite):
    DESCRIPTOR = 0x23
    NAME = "amqp:received:list"
    section_number: int = field(metadata=UINT.req)
    section_offset: int = field(metadata=ULONG.req)


@dataclass(frozen=True, slots=True, kw_only=True)
class Accepted(Composite):
    DESCRIPTOR = 0x24
    NAME = "amqp:accepted:list"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejected(Composite):
    DESCRIPTOR = 0x25
    NAME = "amqp:rejected:list"
    error: Error | None = field(default=None, metadata=ANY.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Released(Composite):
    DESCRIPTOR = 0x26
    NAME = "amqp:released:list"


@dataclass(frozen=True, slots=True, kw_only=True)
class Modified(Composite):
    DESCRIPTOR = 0x27
    NAME = "amqp:modified:list"
    delivery_failed: bool | None = field(default=None, metadata=BOOL.meta)
    undeliverable_here: bool | None = field(default=None, metadata=BOOL.meta)
    message_annotations: dict[Any, Any] | None = field(default=None, metadata=FIELDS.meta)


DeliveryState = Received | Accepted | Rejected | Released | Modified


# --- §3.5 source and target --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Source(Composite):
    DESCRIPTOR = 0x28
    NAME = "amqp:source:list"
    address: str | None = field(default=None, metadata=ANY.meta)
    durable: int | None = field(default=None, metadata=UINT.meta)
    expiry_policy: str | None = field(default=None, metadata=SYMBOL.meta)
    timeout: int | None = field(default=None, metadata=UINT.meta)
    dynamic: bool | None = field(default=None, metadata=BOOL.meta)
    dynamic_node_properties: dict[Any, Any] | None = field(default=None, metadata=FIELDS.meta)
    distribution_mode: str | None = field(default=None, metadata=SYMBOL.meta)
    filter: dict[Any, Any] | None = field(default=None, metadata=FIELDS.meta)
    default_outcome: Any = field(default=None, metadata=ANY.meta)
    outcomes: Any = field(default=None, metadata=SYMBOLS.meta)
    capabilities: Any = field(default=None, metadata=SYMBOLS.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Target(Composite):
    DESCRIPTOR = 0x29
    NAME = "amqp:target:list"
    address: str | None = field(default=None, metadata=ANY.meta)
    durable: int | None = field(default=None, metadata=UINT.meta)
    expiry_policy: str | None = field(default=None, metadata=SYMBOL.meta)
    timeout: int | None = field(default=None, metadata=UINT.meta)
    dynamic: bool | None = field(default=None, metadata=BOOL.meta)
    dynamic_node_properties: dict[Any, Any] | None = field(default=None, metadata=FIELDS.meta)
    capabilities: Any = field(default=None, metadata=SYMBOLS.meta)


# --- §2.7 performatives ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Open(Composite):
    DESCRIPTOR = 0x10
    NAME = "amqp:open:list"
    container_id: str = field(metadata=STRING.req)
    hostname: str | None = field(default=None, metadata=STRING.meta)
    max_frame_size: int | None = field(default=None, metadata=UINT.meta)
    channel_max: int | None = field(default=None, metadata=USHORT.meta)
    idle_time_out: int | None = field(default=None, metadata=UINT.meta)
    outgoing_locales: Any = field(default=None, metadata=SYMBOLS.meta)
    incoming_locales: Any = field(default=None, metadata=SYMBOLS.meta)
    offered_capabilities: Any = field(default=None, metadata=SYMBOLS.meta)
    desired_capabilities: Any = field(default=None, metadata=SYMBOLS.meta)
    properties: dict[Any, Any] | None = field(default=None, metadata=FIELDS.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Begin(Composite):
    DESCRIPTOR = 0x11
    NAME = "amqp:begin:list"
    remote_channel: int | None = field(default=None, metadata=USHORT.meta)
    next_outgoing_id: int = field(metadata=UINT.req)
    incoming_window: int = field(metadata=UINT.req)
    outgoing_window: int = field(metadata=UINT.req)
    handle_max: int | None = field(default=None, metadata=UINT.meta)
    offered_capabilities: Any = field(default=None, metadata=SYMBOLS.meta)
    desired_capabilities: Any = field(default=None, metadata=SYMBOLS.meta)
    properties: dict[Any, Any] | None = field(default=None, metadata=FIELDS.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Attach(Composite):
    """§2.7.3; role False is a sender, True a receiver (§2.8.1)."""

    DESCRIPTOR = 0x12
    NAME = "amqp:attach:list"
    name: str = field(metadata=STRING.req)
    handle: int = field(metadata=UINT.req)
    role: bool = field(metadata=BOOL.req)
    snd_settle_mode: int | None = field(default=None, metadata=UBYTE.meta)
    rcv_settle_mode: int | None = field(default=None, metadata=UBYTE.meta)
    source: Any = field(default=None, metadata=ANY.meta)
    target: Any = field(default=None, metadata=ANY.meta)
    unsettled: dict[Any, Any] | None = field(default=None, metadata=MAP.meta)
    incomplete_unsettled: bool | None = field(default=None, metadata=BOOL.meta)
    initial_delivery_count: int | None = field(default=None, metadata=UINT.meta)
    max_message_size: int | None = field(default=None, metadata=ULONG.meta)
    offered_capabilities: Any = field(default=None, metadata=SYMBOLS.meta)
    desired_capabilities: Any = field(default=None, metadata=SYMBOLS.meta)
    properties: dict[Any, Any] | None = field(default=None, metadata=FIELDS.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Flow(Composite):
    DESCRIPTOR = 0x13
    NAME = "amqp:flow:list"
    next_incoming_id: int | None = field(default=None, metadata=UINT.meta)
    incoming_window: int = field(metadata=UINT.req)
    next_outgoing_id: int = field(metadata=UINT.req)
    outgoing_window: int = field(metadata=UINT.req)
    handle: int | None = field(default=None, metadata=UINT.meta)
    delivery_count: int | None = field(default=None, metadata=UINT.meta)
    link_credit: int | None = field(default=None, metadata=UINT.meta)
    available: int | None = field(default=None, metadata=UINT.meta)
    drain: bool | None = field(default=None, metadata=BOOL.meta)
    echo: bool | None = field(default=None, metadata=BOOL.meta)
    properties: dict[Any, Any] | None = field(default=None, metadata=FIELDS.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer(Composite):
    DESCRIPTOR = 0x14
    NAME = "amqp:transfer:list"
    handle: int = field(metadata=UINT.req)
    delivery_id: int | None = field(default=None, metadata=UINT.meta)
    delivery_tag: bytes | None = field(default=None, metadata=BINARY.meta)
    message_format: int | None = field(default=None, metadata=UINT.meta)
    settled: bool | None = field(default=None, metadata=BOOL.meta)
    more: bool | None = field(default=None, metadata=BOOL.meta)
    rcv_settle_mode: int | None = field(default=None, metadata=UBYTE.meta)
    state: Any = field(default=None, metadata=ANY.meta)
    resume: bool | None = field(default=None, metadata=BOOL.meta)
    aborted: bool | None = field(default=None, metadata=BOOL.meta)
    batchable: bool | None = field(default=None, metadata=BOOL.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Disposition(Composite):
    DESCRIPTOR = 0x15
    NAME = "amqp:disposition:list"
    role: bool = field(metadata=BOOL.req)
    first: int = field(metadata=UINT.req)
    last: int | None = field(default=None, metadata=UINT.meta)
    settled: bool | None = field(default=None, metadata=BOOL.meta)
    state: Any = field(default=None, metadata=ANY.meta)
    batchable: bool | None = field(default=None, metadata=BOOL.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Detach(Composite):
    DESCRIPTOR = 0x16
    NAME = "amqp:detach:list"
    handle: int = field(metadata=UINT.req)
    closed: bool | None = field(default=None, metadata=BOOL.meta)
    error: Error | None = field(default=None, metadata=ANY.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class End(Composite):
    DESCRIPTOR = 0x17
    NAME = "amqp:end:list"
    error: Error | None = field(default=None, metadata=ANY.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Close(Composite):
    DESCRIPTOR = 0x18
    NAME = "amqp:close:list"
    error: Error | None = field(default=None, metadata=ANY.meta)


# --- Part 5 §5.3.3 SASL frames -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslMechanisms(Composite):
    DESCRIPTOR = 0x40
    NAME = "amqp:sasl-mechanisms:list"
    sasl_server_mechanisms: Any = field(metadata=SYMBOLS.req)


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslInit(Composite):
    DESCRIPTOR = 0x41
    NAME = "amqp:sasl-init:list"
    mechanism: str = field(metadata=SYMBOL.req)
    initial_response: bytes | None = field(default=None, metadata=BINARY.meta)
    hostname: str | None = field(default=None, metadata=STRING.meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslChallenge(Composite):
    DESCRIPTOR = 0x42
    NAME = "amqp:sasl-challenge:list"
    challenge: bytes = field(metadata=BINARY.req)


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslResponse(Composite):
    DESCRIPTOR = 0x43
    NAME = "amqp:sasl-response:list"
    response: bytes = field(metadata=BINARY.req)


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslOutcome(Composite):
    """§5.3.3.6: code 0 ok, 1 auth, 2 sys, 3 sys-perm, 4 sys-temp."""

    DESCRIPTOR = 0x44
    NAME = "amqp:sasl-outcome:list"
    code: int = field(metadata=UBYTE.req)
    additional_data: bytes | None = field(default=None, metadata=BINARY.meta)


Performative = Open | Begin | Attach | Flow | Transfer | Disposition | Detach | End | Close
SaslFrame = SaslMechanisms | SaslInit | SaslChallenge | SaslResponse | SaslOutcome

_TYPES: tuple[type[Composite], ...] = (
    Error, Received, Accepted, Rejected, Released, Modified, Source, Target,
    Open, Begin, Attach, Flow, Transfer, Disposition, Detach, End, Close,
    SaslMechanisms, SaslInit, SaslChallenge, SaslResponse, SaslOutcome,
)  # fmt: skip
_BY_DESCRIPTOR: dict[Any, type[Composite]] = {
    **{ULong(t.DESCRIPTOR): t for t in _TYPES},
    **{Symbol(t.NAME): t for t in _TYPES},
}


def composite(value: Any) -> Any:
    """Turn a decoded Described into its dataclass when it is one we know; else return it.

    Nested known composites (a Source inside an Attach, an Error inside a Detach) are
    converted too; unknown descriptors (e.g. a transaction coordinator target) stay Described.
    """
    if not isinstance(value, Described):
        return value
    cls = _BY_DESCRIPTOR.get(value.descriptor)
    return value if cls is None else from_list(cls, value.value)


def from_list(cls: type[C], items: Any) -> C:
    """Build `cls` from its described list, checking every field's type."""
    if not isinstance(items, list):
        raise DecodeError(f"{cls.NAME} is not a list (§1.3)")
    kwargs: dict[str, Any] = {}
    for index, spec in enumerate(fields(cls)):  # type: ignore[arg-type]
        kind: Kind = spec.metadata["kind"]
        raw = items[index] if index < len(items) else None
        if raw is None:
            if kind.required:
                raise DecodeError(f"{cls.NAME}: mandatory field {spec.name} is missing")
            kwargs[spec.name] = None
            continue
        if not kind.check(raw):
            raise DecodeError(f"{cls.NAME}: field {spec.name} is not a {kind.name}")
        if kind.wrap is _symbols:
            raw = tuple(raw.items) if isinstance(raw, Array) else (raw,)
        kwargs[spec.name] = composite(raw) if kind.name == "*" else raw
    return cls(**kwargs)
