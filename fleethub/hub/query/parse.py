"""Query text to AST, for the IoT Hub query language (twin queries; grammar in grammar.lark).

Errors carry the line, column and the tokens that would have been accepted there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NoReturn, cast, get_args

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from fleethub.hub.query.ast import (
    JOB_FIELDS,
    SYSTEM_CHILDREN,
    SYSTEM_FIELDS,
    And,
    Compare,
    CompareOp,
    Count,
    Expr,
    FieldPath,
    FunctionCall,
    FunctionName,
    In,
    JobsQuery,
    Literal,
    Not,
    Operand,
    Or,
    Projection,
    Query,
    Scalar,
    SelectItem,
    Source,
    Star,
)

#: Azure's limit on the length of a query ("Twin query limitations").
MAX_QUERY_LENGTH = 8192
#: Deepest nesting of NOT and parentheses; keeps evaluation and SQL compilation off the
#: recursion limit. AND/OR chains are flat and do not count.
MAX_DEPTH = 64


class QueryError(ValueError):
    """Base of every error about a query's text or meaning."""


class QuerySyntaxError(QueryError):
    """The text is not a valid query; `expected` lists what would have been accepted."""

    def __init__(self, message: str, line: int, column: int, expected: list[str]) -> None:
        super().__init__(message, line, column, expected)
        self.message = message
        self.line = line
        self.column = column
        self.expected = expected

    def __str__(self) -> str:
        return f"Syntax error at line {self.line}, column {self.column}: {self.message}"


class UnsupportedQuery(QueryError):
    """Valid IoT Hub query language that fleethub does not run (the message says what)."""


_FUNCTIONS: tuple[str, ...] = get_args(FunctionName)
_ONE_ARG = frozenset(name for name in _FUNCTIONS if name.startswith("IS_"))
_STRING_ARG = frozenset({"STARTSWITH", "ENDSWITH", "CONTAINS"})
_TOP_LEVEL = {name.lower(): name for name in SYSTEM_FIELDS}
_SECOND_LEVEL = {
    parent: {child.lower(): child for child in children}
    for parent, children in SYSTEM_CHILDREN.items()
}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")
_INT64 = 2**63 - 1
_TOKEN_NAMES = {
    "STAR": "'*'",
    "COMMA": "','",
    "DOT": "'.'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "CMP_OP": "comparison operator",
    "IDENT": "name",
    "ESCAPED_IDENT": "[[name]]",
    "STRING": "string",
    "NUMBER": "number",
    "$END": "end of query",
}


@dataclass(frozen=True, slots=True)
class _At:
    """A value with the position of its first character, until `start` has validated it."""

    value: Any
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class _Where:
    expr: Expr


def _fail(message: str, at: Token | _At, expected: list[str] | None = None) -> NoReturn:
    line, column = at.line, at.column
    raise QuerySyntaxError(message, line or 1, column or 1, expected or [])


def _canonical(parts: tuple[str, ...]) -> tuple[str, ...]:
    """`DeviceID` → `deviceId`, `Properties.Reported.x` → `properties.reported.x`."""
    first = _TOP_LEVEL.get(parts[0].lower(), parts[0])
    children = _SECOND_LEVEL.get(first)
    if children is None or len(parts) < 2:
        return (first, *parts[1:])
    return (first, children.get(parts[1].lower(), parts[1]), *parts[2:])


def _name(token: Token) -> str:
    text = str(token)
    return text[2:-2] if token.type == "ESCAPED_IDENT" else text


def _string(token: Token) -> str:
    """`'it\\'s'` → `it's`; the grammar admits only the escapes Azure documents."""
    body = str(token)[1:-1]
    return _ESCAPE.sub(lambda m: chr(int(m[1][1:], 16)) if len(m[1]) == 5 else m[1], body)


def _number(token: Token) -> int | float:
    text = str(token)
    if "x" in text or "X" in text:
        value: int | float = int(text, 16)
    elif any(c in text for c in ".eE"):
        value = float(text)
    else:
        value = int(text)
    if isinstance(value, float) and not math.isfinite(value):
        _fail(f"number {text} is out of range", token)
    # Beyond 64 bits neither database stores an integer exactly; JSON readers use doubles.
    return float(value) if isinstance(value, int) and abs(value) > _INT64 else value


def _operand(item: _At | Literal) -> Operand:
    return cast(FieldPath, item.value) if isinstance(item, _At) else item


