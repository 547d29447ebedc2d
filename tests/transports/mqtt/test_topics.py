"""IoT Hub topics and property bags (wire spec §4), checked against the captured topics and
against the device SDK's own topic functions (azure-iot-device 2.14, mqtt_topic_iothub.py)."""

from __future__ import annotations

import pytest
from azure.iot.device import Message
from azure.iot.device.iothub.pipeline import mqtt_topic_iothub as sdk
from hypothesis import given, settings
from hypothesis import strategies as st

from fleethub.transports.mqtt.packets import ProtocolError
from fleethub.transports.mqtt.topics import (
    C2D_SYSTEM_PROPERTIES,
    D2C_SYSTEM_PROPERTIES,
    DESIRED_PATCH_FILTER,
    MAX_APPLICATION_PROPERTIES_BYTES,
    MAX_D2C_MESSAGE_BYTES,
    METHODS_FILTER,
    TWIN_RESPONSE_FILTER,
    MessageTooLarge,
    MethodResponse,
    Telemetry,
    TopicNotAllowed,
    TwinGet,
    TwinPatchReported,
    allowed_filters,
    c2d_topic,
    check_telemetry_size,
    decode_bag,
    desired_patch_topic,
    encode_bag,
    input_topic,
    method_request_topic,
    parse_device_topic,
    split_bag,
    subscription_allowed,
    topic_matches,
    twin_response_topic,
)

BOUNDED = settings(max_examples=300, deadline=None)

# Wire spec §4.3, verbatim.
CAPTURED_D2C = (
    "devices/dev1/messages/events/%24.mid=mid-1&%24.cid=corr%2F1&%24.uid=user1"
    "&%24.ct=application%2Fjson&%24.ce=utf-8&%24.exp=2030-01-02T03%3A04%3A05%2B00%3A00"
    "&a%2Fb%3Dc%26d=x%20y%2Bz%25&alert=high%20temp&num=5"
)
CAPTURED_MODULE_OUTPUT = (
    "devices/dev1/modules/mod1/messages/events/"
    "%24.on=output1&%24.mid=out-1&%24.ct=application%2Fjson&%24.ce=utf-8&p=1"
)
CAPTURED_C2D = (
    "devices/dev1/messages/devicebound/%24.mid=c2d-msg-1"
    "&%24.to=%2Fdevices%2Fdev1%2Fmessages%2FdeviceBound&%24.ct=application%2Fjson"
    "&%24.ce=utf-8&%24.cid=corr-1&iothub-ack=full&custom%20key=va%2Flue%3D%26x"
)
CAPTURED_INPUT = "devices/dev1/modules/mod1/inputs/input1/%24.mid=in-1&%24.ct=text%2Fplain&k1=v1"


def test_captured_d2c_topic_parses_and_re_encodes_byte_for_byte() -> None:
    """Wire spec §4.3: system keys map to names, custom keys keep '/', '=', '&', '+', '%'."""
    parsed = parse_device_topic(CAPTURED_D2C, "dev1")
    system = {
        "message_id": "mid-1",
        "correlation_id": "corr/1",
        "user_id": "user1",
        "content_type": "application/json",
        "content_encoding": "utf-8",
        "expiry_time_utc": "2030-01-02T03:04:05+00:00",
    }
    application = {"a/b=c&d": "x y+z%", "alert": "high temp", "num": "5"}
    assert parsed == Telemetry(system, application)
    assert "devices/dev1/messages/events/" + encode_bag(system, application) == CAPTURED_D2C


def test_captured_plain_and_security_topics_parse() -> None:
    """Wire spec §4.2 row 1: the bag may be empty (trailing '/' always present); §4.3 $.ifid."""
    assert parse_device_topic("devices/dev1/messages/events/", "dev1") == Telemetry({}, {})
    security = "devices/dev1/messages/events/%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1"
    assert parse_device_topic(security, "dev1") == Telemetry(
        {"interface_id": "urn:azureiot:Security:SecurityAgent:1"}, {}
    )


def test_captured_module_output_parses_for_that_module() -> None:
    """Wire spec §4.2 row 2: `$.on` names the module output."""
    parsed = parse_device_topic(CAPTURED_MODULE_OUTPUT, "dev1", "mod1")
    assert parsed == Telemetry(
        {
            "output_name": "output1",
            "message_id": "out-1",
            "content_type": "application/json",
            "content_encoding": "utf-8",
        },
        {"p": "1"},
    )
    assert isinstance(parsed, Telemetry)
    bag = encode_bag(parsed.system, parsed.application)
    assert "devices/dev1/modules/mod1/messages/events/" + bag == CAPTURED_MODULE_OUTPUT


