"""JSON-LD DTDL document → `Model` of Interfaces, collecting every error with its JSON path
(DTDL v2/v3 specifications, "DTDL element" and "Interface"; IoT Central templates, seed 004).
"""

from __future__ import annotations

from dataclasses import dataclass

from fleethub.hub.models.dtdl import central
from fleethub.hub.models.dtdl.context import Context, context_values, read_context
from fleethub.hub.models.dtdl.cotypes import read_cotypes
from fleethub.hub.models.dtdl.elements import Content, DeviceTemplate, Interface, Model
from fleethub.hub.models.dtdl.errors import DtdlValidationError, Problems, item, member
from fleethub.hub.models.dtdl.limits import V2_MAX_EXTENDS, check_limits
from fleethub.hub.models.dtdl.parse_contents import parse_content
from fleethub.hub.models.dtdl.parse_schema import Site, parse_complex
from fleethub.hub.models.dtdl.reader import ElementReader, element_list
from fleethub.hub.models.dtdl.schema import ComplexSchema
from fleethub.hub.models.dtdl.vocabulary import MEMBERS, term


def parse(document: object, *, allow_undefined_cotypes: bool = False) -> Model:
    """Parse and validate a DTDL document: one Interface, an array of them, or an IoT Central
    device template. Raises `DtdlValidationError` listing every error found.

    `allow_undefined_cotypes` follows the letter of DTDL v2, where an unknown co-type such as
    "Flavor" makes an element "informally co-typed" rather than invalid; by default fleethub
    rejects it, since it is far more often a typo ("Temprature") than an extension.
    """
    problems = Problems()
    tops, envelope = _top_level(document, problems)
    session = _Session(_Index(tops, problems), problems, allow_undefined_cotypes)
    roots = [
        session.interface(raw, path, parent, top_level=parent is None) for raw, path, parent in tops
    ]
    if problems.errors:
        raise DtdlValidationError(problems.errors)
    found = tuple(root for root in roots if root is not None)
    template = None
    if envelope is not None:
        template = DeviceTemplate(
            id=envelope.id or "",
            capability_model=found[0],
            display_name=envelope.display_name,
            description=envelope.description,
            context=tuple(context_values(envelope.context)),
        )
    return Model(roots=found, interfaces=session.interfaces, template=template)


_Top = tuple[dict[str, object], str, Context | None]  # element, path, its parent's context


def _top_level(document: object, problems: Problems) -> tuple[list[_Top], central.Envelope | None]:
    """The top-level elements: the document, each item of an array, or a template's model."""
    if isinstance(document, dict) and central.is_template(document):
        envelope = central.read_envelope(document, "$", problems)
        if envelope.capability_model is None:
            return [], envelope
        parent = read_context(envelope.context, None)
        return [(envelope.capability_model, "$.capabilityModel", parent)], envelope
    if isinstance(document, dict):
        return [(document, "$", None)], None
    if not isinstance(document, list) or not document:
        problems.add("$", "document-root", "a DTDL document is an object or an array of objects")
        return [], None
    tops: list[_Top] = []
    for index, entry in enumerate(document):
        if isinstance(entry, dict):
            tops.append((entry, item("$", index), None))
        else:
            problems.add(item("$", index), "document-root", "expected an Interface object")
    return tops, None


def parse_interface(document: object, **options: bool) -> Interface:
    """`parse(document).root`: the single (or first) Interface of a document."""
    return parse(document, **options).root


@dataclass(frozen=True)
class _Definition:
    raw: dict[str, object]
    path: str
    parent: Context | None  # active context of the structural parent
    partition: str | None  # @id of the nearest enclosing Interface
    interface: bool
    top_level: bool


