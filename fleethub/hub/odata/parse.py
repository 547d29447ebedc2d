"""OData `$filter`/`filter` and `orderby` text → checked AST (seed 004 "Use ODATA filters";
seed 001 `$filter`). Anything outside the subset is refused with a message naming it.

>>> parse_filter("contains(displayName, 'thermo') and simulated eq false", FIELDS)
And(items=(Contains(field='displayName', text='thermo'), Compare('eq', 'simulated', False)))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, cast

from lark import Lark, Token, Transformer
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

MAX_LENGTH = 2048
#: Deepest nesting of parentheses; keeps evaluation well off the recursion limit.
MAX_DEPTH = 32

CompareOp = Literal["eq", "ne", "lt", "le", "gt", "ge"]
FieldType = Literal["string", "boolean"]
Scalar = str | int | float | bool | None

#: `'x' lt field` is `field gt 'x'`.
_FLIP: dict[str, CompareOp] = {
    "eq": "eq",
    "ne": "ne",
    "lt": "gt",
    "le": "ge",
    "gt": "lt",
    "ge": "le",
}
#: OData operators and functions that parse as words; named in the error when used.
_OPERATORS = frozenset({"has", "in", "add", "sub", "mul", "div", "divby", "mod", "any", "all"})


class ODataError(ValueError):
    """The text is not valid OData, or uses what this subset does not support."""


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    field: str
    value: Scalar


@dataclass(frozen=True, slots=True)
class Contains:
    """`contains(field, 'text')`, case-insensitive as IoT Central answers seed 004's example."""

    field: str
    text: str


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Filter, ...]


Filter = Compare | Contains | And | Or


@dataclass(frozen=True, slots=True)
class OrderBy:
    field: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class _Field:
    name: str


@dataclass(frozen=True, slots=True)
class _Value:
    value: Scalar
    quoted: bool = False


_Operand = _Field | _Value


@cache
def _parser() -> Lark:
    grammar = resources.files("fleethub.hub.odata").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", maybe_placeholders=False)


def parse_filter(text: str, fields: Mapping[str, FieldType]) -> Filter:
    """Parse and check `text` against the filterable `fields` (name → type)."""
    if len(text) > MAX_LENGTH:
        raise ODataError(f"The filter is longer than {MAX_LENGTH} characters.")
    if not text.strip():
        raise ODataError("The filter is empty.")
    if _depth(text) > MAX_DEPTH:
        raise ODataError(f"The filter nests deeper than {MAX_DEPTH} levels.")
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise ODataError(_syntax_message(error, text)) from None
    try:
        return cast(Filter, _Build(fields).transform(tree))
    except VisitError as error:
        if isinstance(error.orig_exc, ODataError):
            raise error.orig_exc from None
        raise


def parse_orderby(text: str, allowed: tuple[str, ...]) -> OrderBy:
    """`displayName`, `displayName asc` or `displayName desc` (seed 004 "orderby")."""
    parts = text.split()
    if not parts or len(parts) > 2:
        raise ODataError(f"orderby takes a field and an optional asc or desc, not '{text[:80]}'.")
    if len(parts) == 2 and parts[1] not in ("asc", "desc"):
        raise ODataError(f"orderby direction '{parts[1][:20]}' is not asc or desc.")
    if "," in text:
        raise ODataError("orderby takes one field only.")
    if parts[0] not in allowed:
        names = ", ".join(allowed)
        raise ODataError(f"orderby on '{parts[0][:60]}' is not supported; only on {names}.")
    return OrderBy(parts[0], len(parts) == 2 and parts[1] == "desc")


def _depth(text: str) -> int:
    """Deepest parenthesis nesting outside quoted strings (checked before parsing, since the
    tree walk that follows is recursive)."""
    depth = deepest = 0
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and char == ")":
            depth -= 1
    return deepest


def _syntax_message(error: UnexpectedInput, text: str) -> str:
    where = f"at position {error.column}" if error.column != -1 else "at the end"
    if isinstance(error, UnexpectedToken) and not isinstance(error, UnexpectedEOF):
        token = error.token
        if token.type == "$END":
            return "The filter ends too early: an operand or ')' is missing."
        if token.type == "NAME" and token.value in _OPERATORS:
            return (
                f"OData operator '{token.value}' is not supported; use eq, ne, lt, le, gt, ge, "
                "and, or and contains()."
            )
        return f"Unexpected '{token.value[:40]}' {where} of the filter."
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        char = text[position] if position < len(text) else ""
        if char == "'":
            return f"The string starting {where} is not closed with a quote."
        return f"Unexpected character '{char}' {where} of the filter."
    return "The filter ends too early: an operand or ')' is missing."


