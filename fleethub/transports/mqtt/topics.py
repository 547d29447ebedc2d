"""Azure IoT Hub MQTT topics and property bags, both directions (wire spec §4; MQTT 3.1.1 §4.7).

Every IoT Hub topic string is parsed or built here and nowhere else. See docs/design/mqtt.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import quote, unquote

from fleethub.transports.mqtt.packets import ProtocolError

# IoT Hub quotas: a D2C message body is at most 256 KB and a C2D message at most 64 KB; the
# device SDK checks 262144 bytes on its side (azure/iot/device/constant.py:15).
MAX_D2C_MESSAGE_BYTES = 256 * 1024
MAX_C2D_MESSAGE_BYTES = 64 * 1024
# UNVERIFIED: Microsoft's docs found so far state no limit on application properties; this
# bounds keys + values (UTF-8 bytes) so one device cannot bloat every stored message. The
# MQTT topic itself caps a bag at 65535 bytes anyway.
MAX_APPLICATION_PROPERTIES_BYTES = 8 * 1024

# Bag keys of system properties → fleethub's names. Both tables are in the device SDK's
# encoding order (mqtt_topic_iothub.py:334-404), which encode_bag() follows.
D2C_SYSTEM_PROPERTIES: Mapping[str, str] = {
    "$.on": "output_name",
    "$.mid": "message_id",
    "$.cid": "correlation_id",
    "$.uid": "user_id",
    "$.ct": "content_type",
    "$.ce": "content_encoding",
    "$.ifid": "interface_id",
    "$.exp": "expiry_time_utc",
    "$.sub": "component_name",  # IoT Plug and Play component telemetry
}
C2D_SYSTEM_PROPERTIES: Mapping[str, str] = {
    "$.mid": "message_id",
    "$.cid": "correlation_id",
    "$.uid": "user_id",
    "$.ct": "content_type",
    "$.ce": "content_encoding",
    "$.exp": "expiry_time_utc",
    "$.to": "to",
    "iothub-ack": "ack",
}
# fleethub name → bag key, for encoding; output_name … component_name, then to and ack.
_BAG_KEYS: Mapping[str, str] = {
    name: key
    for table in (D2C_SYSTEM_PROPERTIES, C2D_SYSTEM_PROPERTIES)
    for key, name in table.items()
}

# The subscriptions the device SDK makes (wire spec §4.1); device and module share these three.
METHODS_FILTER = "$iothub/methods/POST/#"
TWIN_RESPONSE_FILTER = "$iothub/twin/res/#"
DESIRED_PATCH_FILTER = "$iothub/twin/PATCH/properties/desired/#"

_TWIN_GET = "$iothub/twin/GET/"
_TWIN_PATCH_REPORTED = "$iothub/twin/PATCH/properties/reported/"
_METHOD_RESPONSE = "$iothub/methods/res/"


class TopicNotAllowed(ProtocolError):
    """A PUBLISH topic that is not one of IoT Hub's, or that names another device or module."""


class MessageTooLarge(ProtocolError):
    """A telemetry body or property bag over IoT Hub's limits."""


@dataclass(frozen=True, slots=True)
class Telemetry:
    """D2C message (wire spec §4.2 rows 1-2). `system` is keyed by fleethub names
    (message_id, content_type, output_name…); every other bag key is in `application`."""

    system: dict[str, str]
    application: dict[str, str]


@dataclass(frozen=True, slots=True)
class TwinGet:
    rid: str


@dataclass(frozen=True, slots=True)
class TwinPatchReported:
    rid: str


@dataclass(frozen=True, slots=True)
class MethodResponse:
    status: int
    rid: str


DeviceTopic: TypeAlias = Telemetry | TwinGet | TwinPatchReported | MethodResponse


# --- device → hub ----------------------------------------------------------------------------


