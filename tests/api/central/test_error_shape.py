"""The IoT Central face renders every domain error in IoT Central's error shape (Datasette's
error-shape test); tests/api/test_error_coverage.py checks that each face maps each error."""

from __future__ import annotations

import inspect

import pytest
from starlette.requests import Request

from fleethub.api.central import errors as central_errors
from fleethub.hub import errors as e


def all_errors() -> list[type[e.HubError]]:
    """Every error hub/errors.py declares."""
    return [
        cls
        for _, cls in inspect.getmembers(e, inspect.isclass)
        if issubclass(cls, e.HubError) and cls is not e.HubError
    ]


@pytest.mark.parametrize("cls", all_errors(), ids=lambda cls: cls.__name__)
def test_central_renders_each_error_in_its_shape(cls: type[e.HubError]) -> None:
    request = Request({"type": "http", "method": "GET", "path": "/central/api/x", "headers": []})
    response = central_errors.hub_error_response(request, cls("message"))
    status, code = central_errors.status_of(cls("message"))
    assert response.status_code == status
    assert 400 <= status < 600
    assert response.headers["x-ms-error-code"] == code
    body = bytes(response.body).decode()
    assert '"error":{"code":' in body
    assert '"requestId":' in body
    assert '"time":' in body