def test_captured_c2d_and_input_topics() -> None:
    """Wire spec §4.3: the captured C2D bag decodes to the same properties we would send, and
    the input topic is rebuilt byte for byte."""
    system, application = split_bag(CAPTURED_C2D.rsplit("/", 1)[1], C2D_SYSTEM_PROPERTIES)
    assert application == {"custom key": "va/lue=&x"}
    assert system["to"] == "/devices/dev1/messages/deviceBound"
    ours = c2d_topic("dev1", system, application)
    assert split_bag(ours.rsplit("/", 1)[1], C2D_SYSTEM_PROPERTIES) == (system, application)
    built = input_topic(
        "dev1", "mod1", "input1", {"message_id": "in-1", "content_type": "text/plain"}, {"k1": "v1"}
    )
    assert built == CAPTURED_INPUT


def test_literal_system_keys_are_accepted() -> None:
    """Wire spec §4.3: third-party clients send `$.mid` unencoded; both forms are system."""
    assert parse_device_topic("devices/d/messages/events/$.mid=1&%24.ct=a", "d") == Telemetry(
        {"message_id": "1", "content_type": "a"}, {}
    )


def test_component_name_and_unknown_dollar_keys() -> None:
    """`$.sub` marks IoT Plug and Play component telemetry; other keys stay application."""
    assert parse_device_topic("devices/d/messages/events/%24.sub=thermo&%24.x=1", "d") == (
        Telemetry({"component_name": "thermo"}, {"$.x": "1"})
    )


@pytest.mark.parametrize("device_id", ["a?b", "100%", "$dev", "d%24?x=1&y", "dev.1:a_b"])
def test_ids_are_matched_literally(device_id: str) -> None:
    """Wire spec §4.7: ids may hold '?', '%', '$'; the SDK never encodes them in topics."""
    topic = f"devices/{device_id}/messages/events/k=v"
    assert parse_device_topic(topic, device_id) == Telemetry({}, {"k": "v"})
    module_topic = f"devices/{device_id}/modules/m?1/messages/events/"
    assert parse_device_topic(module_topic, device_id, "m?1") == Telemetry({}, {})


@pytest.mark.parametrize(
    ("topic", "device_id", "module_id"),
    [
        ("devices/dev2/messages/events/", "dev1", None),  # another device
        ("devices/dev10/messages/events/", "dev1", None),
        ("devices/dev/messages/events/", "dev1", None),
        ("devices/a/messages/events/?b", "a?b", None),
        ("devices/dev1/messages/eventsX/", "dev1", None),
        ("devices/dev1/messages/devicebound/", "dev1", None),  # hub → device only
        ("devices/dev1/modules/mod1/messages/events/", "dev1", None),  # a module of it
        ("devices/dev1/messages/events/", "dev1", "mod1"),  # module posing as its device
        ("devices/dev1/modules/mod2/messages/events/", "dev1", "mod1"),  # a sibling module
        ("$iothub/twin/res/200/?$rid=1", "dev1", None),  # hub → device only
        ("$iothub/twin/GET/", "dev1", None),  # no $rid
        ("$iothub/twin/GET?$rid=1", "dev1", None),
        ("$iothub/twin/PATCH/properties/desired/?$rid=1", "dev1", None),
        ("$iothub/methods/res/ok/?$rid=1", "dev1", None),
        ("$iothub/methods/res/--5/?$rid=1", "dev1", None),
        ("$iothub/methods/res/200?$rid=1", "dev1", None),
        ("$iothub/methods/POST/x/?$rid=1", "dev1", None),
        ("anything/else", "dev1", None),
    ],
)
def test_topics_outside_the_identity_are_refused(
    topic: str, device_id: str, module_id: str | None
) -> None:
    """Style §7.2: identity comes from CONNECT; a topic naming another identity is refused."""
    with pytest.raises(TopicNotAllowed):
        parse_device_topic(topic, device_id, module_id)
    assert issubclass(TopicNotAllowed, ProtocolError)


def test_twin_and_method_topics_parse() -> None:
    """Wire spec §4.2 rows 5, 6 and 10, as the SDK builds them."""
    rid = "7a3c-?%"
    get = sdk.get_twin_topic_for_publish("GET", "/", rid)
    patch = sdk.get_twin_topic_for_publish("PATCH", "/properties/reported/", rid)
    assert parse_device_topic(get, "d") == TwinGet(rid)
    assert parse_device_topic(patch, "d", "m") == TwinPatchReported(rid)
    assert parse_device_topic(sdk.get_method_topic_for_publish(rid, 200), "d") == MethodResponse(
        200, rid
    )
    assert parse_device_topic("$iothub/methods/res/-1/?$rid=1", "d") == MethodResponse(-1, "1")


