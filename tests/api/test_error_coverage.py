"""Every domain error has an answer in every face: no 500 for a known condition."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import fleethub.api
from fleethub.hub import errors


def domain_errors() -> list[type[errors.HubError]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.HubError) and cls is not errors.HubError
    ]


def test_every_face_maps_every_domain_error() -> None:
    unmapped: dict[str, list[str]] = {}
    for face in pkgutil.iter_modules(fleethub.api.__path__):
        if not face.ispkg:
            continue
        module = importlib.import_module(f"fleethub.api.{face.name}.errors")
        table = module.STATUS
        missing = [cls.__name__ for cls in domain_errors() if cls not in table]
        if missing:
            unmapped[face.name] = missing
    assert unmapped == {}