class _ToAst(Transformer[Token, Query]):
    """Builds the AST while the LALR parser reduces (Lark's embedded transformer)."""

    def start(self, children: list[Any]) -> Query:
        select: _At = children[0]
        source: Source = children[1]
        where = next((c.expr for c in children[2:] if isinstance(c, _Where)), None)
        group = next((c for c in children[2:] if isinstance(c, _At)), None)
        items, top = select.value
        group_by: tuple[FieldPath, ...] = group.value if group else ()
        if isinstance(items, Star):
            if group is not None:
                _fail("SELECT * cannot be grouped; list the GROUP BY fields and COUNT()", group)
            return Query(items, source, where, group_by, top)
        _check_items(items, group_by)
        return Query(tuple(i.value for i in items), source, where, group_by, top)

    def select_clause(self, children: list[Any]) -> _At:
        top = children[1] if len(children) == 3 else None
        return _At((children[-1], top), children[0].line, children[0].column)

    def top(self, children: list[Token]) -> int:
        value = _number(children[1])
        if not isinstance(value, int) or value < 0:
            _fail("TOP needs a whole number of results", children[1], ["number"])
        return value

    def select_star(self, children: list[Token]) -> Star:
        return Star()

    def select_items(self, children: list[Any]) -> list[_At]:
        return [c for c in children if isinstance(c, _At)]

    def project_field(self, children: list[Any]) -> _At:
        path: _At = children[0]
        alias = children[2] if len(children) == 3 else None
        return _At(Projection(path.value, alias), path.line, path.column)

    def project_count(self, children: list[Any]) -> _At:
        return _At(Count(children[4]), children[0].line, children[0].column)

    def alias(self, children: list[Token]) -> str:
        return _name(children[0])

    def from_clause(self, children: list[Token]) -> Source:
        names = [t for t in children[1:] if t.type == "IDENT"]
        source = ".".join(str(t).lower() for t in names)
        if source in ("devices", "devices.modules"):
            return cast(Source, source)
        if source == "devices.jobs":
            raise UnsupportedQuery("FROM devices.jobs is not supported; query jobs by id")
        _fail(f"unknown collection '{source}'", names[0], ["devices", "devices.modules"])

    def where_clause(self, children: list[Any]) -> _Where:
        return _Where(children[1])

    def group_clause(self, children: list[Any]) -> _At:
        paths = tuple(c.value for c in children[2:] if isinstance(c, _At))
        return _At(paths, children[0].line, children[0].column)

    def or_(self, children: list[Any]) -> Expr:
        operands = _flatten(Or, [c for c in children if not isinstance(c, Token)])
        return operands[0] if len(operands) == 1 else Or(operands)

    def and_(self, children: list[Any]) -> Expr:
        operands = _flatten(And, [c for c in children if not isinstance(c, Token)])
        return operands[0] if len(operands) == 1 else And(operands)

    def not_(self, children: list[Any]) -> Not:
        return Not(children[1])

    def paren(self, children: list[Any]) -> Expr:
        return cast(Expr, children[1])

    def compare(self, children: list[Any]) -> Compare:
        op = "!=" if str(children[1]) == "<>" else str(children[1])
        return Compare(cast(CompareOp, op), _operand(children[0]), _operand(children[2]))

    def truthy(self, children: list[Any]) -> Compare:
        # Azure: a condition holds only when it is Boolean true.
        return Compare("=", _operand(children[0]), Literal(True))

    def in_(self, children: list[Any]) -> In:
        return In(children[0].value, children[2], negated=False)

    def nin(self, children: list[Any]) -> In:
        return In(children[0].value, children[2], negated=True)

    def array(self, children: list[Any]) -> tuple[Literal, ...]:
        return tuple(c for c in children if isinstance(c, Literal))

    def function_call(self, children: list[Any]) -> FunctionCall:
        name_token: Token = children[0]
        name = str(name_token).upper()
        args = [c for c in children[2:] if not isinstance(c, Token)]
        if name not in _FUNCTIONS:
            _fail(f"unknown function '{name_token}'", name_token, list(_FUNCTIONS))
        arity = 1 if name in _ONE_ARG else 2
        if len(args) != arity:
            _fail(f"{name} takes {arity} argument{'s' if arity > 1 else ''}", name_token)
        if name in _STRING_ARG and not (
            isinstance(args[1], Literal) and isinstance(args[1].value, str)
        ):
            _fail(f"the second argument of {name} must be a string literal", name_token)
        return FunctionCall(cast(FunctionName, name), tuple(_operand(a) for a in args))

    def field_path(self, children: list[Token]) -> _At:
        parts = tuple(_name(t) for t in children if t.type != "DOT")
        return _At(FieldPath(_canonical(parts)), children[0].line or 1, children[0].column or 1)

    def literal(self, children: list[Token]) -> Literal:
        token = children[0]
        value: Scalar
        if token.type == "STRING":
            value = _string(token)
        elif token.type == "NUMBER":
            value = _number(token)
        else:
            value = {"TRUE": True, "FALSE": False, "NULL": None}[token.type]
        return Literal(value)


