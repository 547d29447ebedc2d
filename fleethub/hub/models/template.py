"""Device-template JSON as IoT Central stores and answers it (seed 004): value co-types made
to agree with the schema, JSON merge patches, and content-derived ETags.

Seed 004 shows IoT Central answering a template whose `targetTemperature` carries number
facets with "NumberValue" added, and a dateTime cloud property sent as "StringValue" with
"DateTimeValue" instead; `normalize` does the same, so what is stored is what is answered.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

import orjson

JSON = dict[str, Any]

_VALUE_TYPES = ("NumberValue", "StringValue", "BooleanValue", "DateTimeValue")
_NUMERIC = frozenset({"double", "float", "integer", "long"})
#: Schema → the value co-type IoT Central gives it.
_BY_SCHEMA = {"string": "StringValue", "boolean": "BooleanValue", "dateTime": "DateTimeValue"}
#: Facets that imply a value co-type when none is given (DTDL.iotcentral.v2).
_IMPLIED = {
    "NumberValue": ("decimalPlaces", "minValue", "maxValue"),
    "StringValue": ("minLength", "maxLength", "trimWhitespace"),
    "BooleanValue": ("trueName", "falseName"),
}


def is_template(document: JSON) -> bool:
    kinds = document.get("@type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return "capabilityModel" in document or (isinstance(kinds, list) and "ModelDefinition" in kinds)


def normalize(document: JSON, model_id: str) -> JSON:
    """A copy with `@id` set to `model_id` and value co-types as IoT Central answers them:
    `{"@type": ["Property", "Cloud", "StringValue"], "schema": "dateTime"}` comes back with
    `["Property", "Cloud", "DateTimeValue"]`.
    """
    result = copy.deepcopy(document)
    result.pop("etag", None)  # IoT Central's own field: clients echo it back from a GET
    if "@id" not in result:
        result = {"@id": model_id, **result}
    if not is_template(result):
        return result
    model = result.get("capabilityModel")
    if isinstance(model, dict):
        _normalize_interface(model)
    return result


def _normalize_interface(interface: JSON) -> None:
    contents = interface.get("contents")
    if not isinstance(contents, list):
        return
    for content in contents:
        if not isinstance(content, dict):
            continue
        kinds = content.get("@type")
        if kinds == "Component" and isinstance(content.get("schema"), dict):
            _normalize_interface(content["schema"])
        elif isinstance(kinds, list) and ("Property" in kinds or "Telemetry" in kinds):
            content["@type"] = _value_types(kinds, content)


def _value_types(kinds: list[Any], content: JSON) -> list[Any]:
    schema = content.get("schema")
    wanted = None
    if isinstance(schema, str):
        wanted = "NumberValue" if schema in _NUMERIC else _BY_SCHEMA.get(schema)
    given = [kind for kind in kinds if kind in _VALUE_TYPES]
    if given and wanted is not None and given != [wanted]:
        return [wanted if kind == given[0] else kind for kind in kinds if kind not in given[1:]]
    if not given:
        for implied, facets in _IMPLIED.items():
            if implied == wanted and any(facet in content for facet in facets):
                return [*kinds, implied]
    return kinds


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge, null removes, anything else replaces.

    >>> merge_patch({"a": 1, "b": {"c": 2}}, {"b": {"c": None, "d": 3}})
    {'a': 1, 'b': {'d': 3}}
    """
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def etag_of(document: JSON) -> str:
    """`"~<base64 SHA-256 of the canonical JSON>"`, the form seed 004's answers show."""
    digest = hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).digest()
    return f'"~{base64.b64encode(digest).decode()}"'


def display_name(document: JSON) -> str | None:
    """The template's display name; a localized one in English when it has English."""
    name = document.get("displayName")
    if isinstance(name, dict):
        name = name.get("en", next(iter(name.values()), None))
    return name if isinstance(name, str) else None


def capability_model_id(document: JSON, model_id: str) -> str:
    model = document.get("capabilityModel")
    found = model.get("@id") if isinstance(model, dict) else None
    return found if isinstance(found, str) else model_id
