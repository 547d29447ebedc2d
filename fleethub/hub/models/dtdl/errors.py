"""Errors naming the JSON path and the DTDL rule broken (DTDL v2/v3 specifications).

Checks record errors instead of raising, so one `parse` reports every problem of a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class DtdlError:
    """One broken rule, e.g. `DtdlError("$.contents[3].name", "name-pattern", "...")`."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.rule}]"


class DtdlValidationError(ValueError):
    """Raised by `parse` with every error found in the document, in document order."""

    def __init__(self, errors: list[DtdlError]) -> None:
        self.errors = errors
        shown = "; ".join(str(error) for error in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} DTDL error(s): {shown}{more}")


class Problems:
    """Collects errors during one parse; never shared between parses."""

    def __init__(self) -> None:
        self.errors: list[DtdlError] = []

    def add(self, path: str, rule: str, message: str) -> None:
        self.errors.append(DtdlError(path, rule, message))

    def __len__(self) -> int:
        return len(self.errors)


def member(path: str, key: str) -> str:
    """JSON path of a member: `member("$", "name")` → `$.name`; odd keys use brackets.

    `member("$", "dtmi:dtdl:property:name;2")` → `$['dtmi:dtdl:property:name;2']`.
    """
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def item(path: str, index: int | None) -> str:
    """JSON path of an array item; `None` means the member held a single value, not an array."""
    return path if index is None else f"{path}[{index}]"
