"""Server-side form checks: each problem is kept under its field's name, so templates show
it next to that field (`errors.device_id`), and the form is re-rendered with what was typed."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData


class FormErrors(dict[str, str]):
    """field name → message; "form" holds a message about the whole form."""


def text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name, default)
    return value.strip() if isinstance(value, str) else default


def json_field(form: FormData, name: str, errors: FormErrors, *, object_only: bool = False) -> Any:
    """The field parsed as JSON; an error under `name` if it is not (or not an object)."""
    raw = text(form, name)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        errors[name] = f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
        return None
    if object_only and not isinstance(value, dict):
        errors[name] = 'Write a JSON object, e.g. {"interval": 10}.'
        return None
    return value


def int_field(
    form: FormData, name: str, errors: FormErrors, low: int, high: int, default: int
) -> int:
    raw = text(form, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = "Write a whole number."
        return default
    if not low <= value <= high:
        errors[name] = f"Choose a number from {low} to {high}."
        return default
    return value


def properties_field(form: FormData, name: str, errors: FormErrors) -> dict[str, str]:
    """`key=value` lines → application properties."""
    result: dict[str, str] = {}
    for number, line in enumerate(text(form, name).splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            errors[name] = f"Line {number}: write key=value."
            return {}
        result[key.strip()] = value.strip()
    return result
