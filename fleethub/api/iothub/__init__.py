"""The Azure IoT Hub service REST API (seed 002 + shared/spec/azure-iot-hub-wire.md §6)."""

from __future__ import annotations

from fastapi import APIRouter

from fleethub.api.iothub import (
    configurations,
    consumer_groups,
    devices,
    jobs,
    messages,
    methods,
    query,
    statistics,
    twins,
)


def router() -> APIRouter:
    combined = APIRouter()
    # query first: POST /devices/query must not be taken for a device id.
    for module in (query, devices, twins, methods, messages, statistics, jobs, configurations):
        combined.include_router(module.router)
    combined.include_router(consumer_groups.router)
    return combined
