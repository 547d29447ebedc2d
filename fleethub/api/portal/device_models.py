"""/api/DeviceModels: LoRaWAN device models and their pictures (seed 000 "DeviceModels").

The avatar routes answer with the picture's URL, as the Portal's do; the picture itself is
served at that URL, `/api/DeviceModels/{modelID}/avatar/image` (a fleethub route; a model
without a picture shows a plain default one).
"""

from __future__ import annotations

import struct
import zlib
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import UploadFile

from fleethub.api.portal import wire
from fleethub.api.portal.auth import Caller
from fleethub.http import HubDep, JsonResponse
from fleethub.hub.errors import MessageTooLarge
from fleethub.hub.lorawan.models import MAX_AVATAR_BYTES

router = APIRouter(tags=["DeviceModels"])

#: Room for the multipart framing around the largest picture.
MAX_UPLOAD_BYTES = MAX_AVATAR_BYTES + 64 * 1024


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain RGB PNG, built by hand (no imaging library needed for one grey square)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


DEFAULT_AVATAR = _png(64, 64, (0xC8, 0xCE, 0xD6))


def image_url(request: Request, model_id: str) -> str:
    return f"{request.base_url}api/DeviceModels/{quote(model_id, safe='')}/avatar/image"


@router.get("/api/DeviceModels", summary="List the LoRaWAN device models")
async def list_models(request: Request, hub: HubDep, who: Caller) -> JsonResponse:
    models = await hub.lora_models.list(who)
    return JsonResponse([wire.device_model_json(m, image_url(request, m.id)) for m in models])


@router.post("/api/DeviceModels", summary="Create a device model (its id is generated)")
async def create_model(
    request: Request, hub: HubDep, who: Caller, body: wire.DeviceModel
) -> JsonResponse:
    model = await hub.lora_models.create(who, body.to_draft())
    return JsonResponse(wire.device_model_json(model, image_url(request, model.id)))


@router.put("/api/DeviceModels", summary="Update the device model the body's modelId names")
async def update_model(
    request: Request, hub: HubDep, who: Caller, body: wire.DeviceModel
) -> JsonResponse:
    if not body.modelId:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body", "modelId"), "msg": "required", "input": None}]
        )
    model = await hub.lora_models.update(who, body.modelId, body.to_draft())
    return JsonResponse(wire.device_model_json(model, image_url(request, model.id)))


@router.get("/api/DeviceModels/{model_id:seg}", summary="Get a device model")
async def get_model(model_id: str, request: Request, hub: HubDep, who: Caller) -> JsonResponse:
    model = await hub.lora_models.get(who, model_id)
    return JsonResponse(wire.device_model_json(model, image_url(request, model.id)))


@router.delete("/api/DeviceModels/{model_id:seg}", summary="Delete an unused device model")
async def delete_model(model_id: str, hub: HubDep, who: Caller) -> Response:
    await hub.lora_models.delete(who, model_id)
    return Response(status_code=200)


@router.get("/api/DeviceModels/{model_id:seg}/avatar", summary="The URL of the model's picture")
async def get_avatar(model_id: str, request: Request, hub: HubDep, who: Caller) -> JsonResponse:
    await hub.lora_models.avatar(who, model_id)
    return JsonResponse(image_url(request, model_id))


@router.post(
    "/api/DeviceModels/{model_id:seg}/avatar",
    summary="Replace the model's picture (multipart field `file`: PNG, JPEG, GIF or WebP)",
)
async def set_avatar(model_id: str, request: Request, hub: HubDep, who: Caller) -> JsonResponse:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD_BYTES:
        raise MessageTooLarge(f"A picture may be at most {MAX_AVATAR_BYTES} bytes.")
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise RequestValidationError(
                [{"type": "missing", "loc": ("body", "file"), "msg": "required", "input": None}]
            )
        data = await upload.read(MAX_AVATAR_BYTES + 1)
        declared = upload.content_type
    await hub.lora_models.set_avatar(who, model_id, data, declared)
    return JsonResponse(image_url(request, model_id))


@router.delete("/api/DeviceModels/{model_id:seg}/avatar", summary="Remove the model's picture")
async def delete_avatar(model_id: str, hub: HubDep, who: Caller) -> Response:
    await hub.lora_models.remove_avatar(who, model_id)
    return Response(status_code=200)


@router.get(
    "/api/DeviceModels/{model_id:seg}/avatar/image",
    summary="The model's picture itself (fleethub: what imageUrl points at)",
)
async def avatar_image(model_id: str, hub: HubDep, who: Caller) -> Response:
    avatar = await hub.lora_models.avatar(who, model_id)
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if avatar is None:
        return Response(DEFAULT_AVATAR, media_type="image/png", headers=headers)
    return Response(avatar.data, media_type=avatar.content_type, headers=headers)
