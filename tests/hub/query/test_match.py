"""In-memory evaluation of IoT Hub queries against twin documents (Cosmos DB-style semantics:
undefined fields, no comparisons across JSON types, three-valued AND/OR/NOT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fleethub.hub.query import (
    NEVER,
    UNDEFINED,
    FieldPath,
    aggregate,
    compare,
    evaluate,
    format_time,
    kind,
    matches,
    parse,
    parse_time,
    project,
    resolve,
    run,
)

# The sample twin from "Queries for IoT Hub device and module twins".
TWIN: dict[str, Any] = {
    "deviceId": "myDeviceId",
    "etag": "AAAAAAAAAAc=",
    "status": "enabled",
    "statusReason": None,
    "statusUpdateTime": NEVER,
    "connectionState": "Disconnected",
    "lastActivityTime": "2021-05-07T00:50:38.054309Z",
    "cloudToDeviceMessageCount": 0,
    "authenticationType": "sas",
    "version": 2,
    "tags": {"location": {"region": "US", "plant": "Redmond43"}, "floor": 3, "flag": True},
    "properties": {
        "desired": {
            "telemetryConfig": {"configId": "db00", "sendFrequencyInSecs": 300},
            "$metadata": {},
            "$version": 4,
        },
        "reported": {
            "connectivity": {"type": "cellular"},
            "telemetryConfig": {"configId": "db00", "sendFrequencyInSecs": 300},
            "$metadata": {},
            "$version": 7,
        },
    },
    "capabilities": {"iotEdge": False},
}


W = "SELECT * FROM devices WHERE "


def holds(condition: str, doc: dict[str, Any] = TWIN) -> bool | None:
    """The three-valued result of a WHERE condition: True, False or None (undefined)."""
    where = parse(W + condition).where
    assert where is not None
    return evaluate(where, doc)


def test_resolve_walks_objects_and_reports_undefined():
    assert resolve(FieldPath(("tags", "location", "region")), TWIN) == "US"
    assert resolve(FieldPath(("tags", "nope")), TWIN) is UNDEFINED
    assert resolve(FieldPath(("tags", "floor", "deeper")), TWIN) is UNDEFINED
    assert resolve(FieldPath(("statusReason",)), TWIN) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "bool"),
        (1, "number"),
        (1.5, "number"),
        ("x", "string"),
        ({}, "object"),
        ([], "array"),
        (UNDEFINED, "undefined"),
    ],
)
def test_kind_names_json_types(value: Any, expected: str):
    assert kind(value) == expected


def test_the_documented_examples_match():
    assert holds("tags.location.region = 'US'")
    assert holds(
        "tags.location.region = 'US' AND"
        " properties.reported.telemetryConfig.sendFrequencyInSecs >= 60"
    )
    assert holds("properties.reported.connectivity.type IN ['wired', 'cellular']")
    assert holds("is_defined(properties.reported.connectivity)")
    assert holds("status = 'enabled' AND connectionState = 'Disconnected'")


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("tags.floor = 3", True),
        ("tags.floor = 3.0", True),
        ("tags.floor = '3'", None),
        ("tags.floor != '3'", None),
        ("tags.floor > 2", True),
        ("tags.floor <= 2", False),
        ("tags.flag = true", True),
        ("tags.flag = 1", None),
        ("tags.flag > false", True),
        ("tags.location = 'US'", None),
        ("tags.location = tags.location", None),
        ("tags.nope = 1", None),
        ("tags.nope != 1", None),
        ("tags.nope = null", None),
        ("statusReason = null", True),
        ("statusReason != null", False),
        ("statusReason <= null", True),
        ("statusReason < null", False),
        ("statusReason = 'x'", None),
        ("'a' < 'b'", True),
        ("'B' < 'a'", True),
        ("1 = 1", True),
        ("properties.desired.$version < properties.reported.$version", True),
    ],
)
def test_comparisons_across_types_and_missing_fields_are_undefined(
    condition: str, expected: bool | None
):
    assert holds(condition) is expected


def test_compare_directly():
    assert compare("=", 1, 1.0) is True
    assert compare("=", True, 1) is None
    assert compare("<", "a", "b") is True
    assert compare("=", [1], [1]) is None
    assert compare("=", UNDEFINED, UNDEFINED) is None


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("NOT tags.nope = 1", None),
        ("tags.nope = 1 AND tags.floor = 3", None),
        ("tags.nope = 1 AND tags.floor = 4", False),
        ("tags.nope = 1 OR tags.floor = 3", True),
        ("tags.nope = 1 OR tags.floor = 4", None),
        ("NOT (tags.nope = 1 OR tags.floor = 4)", None),
        ("NOT (tags.nope = 1 AND tags.floor = 4)", True),
        ("NOT NOT tags.floor = 3", True),
    ],
)
def test_three_valued_logic(condition: str, expected: bool | None):
    assert holds(condition) is expected


def test_a_document_matches_only_when_the_condition_is_true():
    where = parse("SELECT * FROM devices WHERE NOT tags.nope = 1").where
    assert matches(where, TWIN) is False
    assert matches(None, TWIN) is True


def test_bare_operands_hold_only_when_exactly_true():
    assert holds("tags.flag") is True
    assert holds("tags.floor") is None
    assert holds("capabilities.iotEdge") is False
    assert holds("true") is True
    assert holds("'true'") is None


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("tags.location.region IN ['US', 'EU']", True),
        ("tags.location.region NIN ['US', 'EU']", False),
        ("tags.location.region IN ['EU']", False),
        ("tags.location.region NIN ['EU']", True),
        ("tags.floor IN ['3', true]", False),
        ("tags.floor NIN ['3', true]", True),
        ("tags.floor IN [3.0]", True),
        ("tags.flag IN [1]", False),
        ("statusReason IN [null]", True),
        ("statusReason NIN [null]", False),
        ("tags.nope IN [1]", None),
        ("tags.nope NIN [1]", None),
        ("tags.location IN ['US']", None),
        ("tags.location NIN ['US']", None),
        ("tags.floor IN []", False),
        ("tags.floor NIN []", True),
    ],
)
def test_in_and_nin(condition: str, expected: bool | None):
    assert holds(condition) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("is_defined(tags.location)", True),
        ("is_defined(tags.nope)", False),
        ("is_defined(statusReason)", True),
        ("is_null(statusReason)", True),
        ("is_null(tags.nope)", False),
        ("is_string(status)", True),
        ("is_string(tags.floor)", False),
        ("is_number(tags.floor)", True),
        ("is_number(tags.flag)", False),
        ("is_bool(tags.flag)", True),
        ("is_object(tags.location)", True),
        ("is_object(tags.nope)", False),
        ("is_array(tags.location)", False),
        ("is_primitive(tags.floor)", True),
        ("is_primitive(statusReason)", True),
        ("is_primitive(tags.location)", False),
        ("NOT is_defined(tags.nope)", True),
        ("startswith(deviceId, 'my')", True),
        ("startswith(deviceId, 'My')", False),
        ("startswith(deviceId, '')", True),
        ("endswith(deviceId, 'Id')", True),
        ("contains(tags.location.plant, 'mond')", True),
        ("contains(tags.location.plant, 'x')", False),
        ("startswith(tags.floor, '3')", None),
        ("NOT startswith(tags.floor, '3')", None),
        ("contains(tags.nope, 'x')", None),
    ],
)
def test_functions(condition: str, expected: bool | None):
    assert holds(condition) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("lastActivityTime > '2021-01-01'", True),
        ("lastActivityTime < '2021-05-07T02:50:39+02:00'", True),
        ("lastActivityTime = '2021-05-07T00:50:38.0543090Z'", True),
        ("lastActivityTime > 'not a time'", None),
        ("lastActivityTime > 5", None),
        ("statusUpdateTime < lastActivityTime", True),
        ("statusUpdateTime = '0001-01-01'", True),
        ("lastActivityTime IN ['2021-05-07T00:50:38.054309Z', 'x']", True),
        ("lastActivityTime NIN ['2021-05-07T00:50:38.054309Z']", False),
    ],
)
def test_times_compare_as_instants(condition: str, expected: bool | None):
    assert holds(condition) is expected


def test_times_may_be_datetimes_in_the_document():
    doc = {**TWIN, "lastActivityTime": datetime(2021, 5, 7, tzinfo=UTC)}
    assert holds("lastActivityTime >= '2021-05-07'", doc) is True
    assert holds("startswith(lastActivityTime, '2021-05-07T00:00:00')", doc) is True


def test_time_text_round_trips():
    instant = datetime(2021, 5, 7, 0, 50, 38, 54309, tzinfo=UTC)
    assert format_time(instant) == "2021-05-07T00:50:38.054309Z"
    assert format_time(instant.replace(tzinfo=None)) == "2021-05-07T00:50:38.054309Z"
    assert format_time(instant.astimezone(UTC) + timedelta(hours=0)) == format_time(instant)
    assert format_time(None) == NEVER
    assert parse_time(format_time(instant)) == instant
    assert parse_time("2021-05-07T02:50:38.054309+02:00") == instant
    assert parse_time("soon") is None


def test_project_keeps_selected_fields_and_drops_undefined_ones():
    query = parse(
        "SELECT DeviceId, tags.location.region AS region, tags.nope, statusReason FROM devices"
    )
    assert project(query, TWIN) == {"deviceId": "myDeviceId", "region": "US", "statusReason": None}


def test_project_star_is_the_document():
    assert project(parse("SELECT * FROM devices"), TWIN) == TWIN


def test_project_refuses_aggregates():
    with pytest.raises(ValueError, match="aggregate"):
        project(parse("SELECT COUNT() AS n FROM devices"), TWIN)


def _twin(device_id: str, **tags: Any) -> dict[str, Any]:
    return {"deviceId": device_id, "status": "enabled", "tags": tags}


DOCS = [
    _twin("a", v=1, region="US"),
    _twin("b", v=1.0, region="US"),
    _twin("c", v=True, region="EU"),
    _twin("d", v="1"),
    _twin("e", v=None),
    _twin("f"),
    _twin("g", v={"x": 1}),
    _twin("h", v={"x": 1}),
]


def test_group_by_counts_per_json_value():
    """1 and 1.0 are one group; true, "1", null, undefined and objects are their own."""
    rows = aggregate(parse("SELECT tags.v AS v, COUNT() AS n FROM devices GROUP BY tags.v"), DOCS)
    assert rows == [
        {"v": 1, "n": 2},
        {"v": True, "n": 1},
        {"v": "1", "n": 1},
        {"v": None, "n": 1},
        {"n": 1},
        {"v": {"x": 1}, "n": 2},
    ]


def test_group_by_several_fields_and_count_without_groups():
    query = parse(
        "SELECT tags.region AS r, status, COUNT() AS n FROM devices GROUP BY tags.region, status"
    )
    assert aggregate(query, DOCS) == [
        {"r": "US", "status": "enabled", "n": 2},
        {"r": "EU", "status": "enabled", "n": 1},
        {"status": "enabled", "n": 5},
    ]
    assert aggregate(parse("SELECT COUNT() AS n FROM devices"), DOCS) == [{"n": 8}]
    assert aggregate(parse("SELECT COUNT() AS n FROM devices"), []) == [{"n": 0}]
    assert aggregate(parse("SELECT COUNT() AS n FROM devices GROUP BY status"), []) == []


def test_run_filters_then_projects_and_honours_top():
    query = parse("SELECT TOP 2 deviceId FROM devices WHERE tags.region IN ['US', 'EU']")
    assert run(query, DOCS) == [{"deviceId": "a"}, {"deviceId": "b"}]
    query = parse("SELECT COUNT() AS n FROM devices WHERE is_number(tags.v)")
    assert run(query, DOCS) == [{"n": 2}]