def test_hub_to_device_topics_read_back_by_the_sdk() -> None:
    """Wire spec §4.2 rows 7-9: status, rid, method name and version as the SDK parses them."""
    response = twin_response_topic(204, "r/1&x", version=5)
    assert response == "$iothub/twin/res/204/?$rid=r%2F1%26x&$version=5"
    assert sdk.get_twin_status_code_from_topic(response) == "204"
    assert sdk.get_twin_request_id_from_topic(response) == "r/1&x"
    assert twin_response_topic(200, "1") == "$iothub/twin/res/200/?$rid=1"
    assert desired_patch_topic(3) == "$iothub/twin/PATCH/properties/desired/?$version=3"
    assert sdk.is_twin_desired_property_patch_topic(desired_patch_topic(3))
    method = method_request_topic("re boot/now", "1")
    assert method == "$iothub/methods/POST/re%20boot%2Fnow/?$rid=1"
    assert sdk.get_method_name_from_topic(method) == "re boot/now"
    assert sdk.get_method_request_id_from_topic(method) == "1"


def test_c2d_and_input_topics_read_back_by_the_sdk() -> None:
    """Wire spec §4.2 rows 3-4: the SDK finds C2D by substring and takes the bag from
    segment 5 (inputs: name from 5, bag from 6), so every '/' inside must be encoded."""
    system = {"message_id": "m/1", "correlation_id": "c", "content_type": "a/b", "ack": "full"}
    application = {"k/=&%+ ": "v/=&%+ "}
    topic = c2d_topic("dev?1", system, application)
    assert sdk.is_c2d_topic(topic, "dev?1")
    message = Message(b"")
    sdk.extract_message_properties_from_topic(topic, message)
    assert (message.message_id, message.correlation_id, message.content_type, message.ack) == (
        "m/1",
        "c",
        "a/b",
        "full",
    )
    assert message.custom_properties == application
    assert c2d_topic("d") == "devices/d/messages/devicebound/"
    routed = input_topic("d", "m", "in/1", {"message_id": "x"}, application)
    assert sdk.is_input_topic(routed, "d", "m")
    assert sdk.get_input_name_from_topic(routed) == "in/1"
    message = Message(b"")
    sdk.extract_message_properties_from_topic(routed, message)
    assert (message.message_id, message.custom_properties) == ("x", application)


# --- property bags ---------------------------------------------------------------------------


def test_bag_decoding_rules() -> None:
    """Wire spec §4.3: split on '&' then the first '='; %XX only, never '+' → space; a key
    without '=' gets ""; empty segments are skipped; the last repeat wins."""
    assert decode_bag("a+b=c+d&e=f=g&flag&&x=1&x=2&") == {
        "a+b": "c+d",
        "e": "f=g",
        "flag": "",
        "x": "2",
    }
    assert decode_bag("") == {}
    assert decode_bag("100%=%zz") == {"100%": "%zz"}  # not an escape: kept as sent
    with pytest.raises(TopicNotAllowed):
        decode_bag("k=%ff")  # an escape that is not UTF-8


def test_encode_bag_refuses_unknown_system_names() -> None:
    """System properties are named; a typo must not slip out as an application property."""
    with pytest.raises(ValueError, match="messageid"):
        encode_bag({"messageid": "1"})


keys = st.text(min_size=1, max_size=12).filter(
    lambda k: k not in D2C_SYSTEM_PROPERTIES and k not in C2D_SYSTEM_PROPERTIES
)
values = st.text(max_size=12) | st.sampled_from(["/", "=", "&", "%", " ", "+", "%24", "a=b&c"])


@BOUNDED
@given(st.dictionaries(keys, values, max_size=5), st.dictionaries(keys, values, max_size=3))
def test_bags_round_trip_through_us_and_the_sdk(
    application: dict[str, str], system_values: dict[str, str]
) -> None:
    """Any strings survive encode_bag → split_bag, and the SDK decodes our C2D bags the same."""
    names = ["message_id", "correlation_id", "user_id", "content_type", "content_encoding"]
    system = dict(zip(names, system_values.values(), strict=False))
    bag = encode_bag(system, application)
    assert "/" not in bag
    assert split_bag(bag, C2D_SYSTEM_PROPERTIES) == (system, application)
    message = Message(b"")
    sdk.extract_message_properties_from_topic(c2d_topic("d", system, application), message)
    assert message.custom_properties == application
    assert message.message_id == system.get("message_id")