class _Build(Transformer[Token, object]):
    """Tree → AST, checking field names, operand types and functions on the way."""

    def __init__(self, fields: Mapping[str, FieldType]) -> None:
        super().__init__()
        self._fields = fields

    def or_(self, items: list[object]) -> Filter:
        found = tuple(cast(Filter, i) for i in items if not isinstance(i, Token))
        return found[0] if len(found) == 1 else Or(found)

    def and_(self, items: list[object]) -> Filter:
        found = tuple(cast(Filter, i) for i in items if not isinstance(i, Token))
        return found[0] if len(found) == 1 else And(found)

    def not_(self, _items: list[object]) -> Filter:
        raise ODataError("OData operator 'not' is not supported; use ne or rewrite the filter.")

    def group(self, items: list[object]) -> Filter:
        return cast(Filter, items[1])

    def field(self, items: list[Token]) -> _Field:
        return _Field(str(items[0]))

    def string(self, items: list[Token]) -> _Value:
        return _Value(str(items[0])[1:-1].replace("''", "'"), quoted=True)

    def number(self, items: list[Token]) -> _Value:
        text = str(items[0])
        return _Value(float(text) if any(c in text for c in ".eE") else int(text))

    def true(self, _items: list[Token]) -> _Value:
        return _Value(True)

    def false(self, _items: list[Token]) -> _Value:
        return _Value(False)

    def null(self, _items: list[Token]) -> _Value:
        return _Value(None)

    def call(self, items: list[object]) -> Contains:
        name = str(items[0])
        args = [i for i in items[1:] if isinstance(i, _Field | _Value)]
        if name != "contains":
            raise ODataError(
                f"OData function '{name[:40]}' is not supported; only contains(field, 'text')."
            )
        if len(args) != 2:
            raise ODataError("contains takes two arguments: a field and a quoted string.")
        target, text = self._operand(args[0]), args[1]
        if not isinstance(target, _Field) or not isinstance(text, _Value):
            raise ODataError("contains takes a field first and a quoted string second.")
        if self._fields[target.name] != "string" or not isinstance(text.value, str):
            raise ODataError(f"contains needs a string field and a quoted string: '{target.name}'.")
        return Contains(target.name, text.value)

    def compare(self, items: list[object]) -> Compare:
        left, token, right = items
        op = cast(CompareOp, str(token))
        if not isinstance(left, _Field | _Value) or not isinstance(right, _Field | _Value):
            raise ODataError("contains() is a condition of its own; it cannot be compared.")
        a, b = self._operand(left), self._operand(right)
        if isinstance(a, _Value) and isinstance(b, _Field):
            a, b, op = b, a, _FLIP[op]
        if not isinstance(a, _Field) or not isinstance(b, _Value):
            raise ODataError(f"Each comparison needs one field and one value ('{op}').")
        self._check_type(a.name, op, b.value)
        return Compare(op, a.name, b.value)

    def _operand(self, operand: _Operand) -> _Operand:
        """A field, or IoT Central's quoted spelling of one (`'@id' eq '...'`, seed 004)."""
        if isinstance(operand, _Field):
            if operand.name not in self._fields:
                names = ", ".join(self._fields)
                raise ODataError(f"Cannot filter on '{operand.name[:60]}'; use one of {names}.")
            return operand
        if operand.quoted and isinstance(operand.value, str) and operand.value in self._fields:
            return _Field(operand.value)
        return operand

    def _check_type(self, name: str, op: CompareOp, value: Scalar) -> None:
        kind = self._fields[name]
        if value is None:
            if op not in ("eq", "ne"):
                raise ODataError(f"'{op}' cannot compare '{name}' with null.")
            return
        if kind == "boolean":
            if not isinstance(value, bool):
                raise ODataError(f"'{name}' is true or false; compare it with true or false.")
            if op not in ("eq", "ne"):
                raise ODataError(f"'{name}' is a boolean; only eq and ne compare it.")
        elif not isinstance(value, str):
            raise ODataError(f"'{name}' is a string; compare it with a quoted string.")
