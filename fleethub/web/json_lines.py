"""A JSON document printed line by line with the JSON path each line starts, so the DTDL
editor can show every validation error under the line it is about.

Paths are spelled as the DTDL validator spells them (`$.contents[3].name`,
`$['dtmi:x;1']`), so an error's path finds its line; a path to a member that is missing
lands on the nearest enclosing line that exists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from fleethub.hub.models.dtdl.errors import item, member

INDENT = "  "
_LAST_STEP = re.compile(r"(\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])$")


@dataclass(slots=True)
class Line:
    number: int
    text: str
    path: str
    problems: list[str] = field(default_factory=list)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _emit(lines: list[tuple[str, str]], value: Any, path: str, prefix: str, depth: int) -> None:
    """Append `value` (after `prefix`, e.g. `"name": `) at `depth`; the closing bracket of a
    container gets the container's path too. The caller adds commas."""
    pad = INDENT * depth
    if isinstance(value, dict) and value:
        lines.append((pad + prefix + "{", path))
        for n, (key, inner) in enumerate(value.items()):
            _emit(lines, inner, member(path, key), _dump(key) + ": ", depth + 1)
            if n < len(value) - 1:
                lines[-1] = (lines[-1][0] + ",", lines[-1][1])
        lines.append((pad + "}", path))
    elif isinstance(value, list) and value:
        lines.append((pad + prefix + "[", path))
        for n, inner in enumerate(value):
            _emit(lines, inner, item(path, n), "", depth + 1)
            if n < len(value) - 1:
                lines[-1] = (lines[-1][0] + ",", lines[-1][1])
        lines.append((pad + "]", path))
    else:
        lines.append((pad + prefix + _dump(value), path))


def pretty(document: Any) -> list[Line]:
    """The document as numbered lines, each knowing its path (indented by two spaces)."""
    raw: list[tuple[str, str]] = []
    _emit(raw, document, "$", "", 0)
    return [Line(n, text, path) for n, (text, path) in enumerate(raw, start=1)]


def text_of(lines: list[Line]) -> str:
    return "\n".join(line.text for line in lines)


def annotate(lines: list[Line], problems: list[tuple[str, str]]) -> list[tuple[int, str, str]]:
    """Attach each (path, message) to the first line of its path, or of the nearest enclosing
    path printed; returns (line number, path, message) in document order."""
    first: dict[str, Line] = {}
    for line in lines:
        first.setdefault(line.path, line)
    placed = []
    for path, message in problems:
        where = path
        while where not in first and _LAST_STEP.search(where):
            where = _LAST_STEP.sub("", where)
        line = first.get(where, lines[0])
        line.problems.append(f"{path}: {message}")
        placed.append((line.number, path, message))
    return sorted(placed)
