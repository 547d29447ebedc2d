"""Pure twin-patch rules: merge (null removes), key rules, depth and size limits, metadata.

Limits are Azure's: keys of at most 1 KB without `.`, `$`, spaces or control characters,
nesting of at most 10 levels, string values of at most 4 KB, tags 8 KB and each of desired
and reported 32 KB (counted as compact JSON).
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from fleethub.hub.errors import ArgumentInvalid, TwinTooDeep, TwinTooLarge

JSON = dict[str, Any]

MAX_DEPTH = 10
MAX_KEY_BYTES = 1024
MAX_STRING_BYTES = 4096
MAX_TAGS_BYTES = 8 * 1024
MAX_PROPERTIES_BYTES = 32 * 1024
_FORBIDDEN_KEY_CHARS = frozenset(".$ ")


def check_document(doc: Any, section: str, *, allow_null: bool) -> None:
    """Raise unless every key and value of a patch or document obeys Azure's rules."""
    if not isinstance(doc, dict):
        raise ArgumentInvalid(f"'{section}' must be a JSON object.")
    _check(doc, section, 1, allow_null)


def _check(node: JSON, path: str, depth: int, allow_null: bool) -> None:
    if depth > MAX_DEPTH:
        raise TwinTooDeep(f"'{path}' nests deeper than {MAX_DEPTH} levels.")
    for key, value in node.items():
        _check_key(key, path)
        where = f"{path}.{key}"
        if isinstance(value, dict):
            _check(value, where, depth + 1, allow_null)
        elif value is None and not allow_null:
            raise ArgumentInvalid(f"'{where}' is null; null only removes a key in a patch.")
        elif isinstance(value, str) and len(value.encode()) > MAX_STRING_BYTES:
            raise ArgumentInvalid(f"'{where}' is longer than {MAX_STRING_BYTES} bytes.")
        elif isinstance(value, list):
            _check_array(value, where, depth + 1)


def _check_array(values: list[Any], path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise TwinTooDeep(f"'{path}' nests deeper than {MAX_DEPTH} levels.")
    for item in values:
        if isinstance(item, dict):
            _check(item, path, depth + 1, allow_null=False)
        elif isinstance(item, list):
            _check_array(item, path, depth + 1)


def _check_key(key: str, path: str) -> None:
    if not key or len(key.encode()) > MAX_KEY_BYTES:
        raise ArgumentInvalid(f"A key under '{path}' is empty or longer than 1 KB.")
    if any(c in _FORBIDDEN_KEY_CHARS or ord(c) < 32 or 127 <= ord(c) < 160 for c in key):
        raise ArgumentInvalid(
            f"Key '{key[:64]}' under '{path}' contains '.', '$', a space or a control character."
        )


def merge(doc: JSON, patch: JSON) -> JSON:
    """A new document: ``patch`` merged into ``doc``; a null value removes its key.

    >>> merge({"a": {"b": 1, "c": 2}}, {"a": {"b": None, "d": 3}})
    {'a': {'c': 2, 'd': 3}}
    """
    result = dict(doc)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = _without_nulls(value)
    return result


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


def stamp(metadata: JSON, patch: JSON, now: str, version: int | None) -> JSON:
    """Metadata after a patch: every touched key gets `$lastUpdated` (and the version)."""
    result = copy.deepcopy(metadata)
    _stamp_into(result, patch, now, version)
    _leaf_stamp(result, now, version)
    return result


def _stamp_into(meta: JSON, patch: JSON, now: str, version: int | None) -> None:
    for key, value in patch.items():
        if value is None:
            meta.pop(key, None)
            continue
        child: JSON = {}
        if isinstance(value, dict):
            existing = meta.get(key)
            child = existing if isinstance(existing, dict) else {}
            _stamp_into(child, value, now, version)
        _leaf_stamp(child, now, version)
        meta[key] = child


def _leaf_stamp(node: JSON, now: str, version: int | None) -> None:
    node["$lastUpdated"] = now
    if version is not None:
        node["$lastUpdatedVersion"] = version


def replace_metadata(doc: JSON, now: str, version: int | None) -> JSON:
    """Metadata for a document written whole (twin replace): every key stamped now."""
    return stamp({}, doc, now, version)


def check_size(doc: JSON, section: str) -> None:
    limit = MAX_TAGS_BYTES if section == "tags" else MAX_PROPERTIES_BYTES
    size = len(orjson.dumps(doc))
    if size > limit:
        raise TwinTooLarge(f"'{section}' would be {size} bytes; the limit is {limit}.")
