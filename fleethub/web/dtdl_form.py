"""Forms generated from a DTDL command's request schema, and the submitted form turned back
into the payload. Primitive schemas become typed inputs, enums a select, objects a fieldset
of their fields (two levels deep); arrays, maps and deeper objects a JSON text area.

Field names are paths under `arg`: `arg` for a primitive request, `arg.since`, `arg.cfg.rate`
for object fields. The model's validator has the last word on the payload (commands.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from fleethub.hub.models.dtdl import (
    Command,
    EnumSchema,
    ObjectSchema,
    PrimitiveSchema,
    Schema,
)
from fleethub.web.forms import FormErrors

ROOT = "arg"
#: DTDL primitive → HTML input kind.
_KINDS = {
    "boolean": "boolean",
    "double": "number",
    "float": "number",
    "integer": "integer",
    "long": "integer",
    "string": "text",
    "date": "date",
    "dateTime": "datetime",
    "time": "time",
    "duration": "text",
}


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: str  # boolean | number | integer | text | date | datetime | time | enum | json
    description: str = ""
    options: tuple[tuple[str, str], ...] = ()
    depth: int = 0


def text_of(value: Any) -> str:
    """A DTDL localizable text (language → text) in English, or the first language given."""
    if not value:
        return ""
    return str(value.get("en") or next(iter(value.values()), ""))


def command_fields(command: Command) -> list[FormField]:
    request = command.request
    if request is None:
        return []
    label = text_of(request.display_name) or request.name
    return _fields(request.schema, ROOT, label, text_of(request.description), 0)


def _fields(schema: Schema, name: str, label: str, description: str, depth: int) -> list[FormField]:
    if isinstance(schema, PrimitiveSchema) and schema.name in _KINDS:
        return [FormField(name, label, _KINDS[schema.name], description, depth=depth)]
    if isinstance(schema, EnumSchema):
        options = tuple((str(v.value), text_of(v.display_name) or v.name) for v in schema.values)
        return [FormField(name, label, "enum", description, options, depth)]
    if isinstance(schema, ObjectSchema) and depth < 2:
        fields: list[FormField] = []
        for field in schema.fields:
            fields += _fields(
                field.schema,
                f"{name}.{field.name}",
                text_of(field.display_name) or field.name,
                text_of(field.description),
                depth + 1,
            )
        return fields
    return [FormField(name, label, "json", description or "Write the value as JSON.", depth=depth)]


def payload_of(command: Command, form: FormData, errors: FormErrors) -> Any:
    """The request payload the form describes; problems go to `errors` under field names."""
    request = command.request
    if request is None:
        return None
    return _value(request.schema, ROOT, form, errors, 0)


def _value(schema: Schema, name: str, form: FormData, errors: FormErrors, depth: int) -> Any:
    if isinstance(schema, ObjectSchema) and depth < 2:
        result = {}
        for field in schema.fields:
            value = _value(field.schema, f"{name}.{field.name}", form, errors, depth + 1)
            if value is not None:
                result[field.name] = value
        return result
    raw = form.get(name)
    text = raw.strip() if isinstance(raw, str) else ""
    if isinstance(schema, EnumSchema):
        if not text:
            return None
        return int(text) if schema.value_schema == "integer" and _is_int(text) else text
    kind = _KINDS.get(schema.name, "json") if isinstance(schema, PrimitiveSchema) else "json"
    if kind == "boolean":
        return {"true": True, "false": False}.get(text)
    if not text:
        return None
    return _convert(kind, text, name, errors)


def _convert(kind: str, text: str, name: str, errors: FormErrors) -> Any:
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "json":
            return json.loads(text)
    except ValueError:
        errors[name] = {
            "integer": "Write a whole number.",
            "number": "Write a number.",
            "json": "Write valid JSON.",
        }[kind]
        return None
    if kind == "datetime" and len(text) == 16:  # the browser's datetime-local: no seconds, no zone
        return f"{text}:00Z"
    return text


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
