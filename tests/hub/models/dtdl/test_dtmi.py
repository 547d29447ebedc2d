"""DTMI syntax and version rules (DTDL v2/v3 specifications, "Digital Twin Model Identifier")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleethub.hub.models.dtdl import DtmiError, parse_dtmi
from fleethub.hub.models.dtdl.dtmi import id_problem, model_dtmi_problem
from tests.hub.models.dtdl.documents import errors, interface, telemetry


def test_a_dtmi_has_segments_and_a_version() -> None:
    dtmi = parse_dtmi("dtmi:com:example:Thermostat;12", dtdl_version=2)
    assert dtmi.segments == ("com", "example", "Thermostat")
    assert (dtmi.major, dtmi.minor) == (12, None)
    assert dtmi.unversioned == "dtmi:com:example:Thermostat"


def test_v3_allows_no_version_and_a_minor_version() -> None:
    assert parse_dtmi("dtmi:com:example:Thermostat", dtdl_version=3).major is None
    dtmi = parse_dtmi("dtmi:com:example:Thermostat;1.2", dtdl_version=3)
    assert (dtmi.major, dtmi.minor) == (1, 2)


@pytest.mark.parametrize(
    ("text", "version", "rule"),
    [
        pytest.param("dtmi:com:example", 2, "dtmi-version-required", id="v2-needs-version"),
        pytest.param("dtmi:com:example;1.2", 2, "dtmi-version", id="v2-no-minor"),
        pytest.param("dtmi:com:example;0", 3, "dtmi-version", id="version-zero"),
        pytest.param("dtmi:com:example;01", 3, "dtmi-version", id="leading-zero"),
        pytest.param("dtmi:com:example;1000000000", 3, "dtmi-version", id="ten-digits"),
        pytest.param("dtmi:com:example;1.0", 3, "dtmi-version", id="minor-zero"),
        pytest.param("dtmi:com:example;1.1234567", 3, "dtmi-version", id="minor-seven-digits"),
        pytest.param("dtmi:com:example;1;2", 3, "dtmi-syntax", id="two-semicolons"),
        pytest.param("urn:com:example;1", 3, "dtmi-syntax", id="wrong-scheme"),
        pytest.param("dtmi:com::example;1", 3, "dtmi-segment", id="empty-segment"),
        pytest.param("dtmi:com:9example;1", 3, "dtmi-segment", id="segment-starts-with-digit"),
        pytest.param("dtmi:com:example_;1", 3, "dtmi-segment", id="segment-ends-with-underscore"),
        pytest.param("dtmi:com:exa-mple;1", 3, "dtmi-segment", id="segment-with-dash"),
        pytest.param("dtmi:" + "a" * 4100 + ";1", 3, "dtmi-too-long", id="over-4096"),
    ],
)
def test_invalid_dtmis_name_the_rule(text: str, version: int, rule: str) -> None:
    with pytest.raises(DtmiError) as raised:
        parse_dtmi(text, dtdl_version=version)
    assert raised.value.rule == rule


def test_version_limits_are_inclusive() -> None:
    assert parse_dtmi("dtmi:a;999999999", dtdl_version=2).major == 999_999_999
    assert parse_dtmi("dtmi:a;1.999999", dtdl_version=3).minor == 999_999


def test_system_segments_parse_but_are_not_allowed_in_models() -> None:
    """A segment starting with "_" makes a system DTMI; models hold only user DTMIs."""
    assert parse_dtmi("dtmi:foo_bar:_16:baz33:qux;12").system
    assert model_dtmi_problem("dtmi:foo:_16;1", dtdl_version=3) == (
        "dtmi-system-segment",
        "'dtmi:foo:_16;1' has a system segment (starting with '_')",
    )


def test_user_dtmis_are_at_most_2048_and_interface_ids_128_characters() -> None:
    long_id = "dtmi:" + "a" * 2040 + ";1"
    assert model_dtmi_problem(long_id, dtdl_version=3) is None
    assert model_dtmi_problem("dtmi:" + "a" * 2044 + ";1", dtdl_version=3) is not None
    assert id_problem("dtmi:" + "a" * 120 + ";1", dtdl_version=2, interface=True) is None
    problem = id_problem("dtmi:" + "a" * 124 + ";1", dtdl_version=2, interface=True)
    assert problem is not None
    assert problem[0] == "dtmi-too-long"


@pytest.mark.parametrize("prefix", ["dtmi:dtdl:", "dtmi:standard:"])
def test_reserved_prefixes_cannot_be_ids(prefix: str) -> None:
    document = interface(**{"@id": f"{prefix}mine;1"})
    assert errors(document) == [("$['@id']", "id-reserved")]


def test_an_element_id_is_checked_where_it_appears() -> None:
    document = interface(telemetry(**{"@id": "dtmi:com:example:Test:t"}))
    assert errors(document) == [("$.contents[0]['@id']", "dtmi-version-required")]


def test_an_unversioned_interface_id_is_fine_in_v3() -> None:
    assert errors(interface(version=3, **{"@id": "dtmi:com:example:Test"})) == []


_SEGMENT = st.from_regex(r"[A-Za-z](?:[A-Za-z0-9_]{0,8}[A-Za-z0-9])?", fullmatch=True)


@given(
    segments=st.lists(_SEGMENT, min_size=1, max_size=5),
    major=st.integers(1, 999_999_999),
    minor=st.none() | st.integers(1, 999_999),
)
def test_any_well_formed_dtmi_round_trips(
    segments: list[str], major: int, minor: int | None
) -> None:
    version = f"{major}" if minor is None else f"{major}.{minor}"
    text = "dtmi:" + ":".join(segments) + ";" + version
    dtmi = parse_dtmi(text, dtdl_version=3)
    assert (dtmi.segments, dtmi.major, dtmi.minor, dtmi.text) == (
        tuple(segments),
        major,
        minor,
        text,
    )
