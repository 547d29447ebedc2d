"""The OData filter subset of seed 004 ("Use ODATA filters") and seed 001 ($filter): every
operator, the quoted '@id' spelling, and a message naming each unsupported construct."""

from __future__ import annotations

import pytest

from fleethub.hub.odata import (
    And,
    Compare,
    Contains,
    FieldType,
    ODataError,
    Or,
    OrderBy,
    matches,
    parse_filter,
    parse_orderby,
)
from fleethub.hub.odata.parse import MAX_DEPTH, MAX_LENGTH

TEMPLATE: dict[str, FieldType] = {
    "@id": "string",
    "displayName": "string",
    "capabilityModelId": "string",
}
DEVICE: dict[str, FieldType] = {"id": "string", "displayName": "string", "simulated": "boolean"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Seed 004's table of comparison operators, verbatim.
        ("'@id' eq 'dtmi:example:test;1'", Compare("eq", "@id", "dtmi:example:test;1")),
        ("displayName ne 'template 1'", Compare("ne", "displayName", "template 1")),
        ("displayName le 'template A'", Compare("le", "displayName", "template A")),
        ("displayName lt 'template B'", Compare("lt", "displayName", "template B")),
        ("displayName ge 'template A'", Compare("ge", "displayName", "template A")),
        ("displayName gt 'template B'", Compare("gt", "displayName", "template B")),
        # Seed 004's logic operators and function.
        (
            "'@id' eq 'dtmi:example:test;1' and capabilityModelId eq 'dtmi:example:test:model1;1'",
            And(
                (
                    Compare("eq", "@id", "dtmi:example:test;1"),
                    Compare("eq", "capabilityModelId", "dtmi:example:test:model1;1"),
                )
            ),
        ),
        (
            "'@id' eq 'dtmi:example:test;1' or displayName ge 'template'",
            Or(
                (
                    Compare("eq", "@id", "dtmi:example:test;1"),
                    Compare("ge", "displayName", "template"),
                )
            ),
        ),
        ("contains(displayName, 'template1')", Contains("displayName", "template1")),
        # Unquoted @id, a value on the left, parentheses, null and an escaped quote.
        ("@id eq 'x'", Compare("eq", "@id", "x")),
        ("'b' lt displayName", Compare("gt", "displayName", "b")),
        ("((displayName eq null))", Compare("eq", "displayName", None)),
        ("displayName eq 'it''s'", Compare("eq", "displayName", "it's")),
    ],
)
def test_seed_004_filters_parse(text: str, expected: object) -> None:
    assert parse_filter(text, TEMPLATE) == expected


def test_and_binds_tighter_than_or_and_parentheses_regroup() -> None:
    a, b, c = (Compare("eq", "displayName", v) for v in "abc")
    loose = "displayName eq 'a' or displayName eq 'b' and displayName eq 'c'"
    assert parse_filter(loose, TEMPLATE) == Or((a, And((b, c))))
    grouped = "(displayName eq 'a' or displayName eq 'b') and displayName eq 'c'"
    assert parse_filter(grouped, TEMPLATE) == And((Or((a, b)), c))


def test_seed_001_boolean_filter() -> None:
    assert parse_filter("simulated eq true", DEVICE) == Compare("eq", "simulated", True)
    assert parse_filter("simulated ne false", DEVICE) == Compare("ne", "simulated", False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("displayName has 'x'", "operator 'has' is not supported"),
        ("displayName in ('a', 'b')", "operator 'in' is not supported"),
        ("displayName eq 'a' add 1", "operator 'add' is not supported"),
        ("not displayName eq 'a'", "operator 'not' is not supported"),
        ("startswith(displayName, 'a')", "function 'startswith' is not supported"),
        ("tolower(displayName) eq 'a'", "function 'tolower' is not supported"),
        ("contains(displayName, 'a') eq true", "cannot be compared"),
        ("contains(displayName)", "contains takes two arguments"),
        ("contains('a', displayName)", "contains takes a field first"),
        ("contains(simulated, 'a')", "contains needs a string field"),
        ("owner eq 'me'", "Cannot filter on 'owner'"),
        ("displayName eq 5", "compare it with a quoted string"),
        ("simulated eq 'yes'", "compare it with true or false"),
        ("simulated gt false", "only eq and ne"),
        ("displayName lt null", "cannot compare 'displayName' with null"),
        ("'a' eq 'b'", "one field and one value"),
        ("displayName eq displayName", "one field and one value"),
        ("displayName eq 'open", "not closed with a quote"),
        ("displayName eq", "ends too early"),
        ("(displayName eq 'a'", "ends too early"),
        ("displayName eq 'a')", "Unexpected ')'"),
        ("displayName eq 'a' displayName", "Unexpected 'displayName'"),
        ("tags/any(t: t eq 'a')", "Unexpected character '/'"),
        ("displayName eq 'a' & 1", "Unexpected character '&'"),
    ],
)
def test_unsupported_or_broken_filters_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ODataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_filter(text, {**TEMPLATE, **DEVICE})


def test_length_and_nesting_are_bounded() -> None:
    with pytest.raises(ODataError, match="longer than"):
        parse_filter("displayName eq '" + "x" * MAX_LENGTH + "'", TEMPLATE)
    deep = "(" * (MAX_DEPTH + 1) + "displayName eq 'a'" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ODataError, match="nests deeper"):
        parse_filter(deep, TEMPLATE)
    # Parentheses inside strings do not count.
    assert parse_filter("displayName eq '" + "(" * 40 + "'", TEMPLATE) == Compare(
        "eq", "displayName", "(" * 40
    )


ROW = {"@id": "dtmi:a;1", "displayName": "Room Thermostat", "capabilityModelId": None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("displayName eq 'Room Thermostat'", True),
        ("displayName eq 'room thermostat'", False),  # eq is exact
        ("contains(displayName, 'thermostat')", True),  # contains ignores case (seed 004)
        ("contains(displayName, 'vehicle')", False),
        ("displayName lt 'S'", True),
        ("displayName le 'Room Thermostat'", True),
        ("displayName gt 'Room'", True),
        ("displayName ge 'Z'", False),
        ("capabilityModelId eq null", True),
        ("capabilityModelId ne null", False),
        ("capabilityModelId lt 'z'", False),  # null never orders
        ("'@id' eq 'dtmi:a;1' and displayName ne 'x'", True),
        ("'@id' eq 'nope' or contains(displayName, 'room')", True),
        ("'@id' eq 'nope' or displayName eq 'x'", False),
    ],
)
def test_matches(text: str, expected: bool) -> None:
    assert matches(parse_filter(text, TEMPLATE), ROW) is expected


def test_orderby() -> None:
    assert parse_orderby("displayName", ("displayName",)) == OrderBy("displayName")
    assert parse_orderby("displayName asc", ("displayName",)) == OrderBy("displayName")
    assert parse_orderby("displayName desc", ("displayName",)) == OrderBy("displayName", True)
    for text, message in [
        ("", "takes a field"),
        ("displayName up", "not asc or desc"),
        ("@id", "only on displayName"),
        ("displayName desc extra", "takes a field"),
        ("displayName,@id", "one field only"),
    ]:
        with pytest.raises(ODataError, match=message):
            parse_orderby(text, ("displayName",))
