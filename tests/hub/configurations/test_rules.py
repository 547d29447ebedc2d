"""Configuration content rules and targeting, as pure functions."""

from __future__ import annotations

import pytest

from fleethub.hub.configurations import targeting
from fleethub.hub.configurations.record import (
    Configuration,
    Content,
    check,
    check_content,
    check_id,
    outcome_of,
    split,
)
from fleethub.hub.errors import ArgumentInvalid, QuerySyntaxInvalid, QueryUnsupported
from fleethub.hub.query import And, Compare, FieldPath, In, Literal, Not, Or, parse


def test_content_keys_become_desired_patches() -> None:
    content = Content(
        device={"properties.desired": {"a": 1, "b": {"c": 2}}, "properties.desired.b.d": 3}
    )
    assert content.device_patch() == {"a": 1, "b": {"c": 2, "d": 3}}
    assert split({"properties.desired.x.y": None}, "w") == (None, {"x": {"y": None}})


@pytest.mark.parametrize(
    "content",
    [
        Content(),
        Content(device={"properties.desired.a": 1}, modules={"m": {"properties.desired": {}}}),
        Content(device={"properties.reported.a": 1}),
        Content(device={"properties.desired.": 1}),
        Content(device={"properties.desired.a$b": 1}),
        Content(modules={"m": {}}),
        Content(modules={"m": {"properties.desired": {"a": None}}}),
        Content(modules={"m/1": {"properties.desired": {}}}),
    ],
)
def test_invalid_content_is_refused(content: Content) -> None:
    with pytest.raises(ArgumentInvalid):
        check_content(content)


def test_ids_are_lower_case() -> None:
    assert check_id("fw-2:edge_(a)") == "fw-2:edge_(a)"
    for bad in ("Fw", "", "a" * 129, "a/b", "v1.0"):
        with pytest.raises(ArgumentInvalid):
            check_id(bad)


def test_an_agent_verdict_needs_the_current_version() -> None:
    good = {"lastDesiredVersion": 4, "lastDesiredStatus": {"code": 200}}
    assert outcome_of(4, good) == "success"
    assert outcome_of(5, good) is None
    assert outcome_of(4, {**good, "lastDesiredStatus": {"code": 417}}) == "failure"
    assert outcome_of(4, {"lastDesiredVersion": 4, "lastDesiredStatus": "ok"}) is None
    assert outcome_of(4, {}) is None


def test_target_conditions() -> None:
    assert targeting.condition(" * ") == targeting.ALWAYS
    assert targeting.condition("") == targeting.NEVER
    assert targeting.condition("tags.env = 'prod'") == Compare(
        "=", FieldPath(("tags", "env")), Literal("prod")
    )
    with pytest.raises(QuerySyntaxInvalid, match="column 9"):
        targeting.condition("tags.a = ")
    with pytest.raises((QueryUnsupported, QuerySyntaxInvalid)):
        targeting.condition("tags.a = 1 GROUP BY tags.a")


def test_deployments_target_edge_devices_and_one_device_can_be_asked() -> None:
    edge = Configuration("d", Content(modules={"$edgeAgent": {"properties.desired": {}}}), "*")
    query = targeting.target_query(edge, "gw")
    assert query.where == And(
        (Compare("=", targeting.DEVICE_ID, Literal("gw")), targeting.IS_EDGE, targeting.ALWAYS)
    )
    adm = Configuration("a", Content(device={"properties.desired.x": 1}), "tags.a = 1")
    assert targeting.target_query(adm).where == Compare("=", FieldPath(("tags", "a")), Literal(1))


def test_metric_queries_resolve_configuration_states() -> None:
    query = targeting.metric_query(
        "m",
        "SELECT deviceId FROM devices WHERE configurations.[[c1]].status = 'Applied' OR "
        "NOT ('targeted' != configurations.[[c1]].status) OR "
        "IS_DEFINED(configurations.[[c2]].status)"
        " OR configurations.[[c1]].status > 'A' OR tags.x IN [1]",
    )
    assert targeting.referenced(query.where) == {"c1", "c2"}
    states = {"c1": {"Applied": ["b", "a"], "Targeted": ["t"]}, "c2": {}}
    counting = targeting.counting(query, states)
    assert counting.select[0].name == "n"  # type: ignore[index]
    device = targeting.DEVICE_ID
    assert counting.where == Or(
        (
            In(device, (Literal("a"), Literal("b"))),
            Not(In(device, (Literal("a"), Literal("b")))),
            targeting.NEVER,
            Compare(">", FieldPath(("configurations", "c1", "status")), Literal("A")),
            In(FieldPath(("tags", "x")), (Literal(1),)),
        )
    )


def test_metric_queries_must_select_twins() -> None:
    with pytest.raises(ArgumentInvalid, match="must select twins"):
        targeting.metric_query("m", "SELECT COUNT() AS n FROM devices")
    with pytest.raises(QuerySyntaxInvalid, match=r"metrics\.queries\.m"):
        targeting.metric_query("m", "SELECT")
    assert targeting.counting(parse("SELECT * FROM devices"), {}).where is None


def test_metric_queries_of_another_collection_are_unsupported() -> None:
    with pytest.raises(QueryUnsupported, match=r"metrics\.queries\.jobs"):
        targeting.metric_query("jobs", "SELECT * FROM devices.jobs")


def test_labels_and_metrics_are_limited() -> None:
    content = Content(device={"properties.desired.v": 1})
    many = {f"k{i}": "v" for i in range(101)}
    with pytest.raises(ArgumentInvalid, match="labels"):
        check(Configuration("c", content, labels=many))
    with pytest.raises(ArgumentInvalid, match="metrics"):
        check(Configuration("c", content, metric_queries=many))