def parse_device_topic(topic: str, device_id: str, module_id: str | None = None) -> DeviceTopic:
    """What a PUBLISH from the connected identity asks for.

    Ids are matched literally against the prefix, never by splitting first, because ids may
    contain '?', '%' or '$' and the SDK never encodes them (wire spec §4.7):
    parse_device_topic("devices/a?b/messages/events/k=v", "a?b")
    == Telemetry(system={}, application={"k": "v"}).
    """
    if topic.startswith("$iothub/"):
        return _parse_iothub_topic(topic)
    base = f"devices/{device_id}/modules/{module_id}" if module_id else f"devices/{device_id}"
    events = base + "/messages/events"
    if topic.startswith(events):
        rest = topic[len(events) :]
        # The SDK always sends the trailing '/'; without it there is simply no bag.
        if not rest or rest[0] == "/":
            system, application = split_bag(rest[1:], D2C_SYSTEM_PROPERTIES)
            return Telemetry(system, application)
    raise TopicNotAllowed(f"publishing to {topic!r} is not allowed for {base!r}")


def _parse_iothub_topic(topic: str) -> DeviceTopic:
    # '$iothub/...' topics carry no ids, so splitting at the first '?' is safe here.
    path, mark, query = topic.partition("?")
    if mark:
        rid = decode_bag(query).get("$rid")
        if rid is not None:
            if path == _TWIN_GET:
                return TwinGet(rid)
            if path == _TWIN_PATCH_REPORTED:
                return TwinPatchReported(rid)
            if path.startswith(_METHOD_RESPONSE) and path.endswith("/"):
                status = unquote(path[len(_METHOD_RESPONSE) : -1])
                digits = status[1:] if status.startswith("-") else status
                if digits.isascii() and digits.isdecimal() and len(digits) <= 10:
                    return MethodResponse(int(status), rid)
    raise TopicNotAllowed(f"publishing to {topic!r} is not allowed")


def check_telemetry_size(message: Telemetry, body_size: int) -> None:
    """Raise MessageTooLarge past IoT Hub's D2C body limit or our application-property bound."""
    if body_size > MAX_D2C_MESSAGE_BYTES:
        raise MessageTooLarge(f"message body of {body_size} bytes exceeds {MAX_D2C_MESSAGE_BYTES}")
    size = sum(len(k.encode()) + len(v.encode()) for k, v in message.application.items())
    if size > MAX_APPLICATION_PROPERTIES_BYTES:
        raise MessageTooLarge(
            f"application properties of {size} bytes exceed {MAX_APPLICATION_PROPERTIES_BYTES}"
        )


# --- property bags ---------------------------------------------------------------------------


def decode_bag(bag: str) -> dict[str, str]:
    """Decode `k=v&k2=v2` as the device SDK writes it (wire spec §4.3).

    Split on '&', then on the first '='; percent-decode %XX only, never '+' → space.
    A key without '=' gets "" (the SDK would give None, but property values are strings
    everywhere in fleethub). Empty segments ('a=1&&b=2', a trailing '&') are skipped, and a
    repeated key keeps its last value, as in the SDK:
    decode_bag("%24.ct=application%2Fjson&a+b=x%20y&flag") ==
    {"$.ct": "application/json", "a+b": "x y", "flag": ""}.
    """
    result: dict[str, str] = {}
    if not bag:
        return result
    try:
        for segment in bag.split("&"):
            if segment:
                key, _, value = segment.partition("=")
                result[unquote(key, errors="strict")] = unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise TopicNotAllowed(f"property bag {bag!r} is not percent-encoded UTF-8") from None
    return result


def split_bag(
    bag: str, system_keys: Mapping[str, str] = D2C_SYSTEM_PROPERTIES
) -> tuple[dict[str, str], dict[str, str]]:
    """Decode a bag into (system, application); both `%24.mid` and `$.mid` are system keys,
    since third-party clients send the literal form (wire spec §4.3)."""
    system: dict[str, str] = {}
    application: dict[str, str] = {}
    for key, value in decode_bag(bag).items():
        name = system_keys.get(key)
        if name is None:
            application[key] = value
        else:
            system[name] = value
    return system, application