def _flatten(kind: type[And] | type[Or], operands: list[Expr]) -> tuple[Expr, ...]:
    """`(a OR b) OR c` → Or((a, b, c)): same meaning, shallower tree."""
    flat: list[Expr] = []
    for operand in operands:
        flat.extend(operand.operands if isinstance(operand, kind) else (operand,))
    return tuple(flat)


def _check_items(items: list[_At], group_by: tuple[FieldPath, ...]) -> None:
    names: set[str] = set()
    aggregate = bool(group_by) or any(isinstance(i.value, Count) for i in items)
    for item in items:
        selected: SelectItem = item.value
        if selected.name in names:
            _fail(f"the result name '{selected.name}' is used twice; add AS alias", item)
        names.add(selected.name)
        if aggregate and isinstance(selected, Projection) and selected.field not in group_by:
            _fail(f"'{selected.field}' must be in GROUP BY to be selected with COUNT()", item)


def _check_depth(query: Query) -> None:
    stack: list[tuple[Expr, int]] = [(query.where, 1)] if query.where else []
    while stack:
        expr, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise QuerySyntaxError(f"conditions nest deeper than {MAX_DEPTH}", 1, 1, [])
        if isinstance(expr, Not):
            stack.append((expr.operand, depth + 1))
        elif isinstance(expr, And | Or):
            stack.extend((o, depth + 1) for o in expr.operands)


def _syntax_error(text: str, error: UnexpectedInput) -> QuerySyntaxError:
    if isinstance(error, UnexpectedToken):
        names: set[str] = error.accepts or error.expected
        token = error.token
        if token.type == "$END":
            found, (line, column) = "end of query", _end_position(text)
        else:
            found, line, column = repr(str(token)), token.line or 1, token.column or 1
    elif isinstance(error, UnexpectedCharacters):
        names = error.allowed or set()
        found, line, column = repr(error.char), error.line, error.column
    else:
        names = {str(name) for name in cast(UnexpectedEOF, error).expected}
        found, (line, column) = "end of query", _end_position(text)
    expected = sorted({_TOKEN_NAMES.get(n, n) for n in names})
    message = f"expected one of {', '.join(expected)}, found {found}"
    return QuerySyntaxError(message, line, column, expected)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


_GRAMMAR = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
# One parser for the process: Lark's LALR tables are built once and parsing does not mutate them.
_PARSER = Lark(_GRAMMAR, parser="lalr", transformer=_ToAst(), maybe_placeholders=False)


def parse(text: str) -> Query:
    """`parse("SELECT * FROM devices WHERE status = 'enabled'")` → Query(Star(), "devices", …)."""
    if len(text) > MAX_QUERY_LENGTH:
        line, column = _end_position(text[:MAX_QUERY_LENGTH])
        message = f"the query is longer than {MAX_QUERY_LENGTH} characters"
        raise QuerySyntaxError(message, line, column, [])
    try:
        query = cast(Query, _PARSER.parse(text))
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    _check_depth(query)
    return query


_JOB_FIELDS = {name.lower(): name for name in JOB_FIELDS}


class _NotJobs(Exception):
    """The query reads another collection than devices.jobs."""


class _JobsToAst(_ToAst):
    """The same language over `devices.jobs`: `devices.jobs.jobId` and `JobId` mean `jobId`."""

    def from_clause(self, children: list[Token]) -> Source:
        names = [str(t).lower() for t in children[1:] if t.type == "IDENT"]
        if names != ["devices", "jobs"]:
            raise _NotJobs
        return "devices"  # stands for devices.jobs inside this parser; parse_jobs knows

    def field_path(self, children: list[Token]) -> _At:
        parts = tuple(_name(t) for t in children if t.type != "DOT")
        if len(parts) > 2 and (parts[0].lower(), parts[1].lower()) == ("devices", "jobs"):
            parts = parts[2:]
        parts = (_JOB_FIELDS.get(parts[0].lower(), parts[0]), *parts[1:])
        return _At(FieldPath(parts), children[0].line or 1, children[0].column or 1)


@cache
def _jobs_parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", transformer=_JobsToAst(), maybe_placeholders=False)


def parse_jobs(text: str) -> JobsQuery | None:
    """`SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'j1'` → JobsQuery; None when the
    query reads another collection (so callers can hand it to `parse`)."""
    if len(text) > MAX_QUERY_LENGTH:
        return None  # parse() reports the length
    try:
        query = cast(Query, _jobs_parser().parse(text))
    except _NotJobs:
        return None
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    if not isinstance(query.select, Star) or query.group_by:
        raise UnsupportedQuery(
            "devices.jobs queries select * (projections and GROUP BY are not run)"
        )
    _check_depth(query)
    return JobsQuery(query.where, query.top)
