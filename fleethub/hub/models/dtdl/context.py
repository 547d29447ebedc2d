"""`@context`: which DTDL version and language extensions apply to an element (DTDL v2/v3
specifications, "Context"; values combine down the hierarchy by de-versioned DTMI).
"""

from __future__ import annotations

from dataclasses import dataclass

from fleethub.hub.models.dtdl.dtmi import DtmiError, parse_dtmi
from fleethub.hub.models.dtdl.errors import Problems, item

DTDL_CONTEXT = "dtmi:dtdl:context"
IOTCENTRAL_CONTEXTS = frozenset({"dtmi:iotcentral:context;2", "dtmi:iotcentral:context;3"})
QUANTITATIVE_TYPES = "dtmi:dtdl:extension:quantitativeTypes;1"
_VERSIONS = {f"{DTDL_CONTEXT};2": 2, f"{DTDL_CONTEXT};3": 3}


@dataclass(frozen=True)
class Context:
    """The active context of an element: `version` 2 or 3 plus extension context DTMIs."""

    version: int
    extensions: frozenset[str] = frozenset()

    @property
    def central(self) -> bool:
        return not self.extensions.isdisjoint(IOTCENTRAL_CONTEXTS)

    @property
    def quantitative(self) -> bool:
        return QUANTITATIVE_TYPES in self.extensions


def context_values(value: object) -> list[str]:
    """The strings of a `@context` member, ignoring anything that is not a string."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [entry for entry in value if isinstance(entry, str)]
    return []


def read_context(value: object, parent: Context | None) -> Context | None:
    """Combine an element's `@context` with its parent's; None when no DTDL version is known.

    Silent by design: `check_context` reports the problems, this only computes the result.
    """
    merged: dict[str, str] = {}
    if parent is not None:
        merged[DTDL_CONTEXT] = f"{DTDL_CONTEXT};{parent.version}"
        for extension in parent.extensions:
            merged[extension.partition(";")[0]] = extension
    for entry in context_values(value):
        merged[entry.partition(";")[0]] = entry
    version = _VERSIONS.get(merged.pop(DTDL_CONTEXT, ""))
    if version is None:
        return None
    return Context(version, frozenset(merged.values()))


def check_context(value: object, path: str, *, top_level: bool, problems: Problems) -> None:
    """Report every problem with one `@context` member at `path`."""
    if not isinstance(value, str | list) or (
        isinstance(value, list) and not all(isinstance(entry, str) for entry in value)
    ):
        problems.add(path, "context-invalid", "@context must be a string or an array of strings")
        return
    entries: list[str] = [value] if isinstance(value, str) else list(value)
    indexed: list[tuple[int | None, str]] = (
        [(None, value)] if isinstance(value, str) else list(enumerate(entries))
    )
    dtdl_at: int | None = None
    for index, entry in indexed:
        where = item(path, index)
        try:
            parse_dtmi(entry, dtdl_version=2)  # v2 syntax: every context carries a version
        except DtmiError as error:
            problems.add(
                where, "context-dtmi", f"context {entry!r} is not a versioned DTMI: {error.message}"
            )
            continue
        if entry.startswith(f"{DTDL_CONTEXT};"):
            if entry not in _VERSIONS:
                problems.add(
                    where, "context-version", f"{entry!r}: only DTDL v2 and v3 are supported"
                )
            if dtdl_at is None:
                dtdl_at = index or 0
        elif entry not in IOTCENTRAL_CONTEXTS and entry != QUANTITATIVE_TYPES:
            problems.add(
                where, "context-extension", f"language extension {entry!r} is not supported"
            )
    if dtdl_at is None:
        if top_level:
            problems.add(
                path,
                "context-dtdl-missing",
                "a top-level element's @context must "
                "include 'dtmi:dtdl:context;2' or 'dtmi:dtdl:context;3'",
            )
        return
    _check_order(entries, dtdl_at, path, problems)


def _check_order(entries: list[str], dtdl_at: int, path: str, problems: Problems) -> None:
    # v2 tolerates (but discourages) the IoT Central context ahead of the DTDL one, and
    # IoT Central's own device templates are written that way (seed 004).
    before = entries[:dtdl_at]
    version = _VERSIONS.get(entries[dtdl_at], 3)
    if before and not (version == 2 and all(entry in IOTCENTRAL_CONTEXTS for entry in before)):
        problems.add(
            item(path, dtdl_at),
            "context-order",
            "the DTDL context must be the first value of @context",
        )
    if version == 2 and QUANTITATIVE_TYPES in entries:
        problems.add(
            path, "context-extension", "the QuantitativeTypes extension is usable only with DTDL v3"
        )
