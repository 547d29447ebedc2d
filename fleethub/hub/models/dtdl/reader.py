"""Reading one DTDL element: members (term or DTMI spelling), `@type`, `@id` and the members
every element shares (DTDL v2/v3 specifications, "DTDL element").
"""

from __future__ import annotations

from typing import TypedDict

from fleethub.hub.models.dtdl.context import Context, check_context, read_context
from fleethub.hub.models.dtdl.dtmi import DtmiError, id_problem, parse_dtmi
from fleethub.hub.models.dtdl.errors import Problems, item, member
from fleethub.hub.models.dtdl.literals import (
    MAX_DESCRIPTION,
    MAX_DISPLAY_NAME,
    LocalizedText,
    json_kind,
    read_comment,
    read_localizable,
    read_name,
)
from fleethub.hub.models.dtdl.vocabulary import KEYWORDS, term


class Entity(TypedDict, total=False):
    """Keyword arguments shared by every element dataclass (see `schema.Described`)."""

    id: str | None
    display_name: LocalizedText | None
    description: LocalizedText | None
    comment: str | None


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: object = _Missing()


class ElementReader:
    """The members of one JSON object read as a DTDL element at `path`.

    `ElementReader({"@type": "Telemetry", "dtmi:dtdl:property:name;2": "t"}, ...).get("name")`
    → "t", and `at("name")` → `$['dtmi:dtdl:property:name;2']`.
    """

    def __init__(
        self,
        raw: dict[str, object],
        path: str,
        parent: Context | None,
        problems: Problems,
        *,
        top_level: bool = False,
    ) -> None:
        self.raw = raw
        self.path = path
        self.problems = problems
        self.ctx = self._context(parent, top_level)
        self.informal = False  # set once @type shows an undefined co-type
        self._members: dict[str, tuple[str, object]] = {}
        for key, value in raw.items():
            self._add_member(key, value)

    def _context(self, parent: Context | None, top_level: bool) -> Context:
        value = self.raw.get("@context", MISSING)
        if value is MISSING:
            if top_level:
                self.problems.add(
                    self.path,
                    "context-dtdl-missing",
                    "a top-level element "
                    "needs @context 'dtmi:dtdl:context;2' or 'dtmi:dtdl:context;3'",
                )
            return parent or Context(2)
        where = member(self.path, "@context")
        check_context(value, where, top_level=top_level, problems=self.problems)
        # An unreadable context still needs some version to carry on finding other errors.
        return read_context(value, parent) or parent or Context(2)

    def _add_member(self, key: str, value: object) -> None:
        if key.startswith("@") and key not in KEYWORDS:
            # v2 only discourages other keywords; v3 forbids them; "@graph" is never allowed.
            if key == "@graph" or self.ctx.version >= 3:
                self.problems.add(
                    member(self.path, key),
                    "keyword-invalid",
                    f"JSON-LD keyword {key!r} is not allowed in a DTDL element",
                )
            return
        name = term(key, self.ctx.version)
        if name in self._members:
            self.problems.add(
                member(self.path, key),
                "member-duplicate",
                f"member {name!r} is given twice ({self._members[name][0]!r})",
            )
            return
        self._members[name] = (key, value)

    def has(self, name: str) -> bool:
        return name in self._members

    def get(self, name: str) -> object:
        return self._members[name][1] if name in self._members else MISSING

    def at(self, name: str) -> str:
        return member(self.path, self._members[name][0]) if name in self._members else self.path

    def names(self) -> list[str]:
        return list(self._members)

    def require(self, name: str, kind: str) -> bool:
        if name in self._members:
            return True
        self.problems.add(self.path, "member-required", f"{kind} requires member {name!r}")
        return False

    def name(self, kind: str) -> str | None:
        """The required `name` member, checked against the programming-name rules."""
        if not self.require("name", kind):
            return None
        return read_name(self.get("name"), self.at("name"), self.problems)

    def reject_unknown(self, allowed: frozenset[str], kind: str) -> None:
        """Report members `kind` does not define; an informally co-typed element may have any."""
        if self.informal:
            return
        for name, (key, _) in self._members.items():
            if name not in allowed and name not in KEYWORDS:
                self.problems.add(
                    member(self.path, key), "member-unknown", f"{key!r} is not a member of {kind}"
                )

    def types(self, *, required: bool, kind: str) -> list[tuple[str, str]]:
        """The `@type` values as (term, path), DTMI spellings of core terms turned into terms."""
        value = self.get("@type")
        if value is MISSING:
            if required:
                self.problems.add(self.path, "member-required", f"{kind} requires '@type'")
            return []
        where = self.at("@type")
        if isinstance(value, str):
            values: list[tuple[int | None, object]] = [(None, value)]
        elif isinstance(value, list) and value:
            values = list(enumerate(value))
        else:
            self.problems.add(where, "type-invalid", "@type must be a string or array of strings")
            return []
        found = []
        for index, entry in values:
            if not isinstance(entry, str):
                self.problems.add(item(where, index), "type-invalid", "@type values are strings")
            elif self._type_ok(entry, item(where, index)):
                found.append((term(entry, self.ctx.version), item(where, index)))
        return found

    def _type_ok(self, entry: str, where: str) -> bool:
        if entry.startswith("dtmi:"):
            try:
                parse_dtmi(entry, dtdl_version=self.ctx.version)
            except DtmiError as error:
                self.problems.add(where, error.rule, f"@type {entry!r}: {error.message}")
                return False
        elif ":" in entry and self.ctx.version >= 3:
            self.problems.add(
                where,
                "cotype-invalid",
                f"@type {entry!r} is neither a term nor a DTMI (not allowed in v3)",
            )
            return False
        return True

    def read_id(self, *, interface: bool, required: bool) -> str | None:
        value = self.get("@id")
        if value is MISSING:
            if required:
                self.problems.add(self.path, "member-required", "this element requires '@id'")
            return None
        where = self.at("@id")
        problem = id_problem(value, dtdl_version=self.ctx.version, interface=interface)
        if problem is not None:
            self.problems.add(where, problem[0], f"@id: {problem[1]}")
            return None
        assert isinstance(value, str)
        return value

    def entity(self) -> Entity:
        """display_name, description and comment, ready to pass to a dataclass."""
        found: Entity = {}
        if self.has("displayName"):
            found["display_name"] = read_localizable(
                self.get("displayName"),
                self.at("displayName"),
                self.problems,
                limit=MAX_DISPLAY_NAME,
            )
        if self.has("description"):
            found["description"] = read_localizable(
                self.get("description"),
                self.at("description"),
                self.problems,
                limit=MAX_DESCRIPTION,
            )
        if self.has("comment"):
            found["comment"] = read_comment(self.get("comment"), self.at("comment"), self.problems)
        return found


def element_list(
    value: object, path: str, problems: Problems, *, what: str
) -> list[tuple[dict[str, object], str]]:
    """The elements a member includes: one object, or an array of objects, with their paths.

    DTDL also allows a DTMI here (a dependent reference); fleethub resolves references only
    for schemas, `extends` and Component schemas, so elsewhere it is reported as unsupported.
    """
    values: list[tuple[object, str]]
    if isinstance(value, list):
        values = [(entry, item(path, index)) for index, entry in enumerate(value)]
    else:
        values = [(value, path)]
    found = []
    for entry, where in values:
        if isinstance(entry, dict):
            found.append((entry, where))
        elif isinstance(entry, str) and entry.startswith("dtmi:"):
            problems.add(
                where,
                "reference-unsupported",
                f"{what} given by reference ({entry!r}) is not supported; define it inline",
            )
        else:
            problems.add(
                where, "element-invalid", f"expected {what} (a JSON object), got {json_kind(entry)}"
            )
    return found
