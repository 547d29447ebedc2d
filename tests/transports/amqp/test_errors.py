"""Every domain error has an AMQP condition in this face's one table (STYLE §7.2)."""

from __future__ import annotations

import inspect

from fleethub.hub import errors
from fleethub.transports.amqp.errors import CONDITIONS, amqp_error
from fleethub.transports.amqp.performatives import Error


def test_every_domain_error_is_mapped() -> None:
    classes = [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.HubError)
        and cls is not errors.HubError
        and cls.__module__ == errors.__name__
    ]
    missing = [cls.__name__ for cls in classes if cls not in CONDITIONS]
    assert not missing, f"add these to fleethub/transports/amqp/errors.py: {missing}"


def test_a_domain_error_becomes_an_amqp_error_with_its_message() -> None:
    error = amqp_error(errors.DeviceNotFound("Device 'd1' is not registered."))
    assert error == Error(condition="amqp:not-found", description="Device 'd1' is not registered.")