class _Index:
    """Every element with an @id, found by one walk over the raw JSON; reports duplicates."""

    def __init__(self, tops: list[_Top], problems: Problems) -> None:
        self.problems = problems
        self.by_id: dict[str, _Definition] = {}
        for raw, path, parent in tops:
            self._walk(raw, path, parent, None, top_level=parent is None)

    def _walk(
        self,
        value: object,
        path: str,
        ctx: Context | None,
        partition: str | None,
        *,
        top_level: bool = False,
    ) -> None:
        if isinstance(value, list):
            for index, entry in enumerate(value):
                self._walk(entry, item(path, index), ctx, partition)
            return
        if not isinstance(value, dict):
            return
        here = read_context(value["@context"], ctx) if "@context" in value else ctx
        kinds = value.get("@type")
        kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
        version = here.version if here else 2
        is_interface = "Interface" in {term(k, version) for k in kinds if isinstance(k, str)}
        ident = value.get("@id")
        if isinstance(ident, str):
            if ident in self.by_id:
                self.problems.add(
                    member(path, "@id"),
                    "id-duplicate",
                    f"@id {ident!r} is already used at {self.by_id[ident].path}",
                )
            else:
                self.by_id[ident] = _Definition(
                    value, path, ctx, partition, is_interface, top_level
                )
            partition = ident if is_interface else partition
        for key, entry in value.items():
            if key not in ("@context", "initialValue"):  # initialValue is data, not DTDL
                self._walk(entry, member(path, key), here, partition)

    def get(self, ident: str) -> _Definition | None:
        return self.by_id.get(ident)


