"""What a device's model says the portal should offer: telemetry fields to chart and
commands to invoke (with their request schema), read from the compiled DTDL interface."""

from __future__ import annotations

from dataclasses import dataclass

from fleethub.hub.hub import Hub
from fleethub.hub.models.dtdl import Command, Interface, PrimitiveSchema, Telemetry

NUMERIC = frozenset({"double", "float", "integer", "long"})


@dataclass(frozen=True, slots=True)
class Capabilities:
    model_id: str | None
    interface: Interface | None

    @property
    def telemetry(self) -> list[str]:
        """Names of numeric telemetry fields (the ones a line chart can show)."""
        if self.interface is None:
            return []
        return [
            c.name
            for c in self.interface.all_contents()
            if isinstance(c, Telemetry)
            and isinstance(c.schema, PrimitiveSchema)
            and c.schema.name in NUMERIC
        ]

    @property
    def commands(self) -> list[Command]:
        if self.interface is None:
            return []
        return [c for c in self.interface.all_contents() if isinstance(c, Command)]

    def command(self, name: str) -> Command | None:
        return next((c for c in self.commands if c.name == name), None)


async def capabilities_of(hub: Hub, model_id: str | None) -> Capabilities:
    if not model_id:
        return Capabilities(None, None)
    validator = await hub.models.validator(model_id)
    return Capabilities(model_id, validator.interface if validator is not None else None)
