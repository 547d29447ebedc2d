"""The archivist API family (seed 003): hub-to-hub imports at `/archivist/v2/iothubgdr`."""

from __future__ import annotations

from fastapi import APIRouter

from fleethub.api.archivist import imports


def router() -> APIRouter:
    combined = APIRouter()
    combined.include_router(imports.router)
    return combined
