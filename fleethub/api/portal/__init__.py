"""The IoT Hub Portal API (seed 000) under `/api/...` and `/OIDCSettings`: LoRaWAN device
models, devices and concentrators, IoT Edge gateways and deployments, OIDC settings.

Paths match case-insensitively (paths.py), errors are RFC 7807 problems (errors.py), and
every route but `/OIDCSettings` needs a signed-in user or a token (auth.py).
"""

from __future__ import annotations

from fastapi import APIRouter

from fleethub.api.portal import commands, device_models, devices, edge, lorawan, oidc


def router() -> APIRouter:
    combined = APIRouter()
    for module in (device_models, commands, devices, lorawan, edge, oidc):
        combined.include_router(module.router)
    return combined
