"""FACES for back ends: one package per published API family, mounted by `mount()`.

Each family answers errors in its own spec's shape. `FACES` maps a path prefix to the
family's renderers; the IoT Hub shape is the default (it also covers device HTTPS).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from fleethub.api import archivist, central, iothub, portal
from fleethub.api.archivist import errors as archivist_errors
from fleethub.api.central import errors as central_errors
from fleethub.api.iothub import errors as iothub_errors
from fleethub.api.portal import errors as portal_errors
from fleethub.api.portal.paths import PortalPaths
from fleethub.hub.errors import HubError


@dataclass(frozen=True, slots=True)
class Face:
    """How one API family renders failures (its errors.py)."""

    prefix: str
    hub_error: Callable[[Request, HubError], Response]
    invalid: Callable[[Request, RequestValidationError], Response]
    http_error: Callable[[Request, HTTPException], Response]


def _iothub_invalid(request: Request, error: RequestValidationError) -> Response:
    return iothub_errors.error_response(request, 400, "ArgumentInvalid", describe(error))


def _iothub_http(request: Request, error: HTTPException) -> Response:
    code = {404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code, "BadRequest")
    response = iothub_errors.error_response(request, error.status_code, code, str(error.detail))
    if error.headers:
        response.headers.update(error.headers)
    return response


IOTHUB = Face("/", iothub_errors.hub_error_response, _iothub_invalid, _iothub_http)


def _central_invalid(request: Request, error: RequestValidationError) -> Response:
    return central_errors.invalid_response(request, describe(error))


CENTRAL = Face(
    "/central/",
    central_errors.hub_error_response,
    _central_invalid,
    central_errors.http_error_response,
)


def _archivist_invalid(request: Request, error: RequestValidationError) -> Response:
    return archivist_errors.invalid_response(describe(error))


ARCHIVIST = Face(
    "/archivist/",
    archivist_errors.hub_error_response,
    _archivist_invalid,
    archivist_errors.http_error_response,
)

# The Portal API (seed 000, #5): RFC 7807 problems, also for /OIDCSettings.
PORTAL = Face(
    "/api/",
    portal_errors.hub_error_response,
    portal_errors.invalid_response,
    portal_errors.http_error_response,
)
OIDC = dataclasses.replace(PORTAL, prefix="/oidcsettings")

#: Longest prefix first; families add themselves here as they land (lower-case prefixes).
FACES: list[Face] = [CENTRAL, ARCHIVIST, PORTAL, OIDC]


def describe(error: RequestValidationError) -> str:
    """One line naming each invalid field, for any face's error body."""
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
        if item.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        parts.append(f"{where or 'body'}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is malformed."


def face_of(request: Request) -> Face:
    path = request.scope["path"].lower()
    for face in FACES:
        if path.startswith(face.prefix):
            return face
    return IOTHUB


def mount(app: FastAPI) -> None:
    """Add every API family and the error handlers that give each its own error shape."""
    app.include_router(iothub.router())
    app.include_router(central.router(), prefix="/central")
    app.include_router(archivist.router())
    app.include_router(portal.router())
    app.add_middleware(PortalPaths)  # innermost: routes see the Portal's fixed words lower-cased

    @app.exception_handler(HubError)
    async def hub_error(request: Request, error: HubError) -> Response:
        return face_of(request).hub_error(request, error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        return face_of(request).invalid(request, error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        return face_of(request).http_error(request, error)
