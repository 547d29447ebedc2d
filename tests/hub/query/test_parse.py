"""Parsing the IoT Hub query language (learn.microsoft.com: "IoT Hub query language for device
and module twins, jobs, and message routing"): every construct, and errors that say where."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleethub.hub.query import (
    MAX_DEPTH,
    MAX_QUERY_LENGTH,
    And,
    Compare,
    CompareOp,
    Count,
    FieldPath,
    FunctionCall,
    FunctionName,
    In,
    Literal,
    Not,
    Or,
    Projection,
    Query,
    QueryError,
    QuerySyntaxError,
    Scalar,
    SelectItem,
    Star,
    UnsupportedQuery,
    parse,
)

W = "SELECT * FROM devices WHERE "


def where(condition: str) -> Any:
    return parse(W + condition).where


def items(text: str) -> tuple[SelectItem, ...]:
    select = parse(text).select
    assert isinstance(select, tuple)
    return select


def f(*parts: str) -> FieldPath:
    return FieldPath(parts)


def test_select_star_from_devices():
    assert parse("SELECT * FROM devices") == Query(Star(), "devices")


def test_modules_collection():
    assert parse("SELECT * FROM devices.modules").source == "devices.modules"


def test_keywords_and_collections_are_case_insensitive():
    query = parse(
        "sElEcT * fRoM DeViCeS.MoDuLeS wHeRe tags.a = 1 AnD NoT tags.b = 2 oR tags.c iN [1]"
    )
    assert query.source == "devices.modules"
    assert isinstance(query.where, Or)


def test_projections_with_and_without_alias():
    query = parse("SELECT deviceId, tags.location.region AS region FROM devices")
    assert query.select == (
        Projection(f("deviceId")),
        Projection(f("tags", "location", "region"), "region"),
    )
    assert [item.name for item in query.select] == ["deviceId", "region"]


def test_projection_name_defaults_to_the_last_name():
    assert (
        items("SELECT properties.reported.telemetryConfig.status FROM devices")[0].name == "status"
    )


def test_count_group_by_as_in_the_azure_docs():
    query = parse(
        "SELECT properties.reported.telemetryConfig.status AS status,\n"
        "    COUNT() AS numberOfDevices\n"
        "  FROM devices\n"
        "  GROUP BY properties.reported.telemetryConfig.status"
    )
    status = f("properties", "reported", "telemetryConfig", "status")
    assert query.select == (Projection(status, "status"), Count("numberOfDevices"))
    assert query.group_by == (status,)
    assert query.is_aggregate


def test_count_alone_and_group_by_several_fields():
    assert parse("SELECT COUNT() as total FROM devices").select == (Count("total"),)
    query = parse("SELECT status, COUNT() AS n FROM devices GROUP BY status, tags.a")
    assert query.group_by == (f("status"), f("tags", "a"))


def test_top():
    assert parse("SELECT TOP 10 * FROM devices").top == 10
    assert parse("SELECT * FROM devices").top is None


def test_system_fields_are_case_insensitive_but_user_names_are_not():
    """Azure answers `SELECT DeviceId, LastActivityTime` with deviceId and lastActivityTime."""
    assert items("SELECT DeviceID, LASTACTIVITYTIME FROM devices") == (
        Projection(f("deviceId")),
        Projection(f("lastActivityTime")),
    )
    assert where("Properties.Reported.Temp = 1") == Compare(
        "=", f("properties", "reported", "Temp"), Literal(1)
    )
    assert where("Tags.Location = 1") == Compare("=", f("tags", "Location"), Literal(1))
    assert where("capabilities.IOTEDGE") == Compare(
        "=", f("capabilities", "iotEdge"), Literal(True)
    )


@pytest.mark.parametrize(
    ("text", "op"),
    [("=", "="), ("!=", "!="), ("<>", "!="), ("<", "<"), ("<=", "<="), (">", ">"), (">=", ">=")],
)
def test_comparison_operators(text: str, op: CompareOp):
    assert where(f"tags.a {text} 1") == Compare(op, f("tags", "a"), Literal(1))


def test_fields_on_both_sides_and_literals_on_the_left():
    assert where("properties.desired.x = properties.reported.x") == Compare(
        "=", f("properties", "desired", "x"), f("properties", "reported", "x")
    )
    assert where("3 < tags.a") == Compare("<", Literal(3), f("tags", "a"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'US'", "US"),
        ('"US"', "US"),
        ("''", ""),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'back\\slash'", "back\\slash"),
        (r"'\u0041\u00e9'", "Aé"),
        ("'日本'", "日本"),
        ("42", 42),
        ("-7", -7),
        ("2.5", 2.5),
        ("-0.5e3", -500.0),
        (".5", 0.5),
        ("1E2", 100.0),
        ("0x1F", 31),
        ("-0x10", -16),
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ("true", True),
        ("FALSE", False),
        ("Null", None),
    ],
)
def test_literals(text: str, value: Scalar):
    assert where(f"tags.a = {text}") == Compare("=", f("tags", "a"), Literal(value))


def test_in_and_nin_with_array_constants():
    assert where("tags.a IN ['wired', 'wifi', 1, true, null]") == In(
        f("tags", "a"),
        (Literal("wired"), Literal("wifi"), Literal(1), Literal(True), Literal(None)),
    )
    assert where("deviceId NIN []") == In(f("deviceId"), (), negated=True)


@pytest.mark.parametrize(
    "name",
    [
        *("IS_DEFINED", "IS_NULL", "IS_STRING", "IS_NUMBER", "IS_BOOL", "IS_OBJECT", "IS_ARRAY"),
        "IS_PRIMITIVE",
    ],
)
def test_type_functions(name: FunctionName):
    assert where(f"{name.lower()}(tags.a)") == FunctionCall(name, (f("tags", "a"),))


@pytest.mark.parametrize("name", ["STARTSWITH", "ENDSWITH", "CONTAINS"])
def test_string_functions(name: FunctionName):
    assert where(f"{name}(deviceId, 'ab')") == FunctionCall(
        name,
        (f("deviceId"), Literal("ab")),
    )


def test_and_binds_tighter_than_or_and_not_tighter_than_and():
    a, b, c = (Compare("=", f("tags", n), Literal(1)) for n in "abc")
    assert where("tags.a = 1 OR tags.b = 1 AND tags.c = 1") == Or((a, And((b, c))))
    assert where("NOT tags.a = 1 AND tags.b = 1") == And((Not(a), b))
    assert where("(tags.a = 1 OR tags.b = 1) AND tags.c = 1") == And((Or((a, b)), c))


def test_chains_are_flat():
    a, b, c = (Compare("=", f("tags", n), Literal(1)) for n in "abc")
    assert where("tags.a = 1 OR (tags.b = 1 OR tags.c = 1)") == Or((a, b, c))
    assert where("tags.a = 1 AND tags.b = 1 AND tags.c = 1") == And((a, b, c))


def test_a_bare_operand_holds_when_it_is_true():
    """Azure: any constant other than Boolean true counts as false."""
    assert where("tags.enabled") == Compare("=", f("tags", "enabled"), Literal(True))
    assert where("true") == Compare("=", Literal(True), Literal(True))


def test_double_brackets_escape_names_as_azure_documents():
    assert where("tags.[[group]].name = 'x'") == Compare(
        "=", f("tags", "group", "name"), Literal("x")
    )
    assert where("tags.[[a b]].[[x.y]].[[日本]] = 1").left == f("tags", "a b", "x.y", "日本")
    assert items("SELECT tags.a AS [[my alias]] FROM devices")[0].name == "my alias"


def test_keywords_are_plain_names_after_a_dot():
    assert where("tags.group = 1 AND tags.count = 2 AND tags.select.from = 3") == And(
        (
            Compare("=", f("tags", "group"), Literal(1)),
            Compare("=", f("tags", "count"), Literal(2)),
            Compare("=", f("tags", "select", "from"), Literal(3)),
        )
    )


def test_meta_names_with_dollar():
    assert where("properties.desired.$version > 3").left == f("properties", "desired", "$version")


def test_field_paths_print_back_as_query_text():
    path = f("tags", "a b", "group", "$version")
    assert str(path) == "tags.[[a b]].group.$version"
    assert where(f"{path} = 1").left == path


def test_the_azure_documentation_examples_parse():
    for text in [
        "SELECT * FROM devices WHERE tags.location.region = 'US'",
        "SELECT * FROM devices WHERE tags.location.region = 'US'"
        " AND properties.reported.telemetryConfig.sendFrequencyInSecs >= 60",
        "SELECT * FROM devices WHERE properties.reported.connectivity IN ['wired', 'wifi']",
        "SELECT * FROM devices WHERE is_defined(properties.reported.connectivity)",
        "SELECT LastActivityTime FROM devices WHERE status = 'enabled'",
        "SELECT DeviceId, LastActivityTime FROM devices WHERE status = 'enabled'"
        " AND connectionState = 'Disconnected'",
        "Select * from devices.modules where properties.reported.status = 'scanning'",
        "SELECT * FROM devices.modules WHERE properties.reported.status = 'scanning'"
        " AND deviceId IN ['device1', 'device2']",
        "SELECT * FROM devices WHERE STARTSWITH(deviceId, 'test')",
        "SELECT * FROM devices WHERE tags.[[group]].name = 'some_value'",
    ]:
        assert isinstance(parse(text), Query)


# -- errors: position and what was expected ---------------------------------------------------


def syntax_error(text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(text)
    return caught.value


def test_error_names_line_column_and_expected_tokens():
    error = syntax_error("SELECT deviceId, status FROMM devices")
    assert (error.line, error.column) == (1, 25)
    assert {"FROM", "AS"} <= set(error.expected)
    assert str(error).startswith("Syntax error at line 1, column 25: expected one of ")
    assert str(error).endswith("found 'FROMM'")


def test_error_on_a_later_line():
    error = syntax_error("SELECT *\nFROM devices\nWHERE tags.a = = 1")
    assert (error.line, error.column) == (3, 16)
    assert {"string", "number"} <= set(error.expected)


def test_error_at_the_end_of_the_query():
    error = syntax_error("SELECT * FROM devices WHERE tags.a =")
    assert (error.line, error.column) == (1, 37)
    assert str(error).endswith("found end of query")


def test_missing_from_expects_from():
    error = syntax_error("SELECT * devices")
    assert error.expected == ["FROM"]
    assert str(error) == "Syntax error at line 1, column 10: expected one of FROM, found 'devices'"


def test_unterminated_string():
    error = syntax_error("SELECT * FROM devices WHERE tags.a = 'abc")
    assert (error.line, error.column) == (1, 38)


def test_only_the_documented_string_escapes():
    assert syntax_error(r"SELECT * FROM devices WHERE tags.a = 'a\nb'").column == 38


def test_in_needs_an_array():
    assert syntax_error("SELECT * FROM devices WHERE tags.a IN 'x'").expected == ["'['"]


def test_in_needs_a_field_on_the_left():
    assert syntax_error("SELECT * FROM devices WHERE 'x' IN ['x']").column == 33


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("lower(tags.a)", "unknown function 'lower'"),
        ("STARTS_WITH(deviceId, 'x')", "unknown function 'STARTS_WITH'"),
        ("is_defined(tags.a, tags.b)", "IS_DEFINED takes 1 argument"),
        ("startswith(deviceId)", "STARTSWITH takes 2 arguments"),
        ("contains(deviceId, tags.a)", "second argument of CONTAINS must be a string literal"),
        ("endswith(deviceId, 1)", "second argument of ENDSWITH must be a string literal"),
        ("tags.a = 1e999", "out of range"),
    ],
)
def test_bad_calls_and_numbers_point_at_themselves(condition: str, message: str):
    error = syntax_error(W + condition)
    assert message in str(error)
    assert error.column > 28


def test_unknown_function_lists_the_known_ones():
    assert "IS_DEFINED" in syntax_error("SELECT * FROM devices WHERE foo(x)").expected


def test_unknown_collection():
    error = syntax_error("SELECT * FROM twins")
    assert (error.line, error.column) == (1, 15)
    assert error.expected == ["devices", "devices.modules"]


def test_jobs_collection_is_valid_azure_but_unsupported():
    with pytest.raises(UnsupportedQuery):
        parse("SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'x'")


def test_count_needs_an_alias():
    assert syntax_error("SELECT COUNT() FROM devices").expected == ["AS"]


def test_selected_fields_must_be_grouped_with_count():
    error = syntax_error("SELECT status, COUNT() AS n FROM devices")
    assert "'status' must be in GROUP BY" in str(error)
    assert error.column == 8
    assert "must be in GROUP BY" in str(
        syntax_error("SELECT status, tags.a FROM devices GROUP BY status")
    )


def test_star_cannot_be_grouped():
    assert syntax_error("SELECT * FROM devices GROUP BY status").column == 23


def test_result_names_must_be_unique():
    error = syntax_error("SELECT tags.status, status FROM devices")
    assert "'status' is used twice" in str(error)
    assert error.column == 21


def test_top_needs_a_whole_number():
    assert "whole number" in str(syntax_error("SELECT TOP 1.5 * FROM devices"))
    assert "whole number" in str(syntax_error("SELECT TOP -1 * FROM devices"))


def test_queries_longer_than_azure_allows_are_refused():
    text = W + " OR ".join(["tags.a = 1"] * 1000)
    assert len(text) > MAX_QUERY_LENGTH
    assert "longer than 8192" in str(syntax_error(text))


def test_deep_nesting_is_refused_but_long_chains_are_fine():
    deep = "NOT " * (MAX_DEPTH + 1) + "tags.a = 1"
    assert "nest deeper" in str(syntax_error(W + deep))
    chain = " AND ".join(f"tags.a{i} = {i}" for i in range(300))
    assert len(where(chain).operands) == 300


def test_errors_are_value_errors():
    assert issubclass(QuerySyntaxError, QueryError)
    assert issubclass(UnsupportedQuery, QueryError)
    assert issubclass(QueryError, ValueError)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses_or_fails_with_a_query_error(text: str):
    with contextlib.suppress(QueryError):
        parse(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *("SELECT", "*", "FROM", "devices", "WHERE", "tags.a", "=", "1", "'x'", "AND"),
                *("OR", "NOT", "(", ")", "IN", "[", "]", ",", "COUNT()", "AS", "n", "GROUP", "BY"),
                ".",
            ]
        ),
        max_size=25,
    )
)
def test_token_soup_parses_or_fails_with_a_positioned_error(tokens: list[str]):
    text = " ".join(tokens)
    error = _error_of(text)
    if isinstance(error, QuerySyntaxError):
        assert error.line == 1
        assert 1 <= error.column <= len(text) + 1


def _error_of(text: str) -> QueryError | None:
    try:
        parse(text)
    except QueryError as error:
        return error
    return None
