"""Seed 000's JSON shapes for models, devices and concentrators: request models named as the
spec's schemas (required fields enforced, rules from `hub/lorawan` as field errors) and the
response renderers. Unknown request fields are ignored; read-only ones (isConnected,
imageUrl, ...) are accepted and not used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fleethub.hub import ids
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.lorawan import models as rules
from fleethub.hub.lorawan import records as r
from fleethub.hub.lorawan.regions import check_region

T = TypeVar("T")
JSON = dict[str, Any]
#: .NET's DateTime.MinValue, which the Portal shows for a time it does not have.
NEVER = "0001-01-01T00:00:00Z"


def rule(check: Callable[[T], T], value: T) -> T:
    """A hub rule as a field validator: its ArgumentInvalid becomes the field's error."""
    try:
        return check(value)
    except ArgumentInvalid as error:
        raise ValueError(error.message) from None


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class DeviceModelCommand(Body):
    name: str = Field(min_length=1, max_length=rules.MAX_COMMAND_NAME)
    frame: str = Field(min_length=1)
    port: int

    @field_validator("frame")
    @classmethod
    def _frame(cls, value: str) -> str:
        return rule(rules.check_frame, value)

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        return rule(rules.check_port, value)

    def to_domain(self) -> r.ModelCommand:
        return r.ModelCommand(self.name, self.frame.upper(), self.port)


class DeviceModel(Body):
    modelId: str | None = None
    imageUrl: str | None = None
    name: str = Field(min_length=1, max_length=rules.MAX_NAME)
    description: str | None = Field(None, max_length=rules.MAX_DESCRIPTION)
    appEUI: str = Field(min_length=1)
    sensorDecoderURL: str | None = None
    commands: list[DeviceModelCommand] | None = None

    def to_draft(self) -> r.LoraModelDraft:
        return r.LoraModelDraft(
            name=self.name,
            app_eui=self.appEUI,
            description=self.description or None,
            sensor_decoder_url=self.sensorDecoderURL or None,
            commands=tuple(c.to_domain() for c in self.commands or []),
        )


class Command(Body):
    commandId: str | None = None
    frame: str | None = None


class DeviceDetails(Body):
    deviceID: str = Field(min_length=1)
    deviceName: str = Field(min_length=1)
    imageUrl: str | None = None
    isConnected: bool = False
    isEnabled: bool = True
    statusUpdatedTime: datetime | None = None
    appEUI: str = Field(min_length=1)
    appKey: str | None = None
    locationCode: str | None = None
    assetId: str | None = None
    deviceType: str | None = None
    modelId: str | None = None
    modelName: str = Field(min_length=1)
    sensorDecoder: str | None = None
    alreadyLoggedInOnce: bool = False
    commands: list[Command] | None = None

    @field_validator("deviceID")
    @classmethod
    def _device_id(cls, value: str) -> str:
        return rule(ids.check_device_id, value)

    def to_draft(self) -> r.LoraDeviceDraft:
        return r.LoraDeviceDraft(
            device_id=self.deviceID,
            name=self.deviceName,
            app_eui=self.appEUI,
            model_name=self.modelName,
            model_id=self.modelId or None,
            enabled=self.isEnabled,
            app_key=self.appKey or None,
            location_code=self.locationCode or None,
            asset_id=self.assetId or None,
            device_type=self.deviceType or None,
            sensor_decoder=self.sensorDecoder or None,
        )


class Channel(Body):
    enable: bool | None = None
    freq: int = 0
    radio: int = 0
    if_: int = Field(0, alias="if")
    bandwidth: int = 0
    spread_factor: int = 0


class RouterConfig(Body):
    """Accepted for the schema's sake; the hub makes the configuration from `loraRegion`."""

    netID: list[int] | None = None
    joinEui: list[list[str]] | None = None
    region: str | None = None
    hwspec: str | None = None
    freq_range: list[int] | None = None
    dRs: list[list[int]] | None = None
    sx1301_conf: list[dict[str, Channel]] | None = None
    nocca: bool = False
    nodc: bool = False
    nodwell: bool = False


class Concentrator(Body):
    deviceId: str = Field(min_length=1)
    deviceName: str = Field(min_length=1)
    loraRegion: str = Field(min_length=1)
    deviceType: str | None = None
    clientCertificateThumbprint: str | None = None
    isConnected: bool = False
    isEnabled: bool = True
    alreadyLoggedInOnce: bool = False
    routerConfig: RouterConfig | None = None

    @field_validator("deviceId")
    @classmethod
    def _device_id(cls, value: str) -> str:
        return rule(ids.check_device_id, value)

    @field_validator("loraRegion")
    @classmethod
    def _region(cls, value: str) -> str:
        return rule(check_region, value)

    @field_validator("clientCertificateThumbprint")
    @classmethod
    def _thumbprint(cls, value: str | None) -> str | None:
        return rule(ids.check_thumbprint, value) if value else None

    def to_draft(self) -> r.ConcentratorDraft:
        return r.ConcentratorDraft(
            device_id=self.deviceId,
            name=self.deviceName,
            region=self.loraRegion,
            thumbprint=self.clientCertificateThumbprint,
            enabled=self.isEnabled,
        )


# -- responses ---------------------------------------------------------------------------


def time_json(value: datetime | float | None) -> str:
    """`2019-08-24T14:15:22.000000Z`; NEVER when there is no time."""
    if value is None:
        return NEVER
    if isinstance(value, float | int):
        value = datetime.fromtimestamp(value, UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def device_model_json(model: r.LoraModel, image_url: str) -> JSON:
    return {
        "modelId": model.id,
        "imageUrl": image_url,
        "name": model.name,
        "description": model.description,
        "appEUI": model.app_eui,
        "sensorDecoderURL": model.sensor_decoder_url,
        "commands": [{"name": c.name, "frame": c.frame, "port": c.port} for c in model.commands],
    }


def device_list_item(device: r.LoraDevice, image_url: str | None) -> JSON:
    return {
        "deviceID": device.device_id,
        "deviceName": device.name,
        "imageUrl": image_url,
        "isConnected": device.connected,
        "isEnabled": device.enabled,
        "statusUpdatedTime": time_json(device.status_updated_time),
        "appEUI": device.app_eui,
        "appKey": device.app_key,
        "locationCode": device.location_code,
    }


def device_details(device: r.LoraDevice, image_url: str | None) -> JSON:
    return {
        **device_list_item(device, image_url),
        "assetId": device.asset_id,
        "deviceType": device.device_type,
        "modelId": device.model_id,
        "modelName": device.model_name,
        "sensorDecoder": device.sensor_decoder,
        "alreadyLoggedInOnce": device.logged_in,
        "commands": [{"commandId": c.name, "frame": c.frame} for c in device.commands],
    }


def router_config_json(config: JSON) -> JSON | None:
    """The twin's LoRa Basics Station spelling (`NetID`, `DRs`) in the seed's (`netID`, `dRs`)."""
    if not config:
        return None
    spelled = {"NetID": "netID", "JoinEui": "joinEui", "DRs": "dRs"}
    return {spelled.get(key, key): value for key, value in config.items()}


def concentrator_json(concentrator: r.Concentrator) -> JSON:
    return {
        "deviceId": concentrator.device_id,
        "deviceName": concentrator.name,
        "loraRegion": concentrator.region,
        "deviceType": r.CONCENTRATOR,
        "clientCertificateThumbprint": concentrator.thumbprint,
        "isConnected": concentrator.connected,
        "isEnabled": concentrator.enabled,
        "alreadyLoggedInOnce": concentrator.logged_in,
        "routerConfig": router_config_json(concentrator.router_config),
    }
