"""Device models with a LoRaWAN profile (the Portal's DeviceModel): catalogue models whose
`lorawan` profile holds the AppEUI, the sensor decoder URL and the downlink commands, plus
their pictures (avatars).

A model created here gets a minimal DTDL Interface (id `dtmi:fleethub:lorawan:m<hex>;1`,
display name and description), so IoT Central sees it as a template too; a model made
elsewhere gains a profile when the Portal updates it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.clock import Clock
from fleethub.hub.errors import (
    ArgumentInvalid,
    CapabilityAlreadyExists,
    CapabilityNotFound,
    ModelNotFound,
    PreconditionFailed,
)
from fleethub.hub.lorawan.records import Avatar, LoraModel, LoraModelDraft, ModelCommand
from fleethub.hub.models.catalogue import Catalogue
from fleethub.hub.models.record import ModelRecord
from fleethub.hub.ports import AvatarStore

JSON = dict[str, Any]

#: DTDL's limits on an Interface's displayName and description.
MAX_NAME, MAX_DESCRIPTION = 64, 512
MAX_COMMAND_NAME = 64
#: A LoRaWAN application payload is at most 242 bytes (RP002, largest data rate).
MAX_FRAME_BYTES = 242
#: FPort 1-223 carries application data; 0 is MAC commands and 224-255 are reserved.
MIN_PORT, MAX_PORT = 1, 223
MAX_AVATAR_BYTES = 1024 * 1024
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")
_RETRIES = 5
CommandsEdit = Callable[[tuple[ModelCommand, ...]], tuple[ModelCommand, ...]]


def check_name(name: str) -> str:
    if not name.strip() or len(name) > MAX_NAME:
        raise ArgumentInvalid(f"A model name has 1 to {MAX_NAME} characters.")
    return name


def check_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise ArgumentInvalid(f"A model description has at most {MAX_DESCRIPTION} characters.")
    return description


def check_frame(frame: str) -> str:
    """A frame is hex digits, two per byte, e.g. `01FF`."""
    if not _HEX.match(frame) or len(frame) > 2 * MAX_FRAME_BYTES:
        raise ArgumentInvalid(
            f"A frame is 1 to {MAX_FRAME_BYTES} bytes written as hex digits, e.g. '01FF'."
        )
    return frame


def check_port(port: int) -> int:
    if not MIN_PORT <= port <= MAX_PORT:
        raise ArgumentInvalid(f"A LoRaWAN application port is between {MIN_PORT} and {MAX_PORT}.")
    return port


def check_command(command: ModelCommand) -> ModelCommand:
    if not command.name.strip() or len(command.name) > MAX_COMMAND_NAME:
        raise ArgumentInvalid(f"A command name has 1 to {MAX_COMMAND_NAME} characters.")
    check_frame(command.frame)
    check_port(command.port)
    return command


def check_commands(commands: tuple[ModelCommand, ...]) -> tuple[ModelCommand, ...]:
    names = [check_command(c).name for c in commands]
    if len(set(names)) != len(names):
        raise ArgumentInvalid("Two commands of the model have the same name.")
    return commands


def sniff(data: bytes) -> str | None:
    """The media type of PNG, JPEG, GIF or WebP bytes; None for anything else (SVG too:
    it can carry script)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class LoraModels:
    def __init__(self, catalogue: Catalogue, avatars: AvatarStore, clock: Clock) -> None:
        self._catalogue = catalogue
        self._avatars = avatars
        self._clock = clock

    async def list(self, principal: Principal) -> list[LoraModel]:
        return [lora_model(m) for m in await self._catalogue.profiled(principal)]

    async def get(self, principal: Principal, model_id: str) -> LoraModel:
        return lora_model(await self._profiled(principal, model_id))

    async def find(self, model_id: str) -> LoraModel | None:
        """The model's LoRaWAN view without a permission check; None if it has none."""
        record = await self._catalogue.find(model_id)
        return lora_model(record) if record is not None and record.lorawan is not None else None

    async def create(self, principal: Principal, draft: LoraModelDraft) -> LoraModel:
        require(principal, Permission.MODELS_WRITE)
        model_id = f"dtmi:fleethub:lorawan:m{uuid.uuid4().hex};1"
        document: JSON = {
            "@context": "dtmi:dtdl:context;3",
            "@id": model_id,
            "@type": "Interface",
            "contents": [],
        }
        record, _ = await self._catalogue.put_profile(
            principal, model_id, _described(document, draft), _profile(draft)
        )
        return lora_model(record)

    async def update(self, principal: Principal, model_id: str, draft: LoraModelDraft) -> LoraModel:
        """Replace name, description and profile; a catalogue model without a profile gains
        one here (an IoT Central template becomes a LoRaWAN model too)."""
        require(principal, Permission.MODELS_WRITE)
        existing = await self._catalogue.get(principal, model_id)
        record, _ = await self._catalogue.put_profile(
            principal,
            model_id,
            _described(existing.document, draft),
            _profile(draft),
            existing.etag,
        )
        return lora_model(record)

    async def delete(self, principal: Principal, model_id: str) -> None:
        """ModelInUse (409) while devices use it."""
        await self._profiled(principal, model_id)
        await self._catalogue.delete(principal, model_id)
        await self._avatars.delete(model_id)

    async def add_command(
        self, principal: Principal, model_id: str, command: ModelCommand
    ) -> LoraModel:
        check_command(command)

        def added(commands: tuple[ModelCommand, ...]) -> tuple[ModelCommand, ...]:
            if any(c.name == command.name for c in commands):
                raise CapabilityAlreadyExists(f"The model has a command '{command.name}' already.")
            return (*commands, command)

        return await self._edit_commands(principal, model_id, added)

    async def remove_command(self, principal: Principal, model_id: str, name: str) -> LoraModel:
        def removed(commands: tuple[ModelCommand, ...]) -> tuple[ModelCommand, ...]:
            kept = tuple(c for c in commands if c.name != name)
            if len(kept) == len(commands):
                raise CapabilityNotFound(f"The model has no command '{name[:140]}'.")
            return kept

        return await self._edit_commands(principal, model_id, removed)

    async def avatar(self, principal: Principal, model_id: str) -> Avatar | None:
        """The model's picture; None when it has none (the face shows a default)."""
        await self._profiled(principal, model_id)
        return await self._avatars.get(model_id)

    async def set_avatar(
        self, principal: Principal, model_id: str, data: bytes, declared_type: str | None
    ) -> Avatar:
        require(principal, Permission.MODELS_WRITE)
        await self._profiled(principal, model_id)
        if not data:
            raise ArgumentInvalid("The picture file is empty.")
        if len(data) > MAX_AVATAR_BYTES:
            raise ArgumentInvalid(f"A picture may be at most {MAX_AVATAR_BYTES} bytes.")
        kind = sniff(data)
        if kind is None:
            raise ArgumentInvalid("The file is not a PNG, JPEG, GIF or WebP image.")
        declared = (declared_type or "").split(";")[0].strip().lower()
        if declared not in ("", "application/octet-stream", kind):
            raise ArgumentInvalid(f"The file is a {kind} image but was sent as {declared[:60]}.")
        avatar = Avatar(model_id, kind, data, self._clock())
        await self._avatars.put(avatar)
        return avatar

    async def remove_avatar(self, principal: Principal, model_id: str) -> None:
        require(principal, Permission.MODELS_WRITE)
        await self._profiled(principal, model_id)
        await self._avatars.delete(model_id)

    async def _profiled(self, principal: Principal, model_id: str) -> ModelRecord:
        record = await self._catalogue.get(principal, model_id)
        if record.lorawan is None:
            raise ModelNotFound(f"The model '{model_id[:200]}' has no LoRaWAN profile.")
        return record

    async def _edit_commands(
        self, principal: Principal, model_id: str, edit: CommandsEdit
    ) -> LoraModel:
        """Read, edit, write with the ETag; a concurrent writer makes us read again."""
        require(principal, Permission.MODELS_WRITE)
        for _ in range(_RETRIES):
            record = await self._profiled(principal, model_id)
            model = lora_model(record)
            profile = {**(record.lorawan or {}), "commands": _commands_json(edit(model.commands))}
            try:
                updated, _ = await self._catalogue.put_profile(
                    principal, model_id, record.document, profile, record.etag
                )
            except PreconditionFailed:
                continue
            return lora_model(updated)
        raise PreconditionFailed("The model kept changing; try again.")


def lora_model(record: ModelRecord) -> LoraModel:
    profile = record.lorawan or {}
    description = record.document.get("description")
    return LoraModel(
        id=record.id,
        name=record.display_name or record.id,
        description=description if isinstance(description, str) else None,
        app_eui=str(profile.get("appEUI") or ""),
        sensor_decoder_url=profile.get("sensorDecoderURL"),
        commands=tuple(
            ModelCommand(str(c["name"]), str(c["frame"]), int(c["port"]))
            for c in profile.get("commands") or []
        ),
    )


def _described(document: JSON, draft: LoraModelDraft) -> JSON:
    check_name(draft.name)
    check_description(draft.description)
    result = {key: value for key, value in document.items() if key != "description"}
    result["displayName"] = draft.name
    if draft.description:
        result["description"] = draft.description
    return result


def _profile(draft: LoraModelDraft) -> JSON:
    return {
        "appEUI": draft.app_eui,
        "sensorDecoderURL": draft.sensor_decoder_url,
        "commands": _commands_json(check_commands(draft.commands)),
    }


def _commands_json(commands: tuple[ModelCommand, ...]) -> list[JSON]:
    return [{"name": c.name, "frame": c.frame, "port": c.port} for c in commands]
