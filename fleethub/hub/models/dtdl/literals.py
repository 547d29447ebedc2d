"""Literal member values: names, representational literals and localizable strings (DTDL
v2/v3 specifications, "Representational literal" and "Localizable string").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fleethub.hub.models.dtdl.errors import Problems, item

NAME_PATTERN = re.compile(r"^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$")
MAX_NAME = 64
MAX_DISPLAY_NAME = 64
MAX_DESCRIPTION = 512
MAX_COMMENT = 512
_LANGUAGE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
_XSD = {
    str: ("xsd:string", "http://www.w3.org/2001/XMLSchema#string"),
    int: ("xsd:integer", "http://www.w3.org/2001/XMLSchema#integer"),
    bool: ("xsd:boolean", "http://www.w3.org/2001/XMLSchema#boolean"),
}
_KIND = {str: "string", int: "integer", bool: "boolean"}

LocalizedText = Mapping[str, str]
"""Language code → text; a plain string is stored under "en", DTDL's default language."""


def one(value: object, path: str, problems: Problems, *, required: bool) -> tuple[object, str]:
    """Unwrap "a value or an array containing exactly one (or no more than one) value".

    Returns (value, path of the value); (None, path) for an empty optional array.
    """
    if not isinstance(value, list):
        return value, path
    if len(value) == 1:
        return value[0], item(path, 0)
    if not value and not required:
        return None, path
    wanted = "exactly one value" if required else "at most one value"
    problems.add(path, "value-count", f"array must hold {wanted}, not {len(value)}")
    return None, path


def literal(value: object, kind: type, path: str, problems: Problems) -> object | None:
    """A representational literal of `kind` (str, int or bool): bare, or `{"@value": ...}`."""
    rule = f"{_KIND[kind]}-invalid"
    if isinstance(value, dict):
        if any(not key.startswith("@") for key in value) or "@value" not in value:
            problems.add(path, rule, "a value object needs '@value' and only '@' members")
            return None
        if "@type" in value and value["@type"] not in _XSD[kind]:
            problems.add(path, rule, f"'@type' of a {_KIND[kind]} value must be {_XSD[kind][0]}")
            return None
        value = value["@value"]
    if type(value) is kind:
        return value
    problems.add(path, rule, f"expected a {_KIND[kind]}, got {json_kind(value)}")
    return None


def read_string(value: object, path: str, problems: Problems, *, required: bool) -> str | None:
    value, path = one(value, path, problems, required=required)
    if value is None:
        return None
    text = literal(value, str, path, problems)
    return text if isinstance(text, str) else None


def read_int(value: object, path: str, problems: Problems) -> int | None:
    value, path = one(value, path, problems, required=False)
    if value is None:
        return None
    number = literal(value, int, path, problems)
    return number if isinstance(number, int) else None


def read_bool(value: object, path: str, problems: Problems) -> bool | None:
    value, path = one(value, path, problems, required=False)
    if value is None:
        return None
    flag = literal(value, bool, path, problems)
    return flag if isinstance(flag, bool) else None


def read_name(value: object, path: str, problems: Problems) -> str | None:
    """A programming name: letters, digits and `_`, starting with a letter, at most 64."""
    value, path = one(value, path, problems, required=True)
    if value is None:
        return None
    name = literal(value, str, path, problems)
    if not isinstance(name, str):
        return None
    if len(name) > MAX_NAME:
        problems.add(path, "name-too-long", f"name is longer than {MAX_NAME} characters")
        return None
    if not NAME_PATTERN.match(name):
        problems.add(
            path,
            "name-pattern",
            f"name {name!r} must hold only letters, digits and '_', start with a letter "
            "and end with a letter or digit",
        )
        return None
    return name


def read_comment(value: object, path: str, problems: Problems) -> str | None:
    text = read_string(value, path, problems, required=False)
    if text is not None and len(text) > MAX_COMMENT:
        problems.add(path, "text-too-long", f"comment is longer than {MAX_COMMENT} characters")
        return None
    return text


def read_localizable(
    value: object, path: str, problems: Problems, *, limit: int
) -> LocalizedText | None:
    """A localizable string: a string, a language map, or an array of strings/value objects."""
    if isinstance(value, str):
        entries: list[tuple[str, str, str]] | None = [("en", value, path)]
    elif isinstance(value, dict):
        entries = _language_map(value, path, problems)
    elif isinstance(value, list):
        entries = _tagged_values(value, path, problems)
    else:
        problems.add(path, "localizable-invalid", "expected a string, language map or array")
        return None
    if entries is None:
        return None
    texts: dict[str, str] = {}
    for language, text, where in entries:
        if len(text) > limit:
            problems.add(where, "text-too-long", f"text is longer than {limit} characters")
        texts[language] = text
    return texts


def _language_map(
    value: dict[str, object], path: str, problems: Problems
) -> list[tuple[str, str, str]] | None:
    entries = []
    for language, text in value.items():
        where = f"{path}[{language!r}]"
        if not _LANGUAGE.match(language):
            problems.add(where, "language-invalid", f"{language!r} is not a language code")
        elif not isinstance(text, str):
            problems.add(where, "localizable-invalid", "each language's text must be a string")
        else:
            entries.append((language, text, where))
    return entries if len(entries) == len(value) else None


def _tagged_values(
    values: list[object], path: str, problems: Problems
) -> list[tuple[str, str, str]] | None:
    entries: list[tuple[str, str, str]] = []
    for index, value in enumerate(values):
        where = item(path, index)
        if isinstance(value, str):
            language, text = "en", value
        elif (
            isinstance(value, dict)
            and all(key.startswith("@") for key in value)
            and isinstance(value.get("@value"), str)
        ):
            text = str(value["@value"])
            raw_language = value.get("@language", "en")
            if not isinstance(raw_language, str) or not _LANGUAGE.match(raw_language):
                problems.add(where, "language-invalid", f"{raw_language!r} is not a language code")
                return None
            language = raw_language
        else:
            problems.add(
                where, "localizable-invalid", "expected a string or {'@value', '@language'}"
            )
            return None
        # A plain string and an untagged value both count as English, the default language.
        if any(language == seen for seen, _, _ in entries):
            problems.add(
                where,
                "language-duplicate",
                f"language {language!r} appears twice (untagged values count as 'en')",
            )
            return None
        entries.append((language, text, where))
    return entries


def json_kind(value: object) -> str:
    """The JSON name of a Python value's type, for messages: `json_kind(1.5)` → "number"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
