"""The IoT Central REST API (seeds 001 and 004), mounted under `/central` so a client whose
base URL is `https://host:8443/central` sends IoT Central's paths unchanged."""

from __future__ import annotations

from fastapi import APIRouter

from fleethub.api.central import apps, commands, devices, properties, telemetry, templates, tokens


def router() -> APIRouter:
    combined = APIRouter()
    for module in (apps, templates, devices, telemetry, properties, commands, tokens):
        combined.include_router(module.router)
    return combined