class _Session:
    """One parse: memoizes Interfaces and reused schemas by @id and detects reference cycles."""

    def __init__(self, index: _Index, problems: Problems, allow_undefined: bool) -> None:
        self.index = index
        self.problems = problems
        self.allow_undefined = allow_undefined
        self.interfaces: dict[str, Interface] = {}
        self._busy: set[str] = set()  # Interfaces and schemas being parsed: a cycle if met again
        self._failed: set[str] = set()
        self._schemas: dict[str, ComplexSchema | None] = {}
        self._partitions: list[str | None] = []

    def interface(
        self, raw: dict[str, object], path: str, parent: Context | None, *, top_level: bool
    ) -> Interface | None:
        ident = raw.get("@id")
        if isinstance(ident, str) and ident in self.interfaces:
            return self.interfaces[ident]
        if isinstance(ident, str) and ident in self._failed:
            return None
        reader = ElementReader(raw, path, parent, self.problems, top_level=top_level)
        types = reader.types(required=True, kind="Interface")
        if types and "Interface" not in (name for name, _ in types):
            where = "a top-level element" if top_level else "this element"
            self.problems.add(reader.at("@type"), "type-mismatch", f"{where} must be an Interface")
        if "Interface" not in (name for name, _ in types):
            return None
        read_cotypes(reader, types, "Interface", allow_undefined=self.allow_undefined)
        interface_id = reader.read_id(interface=True, required=True)
        key = interface_id or f"#{path}"
        self._busy.add(key)
        self._partitions.append(interface_id)
        try:
            result = self._interface_body(reader, interface_id)
        finally:
            self._partitions.pop()
            self._busy.discard(key)
        if result is None:
            self._failed.add(key)
        else:
            self.interfaces[result.id] = result
        return result

    def _interface_body(self, reader: ElementReader, interface_id: str | None) -> Interface | None:
        entity = reader.entity()
        reader.reject_unknown(MEMBERS["Interface"], "Interface")
        extends = self._extends(reader)
        contents = self._contents(reader, extends)
        schemas = self._schemas_member(reader)  # after contents: errors keep document order
        if interface_id is None:
            return None
        result = Interface(
            id=interface_id,
            version=reader.ctx.version,
            contents=contents,
            extends=extends,
            schemas=schemas,
            extensions=reader.ctx.extensions,
            display_name=entity.get("display_name"),
            description=entity.get("description"),
            comment=entity.get("comment"),
        )
        check_limits(reader, result)
        return result

    def _extends(self, reader: ElementReader) -> tuple[Interface, ...]:
        if not reader.has("extends"):
            return ()
        value, where = reader.get("extends"), reader.at("extends")
        entries = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        if reader.ctx.version == 2 and len(entries) > V2_MAX_EXTENDS:
            self.problems.add(
                where,
                "extends-too-many",
                f"a DTDL v2 Interface extends at most {V2_MAX_EXTENDS} Interfaces",
            )
        bases = [
            self.interface_value(entry, item(where, index), reader.ctx) for index, entry in entries
        ]
        return tuple(base for base in bases if base is not None)

    def _schemas_member(self, reader: ElementReader) -> tuple[ComplexSchema, ...]:
        if not reader.has("schemas"):
            return ()
        found = []
        for raw, where in element_list(
            reader.get("schemas"), reader.at("schemas"), self.problems, what="a complex schema"
        ):
            ident = raw.get("@id")
            definition = self.index.get(ident) if isinstance(ident, str) else None
            if isinstance(ident, str) and definition is not None and definition.raw is raw:
                schema = self.schema_ref(ident, where)
            else:  # no usable @id: parse_complex reports it
                schema = parse_complex(
                    raw, where, reader.ctx, self.problems, self, Site(), need_id=True
                )
            if schema is not None:
                found.append(schema)
        return tuple(found)

    def _contents(
        self, reader: ElementReader, extends: tuple[Interface, ...]
    ) -> tuple[Content, ...]:
        inherited: dict[str, str] = {}
        for base in extends:
            for content in base.all_contents():
                owner = inherited.setdefault(content.name, base.id)
                if owner != base.id and content is not _named(extends, content.name, owner):
                    self.problems.add(
                        reader.at("extends"),
                        "name-duplicate",
                        f"{content.name!r} is defined by both {owner!r} and {base.id!r}",
                    )
        if not reader.has("contents"):
            return ()
        contents: list[Content] = []
        names: dict[str, str] = {}
        for raw, where in element_list(
            reader.get("contents"), reader.at("contents"), self.problems, what="a content element"
        ):
            parsed = parse_content(raw, where, reader.ctx, self.problems, self)
            if parsed is None:
                continue
            content = parsed
            if content.name in names:
                self.problems.add(
                    where,
                    "name-duplicate",
                    f"{content.name!r} is already used at {names[content.name]}",
                )
            elif content.name in inherited:
                self.problems.add(
                    where,
                    "name-duplicate",
                    f"{content.name!r} is already "
                    f"defined by the extended Interface {inherited[content.name]!r}",
                )
            names.setdefault(content.name, where)
            contents.append(content)
        return tuple(contents)

    # -- references (used by parse_contents and parse_schema through their scopes) --

    def interface_value(self, value: object, path: str, ctx: Context) -> Interface | None:
        if isinstance(value, dict):
            return self.interface(value, path, ctx, top_level=False)
        if isinstance(value, str) and value.startswith("dtmi:"):
            return self._interface_ref(value, path)
        self.problems.add(path, "interface-invalid", "expected an Interface or its DTMI")
        return None

    def _interface_ref(self, ref: str, path: str) -> Interface | None:
        definition = self.index.get(ref)
        if definition is None:
            self.problems.add(path, "reference-unresolved", f"no Interface {ref!r} in the model")
            return None
        if not definition.interface:
            self.problems.add(path, "reference-kind", f"{ref!r} is not an Interface")
            return None
        if ref in self._busy:
            self.problems.add(path, "reference-cycle", f"{ref!r} leads back to itself")
            return None
        return self.interface(
            definition.raw, definition.path, definition.parent, top_level=definition.top_level
        )

    def schema_ref(self, ref: str, path: str) -> ComplexSchema | None:
        if ref in self._schemas:
            return self._schemas[ref]
        definition = self.index.get(ref)
        if definition is None:
            self.problems.add(path, "reference-unresolved", f"no schema {ref!r} in the model")
            return None
        if definition.interface:
            self.problems.add(path, "schema-kind", f"{ref!r} is an Interface, not a schema")
            return None
        if definition.partition != (self._partitions[-1] if self._partitions else None):
            # A schema is referenceable only inside the Interface that defines it.
            self.problems.add(
                path,
                "reference-not-referenceable",
                f"{ref!r} is defined in another Interface; reuse schemas only within one Interface",
            )
            return None
        if ref in self._busy:
            self.problems.add(path, "reference-cycle", f"{ref!r} leads back to itself")
            return None
        self._busy.add(ref)
        try:
            schema = parse_complex(
                definition.raw,
                definition.path,
                definition.parent or Context(2),
                self.problems,
                self,
                Site(),
                need_id=True,
            )
        finally:
            self._busy.discard(ref)
        self._schemas[ref] = schema
        return schema

    def defines(self, ref: str, raw: dict[str, object]) -> bool:
        definition = self.index.get(ref)
        return definition is not None and definition.raw is raw


def _named(extends: tuple[Interface, ...], name: str, owner: str) -> Content | None:
    base = next(base for base in extends if base.id == owner)
    return base.content(name)
