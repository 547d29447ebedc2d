"""Small DTDL documents for the tests, built from keyword arguments."""

from __future__ import annotations

from typing import Any

from fleethub.hub.models.dtdl import DtdlValidationError, parse

JSON = dict[str, Any]


def interface(*contents: JSON, **members: Any) -> JSON:
    """A top-level Interface `dtmi:com:example:Test;1` holding `contents`; `version=3` for v3.

    Members are taken as keyword arguments; `**{"@id": ...}` overrides the JSON-LD keywords.
    """
    version = members.pop("version", 2)
    document: JSON = {
        "@context": f"dtmi:dtdl:context;{version}",
        "@id": "dtmi:com:example:Test;1",
        "@type": "Interface",
    }
    if contents:
        document["contents"] = list(contents)
    document.update(members)
    return document


def telemetry(**members: Any) -> JSON:
    return {"@type": "Telemetry", "name": "reading", "schema": "double", **members}


def prop(**members: Any) -> JSON:
    return {"@type": "Property", "name": "setting", "schema": "double", **members}


def obj(*fields: tuple[str, Any], **members: Any) -> JSON:
    return {
        "@type": "Object",
        "fields": [{"name": name, "schema": schema} for name, schema in fields],
        **members,
    }


def errors(document: Any, **options: bool) -> list[tuple[str, str]]:
    """(path, rule) of every error `parse` reports, or [] when the document is valid."""
    try:
        parse(document, **options)
    except DtdlValidationError as error:
        return [(found.path, found.rule) for found in error.errors]
    return []