@BOUNDED
@given(st.dictionaries(keys, values, max_size=5), st.text(min_size=1, max_size=10))
def test_sdk_telemetry_topics_parse_back(application: dict[str, str], message_id: str) -> None:
    """The SDK's own encoder (encode_message_properties_in_topic) is what we parse."""
    message = Message(b"")
    message.message_id = message_id
    message.custom_properties = dict(application)
    topic = sdk.encode_message_properties_in_topic(message, "devices/d$1/messages/events/")
    assert parse_device_topic(topic, "d$1") == Telemetry({"message_id": message_id}, application)


def test_telemetry_limits() -> None:
    """IoT Hub quotas: a D2C body is at most 256 KB; application properties are bounded."""
    check_telemetry_size(Telemetry({}, {}), MAX_D2C_MESSAGE_BYTES)
    with pytest.raises(MessageTooLarge):
        check_telemetry_size(Telemetry({}, {}), MAX_D2C_MESSAGE_BYTES + 1)
    big = Telemetry({}, {"k": "v" * MAX_APPLICATION_PROPERTIES_BYTES})
    with pytest.raises(MessageTooLarge):
        check_telemetry_size(big, 0)


# --- subscriptions ---------------------------------------------------------------------------


def test_device_may_subscribe_to_the_sdk_filters_only() -> None:
    """Wire spec §4.1: C2D and the three $iothub filters, with the raw device id."""
    for device_id in ("dev1", "a+b#c"):
        allowed = allowed_filters(device_id)
        assert allowed[0] == sdk.get_c2d_topic_for_subscribe(device_id)
        assert set(allowed[1:]) == {METHODS_FILTER, TWIN_RESPONSE_FILTER, DESIRED_PATCH_FILTER}
        assert all(subscription_allowed(f, device_id) for f in allowed)
    for refused in (
        "devices/dev2/messages/devicebound/#",
        "devices/dev1/messages/devicebound/+",
        "devices/+/messages/devicebound/#",
        "devices/dev1/modules/m/inputs/#",
        "#",
        "$iothub/#",
        "$iothub/twin/res/+",
    ):
        assert not subscription_allowed(refused, "dev1")


def test_module_may_subscribe_to_its_inputs_not_c2d() -> None:
    """Wire spec §4.1 and §4.6: modules get inputs; IoT Hub has no C2D for modules."""
    assert subscription_allowed(sdk.get_input_topic_for_subscribe("d", "m"), "d", "m")
    assert subscription_allowed(sdk.get_method_topic_for_subscribe(), "d", "m")
    assert not subscription_allowed(sdk.get_c2d_topic_for_subscribe("d"), "d", "m")
    assert not subscription_allowed("devices/d/modules/m2/inputs/#", "d", "m")


@pytest.mark.parametrize(
    ("topic_filter", "topic", "matches"),
    [
        ("sport/tennis/player1/#", "sport/tennis/player1", True),  # §4.7.1.2
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", True),
        ("sport/#", "sport", True),
        ("sport/tennis/+", "sport/tennis/player1", True),  # §4.7.1.3
        ("sport/tennis/+", "sport/tennis/player1/ranking", False),
        ("sport/+", "sport", False),
        ("sport/+", "sport/", True),
        ("+/+", "/finance", True),
        ("/+", "/finance", True),
        ("+", "/finance", False),
        ("#", "$SYS/monitor/Clients", False),  # [MQTT-4.7.2-1]
        ("+/monitor/Clients", "$SYS/monitor/Clients", False),
        ("$SYS/#", "$SYS/monitor/Clients", True),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", True),
        (TWIN_RESPONSE_FILTER, "$iothub/twin/res/200/?$rid=1&$version=2", True),
        (DESIRED_PATCH_FILTER, desired_patch_topic(4), True),
        (METHODS_FILTER, method_request_topic("reboot", "1"), True),
        (METHODS_FILTER, "$iothub/twin/res/200/?$rid=1", False),
        ("devices/a+b/messages/devicebound/#", "devices/a+b/messages/devicebound/k=v", True),
        ("devices/a+b/messages/devicebound/#", "devices/axb/messages/devicebound/k=v", False),
        ("a/#/b", "a/x/b", False),  # '#' not last: a literal level, as the filter is invalid
    ],
)
def test_topic_matching(topic_filter: str, topic: str, matches: bool) -> None:
    """MQTT 3.1.1 §4.7: '+' one level, '#' the rest and the parent; '$' topics need a
    filter that does not start with a wildcard."""
    assert topic_matches(topic_filter, topic) is matches
