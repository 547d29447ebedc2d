"""A model as the catalogue stores it: the one record behind a Portal DeviceModel and an IoT
Central device template (ARCHITECTURE.md, "One model catalogue"; seed 004)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ModelRecord:
    id: str
    """The model's DTMI: a device template's `@id`, or a plain Interface's."""
    display_name: str | None
    capability_model_id: str
    """The capability model's `@id` (the Interface id) for a template; `id` otherwise."""
    document: JSON
    """The DTDL document as stored (a normalised device template, or a DTDL Interface)."""
    etag: str
    """Quoted, content-derived, as IoT Central shows it: `"~<base64 SHA-256>"`."""
    created_time: float
    updated_time: float
    lorawan: JSON | None = None
    """LoRaWAN profile for the Portal API (appEUI, sensorDecoderURL, commands); None here."""
