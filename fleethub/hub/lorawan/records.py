"""LoRaWAN records: what the Portal API shows of models, devices and concentrators, and the
drafts it writes them from. Faces render these; the twin and catalogue hold the data.

Twin layout (the Azure IoT Edge LoRaWAN starter kit's, which the Portal follows): tags
`deviceName`, `modelId`, `locationCode`, `assetId`, `deviceType`; desired `AppEUI`, `AppKey`,
`SensorDecoder`; a concentrator has `deviceType = "LoRa Concentrator"`, tag `loraRegion` and
desired `routerConfig` and `clientThumbprint`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON = dict[str, Any]

CONCENTRATOR = "LoRa Concentrator"


@dataclass(frozen=True, slots=True)
class ModelCommand:
    """A downlink a model's devices understand: hex `frame` sent on LoRaWAN `port`."""

    name: str
    frame: str
    port: int


@dataclass(frozen=True, slots=True)
class LoraModel:
    id: str
    name: str
    description: str | None
    app_eui: str
    sensor_decoder_url: str | None
    commands: tuple[ModelCommand, ...] = ()


@dataclass(frozen=True, slots=True)
class LoraModelDraft:
    name: str
    app_eui: str
    description: str | None = None
    sensor_decoder_url: str | None = None
    commands: tuple[ModelCommand, ...] = ()


@dataclass(frozen=True, slots=True)
class LoraDevice:
    device_id: str
    name: str | None
    model_id: str | None
    model_name: str | None
    connected: bool
    enabled: bool
    status_updated_time: datetime | None
    app_eui: str | None
    app_key: str | None
    location_code: str | None = None
    asset_id: str | None = None
    device_type: str | None = None
    sensor_decoder: str | None = None
    logged_in: bool = False
    commands: tuple[ModelCommand, ...] = ()


@dataclass(frozen=True, slots=True)
class LoraDeviceDraft:
    device_id: str
    name: str
    app_eui: str
    model_name: str
    model_id: str | None = None
    enabled: bool = True
    app_key: str | None = None
    location_code: str | None = None
    asset_id: str | None = None
    device_type: str | None = None
    sensor_decoder: str | None = None


@dataclass(frozen=True, slots=True)
class Concentrator:
    device_id: str
    name: str | None
    region: str | None
    thumbprint: str | None
    connected: bool
    enabled: bool
    logged_in: bool
    router_config: JSON = field(default_factory=dict)
    """As stored in the twin, in LoRa Basics Station's spelling (`NetID`, `DRs`, ...)."""


@dataclass(frozen=True, slots=True)
class ConcentratorDraft:
    device_id: str
    name: str
    region: str
    thumbprint: str | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Avatar:
    """A model's picture: checked image bytes and their media type."""

    model_id: str
    content_type: str
    data: bytes
    updated_time: float
