"""Start positions from azure-eventhub's selector filter, and the device → partition map."""

from __future__ import annotations

import pytest

from fleethub.transports.amqp.convert import partition_of
from fleethub.transports.amqp.eventhub import SELECTOR, Position, start_position
from fleethub.transports.amqp.links import Refused
from fleethub.transports.amqp.performatives import Source
from fleethub.transports.amqp.types import Described, Symbol


def _source(expression: str) -> Source:
    key = Symbol(SELECTOR)
    return Source(address="x", filter={key: Described(key, expression)})


@pytest.mark.parametrize(
    ("expression", "position"),
    [
        ("amqp.annotation.x-opt-offset > '-1'", Position("offset", 0)),
        ("amqp.annotation.x-opt-offset > '@latest'", Position("latest")),
        ("amqp.annotation.x-opt-offset > '42'", Position("offset", 42)),
        ("amqp.annotation.x-opt-offset >= '42'", Position("offset", 42, True)),
        ("amqp.annotation.x-opt-sequence-number > '7'", Position("sequence-number", 7)),
        (
            "amqp.annotation.x-opt-enqueued-time > '1700000000000'",
            Position("enqueued-time", 1_700_000_000_000),
        ),
    ],
)
def test_selectors_as_azure_eventhub_writes_them(expression: str, position: Position) -> None:
    assert start_position(_source(expression)) == position


def test_no_filter_starts_at_the_beginning() -> None:
    assert start_position(Source(address="x")) == Position("offset", 0)


@pytest.mark.parametrize(
    "expression", ["amqp.annotation.x-opt-offset > 'abc'", "1 = 1", "x-opt-offset > '1'"]
)
def test_other_selectors_refuse_the_link(expression: str) -> None:
    with pytest.raises(Refused):
        start_position(_source(expression))


def test_a_device_always_maps_to_the_same_partition() -> None:
    assert partition_of("dev1", 4) == partition_of("dev1", 4)
    assert {partition_of(f"dev{i}", 4) for i in range(100)} == {0, 1, 2, 3}