def encode_bag(
    system: Mapping[str, str] | None = None, application: Mapping[str, str] | None = None
) -> str:
    """System properties first in the SDK's order, then application properties sorted, every
    key and value quoted with safe="" because the SDK splits bags on '/', '&' and '=':
    encode_bag({"message_id": "m 1"}, {"a/b": "c=d"}) == "%24.mid=m%201&a%2Fb=c%3Dd".
    """
    pairs: list[str] = []
    if system:
        unknown = set(system) - set(_BAG_KEYS)
        if unknown:
            raise ValueError(f"unknown system properties {sorted(unknown)}")
        pairs += (_pair(key, system[name]) for name, key in _BAG_KEYS.items() if name in system)
    if application:
        pairs += (_pair(key, application[key]) for key in sorted(application))
    return "&".join(pairs)


def _pair(key: str, value: str) -> str:
    return f"{quote(key, safe='')}={quote(value, safe='')}"


# --- hub → device ----------------------------------------------------------------------------


def c2d_topic(
    device_id: str,
    system: Mapping[str, str] | None = None,
    application: Mapping[str, str] | None = None,
) -> str:
    """`devices/{d}/messages/devicebound/{bag}`; the id is never encoded (wire spec §4.2 row 3)."""
    return f"devices/{device_id}/messages/devicebound/{encode_bag(system, application)}"


def input_topic(
    device_id: str,
    module_id: str,
    input_name: str,
    system: Mapping[str, str] | None = None,
    application: Mapping[str, str] | None = None,
) -> str:
    """`devices/{d}/modules/{m}/inputs/{input}/{bag}`; the SDK unquotes segment 5, the input."""
    bag = encode_bag(system, application)
    return f"devices/{device_id}/modules/{module_id}/inputs/{quote(input_name, safe='')}/{bag}"


def twin_response_topic(status: int, rid: str, version: int | None = None) -> str:
    """`$iothub/twin/res/{status}/?$rid={rid}[&$version={v}]` (wire spec §4.2 row 7)."""
    topic = f"$iothub/twin/res/{status}/?$rid={quote(rid, safe='')}"
    return topic if version is None else f"{topic}&$version={version}"


def desired_patch_topic(version: int) -> str:
    return f"$iothub/twin/PATCH/properties/desired/?$version={version}"


def method_request_topic(method_name: str, rid: str) -> str:
    """`$iothub/methods/POST/{name}/?$rid={rid}`; the SDK unquotes the name (segment 4)."""
    return f"$iothub/methods/POST/{quote(method_name, safe='')}/?$rid={quote(rid, safe='')}"


# --- subscriptions ---------------------------------------------------------------------------


def c2d_filter(device_id: str) -> str:
    return f"devices/{device_id}/messages/devicebound/#"


def input_filter(device_id: str, module_id: str) -> str:
    return f"devices/{device_id}/modules/{module_id}/inputs/#"


def allowed_filters(device_id: str, module_id: str | None = None) -> tuple[str, ...]:
    """The filters an identity may subscribe to (wire spec §4.1). Modules get inputs instead of
    C2D, which IoT Hub does not offer them (§4.6)."""
    own = input_filter(device_id, module_id) if module_id else c2d_filter(device_id)
    return (own, METHODS_FILTER, TWIN_RESPONSE_FILTER, DESIRED_PATCH_FILTER)


def subscription_allowed(topic_filter: str, device_id: str, module_id: str | None = None) -> bool:
    """True for exactly the filters of allowed_filters(); anything else gets SUBACK 0x80."""
    return topic_filter in allowed_filters(device_id, module_id)


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT 3.1.1 §4.7 matching: '+' is one whole level, '#' the rest (and the parent level).

    A filter starting with a wildcard does not match a '$' topic [MQTT-4.7.2-1]. '+' or '#'
    inside a level are plain characters, as device ids may contain them (wire spec §4.7):
    topic_matches("$iothub/twin/res/#", "$iothub/twin/res/200/?$rid=1") is True.
    """
    if topic[:1] == "$" and topic_filter[:1] in ("+", "#"):
        return False
    levels = topic.split("/")
    wanted = topic_filter.split("/")
    last = len(wanted) - 1
    for i, level in enumerate(wanted):
        if level == "#" and i == last:
            return True
        if i >= len(levels) or (level != "+" and level != levels[i]):
            return False
    return len(wanted) == len(levels)
