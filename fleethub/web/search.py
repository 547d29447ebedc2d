"""The devices page's search, as one IoT Hub query: a WHERE clause or a device-id prefix,
plus the model, status and connection filters; paged by the query's keyset continuation.

Plain text is a device-id prefix written as a range (`deviceId >= 'ab' AND deviceId <
'ab\\uffff'`), which the store answers from the primary-key index however many devices
there are.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("enabled", "disabled")
CONNECTIONS = ("Connected", "Disconnected")
#: A space (never in a device id) or a character a condition needs: then it is a WHERE clause.
_CONDITION_CHARS = frozenset(" <>=(")
#: Sorts after every character a device id may hold: `prefix + _HIGHEST` bounds the range.
_HIGHEST = "\uffff"


def literal(text: str) -> str:
    """A query-language string literal: `it's` → `'it\\'s'`."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def is_condition(text: str) -> bool:
    """Whether the search box holds a WHERE clause rather than part of a device id."""
    return any(c in _CONDITION_CHARS for c in text)


@dataclass(frozen=True, slots=True)
class DeviceSearch:
    q: str = ""
    model: str = ""
    status: str = ""
    connection: str = ""

    @property
    def active(self) -> bool:
        return bool(self.q or self.model or self.status or self.connection)

    def conditions(self) -> list[str]:
        parts: list[str] = []
        text = self.q.strip()
        if text and is_condition(text):
            parts.append(f"({text})")
        elif text:
            upper = literal(text + _HIGHEST)
            parts.append(f"deviceId >= {literal(text)} AND deviceId < {upper}")
        if self.model:
            parts.append(f"modelId = {literal(self.model)}")
        if self.status in STATUSES:
            parts.append(f"status = {literal(self.status)}")
        if self.connection in CONNECTIONS:
            parts.append(f"connectionState = {literal(self.connection)}")
        return parts

    def query(self) -> str:
        conditions = self.conditions()
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        # Not SQL: the IoT Hub query language, which hub.twins.query parses and the store binds.
        return f"SELECT * FROM devices{where}"  # noqa: S608

    def params(self, page: str | None = None) -> dict[str, str]:
        """The URL parameters that reproduce this search (and a page of it)."""
        values = {
            "q": self.q,
            "model": self.model,
            "status": self.status,
            "connection": self.connection,
            "page": page or "",
        }
        return {k: v for k, v in values.items() if v}
