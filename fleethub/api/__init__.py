"""FACES for back ends: one package per published API family, mounted by `mount()`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from fleethub.api import iothub
from fleethub.api.iothub import errors as iothub_errors
from fleethub.hub.errors import HubError


def _describe(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
        if item.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        parts.append(f"{where or 'body'}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is malformed."


def mount(app: FastAPI) -> None:
    """Add every API family and the error handlers that give each its own error shape."""
    app.include_router(iothub.router())

    @app.exception_handler(HubError)
    async def hub_error(request: Request, error: HubError) -> Response:
        return iothub_errors.hub_error_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        return iothub_errors.error_response(request, 400, "ArgumentInvalid", _describe(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        code = {404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code, "BadRequest")
        response = iothub_errors.error_response(request, error.status_code, code, str(error.detail))
        if error.headers:
            response.headers.update(error.headers)
        return response
